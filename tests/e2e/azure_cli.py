"""The Azure CLI, installed once from PyPI into its own cached virtualenv, and run through
mockgraph's proxy with its own configuration folder.

`pip install azure-cli==AZURE_CLI_VERSION` takes minutes the first time; the venv is kept
under ~/.cache/mockgraph-tests (or $XDG_CACHE_HOME/mockgraph-tests) and reused afterwards.
pytest-xdist's workers may all ask at once: one installs under a file lock, the others wait.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

AZURE_CLI_VERSION = "2.91.0"
# Seconds the first install may take at most (about five minutes on a 2-core machine).
INSTALL_TIMEOUT = 1500
_MARKER = ".mockgraph-installed"


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mockgraph-tests"


def azure_cli() -> Path:
    """The `az` of the cached venv, installed first if it is not there (AssertionError with
    pip's last words if it cannot be)."""
    folder = cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    venv = folder / f"azure-cli-{AZURE_CLI_VERSION}"
    with (folder / f"azure-cli-{AZURE_CLI_VERSION}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / _MARKER).exists():
            _install(venv)
    return venv / "bin" / "az"


def _install(venv: Path) -> None:
    shutil.rmtree(venv, ignore_errors=True)
    base = getattr(sys, "_base_executable", sys.executable)
    steps = (
        [base, "-m", "venv", str(venv)],
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"azure-cli=={AZURE_CLI_VERSION}",
        ],
    )
    for step in steps:
        done = subprocess.run(
            step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
        )
        assert done.returncode == 0, f"{' '.join(step[:4])} failed: {done.stderr[-800:]}"
    (venv / _MARKER).write_text(AZURE_CLI_VERSION)


def az_environment(config_dir: Path, proxy_env: dict[str, str]) -> dict[str, str]:
    """The environment `az` runs in: the proxy's variables (HTTPS_PROXY, REQUESTS_CA_BUNDLE),
    its own AZURE_CONFIG_DIR, no telemetry, no survey or upgrade prompts, errors only."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "MSAL_"))}
    return {
        **keep,
        **proxy_env,
        "AZURE_CONFIG_DIR": str(config_dir),
        "AZURE_CORE_COLLECT_TELEMETRY": "no",
        "AZURE_CORE_ONLY_SHOW_ERRORS": "true",
        "AZURE_CORE_NO_COLOR": "true",
        "AZURE_CORE_SURVEY_MESSAGE": "false",
        "AZURE_CORE_LOGIN_EXPERIENCE_V2": "off",
    }
