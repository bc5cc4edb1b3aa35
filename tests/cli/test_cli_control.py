"""The control-plane commands (`mockgraph reset`, `clock`, `users`, `requests`, `faults`,
`state`), each against a real uvicorn on loopback."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockgraph.app import create_app
from mockgraph.cli.main import main
from mockgraph.server import ServerThread
from mockgraph.testing import MockGraphAdmin
from tests.constants import ADELE, PRESENCE_SYNC
from tests.processes import free_port


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    # The in-process server's request log would share stderr with the command under test.
    request_log = logging.getLogger("mockgraph.requests")
    level = request_log.level
    request_log.setLevel(logging.WARNING)
    with ServerThread(create_app()) as running:
        yield running
    request_log.setLevel(level)


@pytest.fixture
def admin(server: ServerThread) -> Iterator[MockGraphAdmin]:
    client = MockGraphAdmin(server.url)
    client.reset()
    yield client
    client.close()


def run(
    capsys: pytest.CaptureFixture[str], url: str, *argv: str
) -> tuple[int, list[str], list[str]]:
    code = main([argv[0], "--url", url, *argv[1:]])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def set_busy(admin: MockGraphAdmin, url: str) -> None:
    token = admin.app_token(PRESENCE_SYNC)
    answer = httpx.post(
        f"{url}/v1.0/users/{ADELE}/presence/setPresence",
        headers={"Authorization": f"Bearer {token}"},
        json={"sessionId": PRESENCE_SYNC, "availability": "Busy", "activity": "InACall"},
    )
    assert answer.status_code == 200


def adele(admin: MockGraphAdmin) -> str:
    presence = next(u for u in admin.users() if u["id"] == ADELE)["presence"]
    return f"{presence['availability']}/{presence['activity']}"


def test_reset(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    set_busy(admin, server.url)
    assert adele(admin) == "Busy/InACall"

    code, out, _ = run(capsys, server.url, "reset")

    assert (code, out) == (0, ["reset: back to the fixtures"])
    assert adele(admin) == "Available/Available"


def test_clock(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, server.url, "clock", "set", "2030-01-01T00:00:00Z")
    assert code == 0
    assert out[0].startswith("2030-01-01T00:00:0")

    assert "(frozen)" in run(capsys, server.url, "clock", "freeze")[1][0]
    code, out, _ = run(capsys, server.url, "clock", "advance", "PT1H")
    assert code == 0
    assert out[0].startswith("2030-01-01T01:00:00")
    assert admin.clock.now()["now"].startswith("2030-01-01T01:00:00")

    code, out, _ = run(capsys, server.url, "clock", "resume")
    assert code == 0
    assert "frozen" not in out[0]
    assert admin.clock.now()["frozen"] is False

    code, out, _ = run(capsys, server.url, "clock")
    assert code == 0
    assert out[0].startswith("2030-01-01T01:00")


def test_clock_refusal_shows_the_servers_message(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, server.url, "clock", "advance", "soon")
    assert code == 1
    assert out == []
    assert len(err) == 1
    assert err[0].startswith("mockgraph: the server answered 400: ")
    assert "soon" in err[0]


def test_users(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    set_busy(admin, server.url)
    code, out, _ = run(capsys, server.url, "users")
    assert code == 0
    assert len(out) == 6
    (line,) = [line for line in out if line.startswith(ADELE)]
    assert line.split()[1:] == ["Adele", "Vance", "Busy/InACall"]


def test_requests(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    set_busy(admin, server.url)
    httpx.get(f"{server.url}/v1.0/me/presence")  # 401: no token

    code, out, _ = run(capsys, server.url, "requests")
    assert code == 0
    assert len(out) == 2
    assert f"POST /v1.0/users/{ADELE}/presence/setPresence 200  app={PRESENCE_SYNC}" in out[0]
    assert out[1].endswith("GET /v1.0/me/presence 401")

    assert len(run(capsys, server.url, "requests", "--status", "401")[1]) == 1
    assert len(run(capsys, server.url, "requests", "--method", "POST")[1]) == 1
    assert run(capsys, server.url, "requests", "--path", "/v1.0/users/*")[1] == out[:1]


@pytest.mark.full_suite
def test_requests_follow_tails_the_journal(admin: MockGraphAdmin, server: ServerThread) -> None:
    httpx.get(f"{server.url}/v1.0/me/presence")
    follower = subprocess.Popen(
        [sys.executable, "-m", "mockgraph", "requests", "--follow", "--url", server.url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert follower.stdout is not None
        assert follower.stdout.readline().endswith("GET /v1.0/me/presence 401\n")
        set_busy(admin, server.url)  # made after the follower printed what was there
        assert "POST /v1.0/users/" in follower.stdout.readline()
    finally:
        follower.terminate()
        follower.communicate(timeout=10)


def test_faults(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, server.url, "faults", "add", "/v1.0/me/presence", "--status", "503", "--times", "1"
    )
    assert code == 0
    assert out[0].startswith("added: ")
    listed = run(capsys, server.url, "faults", "list")[1]
    assert len(listed) == 1
    assert json.loads(listed[0])["path"] == "/v1.0/me/presence"
    token = admin.token(ADELE, ["Presence.Read"])
    answer = httpx.get(
        f"{server.url}/v1.0/me/presence", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 503

    assert run(capsys, server.url, "faults", "add", "/v1.0/*", "--status", "429")[0] == 0
    assert run(capsys, server.url, "faults", "clear")[1] == ["cleared"]
    assert run(capsys, server.url, "faults")[1] == []


def test_state_export_and_import(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    set_busy(admin, server.url)
    saved = tmp_path / "state.json"
    assert run(capsys, server.url, "state", "export", str(saved))[0] == 0
    assert json.loads(saved.read_text())["users"] == admin.state()["users"]
    admin.reset()
    assert adele(admin) == "Available/Available"

    code, out, _ = run(capsys, server.url, "state", "import", str(saved))

    assert (code, out) == (0, [f"imported {saved}"])
    assert adele(admin) == "Busy/InACall"


def test_state_import_of_a_file_that_is_not_json(
    server: ServerThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    code, _, err = run(capsys, server.url, "state", "import", str(broken))
    assert code == 1
    assert len(err) == 1
    assert err[0].startswith(f"mockgraph: cannot read the state from {broken}: ")


@pytest.mark.parametrize(
    "argv",
    [
        ["reset"],
        ["clock"],
        ["clock", "advance", "PT1M"],
        ["users"],
        ["requests"],
        ["requests", "--follow"],
        ["faults", "list"],
        ["faults", "add", "/v1.0/*"],
        ["faults", "clear"],
        ["state", "export", "-"],
        ["token", "--user", ADELE],
    ],
    ids=" ".join,
)
def test_an_unreachable_server_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = run(capsys, url, *argv)
    assert code == 1
    assert out == []
    assert len(err) == 1
    assert err[0].startswith(f"mockgraph: cannot reach {url}: ")


@pytest.mark.full_suite
def test_the_server_comes_from_mockgraph_url(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**os.environ, "MOCKGRAPH_URL": server.url}
    result = subprocess.run(
        [sys.executable, "-m", "mockgraph", "users"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Adele Vance" in result.stdout


def test_server_options_go_before_or_after_a_subcommand(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    other = "11111111-2222-4333-8444-555555555555"
    code = main(["clock", "set", "2031-01-01T00:00:00Z", "--url", server.url, "--tenant", other])
    assert code == 0
    other_admin = MockGraphAdmin(server.url, tenant=other)
    assert other_admin.clock.now()["now"].startswith("2031-01-01")
    other_admin.close()
    assert not admin.clock.now()["now"].startswith("2031")
    capsys.readouterr()
