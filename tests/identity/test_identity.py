"""The Entra ID bits: token endpoint grants, the sign-in page, discovery and keys."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from tests.client import Graph
from tests.constants import ADELE, ADELE_UPN, BUSY_LIGHT, PRESENCE_SYNC, PRESENCE_WALL, TENANT
from tests.identity.entra import assert_entra_error, password_form

DASHBOARD = "9a1c3e5b-7d9f-4b1d-a3c5-e7a9c1e3b5d7"
TOKEN = f"/{TENANT}/oauth2/v2.0/token"
AUTHORIZE = f"/{TENANT}/oauth2/v2.0/authorize"
GRAPH_DEFAULT = "https://graph.microsoft.com/.default"


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def post_token(graph: Graph, form: dict[str, str], path: str = TOKEN) -> httpx.Response:
    return graph.admin.post(path, data=form)


# --- client credentials ------------------------------------------------------------------


def test_client_credentials_gives_an_app_token_with_the_apps_roles(graph: Graph) -> None:
    response = post_token(
        graph,
        {
            "grant_type": "client_credentials",
            "client_id": PRESENCE_SYNC,
            "client_secret": "presence-sync-secret",
            "scope": GRAPH_DEFAULT,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 3000
    token = claims(body["access_token"])
    assert token["roles"] == [
        "Presence.ReadWrite.All",
        "User.Read.All",
        "ProfilePhoto.Read.All",
        "GroupMember.Read.All",
    ]
    assert (token["appid"], token["tid"], token["idtyp"]) == (PRESENCE_SYNC, TENANT, "app")
    presence = graph.admin.get(
        f"/v1.0/users/{ADELE}/presence", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert presence.status_code == 200


def test_client_secret_basic_is_accepted(graph: Graph) -> None:
    basic = base64.b64encode(f"{PRESENCE_WALL}:presence-wall-secret".encode()).decode()
    response = graph.admin.post(
        TOKEN,
        data={"grant_type": "client_credentials", "scope": GRAPH_DEFAULT},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.text
    assert claims(response.json()["access_token"])["roles"] == [
        "Presence.Read.All",
        "User.Read.All",
        "ProfilePhoto.Read.All",
        "GroupMember.Read.All",
    ]


@pytest.mark.parametrize(
    ("form", "status", "error", "code"),
    [
        (
            {
                "client_id": "0ac0b4ee-0000-4000-8000-000000000000",
                "client_secret": "x",
                "scope": GRAPH_DEFAULT,
            },
            400,
            "unauthorized_client",
            700016,
        ),
        (
            {"client_id": PRESENCE_SYNC, "client_secret": "wrong", "scope": GRAPH_DEFAULT},
            401,
            "invalid_client",
            7000215,
        ),
        ({"client_id": PRESENCE_SYNC, "scope": GRAPH_DEFAULT}, 401, "invalid_client", 7000218),
        (
            {
                "client_id": PRESENCE_SYNC,
                "client_secret": "presence-sync-secret",
                "scope": "Presence.Read.All",
            },
            400,
            "invalid_scope",
            1002012,
        ),
        (
            {
                "client_id": PRESENCE_SYNC,
                "client_secret": "presence-sync-secret",
                "scope": "api://something-else/.default",
            },
            400,
            "invalid_resource",
            500011,
        ),
        (
            {"client_id": PRESENCE_SYNC, "client_secret": "presence-sync-secret"},
            400,
            "invalid_scope",
            1002012,
        ),
    ],
)
def test_client_credentials_errors(
    graph: Graph, form: dict[str, str], status: int, error: str, code: int
) -> None:
    assert_entra_error(
        post_token(graph, {"grant_type": "client_credentials", **form}), status, error, code
    )


@pytest.mark.parametrize(
    ("form", "error", "code"),
    [
        ({"client_id": PRESENCE_SYNC}, "invalid_request", 900144),
        (
            {"grant_type": "implicit", "client_id": PRESENCE_SYNC},
            "unsupported_grant_type",
            70003,
        ),
        ({"grant_type": "client_credentials"}, "invalid_request", 900144),
    ],
)
def test_malformed_token_requests(
    graph: Graph, form: dict[str, str], error: str, code: int
) -> None:
    assert_entra_error(post_token(graph, form), 400, error, code)


def test_unknown_tenant_name_is_an_entra_error(graph: Graph) -> None:
    assert_entra_error(
        post_token(
            graph, {"grant_type": "client_credentials"}, path="/fabrikam.example/oauth2/v2.0/token"
        ),
        400,
        "invalid_request",
        90002,
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"%%%",
        b"grant_type=password&&&",
        b"\xff\xfe",
        b"grant_type=password&client_id=" + b"x" * 5000,
    ],
)
def test_garbage_never_500s(graph: Graph, body: bytes) -> None:
    response = graph.admin.post(
        TOKEN, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert 400 <= response.status_code < 500
    assert "error" in response.json()


# --- password (resource owner) -------------------------------------------------------------


@pytest.mark.parametrize(
    "scope", ["Presence.Read", "https://graph.microsoft.com/Presence.Read", GRAPH_DEFAULT]
)
def test_password_grant(graph: Graph, scope: str) -> None:
    # What MSAL sends beside the grant: OIDC scopes, client_info, claims, telemetry headers.
    response = graph.admin.post(
        TOKEN,
        data=password_form(
            scope=f"{scope} openid profile offline_access",
            client_info="1",
            claims='{"access_token":{"xms_cc":{"values":["CP1"]}}}',
        ),
        headers={
            "x-client-SKU": "MSAL.Python",
            "x-client-Ver": "1.39.0",
            "x-ms-lib-capability": "retry-after, h429",
            "client-request-id": "abc",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    access = claims(body["access_token"])
    assert access["oid"] == ADELE
    assert "Presence.Read" in access["scp"].split()
    assert (access["name"], access["upn"], access["unique_name"]) == (
        "Adele Vance",
        ADELE_UPN,
        ADELE_UPN,
    )
    identity = claims(body["id_token"])
    assert (identity["aud"], identity["oid"], identity["tid"]) == (BUSY_LIGHT, ADELE, TENANT)
    assert body["refresh_token"]
    info = json.loads(base64.urlsafe_b64decode(body["client_info"] + "=="))
    assert info == {"uid": ADELE, "utid": TENANT}
    me = graph.admin.get(
        "/v1.0/me/presence", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200


@pytest.mark.parametrize(
    ("changes", "error", "code"),
    [
        ({"password": "wrong"}, "invalid_grant", 50126),
        ({"username": "nobody@contoso.example"}, "invalid_grant", 50034),
        ({"scope": "Presence.ReadWrite.All"}, "invalid_grant", 65001),
        ({"scope": "Presence.Read https://graph.microsoft.com/.default"}, "invalid_scope", 70011),
        ({"client_secret": "a-secret"}, "invalid_client", 700025),
    ],
)
def test_password_grant_errors(
    graph: Graph, changes: dict[str, str], error: str, code: int
) -> None:
    form = password_form(scope="Presence.Read openid")
    form.update(changes)
    response = post_token(graph, form)
    assert_entra_error(response, 401 if error == "invalid_client" else 400, error, code)


def test_confidential_client_needs_its_secret_for_password_grant(graph: Graph) -> None:
    form = password_form(scope="Presence.Read", client_id=DASHBOARD)
    assert_entra_error(post_token(graph, form), 401, "invalid_client", 7000218)
    form["client_secret"] = "dashboard-secret"
    assert post_token(graph, form).status_code == 200


# --- refresh token -------------------------------------------------------------------------


def test_refresh_token_grant_and_its_expiry(graph: Graph) -> None:
    first = post_token(graph, password_form(scope="Presence.Read offline_access")).json()
    refreshed = post_token(
        graph,
        {
            "grant_type": "refresh_token",
            "client_id": BUSY_LIGHT,
            "refresh_token": first["refresh_token"],
            "scope": "Presence.Read offline_access",
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    assert claims(refreshed.json()["access_token"])["oid"] == ADELE

    graph.advance("P91D")
    expired = post_token(
        graph,
        {
            "grant_type": "refresh_token",
            "client_id": BUSY_LIGHT,
            "refresh_token": first["refresh_token"],
        },
    )
    assert_entra_error(expired, 400, "invalid_grant", 700082)
    bogus = post_token(
        graph,
        {"grant_type": "refresh_token", "client_id": BUSY_LIGHT, "refresh_token": "not-a-token"},
    )
    assert bogus.json()["error"] == "invalid_grant"


# --- authorization code with PKCE, through the sign-in page --------------------------------


def pkce(method: str) -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    if method == "plain":
        return verifier, verifier
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(challenge: str, method: str, **extra: str) -> dict[str, str]:
    return {
        "client_id": BUSY_LIGHT,
        "response_type": "code",
        "redirect_uri": "http://localhost:5123",
        "scope": "Presence.Read openid",
        "state": "s-1",
        "nonce": "n-1",
        "code_challenge": challenge,
        "code_challenge_method": method,
        **extra,
    }


def follow_sign_in(graph: Graph, params: dict[str, str]) -> dict[str, list[str]]:
    """A browser's part: open the sign-in page, choose Adele, read the redirect."""
    page = graph.admin.get(AUTHORIZE, params=params)
    assert page.status_code == 200
    assert "Adele Vance" in page.text
    assert "Pick an account" in page.text
    chosen = graph.admin.post(AUTHORIZE, data={**params, "mockgraph_user": ADELE})
    assert chosen.status_code == 302
    location = urlsplit(chosen.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == params["redirect_uri"]
    return parse_qs(location.query)


@pytest.mark.parametrize("method", ["S256", "plain"])
def test_authorization_code_with_pkce(graph: Graph, method: str) -> None:
    verifier, challenge = pkce(method)
    params = authorize_params(challenge, method)
    returned = follow_sign_in(graph, params)
    assert returned["state"] == ["s-1"]
    redeem = {
        "grant_type": "authorization_code",
        "client_id": BUSY_LIGHT,
        "code": returned["code"][0],
        "redirect_uri": params["redirect_uri"],
        "code_verifier": verifier,
    }

    response = post_token(graph, redeem)

    assert response.status_code == 200, response.text
    assert claims(response.json()["id_token"])["nonce"] == "n-1"
    assert claims(response.json()["access_token"])["oid"] == ADELE
    assert_entra_error(post_token(graph, redeem), 400, "invalid_grant", 54005)


def test_bad_verifier_and_bad_code(graph: Graph) -> None:
    _, challenge = pkce("S256")
    params = authorize_params(challenge, "S256")
    code = follow_sign_in(graph, params)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "client_id": BUSY_LIGHT,
        "code": code,
        "redirect_uri": params["redirect_uri"],
        "code_verifier": "wrong-verifier",
    }
    assert_entra_error(post_token(graph, form), 400, "invalid_grant", 501481)
    assert_entra_error(post_token(graph, {**form, "code": "made-up"}), 400, "invalid_grant", 70000)


