"""The real Microsoft client libraries, unmodified, against mockgraph over TLS: MSAL (both
client types), azure-identity credentials feeding msgraph-sdk, and the auth-code + PKCE flow."""

from __future__ import annotations

import asyncio
import html
import os
import re
import socket
import ssl
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import msal
import pytest
from azure.identity import (
    AuthorizationCodeCredential,
    ClientSecretCredential,
    UsernamePasswordCredential,
)
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.users.item.presence.set_presence.set_presence_post_request_body import (
    SetPresencePostRequestBody,
)
from msgraph.graph_request_adapter import options as sdk_default_options
from msgraph_core import GraphClientFactory

from mockgraph.app import create_app
from mockgraph.server import ServerThread
from mockgraph.settings import Settings
from mockgraph.tls import make_certificates
from tests.constants import ADELE, ALEX, BUSY_LIGHT, PATTI, PRESENCE_SYNC, TENANT
from tests.e2e.node import NODE, node_packages

ADELE_UPN, ADELE_PASSWORD = "adele.vance@contoso.example", "Adele-Pa55!"
ALEX_UPN, ALEX_PASSWORD = "alex.wilber@contoso.example", "Alex-Pa55!"
SYNC_SECRET = "presence-sync-secret"
GRAPH_DEFAULT = "https://graph.microsoft.com/.default"
REDIRECT = "http://localhost:5123"


@dataclass
class TlsServer:
    base: str  # https://localhost:<port>
    ca: Path

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))


def _start(port: int = 0, settings: Settings | None = None) -> tuple[ServerThread, Path]:
    folder = Path(tempfile.mkdtemp(prefix="mockgraph-e2e-tls-"))
    tls = make_certificates(folder)
    assert tls.ca is not None
    settings = replace(settings or Settings(), tls_ca=tls.ca)
    server = ServerThread(create_app(settings), port=port, tls=tls).start()
    return server, tls.ca


@pytest.fixture(scope="module")
def tls_server() -> Iterator[TlsServer]:
    server, ca = _start()
    try:
        yield TlsServer(f"https://localhost:{server.port}", ca)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def tls_443() -> Iterator[TlsServer]:
    """MSAL's username/password flow asks https://<host>/common/userrealm/... on port 443,
    whatever port the authority names: that flow needs mockgraph on 443."""
    if os.geteuid() != 0:
        pytest.skip(
            "MSAL's username/password flow calls port 443, which needs root (or "
            "CAP_NET_BIND_SERVICE); run mockgraph's container for it"
        )
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 443)) == 0:
            pytest.skip("port 443 is taken on this machine")
    server, ca = _start(443)
    try:
        yield TlsServer("https://localhost", ca)
    finally:
        server.stop()


@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch, tls_server: TlsServer) -> TlsServer:
    """Point every library at mockgraph's CA. These variables, when set, override a library's
    own verify= setting (requests, MSAL, azure-identity read REQUESTS_CA_BUNDLE)."""
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(variable, str(tls_server.ca))
    return tls_server


def graph_get(server: TlsServer, path: str, token: str) -> httpx.Response:
    return httpx.get(
        f"{server.base}{path}",
        headers={"Authorization": f"Bearer {token}"},
        verify=server.context(),
    )


def test_msal_confidential_client(trusting: TlsServer) -> None:
    app = msal.ConfidentialClientApplication(
        PRESENCE_SYNC,
        client_credential=SYNC_SECRET,
        authority=f"{trusting.base}/{TENANT}",
        instance_discovery=False,
    )

    result = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])

    assert "access_token" in result, result
    response = graph_get(trusting, f"/v1.0/users/{ADELE}/presence", result["access_token"])
    assert response.status_code == 200
    # A second call comes from MSAL's cache.
    again = app.acquire_token_for_client(scopes=[GRAPH_DEFAULT])
    assert again["access_token"] == result["access_token"]


def test_msal_public_client_auth_code_with_pkce(trusting: TlsServer) -> None:
    app = msal.PublicClientApplication(
        BUSY_LIGHT, authority=f"{trusting.base}/{TENANT}", instance_discovery=False
    )
    flow = app.initiate_auth_code_flow(
        ["Presence.Read"],
        redirect_uri=REDIRECT,
        login_hint=ADELE_UPN,
        response_mode="form_post",
    )
    assert "code_challenge=" in flow["auth_uri"]
    # The browser's part: the sign-in page answers the login_hint with a page that posts the
    # code to the redirect URI (response_mode=form_post, as MSAL recommends).
    signed_in = httpx.get(flow["auth_uri"], verify=trusting.context())
    assert signed_in.status_code == 200
    returned = {
        html.unescape(k): html.unescape(v)
        for k, v in re.findall(r"name='([^']*)' value='([^']*)'", signed_in.text)
    }
    assert "code" in returned

    result = app.acquire_token_by_auth_code_flow(flow, returned)

    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == ADELE_UPN
    me = graph_get(trusting, "/v1.0/me/presence", result["access_token"])
    assert me.json()["id"] == ADELE
    accounts = app.get_accounts(username=ADELE_UPN)
    silent = app.acquire_token_silent(["Presence.Read"], account=accounts[0], force_refresh=True)
    assert silent is not None
    assert "access_token" in silent, silent


