"""The /devicelogin page in a real headless Chromium (Debian's), with no network but loopback."""

from __future__ import annotations

from tests.e2e.browser import chromium, click, outside_loopback, wait_for


def approve_in_browser(verification_uri: str, user_code: str, user_id: str) -> None:
    """What a person does: open the page the device showed, type the code, pick an account."""
    with chromium(trust_any_certificate=True) as driver:
        driver.get(verification_uri)
        wait_for(driver, "//input[@id='otc']").send_keys(user_code)
        click(driver, "//button[@id='next']")
        click(driver, f"//button[@id='user-{user_id}']")
        assert "You have signed in" in wait_for(driver, "//main").text
        outside = outside_loopback(driver)
        assert outside == [], f"requests left loopback: {outside}"