def test_code_expires_after_ten_minutes(graph: Graph) -> None:
    verifier, challenge = pkce("S256")
    params = authorize_params(challenge, "S256")
    code = follow_sign_in(graph, params)["code"][0]
    graph.advance("PT10M")
    form = {
        "grant_type": "authorization_code",
        "client_id": BUSY_LIGHT,
        "code": code,
        "redirect_uri": params["redirect_uri"],
        "code_verifier": verifier,
    }
    assert_entra_error(post_token(graph, form), 400, "invalid_grant", 70008)


def test_login_hint_signs_in_without_a_click(graph: Graph) -> None:
    _, challenge = pkce("S256")
    response = graph.admin.get(
        AUTHORIZE,
        params=authorize_params(challenge, "S256", login_hint=ADELE_UPN, response_mode="fragment"),
    )
    assert response.status_code == 302
    fragment = parse_qs(urlsplit(response.headers["location"]).fragment)
    assert fragment["code"]
    assert fragment["state"] == ["s-1"]


def test_prompt_none_without_a_user_returns_login_required(graph: Graph) -> None:
    _, challenge = pkce("S256")
    response = graph.admin.get(AUTHORIZE, params=authorize_params(challenge, "S256", prompt="none"))
    assert response.status_code == 302
    returned = parse_qs(urlsplit(response.headers["location"]).query)
    assert returned["error"] == ["login_required"]


