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
# CLI for Microsoft 365, at the version its package.json pins.
M365 = Path(__file__).parent / "m365"
M365_CLI = M365 / "node_modules" / "@pnp" / "cli-microsoft365" / "dist" / "index.js"


def node_packages(folder: Path = NODE, packages: tuple[str, ...] = PACKAGES) -> None:
    """Install the packages of `folder`'s package.json unless they are there, or skip the test."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed; the Node client tests need them")
    # pytest-xdist's workers may all ask at once: one installs, the others wait and reuse it.
    with (folder / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _install(folder, packages)


def m365_cli() -> Path:
    """CLI for Microsoft 365's entry point, installed once into tests/e2e/m365."""
    node_packages(M365, ("@pnp/cli-microsoft365",))
    return M365_CLI


def _install(folder: Path, packages: tuple[str, ...]) -> None:
    if all((folder / "node_modules" / package).exists() for package in packages):
        return
    install = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if install.returncode != 0:
        pytest.skip(f"npm could not install the Node packages: {install.stderr.strip()[-300:]}")