def test_msal_public_client_username_password(
    tls_443: TlsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(variable, str(tls_443.ca))
    app = msal.PublicClientApplication(
        BUSY_LIGHT, authority=f"{tls_443.base}/{TENANT}", instance_discovery=False
    )
    # MSAL deprecates this flow (it still works, and clients still use it).
    with pytest.warns(DeprecationWarning, match="deprecated for public client flows"):
        result = app.acquire_token_by_username_password(
            ADELE_UPN, ADELE_PASSWORD, scopes=["Presence.Read"]
        )
    assert "access_token" in result, result
    assert graph_get(tls_443, "/v1.0/me/presence", result["access_token"]).status_code == 200


async def graph_client(credential: Any, server: TlsServer, stack: AsyncExitStack) -> Any:
    """msgraph-sdk's GraphServiceClient with its own middleware, pointed at mockgraph: the
    settings a client changes are the Graph base URL, the allowed host and the CA."""
    transport = httpx.AsyncHTTPTransport(verify=server.context())
    stack.push_async_callback(transport.aclose)
    http = await stack.enter_async_context(httpx.AsyncClient(transport=transport))
    provider = AzureIdentityAuthenticationProvider(
        credential, scopes=[GRAPH_DEFAULT], allowed_hosts=["localhost"]
    )
    adapter = GraphRequestAdapter(
        provider,
        client=GraphClientFactory.create_with_default_middleware(
            client=http, options=sdk_default_options
        ),
    )
    adapter.base_url = f"{server.base}/v1.0"
    return GraphServiceClient(request_adapter=adapter)


def sign_in_code(server: TlsServer, client_id: str, upn: str, scope: str) -> str:
    """Follow the sign-in page as a browser would, with a login_hint, and return the code."""
    response = httpx.get(
        f"{server.base}/{TENANT}/oauth2/v2.0/authorize",
        params={
            "client_id": client_id,
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "scope": scope,
            "login_hint": upn,
            "state": "x",
        },
        verify=server.context(),
    )
    assert response.status_code == 302, response.text
    return dict(parse_qsl(urlsplit(response.headers["location"]).query))["code"]


def test_azure_identity_and_graph_sdk_presence_scenario(trusting: TlsServer) -> None:
    authority = trusting.base
    app_credential = ClientSecretCredential(
        TENANT, PRESENCE_SYNC, SYNC_SECRET, authority=authority, disable_instance_discovery=True
    )
    scope = "Presence.Read Presence.Read.All offline_access"
    adele_credential = AuthorizationCodeCredential(
        TENANT,
        BUSY_LIGHT,
        sign_in_code(trusting, BUSY_LIGHT, ADELE_UPN, scope),
        REDIRECT,
        authority=authority,
        disable_instance_discovery=True,
    )
    alex_credential = AuthorizationCodeCredential(
        TENANT,
        BUSY_LIGHT,
        sign_in_code(trusting, BUSY_LIGHT, ALEX_UPN, scope),
        REDIRECT,
        authority=authority,
        disable_instance_discovery=True,
    )

    async def scenario() -> None:
        async with AsyncExitStack() as stack:
            as_app = await graph_client(app_credential, trusting, stack)
            as_adele = await graph_client(adele_credential, trusting, stack)
            as_alex = await graph_client(alex_credential, trusting, stack)
            await as_app.users.by_user_id(ADELE).presence.set_presence.post(
                SetPresencePostRequestBody(
                    session_id=PRESENCE_SYNC,
                    availability="Busy",
                    activity="InAConferenceCall",
                    expiration_duration="PT1H",
                )
            )
            own = await as_adele.me.presence.get()
            seen = await as_alex.users.by_user_id(ADELE).presence.get()
            assert (own.availability, own.activity) == ("Busy", "InAConferenceCall")
            assert (seen.availability, seen.activity) == ("Busy", "InAConferenceCall")

    asyncio.run(scenario())


def test_azure_identity_username_password(
    tls_443: TlsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(variable, str(tls_443.ca))
    # azure-identity and MSAL both deprecate this flow (it still works, clients still use it).
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "UsernamePasswordCredential is deprecated", DeprecationWarning
        )
        warnings.filterwarnings(
            "ignore", "This API has been deprecated for public client", DeprecationWarning
        )
        credential = UsernamePasswordCredential(
            BUSY_LIGHT,
            ALEX_UPN,
            ALEX_PASSWORD,
            tenant_id=TENANT,
            authority=tls_443.base,
            disable_instance_discovery=True,
        )
        token = credential.get_token("https://graph.microsoft.com/Presence.Read")
    response = graph_get(tls_443, "/v1.0/me/presence", token.token)
    assert response.json()["id"] == ALEX


def test_ca_certificate_is_served(trusting: TlsServer) -> None:
    served = httpx.get(f"{trusting.base}/_mockgraph/ca.pem", verify=trusting.context())
    assert served.status_code == 200
    assert served.text == trusting.ca.read_text()


def test_node_client_with_msal_node_and_graph_client(trusting: TlsServer) -> None:
    import subprocess

    node_packages()
    env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(trusting.ca)}
    result = subprocess.run(
        ["node", "presence-client.mjs", trusting.base, TENANT, PRESENCE_SYNC, SYNC_SECRET, PATTI],
        cwd=NODE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == (
        '{"availability":"Busy","activity":"InACall"}'
    )