def test_unregistered_redirect_uri_is_an_error_page_not_a_redirect(graph: Graph) -> None:
    _, challenge = pkce("S256")
    params = authorize_params(challenge, "S256", redirect_uri="https://evil.example/callback")
    response = graph.admin.get(AUTHORIZE, params=params)
    assert response.status_code == 400
    assert "AADSTS50011" in response.text
    assert "location" not in response.headers


def test_form_post_response_mode(graph: Graph) -> None:
    _, challenge = pkce("S256")
    response = graph.admin.get(
        AUTHORIZE,
        params=authorize_params(challenge, "S256", login_hint=ADELE_UPN, response_mode="form_post"),
    )
    assert response.status_code == 200
    assert "name='code'" in response.text
    assert "document.forms[0].submit()" in response.text


# --- discovery and keys --------------------------------------------------------------------


@pytest.mark.parametrize("tenant", [TENANT, "common", "organizations", "contoso.example"])
def test_discovery_is_consistent_with_the_tokens(graph: Graph, tenant: str) -> None:
    config = graph.admin.get(f"/{tenant}/v2.0/.well-known/openid-configuration").json()
    assert config["token_endpoint"].endswith(
        f"/{tenant if tenant in ('common', 'organizations') else TENANT}/oauth2/v2.0/token"
    )
    keys = graph.admin.get(urlsplit(config["jwks_uri"]).path).json()["keys"]
    token = post_token(
        graph,
        {
            "grant_type": "client_credentials",
            "client_id": PRESENCE_SYNC,
            "client_secret": "presence-sync-secret",
            "scope": GRAPH_DEFAULT,
        },
    ).json()["access_token"]
    header = jwt.get_unverified_header(token)
    key = next(k for k in keys if k["kid"] == header["kid"])
    verified = jwt.decode(
        token,
        jwt.algorithms.RSAAlgorithm.from_jwk(key),  # type: ignore[arg-type]
        algorithms=["RS256"],
        audience="https://graph.microsoft.com",
        # The tests' clock is frozen in 2026-03; the signature and claims are what is checked.
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )
    # Discovery's issuer is the v2 one of ID tokens; Graph's access tokens are v1.0 tokens.
    assert config["issuer"].replace("{tenantid}", TENANT).endswith(f"/{TENANT}/v2.0")
    assert (verified["iss"], verified["ver"]) == (f"https://sts.windows.net/{TENANT}/", "1.0")


def test_user_realm_says_managed(graph: Graph) -> None:
    body = graph.admin.get(f"/common/userrealm/{ADELE_UPN}", params={"api-version": "1.0"}).json()
    assert body["account_type"] == "Managed"
    assert body["domain_name"] == "contoso.example"
