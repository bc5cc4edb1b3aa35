"""Bearer tokens checked the way Graph checks them, and the permission matrix (reference §8)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mockgraph.settings import Settings
from tests.client import Graph
from tests.constants import ADELE, ALEX, PATTI, PRESENCE_SYNC, PRESENCE_WALL, TENANT

PERMISSIONS = ("Presence.Read", "Presence.Read.All", "Presence.ReadWrite", "Presence.ReadWrite.All")


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    padded = payload + "=" * (-len(payload) % 4)
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded))
    return decoded


def get_own(graph: Graph, authorization: str | None) -> httpx.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return graph.admin.get("/v1.0/me/presence", headers=headers)


def test_minted_tokens_look_like_entra_v1_graph_tokens(graph: Graph) -> None:
    user = claims_of(graph.token(userId=ADELE, scopes=["Presence.Read"]))
    app = claims_of(graph.token(appId=PRESENCE_SYNC, roles=["Presence.ReadWrite.All"]))

    assert user["aud"] == "https://graph.microsoft.com"
    assert user["iss"] == f"https://sts.windows.net/{TENANT}/"
    assert (user["oid"], user["tid"], user["scp"], user["ver"]) == (
        ADELE,
        TENANT,
        "Presence.Read",
        "1.0",
    )
    assert user["exp"] - user["iat"] == 3600
    assert "azp" not in user
    assert app["idp"] == app["iss"]
    assert app["roles"] == ["Presence.ReadWrite.All"]
    assert (app["appid"], app["idtyp"]) == (PRESENCE_SYNC, "app")
    assert "scp" not in app


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "Access token is empty."),
        ("", "Access token is empty."),
        ("Bearer", "Access token is empty."),
        ("Bearer ", "Access token is empty."),
        ("Basic dXNlcjpwYXNz", "CompactToken parsing failed with error code: 80049217"),
        ("Bearer garbage", "CompactToken parsing failed with error code: 80049217"),
        ("Bearer a.b.c", "CompactToken parsing failed with error code: 80049217"),
    ],
)
def test_missing_or_malformed_token_is_401(
    graph: Graph, authorization: str | None, message: str
) -> None:
    response = get_own(graph, authorization)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert response.json()["error"]["message"] == message


def test_truncated_token_is_401(graph: Graph) -> None:
    token = graph.token(userId=ADELE, scopes=["Presence.Read"])
    response = get_own(graph, f"Bearer {token[:-10]}")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Access token validation failure."


@pytest.fixture
def settings(key_file: Path) -> Settings:
    return Settings(signing_key=key_file)


def sign(key_file: Path, claims: dict[str, Any], kid: str) -> str:
    """A token signed with the server's own key (which a test holds through --signing-key)."""
    key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def genuine(graph: Graph) -> tuple[dict[str, Any], str]:
    """The claims and kid of a real delegated token."""
    token = graph.token(userId=ADELE, scopes=["Presence.Read"])
    return claims_of(token), jwt.get_unverified_header(token)["kid"]


def test_a_token_signed_with_the_key_file_is_accepted(graph: Graph, key_file: Path) -> None:
    claims, kid = genuine(graph)
    assert get_own(graph, f"Bearer {sign(key_file, claims, kid)}").status_code == 200


def _without(claims: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in claims.items() if k != name}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda c: {**c, "aud": "api://another-api"},
            "Access token validation failure. Invalid audience.",
        ),
        (
            lambda c: {**c, "iss": "https://evil.example/"},
            "Access token validation failure. Invalid issuer.",
        ),
        (lambda c: {**c, "exp": c["iat"] - 1}, "Access token has expired or is not yet valid."),
        (lambda c: {**c, "nbf": c["iat"] + 3600}, "Access token has expired or is not yet valid."),
        (lambda c: _without(c, "oid"), "Access token validation failure."),
        (lambda c: _without(c, "tid"), "Access token validation failure."),
        (
            lambda c: {**_without(c, "scp"), "roles": "Presence.Read"},
            "Access token validation failure.",
        ),
        (lambda c: {**c, "roles": ["Presence.ReadWrite.All"]}, "Access token validation failure."),
        (lambda c: {**c, "scp": ["Presence.Read"]}, "Access token validation failure."),
    ],
    ids=[
        "audience",
        "issuer",
        "expired",
        "not yet valid",
        "no oid",
        "no tid",
        "scopes in roles",
        "scp and roles",
        "scp not a string",
    ],
)
def test_claims_graph_would_refuse_are_401(
    graph: Graph, key_file: Path, change: Any, message: str
) -> None:
    claims, kid = genuine(graph)

    response = get_own(graph, f"Bearer {sign(key_file, change(claims), kid)}")

    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "InvalidAuthenticationToken",
        "message": message,
        "innerError": response.json()["error"]["innerError"],
    }


