"""The Node clients' folder (tests/e2e/node), and its npm packages installed once.

The Node tests drive @azure/msal-node and @microsoft/microsoft-graph-client at their defaults;
without node and npm, or when npm cannot install the packages, each test skips saying why.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

import pytest

NODE = Path(__file__).parent / "node"
PACKAGES = ("@azure/msal-node", "@microsoft/microsoft-graph-client")


def node_packages() -> None:
    """Install the packages of NODE's package.json unless they are there, or skip the test."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed; the Node client tests need them")
    # pytest-xdist's workers may all ask at once: one installs, the others wait and reuse it.
    with (NODE / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _install()


def _install() -> None:
    if all((NODE / "node_modules" / package).exists() for package in PACKAGES):
        return
    install = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent"],
        cwd=NODE,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if install.returncode != 0:
        pytest.skip(f"npm could not install the Node packages: {install.stderr.strip()[-300:]}")
