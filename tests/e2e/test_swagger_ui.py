"""Swagger UI in a real headless Chromium (Debian's), with no network but loopback."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import ADELE, ALEX, BUSY_LIGHT, PRESENCE_SYNC, Graph

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}

pytestmark = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
    reason="Debian's chromium and chromium-driver are not installed "
    "(apt-get install chromium chromium-driver; .ci/run installs them)",
)


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="mockgraph-chromium-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,1800",
        f"--user-data-dir={profile}",
        # No network but loopback: any other host fails to resolve.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver: Any, xpath: str, timeout: float = 20) -> Any:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = [e for e in driver.find_elements(By.XPATH, xpath) if e.is_displayed()]
        except StaleElementReferenceException:
            # A live page replaced it while we looked; look again.
            found = []
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"nothing matched {xpath} in {timeout:.0f} s")


def requested_urls(driver: Any) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_swagger_ui_authorizes_and_gets_a_presence(live: Graph, browser: Any) -> None:
    token = live.token(userId=ADELE, scopes=["Presence.Read.All"])
    browser.get(f"{live.base_url}/docs")

    # The intro tells how to get a token; the Graph operations are grouped by Graph's names.
    wait_for(browser, "//*[contains(text(), '/_mockgraph/tokens')]")
    wait_for(browser, "//*[contains(@class, 'opblock-tag') and contains(., 'presence: get')]")

    wait_for(browser, "//button[contains(@class, 'authorize')]").click()
    wait_for(browser, "//div[contains(@class, 'auth-container')]//input").send_keys(token)
    wait_for(
        browser, "//div[contains(@class, 'auth-btn-wrapper')]//button[contains(., 'Authorize')]"
    ).click()
    wait_for(browser, "//button[contains(@class, 'btn-done') or contains(., 'Close')]").click()

    wait_for(
        browser, "//*[contains(@class, 'opblock-tag') and contains(., 'presence: get')]"
    ).click()
    wait_for(
        browser, "//div[contains(@class, 'opblock-get')]//*[@data-path='/v1.0/users/{id}/presence']"
    ).click()
    operation = "//div[contains(@class, 'opblock-get') and contains(@class, 'is-open')]"
    wait_for(browser, f"{operation}//button[contains(., 'Try it out')]").click()
    field = wait_for(browser, f"{operation}//tr[@data-param-name='id']//input")
    field.clear()
    field.send_keys(ALEX)
    wait_for(browser, f"{operation}//button[contains(., 'Execute')]").click()

    live_response = f"{operation}//table[contains(@class, 'live-responses-table')]//tbody"
    status = wait_for(browser, f"{live_response}//td[contains(@class, 'response-col_status')]")
    body = wait_for(browser, f"{live_response}//pre[contains(., 'availability')]")
    OUTPUT.mkdir(exist_ok=True)
    screenshot = OUTPUT / "swagger-ui-get-presence.png"
    browser.save_screenshot(str(screenshot))

    assert status.text.strip().startswith("200")
    assert '"availability": "DoNotDisturb"' in body.text
    outside = [
        url
        for url in requested_urls(browser)
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname not in LOOPBACK
    ]
    assert outside == [], f"requests left loopback: {outside}"
    assert screenshot.stat().st_size > 10_000


def test_redoc_loads_offline(live: Graph, browser: Any) -> None:
    browser.get(f"{live.base_url}/redoc")
    wait_for(browser, "//*[contains(text(), 'setPresence')]")
    outside = [
        url
        for url in requested_urls(browser)
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname not in LOOPBACK
    ]
    assert outside == []


def click(driver: Any, xpath: str) -> None:
    """Click what `xpath` finds, again if the page replaced it meanwhile."""
    from selenium.common.exceptions import (
        ElementClickInterceptedException,
        StaleElementReferenceException,
    )

    for _ in range(50):
        try:
            wait_for(driver, xpath).click()
            return
        except (StaleElementReferenceException, ElementClickInterceptedException):
            time.sleep(0.1)
    raise AssertionError(f"could not click {xpath}")


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
    outside = [
        url
        for url in requested_urls(browser)
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname not in LOOPBACK
    ]
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
