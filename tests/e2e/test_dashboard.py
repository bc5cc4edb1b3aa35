"""The dashboard in a real headless Chromium (Debian's), with no network but loopback."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from tests.client import Graph
from tests.constants import ALEX, MEGAN, PATTI, PRESENCE_SYNC, PRESENCE_WALL
from tests.e2e.browser import (
    OUTPUT,
    click,
    needs_chromium,
    outside_loopback,
    text_of,
    wait_for,
)

pytestmark = needs_chromium


def card(user_id: str) -> str:
    return f"//article[@data-user-id='{user_id}']"


def availability_of(driver: Any, user_id: str) -> str | None:
    """The availability the user's card shows now, or None for a card that shows none."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    xpath = f"{card(user_id)}//b[contains(@class, 'availability')]"
    for _ in range(50):
        try:
            found = driver.find_elements(By.XPATH, xpath)
            return str(found[0].text) if found else None
        except StaleElementReferenceException:
            time.sleep(0.05)
    raise AssertionError(f"{xpath} kept going stale")


def shot(driver: Any, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    driver.save_screenshot(str(OUTPUT / name))


def test_dashboard_is_live_and_drives_graph(live: Graph, browser: Any) -> None:
    browser.get(f"{live.base_url}/")
    wait_for(browser, f"{card(ALEX)}//*[contains(@class, 'name') and text()='Alex Wilber']")
    assert browser.current_url.endswith("/_mockgraph/ui")
    assert availability_of(browser, ALEX) == "DoNotDisturb"
    assert availability_of(browser, PATTI) == "Offline"
    # A user with a photo shows it; one without shows initials.
    wait_for(browser, f"{card(ALEX)}//div[contains(@class, 'avatar')]/img", 10)
    assert text_of(browser, f"{card(PATTI)}//div[contains(@class, 'avatar')]").startswith("PF")
    shot(browser, "dashboard.png")

    # A setPresence sent to Graph shows on the board without a reload.
    sync = live.as_app(PRESENCE_SYNC)
    started = time.monotonic()
    response = sync.post(
        f"/v1.0/users/{PATTI}/presence/setPresence",
        json={"sessionId": PRESENCE_SYNC, "availability": "Busy", "activity": "InACall"},
    )
    assert response.status_code == 200, response.text
    wait_for(browser, f"{card(PATTI)}//b[contains(@class, 'availability') and text()='Busy']", 10)
    latency = time.monotonic() - started
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "dashboard-update-latency.txt").write_text(f"{latency * 1000:.0f} ms\n")
    print(f"dashboard update latency: {latency * 1000:.0f} ms")
    wait_for(browser, f"{card(PATTI)}//*[contains(@class, 'session-app')]")

    # A change made on the board, as the user through a delegated app, is seen by Graph.
    click(browser, card(MEGAN))
    message = "Lunch with <b>Alex</b> & co"
    field = wait_for(browser, "//input[@id='status-text']")
    field.send_keys(message)
    click(browser, "//button[@id='set-status']")
    wait_for(browser, "//div[@id='user-result' and contains(., '200')]")
    status = live.presence(MEGAN)["statusMessage"]
    assert status["message"]["content"] == message
    # Shown as text, never as markup.
    wait_for(browser, f"{card(MEGAN)}//*[contains(@class, 'quote') and text()={_quoted(message)}]")

    # What the API refuses shows in its own words.
    duration = wait_for(browser, "//input[@id='session-duration']")
    duration.clear()
    duration.send_keys("PT1M")
    click(browser, "//button[@id='set-session']")
    wait_for(browser, "//div[@id='user-result' and contains(., 'ExpirationDuration')]")
    shot(browser, "dashboard-user.png")

    # Advancing the clock on the board expires Patti's five-minute session on screen.
    advance = wait_for(browser, "//input[@id='clock-advance']")
    advance.clear()
    advance.send_keys("PT10M")
    click(browser, "//button[@id='advance']")
    wait_for(browser, f"{card(PATTI)}//b[contains(@class, 'availability') and text()='Offline']")
    assert live.presence(PATTI)["availability"] == "Offline"

    # The journal lists the calls; one opens with its body, response and error code.
    click(browser, "//div[@class='tabs']//button[@data-tab='journal']")
    click(browser, "//table[@id='journal']//td[text()='setStatusMessage']")
    wait_for(browser, "//pre[contains(@class, 'request-body') and contains(., 'Lunch with')]")
    wait_for(browser, "//table[@id='journal']//td[text()='setPresence']/..//span[text()='400']")
    click(browser, "//table[@id='journal']//td[text()='setPresence']/..//span[text()='400']")
    wait_for(browser, "//div[@id='journal-detail']//dd[text()='InvalidArgument']")
    shot(browser, "dashboard-journal.png")

    # Faults: one added on the board fails the next Graph GET with its status, then is gone.
    click(browser, "//div[@class='tabs']//button[@data-tab='faults']")
    wait_for(browser, "//input[@id='fault-path']").send_keys("/v1.0/users/*/presence")
    click(browser, "//button[@id='add-fault']")
    wait_for(browser, "//table[@id='faults']//td[text()='/v1.0/users/*/presence']")
    wall = live.as_app(PRESENCE_WALL, "Presence.Read.All")
    assert wall.get(f"/v1.0/users/{ALEX}/presence").status_code == 503
    assert wall.get(f"/v1.0/users/{ALEX}/presence").status_code == 200

    # The clock freezes and resumes from the header.
    click(browser, "//button[@id='freeze']")
    wait_for(browser, "//span[@id='clock-frozen']")
    assert live.admin.get("/_mockgraph/clock").json()["frozen"] is True
    click(browser, "//button[@id='resume']")
    deadline = time.monotonic() + 10
    while live.admin.get("/_mockgraph/clock").json()["frozen"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert live.admin.get("/_mockgraph/clock").json()["frozen"] is False

    # A subscription to the built-in webhook and its validation show under Notifications.
    reader = live.as_user(ALEX, "Presence.Read.All")
    created = reader.post(
        "/v1.0/subscriptions",
        json={
            "changeType": "updated",
            "notificationUrl": f"{live.base_url}/_mockgraph/webhook",
            "resource": f"/communications/presences/{MEGAN}",
            "expirationDateTime": _in_50_minutes(live),
        },
    )
    assert created.status_code == 201, created.text
    click(browser, "//div[@class='tabs']//button[@data-tab='deliveries']")
    wait_for(browser, f"//table[@id='subscriptions']//td[contains(., '{MEGAN}')]")
    wait_for(browser, "//table[@id='attempts']//span[text()='validated']")

    # Search narrows the board.
    search = wait_for(browser, "//input[@id='search']")
    search.send_keys("megan")
    wait_for(browser, "//span[@id='page-info' and contains(., '1 of 6 users')]")
    assert availability_of(browser, ALEX) is None
    shot(browser, "dashboard-notifications.png")

    # Reset puts the fixtures back: Megan's status message goes, on screen too.
    click(browser, "//button[@id='reset']")
    wait_for(browser, f"{card(MEGAN)}//b[contains(@class, 'availability') and text()='Away']")
    deadline = time.monotonic() + 10
    while browser.find_elements("xpath", f"{card(MEGAN)}//*[contains(@class, 'quote')]"):
        assert time.monotonic() < deadline, "the status message stayed after the reset"
        time.sleep(0.1)
    assert live.presence(MEGAN)["statusMessage"] is None

    outside = outside_loopback(browser)
    assert outside == [], f"requests left loopback: {outside}"


def _in_50_minutes(live: Graph) -> str:
    """An expiry within Graph's hour, on the tenant's (possibly advanced) clock."""
    now = datetime.fromisoformat(live.admin.get("/_mockgraph/clock").json()["now"])
    return (now + timedelta(minutes=50)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _quoted(text: str) -> str:
    """An XPath string literal for text with both kinds of quote avoided."""
    return f'"{text}"'
