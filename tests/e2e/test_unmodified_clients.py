"""Unmodified clients reach mockgraph at Graph's and Entra's own addresses: real libraries at
their defaults (hard-coded hosts, instance discovery on), changed only by the environment the
`mockgraph_intercept` fixture sets. Every connection goes to the proxy on 127.0.0.1; with
HTTPS_PROXY set, clients send CONNECT host:443 and never resolve the host themselves."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import jwt
import msal
import pytest
import requests
from azure.identity import ClientSecretCredential
from msgraph import GraphServiceClient
from msgraph.generated.users.item.presence.set_presence.set_presence_post_request_body import (
    SetPresencePostRequestBody,
)

from mockgraph.proxy.environment import client_environment
from mockgraph.testing.pytest_intercept import Intercept
from mockgraph.testing.pytest_plugin import MockGraph
from tests.constants import (
    ADELE,
    ADELE_PASSWORD,
    ADELE_UPN,
    BUSY_LIGHT,
    PATTI,
    PRESENCE_SYNC,
    TENANT,
)
from tests.e2e.node import NODE, node_packages

SYNC_SECRET = "presence-sync-secret"
GRAPH = "https://graph.microsoft.com"
JAVA = Path(__file__).parent / "java"
AIOHTTP_CLIENT = """
import asyncio, sys, aiohttp
async def main():
    async with aiohttp.ClientSession(trust_env=True) as session:
        headers = {"Authorization": "Bearer " + sys.argv[2]}
        async with session.get(sys.argv[1], headers=headers) as response:
            print(await response.text())
