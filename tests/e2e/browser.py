"""A real headless Chromium (Debian's) for the page tests, reaching loopback only.

The dashboard re-renders live, so an element found a moment ago may be gone by the
time it is clicked: `click` and `text_of` look again until the page holds still.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}

needs_chromium = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
    reason="Debian's chromium and chromium-driver are not installed "
    "(apt-get install chromium chromium-driver; .ci/run installs them)",
)


@contextmanager
def chromium(*, trust_any_certificate: bool = False, proxy: str | None = None) -> Iterator[Any]:
    """Headless Chromium whose every host but loopback fails to resolve; with `proxy` (mockgraph's
    intercepting proxy on loopback), every other host is reached through it."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="mockgraph-chromium-")
    flags = [
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
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
    ]
    if proxy is not None:
        flags.append(f"--proxy-server={proxy}")
    if trust_any_certificate:
        # mockgraph's CA is the test's own and the page is on loopback.
        flags.append("--ignore-certificate-errors")
    for flag in flags:
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
    """The first displayed element `xpath` finds, within `timeout` seconds."""
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


def wait_for_url(driver: Any, prefix: str, timeout: float = 20) -> str:
    """The browser's address once it starts with `prefix`, within `timeout` seconds: a click
    that navigates returns before the next page has loaded."""
    deadline = time.monotonic() + timeout
    while True:
        url = str(driver.current_url)
        if url.startswith(prefix):
            return url
        if time.monotonic() > deadline:
            raise AssertionError(f"the browser stayed on {url}, not {prefix}…, for {timeout:.0f} s")
        time.sleep(0.1)


def click(driver: Any, xpath: str, timeout: float = 20) -> None:
    """Click what `xpath` finds, finding it again if the page replaced it meanwhile."""
    from selenium.common.exceptions import (
        ElementClickInterceptedException,
        StaleElementReferenceException,
    )

    deadline = time.monotonic() + timeout
    while True:
        try:
            wait_for(driver, xpath, timeout).click()
            return
        except (StaleElementReferenceException, ElementClickInterceptedException):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def requested_urls(driver: Any) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def outside_loopback(driver: Any) -> list[str]:
    """Every http(s) URL the page requested from a host other than loopback."""
    return [
        url
        for url in requested_urls(driver)
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname not in LOOPBACK
    ]


def text_of(driver: Any, xpath: str, timeout: float = 20) -> str:
    """The text of what `xpath` finds, finding it again if the page replaced it meanwhile."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while True:
        try:
            return str(wait_for(driver, xpath, timeout).text)
        except StaleElementReferenceException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
