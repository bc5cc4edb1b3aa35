"""`mockgraph scenario` (run, play, pause, stop, seek, status) against a real uvicorn on
loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockgraph.cli.main import main
from mockgraph.server import ServerThread
from mockgraph.testing import MockGraphAdmin
from tests.processes import free_port

START = "2026-03-02T08:00:00+01:00"
UTC_START = "2026-03-02T07:00:00.0000000Z"  # as Graph writes a date-time


@pytest.fixture
def admin(server: ServerThread) -> Iterator[MockGraphAdmin]:
    client = MockGraphAdmin(server.url)
    yield client
    client._call("POST", "/scenario", {"action": "stop"})
    client.reset()
    client.close()


def run(
    capsys: pytest.CaptureFixture[str], url: str, *argv: str
) -> tuple[int, list[str], list[str]]:
    code = main(["scenario", *argv, "--url", url])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def test_run_seek_play_pause_and_status(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.url
    code, out, err = run(
        capsys, url, "run", "office-day", "--users", "6", "--seed", "3", "--start", START,
        "--speed", "60", "--paused",
    )  # fmt: skip
    assert (code, err) == (0, [])
    assert len(out) == 1
    assert out[0].startswith(f"started office-day: paused at {UTC_START}, 60x, seed 3, 6 users, 0/")

    code, out, _ = run(capsys, url, "seek", "10:30")
    assert code == 0
    assert out[0].startswith("moved office-day: paused at 2026-03-02T09:30:00.0000000Z, 60x")
    assert admin._call("GET", "/scenario")["applied"] > 0

    code, out, _ = run(capsys, url, "play")
    assert (code, len(out)) == (0, 1)
    assert out[0].startswith("playing office-day: running at 2026-03-02T09:3")
    assert admin._call("GET", "/scenario")["state"] == "running"

    code, out, _ = run(capsys, url, "pause")
    assert (code, len(out)) == (0, 1)
    assert out[0].startswith("paused office-day: paused at 2026-03-02T09:3")

    code, out, _ = run(capsys, url)
    assert (code, len(out)) == (0, 1)
    assert out[0].startswith("office-day: paused at 2026-03-02T09:3")
    assert ", 60x, seed 3, 6 users, " in out[0]

    code, out, _ = run(capsys, url, "stop")
    assert out[0].startswith("stopped office-day: stopped at")
    # play after a stop runs the same profile again, from its start.
    code, out, _ = run(capsys, url, "play")
    assert out[0].startswith(f"started office-day: running at {UTC_START[:14]}")
    assert ", 60x, seed 3, 6 users, " in out[0]


def test_run_a_file(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    scenario = {
        "name": "megan",
        "start": "2026-03-02T09:00:00+01:00",
        "timeZones": ["Europe/Berlin"],
        "users": 1,
        "steps": [
            {"at": "PT0S", "user": 0, "action": "signIn", "client": "teams"},
            {"at": "PT1H", "user": 0, "action": "signOut", "client": "teams"},
        ],
    }
    file = tmp_path / "megan.json"
    file.write_text(json.dumps(scenario))

    code, out, err = run(capsys, server.url, "run", str(file), "--paused")

    assert (code, err) == (0, [])
    assert out == [
        "started megan (file): paused at 2026-03-02T08:00:00.0000000Z, 1x, 1 users, 0/2 steps"
    ]
    code, out, _ = run(capsys, server.url, "seek", "2026-03-02T10:00:00+01:00")
    assert out[0].endswith("2/2 steps")


def test_refusals_are_one_line_and_exit_2(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = server.url
    assert run(capsys, url, "pause") == (
        2, [], ["mockgraph: No scenario is loaded; start one first."]
    )  # fmt: skip
    code, out, err = run(capsys, url, "run", "office-night")
    assert (code, out, len(err)) == (2, [], 1)
    assert err[0].startswith("mockgraph: ")
    assert "office-night" in err[0]

    run(capsys, url, "run", "office-day", "--start", START, "--paused")
    assert run(capsys, url, "seek", "25:99") == (
        2, [], ["mockgraph: to '25:99' is neither an ISO date-time nor HH:MM."]
    )  # fmt: skip
    code, _, err = run(capsys, url, "seek", "2026-03-09T08:00:00+01:00")
    assert (code, len(err)) == (2, 1)
    assert err[0].startswith("mockgraph: to must be within the scenario")

    code, _, err = run(capsys, url, "run", str(tmp_path / "missing.json"))
    assert (code, len(err)) == (2, 1)
    assert err[0].startswith(f"mockgraph: cannot read the scenario {tmp_path}")


def test_unreachable_server_is_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, f"http://127.0.0.1:{free_port()}")
    assert (code, out, len(err)) == (1, [], 1)
    assert err[0].startswith("mockgraph: cannot reach http://127.0.0.1:")
