"""The /devicelogin page in a real headless Chromium (Debian's), with no network but loopback."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.test_swagger_ui import CHROMEDRIVER, CHROMIUM, LOOPBACK, wait_for


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless Chromium that trusts mockgraph's test certificate and reaches only loopback."""
    import os

    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="mockgraph-chromium-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        # mockgraph's CA is the test's own; the page is on loopback.
        "--ignore-certificate-errors",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def approve_in_browser(verification_uri: str, user_code: str, user_id: str) -> None:
    """What a person does: open the page the device showed, type the code, pick an account."""
    with chromium() as driver:
        driver.get(verification_uri)
        wait_for(driver, "//input[@id='otc']").send_keys(user_code)
        wait_for(driver, "//button[@id='next']").click()
        wait_for(driver, f"//button[@id='user-{user_id}']").click()
        assert "You have signed in" in wait_for(driver, "//main").text
        outside = []
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                url = message["params"]["request"]["url"]
                if urlsplit(url).scheme in ("http", "https") and (
                    urlsplit(url).hostname not in LOOPBACK
                ):
                    outside.append(url)
        assert outside == [], f"requests left loopback: {outside}"