def test_other_keys_are_401(graph: Graph, key_file: Path) -> None:
    claims, kid = genuine(graph)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": kid})
    response = get_own(graph, f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Access token validation failure."


def test_a_token_of_an_earlier_run_is_401_with_how_to_get_a_new_one(
    graph: Graph, key_file: Path
) -> None:
    claims, _ = genuine(graph)
    for kid, named in (("an-earlier-kid", "(kid 'an-earlier-kid')"), ("<b>", "have:")):
        response = get_own(graph, f"Bearer {sign(key_file, claims, kid)}")
        assert response.status_code == 401
        error = response.json()["error"]
        assert error["code"] == "InvalidAuthenticationToken"
        assert error["message"].startswith("Access token validation failure. ")
        assert named in error["message"]
        assert "earlier run of mockgraph" in error["message"]
        assert "POST /_mockgraph/tokens" in error["message"]


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def test_hs256_signed_with_the_public_key_is_401(graph: Graph, key_file: Path) -> None:
    claims, kid = genuine(graph)
    private = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = b".".join(
        _b64(json.dumps(part).encode()) for part in ({"alg": "HS256", "kid": kid}, claims)
    )
    signature = _b64(hmac.new(public_pem, signing_input, hashlib.sha256).digest())

    response = get_own(graph, f"Bearer {(signing_input + b'.' + signature).decode()}")

    assert response.status_code == 401


def test_alg_none_is_401(graph: Graph) -> None:
    claims, kid = genuine(graph)
    unsigned = (
        b".".join(_b64(json.dumps(part).encode()) for part in ({"alg": "none", "kid": kid}, claims))
        + b"."
    )
    response = get_own(graph, f"Bearer {unsigned.decode()}")
    assert response.status_code == 401


def test_oversized_token_is_401(graph: Graph) -> None:
    response = get_own(graph, "Bearer " + "a" * 8000 + "." + "b" * 9000 + ".c")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_expired_token_is_401_by_the_virtual_clock(graph: Graph) -> None:
    token = graph.token(userId=ADELE, scopes=["Presence.Read"], expiresIn=60)
    assert get_own(graph, f"Bearer {token}").status_code == 200
    graph.advance("PT1M")
    response = get_own(graph, f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Access token has expired or is not yet valid."
    # mockgraph says why in a header of its own; Graph's body is left as Graph's.
    assert set(response.json()["error"]) == {"code", "message", "innerError"}
    assert response.headers["x-mockgraph-hint"].startswith("The tenant's virtual clock ")
    assert " is past the token's exp " in response.headers["x-mockgraph-hint"]


def test_a_token_minted_on_an_advanced_clock_is_refused_after_reset_with_a_hint(
    graph: Graph,
) -> None:
    graph.advance("P2D")
    token = graph.token(userId=ADELE, scopes=["Presence.Read"])
    minted_at = graph.control.clock.now()["now"]
    graph.control.reset()
    now = graph.control.clock.now()["now"]

    response = get_own(graph, f"Bearer {token}")

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Access token has expired or is not yet valid."
    hint = response.headers["x-mockgraph-hint"]
    nbf = f"The token's nbf {minted_at[:19]}Z"
    assert hint.startswith(f"{nbf} is after the tenant's virtual clock ")
    assert f"clock {now[:19]}Z" in hint
    assert "minted on a clock ahead of this tenant's" in hint


def test_refused_tokens_change_no_state(graph: Graph) -> None:
    before = graph.presence(PATTI)
    response = graph.admin.post(
        f"/v1.0/users/{PATTI}/presence/setPresence",
        json=SET_BODY,
        headers={"Authorization": "Bearer nonsense"},
    )
    assert response.status_code == 401
    assert graph.presence(PATTI) == before


def test_app_token_on_me_is_400(graph: Graph) -> None:
    response = graph.as_app(PRESENCE_WALL, "Presence.Read.All").get("/v1.0/me/presence")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "BadRequest",
        "message": "/me request is only valid with delegated authentication flow.",
        "innerError": response.json()["error"]["innerError"],
    }


def test_delegated_write_to_another_user_is_refused_as_the_live_service_does(graph: Graph) -> None:
    response = graph.as_user(ADELE, "Presence.ReadWrite").post(
        f"/v1.0/users/{ALEX}/presence/setStatusMessage",
        json={"statusMessage": {"message": {"content": "x", "contentType": "text"}}},
    )
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Cannot set the presence of another user."


def test_403_names_the_permission_needed(graph: Graph) -> None:
    response = graph.as_user(ADELE, "Presence.Read").get(f"/v1.0/users/{ALEX}/presence")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "Forbidden"
    message = response.json()["error"]["message"]
    assert message.startswith("Insufficient privileges to complete the operation.")
    assert "Presence.Read.All" in message


# The reference's table (§8), written out independently of the server's own matrix:
# (call, delegated permissions that allow it, application permissions that allow it).
SET_BODY = {"sessionId": "s", "availability": "Busy", "activity": "InACall"}
STATUS_BODY = {"statusMessage": {"message": {"content": "x", "contentType": "text"}}}
CALLS: list[tuple[str, str, str, dict[str, Any] | None, set[str], set[str]]] = [
    (
        "get own",
        "GET",
        f"/v1.0/users/{ADELE}/presence",
        None,
        {"Presence.Read", "Presence.Read.All"},
        {"Presence.Read.All", "Presence.ReadWrite.All"},
    ),
    (
        "get other",
        "GET",
        f"/v1.0/users/{ALEX}/presence",
        None,
        {"Presence.Read.All"},
        {"Presence.Read.All", "Presence.ReadWrite.All"},
    ),
    (
        "get other (communications)",
        "GET",
        f"/v1.0/communications/presences/{ALEX}",
        None,
        {"Presence.Read.All"},
        {"Presence.Read.All", "Presence.ReadWrite.All"},
    ),
    (
        "getPresencesByUserId",
        "POST",
        "/v1.0/communications/getPresencesByUserId",
        {"ids": [ALEX]},
        {"Presence.Read.All"},
        {"Presence.Read.All", "Presence.ReadWrite.All"},
    ),
    (
        "setPresence own",
        "POST",
        f"/v1.0/users/{ADELE}/presence/setPresence",
        SET_BODY,
        {"Presence.ReadWrite"},
        {"Presence.ReadWrite.All"},
    ),
    (
        "setPresence other",
        "POST",
        f"/v1.0/users/{PATTI}/presence/setPresence",
        SET_BODY,
        set(),
        {"Presence.ReadWrite.All"},
    ),
    (
        "setStatusMessage other",
        "POST",
        f"/v1.0/users/{PATTI}/presence/setStatusMessage",
        STATUS_BODY,
        set(),
        {"Presence.ReadWrite.All"},
    ),
    (
        "setUserPreferredPresence own",
        "POST",
        f"/v1.0/communications/presences/{ADELE}/setUserPreferredPresence",
        {"availability": "Busy", "activity": "Busy"},
        {"Presence.ReadWrite"},
        {"Presence.ReadWrite.All"},
    ),
    (
        "clearUserPreferredPresence other",
        "POST",
        f"/v1.0/users/{PATTI}/presence/clearUserPreferredPresence",
        {},
        set(),
        {"Presence.ReadWrite.All"},
    ),
    (
        "setManualLocation",
        "POST",
        "/v1.0/me/presence/setManualLocation",
        {"workLocationType": "office"},
        {"Presence.ReadWrite"},
        set(),
    ),
]
MATRIX = [
    pytest.param(call, kind, permission, id=f"{call[0]}-{kind}-{permission}")
    for call in CALLS
    for kind in ("delegated", "app")
    for permission in PERMISSIONS
]


@pytest.mark.parametrize(("call", "kind", "permission"), MATRIX)
def test_permission_matrix(graph: Graph, call: tuple[Any, ...], kind: str, permission: str) -> None:
    _name, method, path, body, delegated, application = call
    # A delegated caller is Adele ("own" rows address her); an app is never a user.
    if kind == "delegated":
        client = graph.as_user(ADELE, permission)
        allowed = permission in delegated
    else:
        client = graph.as_app(PRESENCE_SYNC, permission)
        allowed = permission in application and not path.startswith("/v1.0/me/")

    response = client.request(method, path, json=body)

    if allowed:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code in (400, 401, 403), response.text
        assert response.json()["error"]["code"] in ("Forbidden", "Unauthorized", "BadRequest")


def test_tokens_of_another_tenant_see_their_own_copy(graph: Graph) -> None:
    other_tenant = "11111111-2222-4333-8444-555555555555"
    app_a = graph.as_app()
    app_b = graph.as_app(PRESENCE_SYNC, tenantId=other_tenant)
    app_a.post(f"/v1.0/users/{PATTI}/presence/setPresence", json=SET_BODY)

    seen_by_b = app_b.get(f"/v1.0/users/{PATTI}/presence").json()
    assert seen_by_b["availability"] == "Offline"
    assert graph.presence(PATTI)["availability"] == "Busy"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "Give userId"),
        ({"userId": ADELE, "roles": ["x"]}, "carries scopes, not roles"),
        ({"appId": PRESENCE_SYNC, "scopes": ["x"]}, "carries roles, not scopes"),
        ({"userId": "adele"}, "neither an object id nor the userPrincipalName"),
        ({"appId": PRESENCE_SYNC, "roles": [], "expiresIn": -1}, "expiresIn"),
        ({"userId": ADELE, "colour": "blue"}, "'colour'"),
    ],
)
def test_token_helper_refuses_bad_requests(
    graph: Graph, body: dict[str, Any], fragment: str
) -> None:
    response = graph.admin.post("/_mockgraph/tokens", json=body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]
