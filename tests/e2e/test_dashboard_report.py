"""The dashboard's Report tab in a real headless Chromium (Debian's)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.client import Graph
from tests.constants import ADELE, ALEX, MEGAN, PRESENCE_SYNC, PRESENCE_WALL
from tests.e2e.browser import OUTPUT, click, needs_chromium, outside_loopback, text_of, wait_for

pytestmark = needs_chromium


def test_the_report_tab_shows_each_clients_findings(live: Graph, browser: Any) -> None:
    sync = live.as_app(PRESENCE_SYNC, "Presence.ReadWrite.All")
    wall = live.as_app(PRESENCE_WALL, "Presence.Read.All")
    for _ in range(6):
        for user_id in (ADELE, ALEX, MEGAN):
            assert sync.get(f"/v1.0/users/{user_id}/presence").status_code == 200
    headers = {"client-request-id": str(uuid.uuid4())}
    assert wall.get(f"/v1.0/users/{ADELE}/presence", headers=headers).status_code == 200

    browser.get(f"{live.base_url}/_mockgraph/ui")
    click(browser, "//div[@class='tabs']/button[@data-tab='report']")
    title = "Presence.ReadWrite.All held, only Presence.Read.All needed"
    over = f"//li[contains(@class, 'finding')]/b[text()='{title}']"
    wait_for(browser, over, 10)
    assert "Polled 3 users' presence" in text_of(browser, "//div[@id='report']")
    assert "No findings: this client behaves." in text_of(browser, "//div[@id='report']")
    assert text_of(browser, "//span[@id='report-count']") == "2"
    browser.set_window_size(1400, 1100)
    # docs/report.png is this screenshot, looked at and copied by hand.
    OUTPUT.mkdir(exist_ok=True)
    browser.save_screenshot(str(OUTPUT / "report.png"))
    assert outside_loopback(browser) == []
