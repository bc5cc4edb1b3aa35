"""`mockgraph report` and `mockgraph requests --har FILE`, against a real uvicorn on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from mockgraph.server import ServerThread
from mockgraph.testing import MockGraphAdmin
from tests.cli.test_cli_control import admin, run, set_busy  # noqa: F401  (a fixture)
from tests.constants import ADELE, PRESENCE_SYNC
from tests.report.test_har import validate_har


def test_report_prints_a_table_per_client(
    admin: MockGraphAdmin,  # noqa: F811
    server: ServerThread,
    capsys: pytest.CaptureFixture[str],
) -> None:
    set_busy(admin, server.url)  # Presence.ReadWrite.All, and a write that needs it
    token = admin.app_token(PRESENCE_SYNC)
    for _ in range(2):
        httpx.get(f"{server.url}/v1.0/users/{ADELE}", headers={"Authorization": f"Bearer {token}"})

    code, out, _ = run(capsys, server.url, "report")
    assert code == 0
    assert out[0].startswith("mockgraph report: tenant ")
    assert out[0].endswith("3 calls, 1 error, 0 warnings, 1 info")
    text = "\n".join(out)
    assert f"app {PRESENCE_SYNC} (application): 3 calls" in text
    assert "ERROR    permissions: 2 calls refused for lack of User.ReadBasic.All" in text
    assert "retries      0 answered 429/503" in text
    assert "INFO     hygiene: 3 calls without a client-request-id header" in text
    assert "fix: Add the User.ReadBasic.All application permission" in text


def test_report_as_json_and_since(
    admin: MockGraphAdmin,  # noqa: F811
    server: ServerThread,
    capsys: pytest.CaptureFixture[str],
) -> None:
    set_busy(admin, server.url)
    code, out, _ = run(capsys, server.url, "report", "--format", "json")
    assert code == 0
    body = json.loads("\n".join(out))
    assert [c["appId"] for c in body["clients"]] == [PRESENCE_SYNC]
    later = json.loads(
        "\n".join(run(capsys, server.url, "report", "--format", "json", "--since", "999999")[1])
    )
    assert later["clients"] == []


def test_requests_har_writes_the_file(
    admin: MockGraphAdmin,  # noqa: F811
    server: ServerThread,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    set_busy(admin, server.url)
    httpx.get(f"{server.url}/v1.0/me/presence")  # 401: no token
    target = tmp_path / "calls.har"

    code, out, _ = run(capsys, server.url, "requests", "--har", str(target), "--method", "POST")
    assert code == 0
    assert out == [f"wrote 1 calls to {target}"]
    document = json.loads(target.read_text())
    validate_har(document)
    assert document["log"]["entries"][0]["request"]["url"].startswith(server.url)