asyncio.run(main())
"""


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def test_msal_confidential_client_at_its_defaults(
    mockgraph: MockGraph, mockgraph_intercept: Intercept
) -> None:
    # Authority on Entra's own host, instance discovery on (MSAL's defaults).
    app = msal.ConfidentialClientApplication(
        PRESENCE_SYNC,
        client_credential=SYNC_SECRET,
        authority=f"https://login.microsoftonline.com/{TENANT}",
    )

    result = app.acquire_token_for_client(scopes=[f"{GRAPH}/.default"])

    assert "access_token" in result, result
    token = claims(result["access_token"])
    # Graph's access tokens are v1.0 tokens, whichever endpoint issued them.
    assert (token["iss"], token["ver"]) == (f"https://sts.windows.net/{TENANT}/", "1.0")
    assert token["app_displayname"] == "Presence Sync (application read and write)"
    assert token["aud"] == GRAPH
    assert token["xms_emulated"] is True
    response = requests.get(
        f"{GRAPH}/v1.0/users/{ADELE}/presence",
        headers={"Authorization": f"Bearer {result['access_token']}"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["@odata.context"].startswith(f"{GRAPH}/v1.0/$metadata#users(")
    mockgraph.requests.assert_called("GET", f"/v1.0/users/{ADELE}/presence", count=1)


def test_msal_public_client_username_password(
    mockgraph: MockGraph, mockgraph_intercept: Intercept
) -> None:
    app = msal.PublicClientApplication(
        BUSY_LIGHT, authority=f"https://login.microsoftonline.com/{TENANT}"
    )
    # MSAL deprecates this flow (it still works, and clients still use it).
    with pytest.warns(DeprecationWarning, match="deprecated for public client flows"):
        result = app.acquire_token_by_username_password(
            ADELE_UPN, ADELE_PASSWORD, scopes=["Presence.Read"]
        )

    assert "access_token" in result, result
    me = httpx.get(
        f"{GRAPH}/v1.0/me/presence",
        headers={"Authorization": f"Bearer {result['access_token']}"},
    )
    assert me.status_code == 200
    assert me.json()["id"] == ADELE


async def close_sdk_client(client: GraphServiceClient) -> None:
    """The SDK makes its own httpx client and wraps each transport in msgraph-core's
    AsyncGraphTransport, which has no aclose(): close what it wraps too."""
    http = client.request_adapter._http_client
    for wrapper in (http._transport, *http._mounts.values()):
        inner = getattr(wrapper, "transport", None)
        if inner is not None:
            await inner.aclose()
    await http.aclose()


def test_azure_identity_feeds_msgraph_sdk_at_its_default_base_url(
    mockgraph: MockGraph, mockgraph_intercept: Intercept
) -> None:
    credential = ClientSecretCredential(TENANT, PRESENCE_SYNC, SYNC_SECRET)

    async def scenario() -> tuple[str | None, str | None]:
        client = GraphServiceClient(credential, scopes=[f"{GRAPH}/.default"])
        body = SetPresencePostRequestBody(
            session_id=PRESENCE_SYNC, availability="Busy", activity="InACall"
        )
        await client.users.by_user_id(PATTI).presence.set_presence.post(body)
        presence = await client.users.by_user_id(PATTI).presence.get()
        assert presence is not None
        await close_sdk_client(client)
        return presence.availability, presence.activity

    try:
        assert asyncio.run(scenario()) == ("Busy", "InACall")
    finally:
        credential.close()
    # The SDK sends /v1.0//users/... at its default base URL: routed as Graph routes it.
    mockgraph.requests.assert_called("GET", f"/v1.0/users/{PATTI}/presence", count=1)


def test_http_stacks_through_the_proxy(
    mockgraph: MockGraph, mockgraph_intercept: Intercept
) -> None:
    token = mockgraph.app_token(PRESENCE_SYNC, ["Presence.Read.All"])
    url = f"{GRAPH}/v1.0/users/{ADELE}/presence"
    headers = {"Authorization": f"Bearer {token}"}

    assert requests.get(url, headers=headers, timeout=10).json()["id"] == ADELE
    assert httpx.get(url, headers=headers).json()["id"] == ADELE
    with httpx.Client(http2=True) as client:  # as msgraph-sdk's client: ALPN falls back
        answer = client.get(url, headers=headers)
        assert (answer.status_code, answer.http_version) == (200, "HTTP/1.1")

    # aiohttp reads the proxy variables only with trust_env=True (reference §8.1), and builds
    # its SSL context (which reads SSL_CERT_FILE) at import: a process started with the env.
    aio = subprocess.run(
        [sys.executable, "-c", AIOHTTP_CLIENT, url, token],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert aio.returncode == 0, aio.stderr
    assert json.loads(aio.stdout)["id"] == ADELE
    if shutil.which("curl") is not None:
        curl = subprocess.run(
            ["curl", "-sS", "-H", f"Authorization: Bearer {token}", url],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert curl.returncode == 0, curl.stderr
        assert json.loads(curl.stdout)["id"] == ADELE
    mockgraph.requests.assert_called("GET", f"/v1.0/users/{ADELE}/presence", count=5)


def test_us_government_l4_end_to_end(mockgraph: MockGraph, mockgraph_intercept: Intercept) -> None:
    us_graph = "https://graph.microsoft.us"
    app = msal.ConfidentialClientApplication(
        PRESENCE_SYNC,
        client_credential=SYNC_SECRET,
        authority=f"https://login.microsoftonline.us/{TENANT}",
    )
    result = app.acquire_token_for_client(scopes=[f"{us_graph}/.default"])
    assert "access_token" in result, result
    token = claims(result["access_token"])
    assert token["iss"] == f"https://sts.windows.net/{TENANT}/"
    assert token["aud"] == us_graph
    headers = {"Authorization": f"Bearer {result['access_token']}"}

    presence = requests.get(f"{us_graph}/v1.0/users/{ADELE}/presence", headers=headers, timeout=10)
    assert presence.status_code == 200
    assert presence.json()["@odata.context"].startswith(f"{us_graph}/v1.0/$metadata#")
    # A token for one cloud's Graph is refused by another's, in Graph's words.
    wrong = requests.get(f"{GRAPH}/v1.0/users/{ADELE}/presence", headers=headers, timeout=10)
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert wrong.json()["error"]["message"] == (
        "Access token validation failure. Invalid audience."
    )
    # DoD's Graph shares L4's login host; the scope asked for decides the audience.
    dod = app.acquire_token_for_client(scopes=["https://dod-graph.microsoft.us/.default"])
    assert claims(dod["access_token"])["aud"] == "https://dod-graph.microsoft.us"


def test_node_client_by_environment_only(
    mockgraph: MockGraph, mockgraph_intercept: Intercept
) -> None:
    node_packages()
    run = subprocess.run(
        ["node", "unmodified-client.mjs", TENANT, PRESENCE_SYNC, SYNC_SECRET, PATTI],
        cwd=NODE,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"availability": "Busy", "activity": "InACall"}
    mockgraph.requests.assert_called("GET", f"/v1.0/users/{PATTI}/presence", count=1)


def test_java_client_by_environment_only(
    mockgraph: MockGraph, mockgraph_intercept: Intercept, tmp_path: Path
) -> None:
    if shutil.which("java") is None or shutil.which("keytool") is None:
        pytest.skip("no JDK (java and keytool) on this machine")
    # What `mockgraph env` prints for Java: the proxy and a truststore, in JAVA_TOOL_OPTIONS.
    variables, notes = client_environment(
        mockgraph_intercept.proxy_url, mockgraph_intercept.ca.read_bytes(), tmp_path
    )
    assert not notes
    token = mockgraph.app_token(PRESENCE_SYNC, ["Presence.Read.All"])
    run = subprocess.run(
        ["java", str(JAVA / "Presence.java"), ADELE, token],
        env={**os.environ, "JAVA_TOOL_OPTIONS": variables["JAVA_TOOL_OPTIONS"]},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["id"] == ADELE
    mockgraph.requests.assert_called("GET", f"/v1.0/users/{ADELE}/presence", count=1)
