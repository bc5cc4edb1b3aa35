"""Swagger UI in a real headless Chromium (Debian's), with no network but loopback."""

from __future__ import annotations

import time
from typing import Any

from tests.client import Graph
from tests.constants import ADELE, ALEX, BUSY_LIGHT, PRESENCE_SYNC
from tests.e2e.browser import (
    OUTPUT,
    click,
    needs_chromium,
    outside_loopback,
    wait_for,
)

pytestmark = needs_chromium


def test_swagger_ui_authorizes_and_gets_a_presence(live: Graph, browser: Any) -> None:
    token = live.token(userId=ADELE, scopes=["Presence.Read.All"])
    browser.get(f"{live.base_url}/docs")

    # The intro tells how to get a token; the Graph operations are grouped by Graph's names.
    wait_for(browser, "//*[contains(text(), '/_mockgraph/tokens')]")
    wait_for(browser, "//*[contains(@class, 'opblock-tag') and contains(., 'presence: get')]")

    click(browser, "//button[contains(@class, 'authorize')]")
    wait_for(browser, "//div[contains(@class, 'auth-container')]//input").send_keys(token)
    click(browser, "//div[contains(@class, 'auth-btn-wrapper')]//button[contains(., 'Authorize')]")
    click(browser, "//button[contains(@class, 'btn-done') or contains(., 'Close')]")

    click(browser, "//*[contains(@class, 'opblock-tag') and contains(., 'presence: get')]")
    click(
        browser,
        "//div[contains(@class, 'opblock-get')]//*[@data-path='/v1.0/users/{id}/presence']",
    )
    operation = "//div[contains(@class, 'opblock-get') and contains(@class, 'is-open')]"
    click(browser, f"{operation}//button[contains(., 'Try it out')]")
    field = wait_for(browser, f"{operation}//tr[@data-param-name='id']//input")
    field.clear()
    field.send_keys(ALEX)
    click(browser, f"{operation}//button[contains(., 'Execute')]")

    live_response = f"{operation}//table[contains(@class, 'live-responses-table')]//tbody"
    status = wait_for(browser, f"{live_response}//td[contains(@class, 'response-col_status')]")
    body = wait_for(browser, f"{live_response}//pre[contains(., 'availability')]")
    OUTPUT.mkdir(exist_ok=True)
    screenshot = OUTPUT / "swagger-ui-get-presence.png"
    browser.save_screenshot(str(screenshot))

    assert status.text.strip().startswith("200")
    assert '"availability": "DoNotDisturb"' in body.text
    outside = outside_loopback(browser)
    assert outside == [], f"requests left loopback: {outside}"
    assert screenshot.stat().st_size > 10_000


def test_redoc_loads_offline(live: Graph, browser: Any) -> None:
    browser.get(f"{live.base_url}/redoc")
    wait_for(browser, "//*[contains(text(), 'setPresence')]")
    outside = outside_loopback(browser)
    assert outside == []


def execute_get_me_presence(driver: Any) -> str:
    """Open GET /v1.0/me/presence, execute it, and return the response's status cell."""
    click(driver, "//*[contains(@class, 'opblock-tag') and contains(., 'presence: get')]")
    click(driver, "//div[contains(@class, 'opblock-get')]//*[@data-path='/v1.0/me/presence']")
    operation = "//div[contains(@class, 'opblock-get') and contains(@class, 'is-open')]"
    click(driver, f"{operation}//button[contains(., 'Try it out')]")
    click(driver, f"{operation}//button[contains(., 'Execute')]")
    live_response = f"{operation}//table[contains(@class, 'live-responses-table')]//tbody"
    status: str = wait_for(
        driver, f"{live_response}//td[contains(@class, 'response-col_status')]"
    ).text
    return status.strip()


def test_authorize_signs_in_a_fixture_user_with_pkce(live: Graph, browser: Any) -> None:
    browser.get(f"{live.base_url}/docs")
    click(browser, "//button[contains(@class, 'authorize')]")
    section = "//div[contains(@class, 'auth-container')][.//h4[contains(., 'authorizationCode')]]"
    # The client id is filled in; the person only signs in.
    client_id = wait_for(browser, f"{section}//input[@id='client_id_authorizationCode']")
    assert client_id.get_attribute("value") == BUSY_LIGHT
    main = browser.current_window_handle
    click(browser, f"{section}//button[contains(@class, 'authorize')]")
    deadline = time.monotonic() + 20
    while len(browser.window_handles) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    browser.switch_to.window(next(h for h in browser.window_handles if h != main))
    click(browser, f"//button[@name='mockgraph_user' and @value='{ADELE}']")
    browser.switch_to.window(main)
    wait_for(browser, f"{section}//button[contains(., 'Logout')]")
    click(browser, "//button[contains(@class, 'btn-done') or contains(., 'Close')]")

    assert execute_get_me_presence(browser).startswith("200")
    OUTPUT.mkdir(exist_ok=True)
    browser.save_screenshot(str(OUTPUT / "swagger-ui-signed-in.png"))
    outside = outside_loopback(browser)
    assert outside == []


def test_authorize_signs_in_a_fixture_app_with_its_secret(live: Graph, browser: Any) -> None:
    browser.get(f"{live.base_url}/docs")
    click(browser, "//button[contains(@class, 'authorize')]")
    section = "//div[contains(@class, 'auth-container')][.//h4[contains(., 'clientCredentials')]]"
    client_id = wait_for(browser, f"{section}//input[@id='client_id_clientCredentials']")
    client_id.clear()
    client_id.send_keys(PRESENCE_SYNC)
    wait_for(browser, f"{section}//input[@id='client_secret_clientCredentials']").send_keys(
        "presence-sync-secret"
    )
    click(browser, f"{section}//button[contains(@class, 'authorize')]")
    wait_for(browser, f"{section}//button[contains(., 'Logout')]")
    click(browser, "//button[contains(@class, 'btn-done') or contains(., 'Close')]")
    # An app token on /me: Graph's own 400 says why.
    assert execute_get_me_presence(browser).startswith("400")
