"""The dashboard's scenario bar in a real headless Chromium: name, virtual time, speed, play
and pause, and a timeline that seeks."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.client import Graph
from tests.e2e.browser import OUTPUT, click, needs_chromium, text_of, wait_for

pytestmark = needs_chromium

START = "2026-03-02T08:00:00+01:00"
NOW = "//span[@id='scenario-now']"


def scenario(live: Graph, **body: Any) -> dict[str, Any]:
    answer = live.admin.post("/_mockgraph/scenario", json=body)
    assert answer.status_code == 200, answer.text
    state: dict[str, Any] = answer.json()
    return state


def berlin(graph_time: str) -> str:
    """The bar's text for a Graph date-time ("2026-03-02T09:30:00.0000000Z")."""
    moment = datetime.fromisoformat(graph_time[:19]).replace(tzinfo=UTC)
    return f"{moment.astimezone(ZoneInfo('Europe/Berlin')):%Y-%m-%d %H:%M:%S} Europe/Berlin"


def until(check: Any, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return found


def test_the_bar_plays_pauses_and_seeks(live: Graph, browser: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    browser.set_window_size(1280, 900)
    browser.get(f"{live.base_url}/_mockgraph/ui")
    # No scenario loaded (a fresh server, or one stopped): no bar, or a stopped one.
    assert not browser.find_element("id", "scenario-bar").is_displayed() or (
        "stopped" in text_of(browser, "//span[@id='scenario-state']")
    )
    try:
        scenario(live, action="start", profile="office-day", users=24, seed=1, speed=600,
                 start=START)  # fmt: skip
        wait_for(browser, "//div[@id='scenario-bar']//b[@id='scenario-name' and .='office-day']")
        assert text_of(browser, NOW).startswith("2026-03-02 0")
        assert text_of(browser, NOW).endswith("Europe/Berlin")
        assert text_of(browser, "//span[@id='scenario-speed']") == "600\u00d7"
        OUTPUT.mkdir(exist_ok=True)
        for n in range(1, 5):  # a series a few seconds apart: 30 virtual minutes each
            time.sleep(3)
            browser.save_screenshot(str(OUTPUT / f"scenario-{n}.png"))

        click(browser, "//button[@id='scenario-pause']")
        until(lambda: live.admin.get("/_mockgraph/scenario").json()["state"] == "paused")
        wait_for(browser, "//span[@id='scenario-state' and .='paused']")
        before = live.admin.get("/_mockgraph/scenario").json()["now"]
        until(lambda: text_of(browser, NOW) == berlin(before))
        shown = text_of(browser, NOW)

        # A click a quarter of the way along the timeline seeks there, and stays paused.
        scrubber = wait_for(browser, "//input[@id='scenario-scrubber']")
        left = -scrubber.size["width"] // 2 + scrubber.size["width"] // 4
        ActionChains(browser).move_to_element_with_offset(scrubber, left, 0).click().perform()
        after = until(
            lambda: (s := live.admin.get("/_mockgraph/scenario").json())["now"] != before and s
        )
        assert after["state"] == "paused"
        until(lambda: text_of(browser, NOW) == berlin(after["now"]))
        assert text_of(browser, NOW) != shown
        browser.save_screenshot(str(OUTPUT / "scenario-seeked.png"))

        click(browser, "//button[@id='scenario-play']")
        until(lambda: live.admin.get("/_mockgraph/scenario").json()["state"] == "running")
    finally:
        scenario(live, action="stop")
