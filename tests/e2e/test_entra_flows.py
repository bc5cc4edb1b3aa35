"""The Entra flows real presence clients use, driven by the real libraries over TLS: device
code (MSAL Python, azure-identity, msal-node, a person in Chromium), certificate credentials
(azure-identity sync and aio, MSAL with both thumbprint kinds) and on-behalf-of (MSAL)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import msal
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CertificateCredential, ClientSecretCredential, DeviceCodeCredential
from azure.identity.aio import CertificateCredential as AsyncCertificateCredential

from mockgraph.settings import Settings
from tests.certificates import Certificate, fixtures_with, make_certificate
from tests.constants import ADELE, ADELE_UPN, ALEX, BUSY_LIGHT, PRESENCE_SYNC, TENANT
from tests.e2e.node import NODE, node_packages
from tests.e2e.test_device_code_page import approve_in_browser
from tests.e2e.test_real_clients import (
    GRAPH_DEFAULT,
    TlsServer,
    _start,
    graph_client,
    graph_get,
)
from tests.identity.test_device_code import MESSAGE

DASHBOARD = "9a1c3e5b-7d9f-4b1d-a3c5-e7a9c1e3b5d7"
DASHBOARD_SECRET = "dashboard-secret"


@pytest.fixture(scope="module")
def certificate() -> Certificate:
    return make_certificate()


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="mockgraph-e2e-entra-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def entra(folder: Path, certificate: Certificate) -> Iterator[TlsServer]:
    """mockgraph over TLS; Presence Sync and Presence Dashboard hold a certificate."""
    certificate.write(folder / "presence-sync.pem")
    both = {"certificates": ["presence-sync.pem"]}
    fixtures = fixtures_with(folder / "fixtures.json", {PRESENCE_SYNC: both, DASHBOARD: both})
    server, ca = _start(settings=Settings(fixtures=fixtures))
    try:
        yield TlsServer(f"https://localhost:{server.port}", ca)
    finally:
        server.stop()


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch, entra: TlsServer) -> TlsServer:
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(variable, str(entra.ca))
    httpx.post(f"{entra.base}/_mockgraph/reset", verify=entra.context())
    return entra


def approve(server: TlsServer, user_code: str, user: str = ADELE_UPN, **body: str) -> None:
    response = httpx.post(
        f"{server.base}/_mockgraph/device-codes/{user_code}",
        json={"userId": user, **body},
        verify=server.context(),
    )
    assert response.status_code == 200, response.text


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


# --- device code -------------------------------------------------------------------------


def public_client(server: TlsServer, client_id: str = BUSY_LIGHT) -> msal.PublicClientApplication:
    return msal.PublicClientApplication(
        client_id, authority=f"{server.base}/{TENANT}", instance_discovery=False
    )


def test_msal_device_flow_approved_through_the_control_plane(trusted: TlsServer) -> None:
    app = public_client(trusted)
    flow = app.initiate_device_flow(scopes=["Presence.Read"])
    assert "user_code" in flow, flow
    assert MESSAGE.fullmatch(flow["message"])
    assert flow["verification_uri"] == f"{trusted.base}/devicelogin"

    approve(trusted, flow["user_code"])
    result = app.acquire_token_by_device_flow(flow)

    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == ADELE_UPN
    assert result["id_token_claims"]["iss"] == f"{trusted.base}/{TENANT}/v2.0"
    assert graph_get(trusted, "/v1.0/me/presence", result["access_token"]).json()["id"] == ADELE
    silent = app.acquire_token_silent(
        ["Presence.Read"], account=app.get_accounts()[0], force_refresh=True
    )
    assert silent is not None
    assert "access_token" in silent, silent


def test_msal_device_flow_declined_and_expired(trusted: TlsServer) -> None:
    app = public_client(trusted)
    declined = app.initiate_device_flow(scopes=["Presence.Read"])
    approve(trusted, declined["user_code"], decision="deny")
    result = app.acquire_token_by_device_flow(declined)
    assert (result["error"], result["error_codes"]) == ("authorization_declined", [65004])

    expiring = app.initiate_device_flow(scopes=["Presence.Read.All"])
    httpx.post(
        f"{trusted.base}/_mockgraph/clock", json={"advance": "PT15M"}, verify=trusted.context()
    )
    result = app.acquire_token_by_device_flow(expiring)
    assert (result["error"], result["error_codes"]) == ("expired_token", [70020])


def test_msal_device_flow_approved_by_a_person_in_chromium(trusted: TlsServer) -> None:
    app = public_client(trusted)
    flow = app.initiate_device_flow(scopes=["Presence.Read"])

    approve_in_browser(flow["verification_uri"], flow["user_code"], ALEX)
    result = app.acquire_token_by_device_flow(flow)

    assert "access_token" in result, result
    assert claims(result["access_token"])["oid"] == ALEX


def test_azure_identity_device_code_credential_feeds_msgraph_sdk(trusted: TlsServer) -> None:
    prompts: list[tuple[str, str]] = []

    def prompt_callback(verification_uri: str, user_code: str, expires_on: Any) -> None:
        prompts.append((verification_uri, user_code))
        approve(trusted, user_code)

    # The default client id (the Azure CLI's) and the default tenant (organizations).
    credential = DeviceCodeCredential(
        authority=trusted.base, disable_instance_discovery=True, prompt_callback=prompt_callback
    )

    async def scenario() -> Any:
        async with AsyncExitStack() as stack:
            client = await graph_client(credential, trusted, stack)
            first = await client.me.presence.get()
            again = await client.me.presence.get()
            return first, again

    first, again = asyncio.run(scenario())

    assert first.id == again.id == ADELE
    assert len(prompts) == 1
    assert prompts[0][0] == f"{trusted.base}/devicelogin"
    # The Graph SDK asks for CAE tokens, which azure-identity caches apart from the others.
    token = credential.get_token(GRAPH_DEFAULT, enable_cae=True).token
    assert claims(token)["appid"] == "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
    assert len(prompts) == 1


def test_azure_identity_authentication_record_points_back_at_mockgraph(
    trusted: TlsServer,
) -> None:
    # azure-identity reads a record's "localhost:PORT" as a URL scheme; an IP address it reads
    # as a host (the certificate covers 127.0.0.1 too).
    base = trusted.base.replace("localhost", "127.0.0.1")
    credential = DeviceCodeCredential(
        authority=base,
        disable_instance_discovery=True,
        prompt_callback=lambda uri, code, expires: approve(trusted, code),
    )
    record = credential.authenticate(scopes=["Presence.Read"])
    # The id_token's iss names the host the client called: the record's authority.
    assert record.authority == urlsplit(base).netloc
    assert record.username == ADELE_UPN

    later = DeviceCodeCredential(
        authentication_record=record,
        disable_instance_discovery=True,
        prompt_callback=lambda uri, code, expires: approve(trusted, code),
    )
    assert claims(later.get_token("Presence.Read").token)["oid"] == ADELE


def test_device_code_credential_reports_a_declined_code(trusted: TlsServer) -> None:
    credential = DeviceCodeCredential(
        authority=trusted.base,
        disable_instance_discovery=True,
        prompt_callback=lambda uri, code, expires: approve(trusted, code, decision="deny"),
    )
    with pytest.raises(ClientAuthenticationError, match="AADSTS65004"):
        credential.get_token(GRAPH_DEFAULT)


@pytest.fixture(scope="module")
def unattended() -> Iterator[TlsServer]:
    server, ca = _start(settings=Settings(device_code_user="alex.wilber@contoso.example"))
    try:
        yield TlsServer(f"https://localhost:{server.port}", ca)
    finally:
        server.stop()


def test_msal_node_device_code_with_an_automatic_user(unattended: TlsServer) -> None:
    node_packages()
    started = time.monotonic()
    result = subprocess.run(
        ["node", "device-code-client.mjs", unattended.base, TENANT, BUSY_LIGHT],
        cwd=NODE,
        env={**os.environ, "NODE_EXTRA_CA_CERTS": str(unattended.ca)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert MESSAGE.fullmatch(answer["message"])
    assert (answer["username"], answer["id"]) == ("alex.wilber@contoso.example", ALEX)
    assert time.monotonic() - started < 110


# --- certificate credentials -------------------------------------------------------------


def test_certificate_credential_sync(trusted: TlsServer, folder: Path) -> None:
    # Through MSAL with the SHA-1 thumbprint: RS256 and x5t.
    credential = CertificateCredential(
        TENANT,
        PRESENCE_SYNC,
        certificate_path=str(folder / "presence-sync.pem"),
        authority=trusted.base,
        disable_instance_discovery=True,
    )
    token = credential.get_token(GRAPH_DEFAULT).token
    assert "Presence.ReadWrite.All" in claims(token)["roles"]
    assert graph_get(trusted, f"/v1.0/users/{ADELE}/presence", token).status_code == 200


def test_certificate_credential_aio(trusted: TlsServer, folder: Path) -> None:
    # Its own client: PS256 and x5t#S256, base64url with `=` padding, no iat, no discovery.
    async def token() -> str:
        async with AsyncCertificateCredential(
            TENANT,
            PRESENCE_SYNC,
            certificate_path=str(folder / "presence-sync.pem"),
            authority=trusted.base,
            disable_instance_discovery=True,
        ) as credential:
            access = await credential.get_token(GRAPH_DEFAULT)
            return str(access.token)

    assert claims(asyncio.run(token()))["appid"] == PRESENCE_SYNC


@pytest.mark.parametrize("kind", ["sha1 thumbprint (RS256, x5t)", "certificate (PS256, x5t#S256)"])
def test_msal_confidential_client_with_a_certificate(
    trusted: TlsServer, certificate: Certificate, kind: str
) -> None:
    credential: dict[str, str] = {"private_key": certificate.key_pem}
    if kind.startswith("sha1"):
        credential["thumbprint"] = certificate.sha1_hex
    else:
        credential["public_certificate"] = certificate.cert_pem
    app = msal.ConfidentialClientApplication(
        PRESENCE_SYNC,
        client_credential=credential,
        authority=f"{trusted.base}/{TENANT}",
        instance_discovery=False,
    )
    result = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert "access_token" in result, result
    assert "Presence.ReadWrite.All" in claims(result["access_token"])["roles"]


def test_msal_with_an_unregistered_certificate(trusted: TlsServer) -> None:
    stranger = make_certificate("stranger")
    app = msal.ConfidentialClientApplication(
        PRESENCE_SYNC,
        client_credential={"private_key": stranger.key_pem, "thumbprint": stranger.sha1_hex},
        authority=f"{trusted.base}/{TENANT}",
        instance_discovery=False,
    )
    result = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert (result["error"], result["error_codes"]) == ("invalid_client", [700027])


# --- on-behalf-of ------------------------------------------------------------------------


def user_token_for_dashboard(server: TlsServer) -> str:
    app = public_client(server)
    flow = app.initiate_device_flow(scopes=[f"api://{DASHBOARD}/access_as_user"])
    approve(server, flow["user_code"])
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    token: str = result["access_token"]
    return token


@pytest.mark.parametrize("credential", ["secret", "certificate"])
def test_msal_acquire_token_on_behalf_of(
    trusted: TlsServer, certificate: Certificate, credential: str
) -> None:
    incoming = user_token_for_dashboard(trusted)
    assert claims(incoming)["aud"] == f"api://{DASHBOARD}"
    middle_tier = msal.ConfidentialClientApplication(
        DASHBOARD,
        client_credential=DASHBOARD_SECRET
        if credential == "secret"
        else {"private_key": certificate.key_pem, "public_certificate": certificate.cert_pem},
        authority=f"{trusted.base}/{TENANT}",
        instance_discovery=False,
    )

    result = middle_tier.acquire_token_on_behalf_of(incoming, scopes=["Presence.Read.All"])

    assert "access_token" in result, result
    token = claims(result["access_token"])
    assert (token["oid"], token["appid"], token["ver"]) == (ADELE, DASHBOARD, "1.0")
    assert "Presence.Read.All" in token["scp"].split()
    response = graph_get(trusted, f"/v1.0/users/{ALEX}/presence", result["access_token"])
    assert response.status_code == 200


def test_msal_on_behalf_of_refuses_a_token_for_graph(trusted: TlsServer) -> None:
    app = public_client(trusted)
    flow = app.initiate_device_flow(scopes=["Presence.Read"])
    approve(trusted, flow["user_code"])
    for_graph = app.acquire_token_by_device_flow(flow)["access_token"]
    middle_tier = msal.ConfidentialClientApplication(
        DASHBOARD,
        client_credential=DASHBOARD_SECRET,
        authority=f"{trusted.base}/{TENANT}",
        instance_discovery=False,
    )
    result = middle_tier.acquire_token_on_behalf_of(for_graph, scopes=["Presence.Read"])
    assert (result["error"], result["error_codes"]) == ("invalid_grant", [500131])


# --- Entra's v1.0 claims, as the real clients get them -----------------------------------
# https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference

PATTI_UPN = "patti.fernandez@contoso.example"
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
DEFAULT_USER_ROLE = "b79fbf4d-3ef9-4689-8143-76b194e85509"
BUSY_LIGHT_PERMISSIONS = {
    "Presence.Read",
    "Presence.Read.All",
    "Presence.ReadWrite",
    "User.Read",
    "User.ReadBasic.All",
    "ProfilePhoto.Read.All",
    "GroupMember.Read.All",
}


def assert_v1_app_token(token: str, appidacr: str) -> None:
    decoded = claims(token)
    issuer = f"https://sts.windows.net/{TENANT}/"
    assert (decoded["ver"], decoded["iss"], decoded["idp"]) == ("1.0", issuer, issuer)
    assert (decoded["aud"], decoded["tid"]) == ("https://graph.microsoft.com", TENANT)
    assert (decoded["appid"], decoded["appidacr"]) == (PRESENCE_SYNC, appidacr)
    assert decoded["app_displayname"] == "Presence Sync (application read and write)"
    assert decoded["oid"] == decoded["sub"]
    assert {"uti", "iat", "nbf", "exp"} <= set(decoded)
    assert "Presence.ReadWrite.All" in decoded["roles"]
    assert not {"scp", "azp", "upn", "wids"} & set(decoded)


@pytest.mark.parametrize("credential", ["secret", "certificate"])
def test_msal_confidential_client_gets_a_v1_app_token(
    trusted: TlsServer, certificate: Certificate, credential: str
) -> None:
    app = msal.ConfidentialClientApplication(
        PRESENCE_SYNC,
        client_credential="presence-sync-secret"
        if credential == "secret"
        else {"private_key": certificate.key_pem, "public_certificate": certificate.cert_pem},
        authority=f"{trusted.base}/{TENANT}",
        instance_discovery=False,
    )

    result = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])

    assert "access_token" in result, result
    assert_v1_app_token(result["access_token"], "1" if credential == "secret" else "2")


def test_azure_identity_credentials_get_v1_app_tokens(trusted: TlsServer, folder: Path) -> None:
    by_secret = ClientSecretCredential(
        TENANT,
        PRESENCE_SYNC,
        "presence-sync-secret",
        authority=trusted.base,
        disable_instance_discovery=True,
    )
    by_certificate = CertificateCredential(
        TENANT,
        PRESENCE_SYNC,
        certificate_path=str(folder / "presence-sync.pem"),
        authority=trusted.base,
        disable_instance_discovery=True,
    )

    assert_v1_app_token(by_secret.get_token(GRAPH_DEFAULT).token, "1")
    assert_v1_app_token(by_certificate.get_token(GRAPH_DEFAULT).token, "2")


def test_a_public_client_asking_in_lower_case_gets_the_union_in_entras_spelling(
    trusted: TlsServer,
) -> None:
    app = public_client(trusted)
    flow = app.initiate_device_flow(scopes=["presence.read"])
    approve(trusted, flow["user_code"], user=PATTI_UPN)

    result = app.acquire_token_by_device_flow(flow)

    assert "access_token" in result, result
    token = claims(result["access_token"])
    # Every delegated permission granted to the app, as the registration spells them.
    assert set(token["scp"].split()) == BUSY_LIGHT_PERMISSIONS
    assert set(result["scope"].split()) >= BUSY_LIGHT_PERMISSIONS
    assert (token["ver"], token["iss"]) == ("1.0", f"https://sts.windows.net/{TENANT}/")
    assert (token["appid"], token["appidacr"], token["aud"]) == (
        BUSY_LIGHT,
        "0",
        "https://graph.microsoft.com",
    )
    assert (token["upn"], token["unique_name"], token["name"]) == (
        PATTI_UPN,
        PATTI_UPN,
        "Patti Fernandez",
    )
    assert (token["given_name"], token["family_name"]) == ("Patti", "Fernandez")
    assert token["wids"] == [GLOBAL_ADMINISTRATOR, DEFAULT_USER_ROLE]
    assert token["app_displayname"] == "Busy Light (delegated read and write)"
    assert "idp" not in token
    # Graph takes it, for a permission the client never named.
    assert graph_get(trusted, "/v1.0/users?$top=1", result["access_token"]).status_code == 200


def test_azure_identity_user_token_has_the_v1_claims_and_the_union(trusted: TlsServer) -> None:
    credential = DeviceCodeCredential(
        client_id=BUSY_LIGHT,
        tenant_id=TENANT,
        authority=trusted.base,
        disable_instance_discovery=True,
        prompt_callback=lambda uri, code, expires: approve(trusted, code, user=PATTI_UPN),
    )

    token = claims(credential.get_token("https://graph.microsoft.com/presence.read").token)

    assert set(token["scp"].split()) == BUSY_LIGHT_PERMISSIONS
    assert (token["ver"], token["appid"], token["appidacr"]) == ("1.0", BUSY_LIGHT, "0")
    assert (token["upn"], token["unique_name"]) == (PATTI_UPN, PATTI_UPN)
    assert token["wids"] == [GLOBAL_ADMINISTRATOR, DEFAULT_USER_ROLE]


def test_device_code_consent_is_given_at_sign_in(trusted: TlsServer) -> None:
    # Microsoft Graph Command Line Tools: a first-party client, whose users may consent to any
    # Graph scope at sign-in (docs/fidelity.md, 'Scopes and consent').
    app = public_client(trusted, "14d82eec-204b-4c2f-b7e8-296a70dab67e")
    flow = app.initiate_device_flow(scopes=["Chat.Read", "Presence.Read"])
    assert "user_code" in flow, flow

    # The person signs in (the control plane's approval), consenting to Chat.Read there.
    approve(trusted, flow["user_code"])
    result = app.acquire_token_by_device_flow(flow)

    assert "access_token" in result, result
    token = claims(result["access_token"])
    assert {"Chat.Read", "Presence.Read", "User.Read"} <= set(token["scp"].split())
    assert (token["upn"], token["appidacr"], token["ver"]) == (ADELE_UPN, "0", "1.0")
    assert token["wids"] == [DEFAULT_USER_ROLE]


def test_msal_refuses_an_unknown_tenant_at_discovery(trusted: TlsServer) -> None:
    unknown = "0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b"

    with pytest.raises(ValueError, match="Unable to get authority configuration") as caught:
        msal.PublicClientApplication(
            BUSY_LIGHT, authority=f"{trusted.base}/{unknown}", instance_discovery=False
        )

    # MSAL keeps Entra's answer to its OIDC discovery as the cause.
    cause = str(caught.value.__context__)
    assert "HTTP status: 400" in cause
    assert '"error":"invalid_tenant"' in cause
    assert f"AADSTS90002: Tenant '{unknown}' not found." in cause
