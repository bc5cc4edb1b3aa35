"""A desktop app's sign-in in a real Chromium: Entra's own addresses through mockgraph's proxy,
ending on https://login.microsoftonline.com/common/oauth2/nativeclient, Entra's empty page,
with the code in the address for the app to read and redeem."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest

from mockgraph.app import create_app
from mockgraph.server import ServerThread
from mockgraph.settings import Settings
from mockgraph.tls import make_certificates
from tests.certificates import fixtures_with
from tests.constants import ADELE, ADELE_UPN, BUSY_LIGHT, TENANT
from tests.e2e.browser import chromium, click, wait_for_url

LOGIN = "https://login.microsoftonline.com"
NATIVE_CLIENT = f"{LOGIN}/common/oauth2/nativeclient"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """mockgraph with its proxy; Busy Light registers the nativeclient redirect URI."""
    folder = tmp_path_factory.mktemp("nativeclient")
    fixtures = fixtures_with(
        folder / "fixtures.json", {BUSY_LIGHT: {"redirectUris": [NATIVE_CLIENT]}}
    )
    (folder / "tls").mkdir()
    tls = make_certificates(folder / "tls")
    app = create_app(replace(Settings(fixtures=fixtures), tls_ca=tls.ca))
    with ServerThread(app, proxy=tls) as running:
        yield running


def statuses(driver: object, prefix: str) -> list[int]:
    """The HTTP statuses of the responses Chromium received for URLs starting with `prefix`."""
    found = []
    for entry in driver.get_log("performance"):  # type: ignore[attr-defined]
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.responseReceived":
            response = message["params"]["response"]
            if response["url"].startswith(prefix):
                found.append(int(response["status"]))
    return found


def test_sign_in_lands_on_the_empty_nativeclient_page(server: ServerThread) -> None:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    query = urlencode(
        {
            "client_id": BUSY_LIGHT,
            "response_type": "code",
            "redirect_uri": NATIVE_CLIENT,
            "scope": "Presence.Read openid profile",
            "state": "desktop-1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )

    assert server.proxy_url is not None
    with chromium(trust_any_certificate=True, proxy=server.proxy_url) as driver:
        driver.get(f"{LOGIN}/{TENANT}/oauth2/v2.0/authorize?{query}")
        click(driver, f"//button[@id='user-{ADELE}']")
        landed = wait_for_url(driver, f"{NATIVE_CLIENT}?")
        source = driver.execute_script("return document.documentElement.outerHTML")
        body = driver.execute_script("return document.body ? document.body.innerText : ''")
        answered = statuses(driver, NATIVE_CLIENT)

    assert landed.startswith(f"{NATIVE_CLIENT}?"), landed
    assert answered == [200]
    # Empty: nothing but the elements Chromium adds to any document.
    assert body == ""
    assert source == "<html><head></head><body></body></html>"
    returned = parse_qs(urlsplit(landed).query)
    assert returned["state"] == ["desktop-1"]
    # The app reads the code from the address and redeems it.
    redeemed = httpx.post(
        f"{server.url}/{TENANT}/oauth2/v2.0/token",
        data={
            "grant_type": "authorization_code",
            "client_id": BUSY_LIGHT,
            "code": returned["code"][0],
            "redirect_uri": NATIVE_CLIENT,
            "code_verifier": verifier,
        },
    )
    assert redeemed.status_code == 200, redeemed.text
    token = jwt.decode(redeemed.json()["access_token"], options={"verify_signature": False})
    assert (token["upn"], token["oid"], token["ver"]) == (ADELE_UPN, ADELE, "1.0")


def test_without_the_proxy_entras_host_does_not_resolve() -> None:
    # So the sign-in above reached mockgraph, and nothing else.
    from selenium.common.exceptions import WebDriverException

    with chromium() as driver, pytest.raises(WebDriverException, match="ERR_NAME_NOT_RESOLVED"):
        driver.get(NATIVE_CLIENT)
