"""mockgraph on Python 3.12 too (the image's default base is python:3.12-slim): installed
from this tree into a 3.12 venv, served, and called."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from tests.constants import ADELE, PRESENCE_SYNC
from tests.processes import free_port, python312, wait_healthy

ROOT = Path(__file__).resolve().parent.parent


def test_serves_on_python_312(tmp_path: Path) -> None:
    interpreter = python312()
    if interpreter is None:
        pytest.skip("no Python 3.12 on this machine")
    venv = tmp_path / "venv312"
    subprocess.run([interpreter, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    port = free_port()
    server = subprocess.Popen(
        [python, "-m", "mockgraph", "serve", "--port", str(port), "--log-level", "warning"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server)
        version = subprocess.run(
            [python, "-c", "import sys; print(sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "(3, 12)" in version
        app = httpx.post(
            f"{url}/_mockgraph/tokens",
            json={"appId": PRESENCE_SYNC, "roles": ["Presence.ReadWrite.All"]},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {app}"}
        assert (
            httpx.post(
                f"{url}/v1.0/users/{ADELE}/presence/setPresence",
                headers=headers,
                json={"sessionId": "s", "availability": "Busy", "activity": "InACall"},
            ).status_code
            == 200
        )
        body = httpx.get(f"{url}/v1.0/users/{ADELE}/presence", headers=headers).json()
        assert (body["availability"], body["activity"]) == ("Busy", "InACall")
    finally:
        server.terminate()
        server.wait(timeout=30)
