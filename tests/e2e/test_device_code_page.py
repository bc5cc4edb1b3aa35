"""The /devicelogin page in a real headless Chromium (Debian's), with no network but loopback."""

from __future__ import annotations

from typing import Any

from tests.client import Graph
from tests.constants import ALEX, BUSY_LIGHT, TENANT
from tests.e2e.browser import chromium, click, needs_chromium, outside_loopback, wait_for


def approve_in_browser(verification_uri: str, user_code: str, user_id: str) -> None:
    """What a person does: open the page the device showed, type the code, pick an account."""
    with chromium(trust_any_certificate=True) as driver:
        driver.get(verification_uri)
        wait_for(driver, "//input[@id='otc']").send_keys(user_code)
        click(driver, "//button[@id='next']")
        click(driver, f"//button[@id='user-{user_id}']")
        wait_for(driver, "//main[contains(., 'You have signed in')]")
        outside = outside_loopback(driver)
        assert outside == [], f"requests left loopback: {outside}"


@needs_chromium
def test_devicelogin_lists_the_waiting_codes_to_pick_from(live: Graph, browser: Any) -> None:
    started = live.admin.post(
        f"/{TENANT}/oauth2/v2.0/devicecode",
        data={"client_id": BUSY_LIGHT, "scope": "Presence.Read offline_access"},
    )
    assert started.status_code == 200, started.text
    flow = started.json()
    browser.set_window_size(1000, 900)
    browser.get(flow["verification_uri"])
    code = wait_for(browser, f"//form[@id='waiting']//button[@value='{flow['user_code']}']")
    assert "Busy Light" in code.text
    assert "Presence.Read offline_access" in code.text
    code.click()
    click(browser, f"//button[@id='user-{ALEX}']")
    wait_for(browser, "//main[contains(., 'You have signed in')]")
    assert outside_loopback(browser) == []
