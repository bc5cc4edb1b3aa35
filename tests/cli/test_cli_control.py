"""The control-plane commands (`mockgraph reset`, `clock`, `users`, `requests`, `faults`,
`state`), each against a real uvicorn on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from mockgraph.cli.main import main
from mockgraph.server import ServerThread
from mockgraph.testing import MockGraphAdmin
from tests.constants import ADELE, ADELE_UPN, PRESENCE_SYNC
from tests.processes import free_port


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
    assert code == 2  # a refusal is the caller's to fix, as a usage error
    assert out == []
    assert len(err) == 1
    assert err[0].startswith("mockgraph: The value 'soon' of advance ")
    assert "soon" in err[0]


def test_users(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    set_busy(admin, server.url)
    code, out, _ = run(capsys, server.url, "users")
    assert code == 0
    assert len(out) == 7
    assert out[0].split("  ")[0] == "ID"
    assert [c.strip() for c in out[0].split("  ") if c] == [
        "ID",
        "USER PRINCIPAL NAME",
        "DISPLAY NAME",
        "PRESENCE",
        "NOTES",
    ]
    (line,) = [line for line in out if line.startswith(ADELE)]
    assert line.split()[1:] == [ADELE_UPN, "Adele", "Vance", "Busy/InACall"]


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


def test_requests_by_upn_and_app_name(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    set_busy(admin, server.url)
    token = admin.token(ADELE, ["Presence.Read"])
    httpx.get(f"{server.url}/v1.0/me/presence", headers={"Authorization": f"Bearer {token}"})

    by_user = run(capsys, server.url, "requests", "--user", ADELE_UPN)[1]
    assert len(by_user) == 1
    assert "GET /v1.0/me/presence 200  user=" in by_user[0]
    by_app = run(capsys, server.url, "requests", "--app", "Presence Sync")[1]
    assert len(by_app) == 1
    assert f"app={PRESENCE_SYNC}" in by_app[0]
    code, out, err = run(capsys, server.url, "requests", "--user", "nobody@contoso.example")
    assert (code, out, len(err)) == (2, [], 1)
    assert "is neither an object id nor the userPrincipalName" in err[0]


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
    (fault,) = admin.faults.list()
    assert out == [f"added fault {fault['id']}: 503"]
    listed = run(capsys, server.url, "faults", "list")[1]
    assert [line.split() for line in listed] == [
        ["ID", "METHOD", "PATH", "EFFECT", "TIMES", "APPLIED"],
        [fault["id"], "*", "/v1.0/me/presence", "503", "1", "0"],
    ]
    token = admin.token(ADELE, ["Presence.Read"])
    answer = httpx.get(
        f"{server.url}/v1.0/me/presence", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 503

    assert run(capsys, server.url, "faults", "add", "/v1.0/*", "--status", "429")[0] == 0
    assert run(capsys, server.url, "faults", "clear")[1] == ["cleared"]
    assert run(capsys, server.url, "faults")[1] == ["no faults"]


def test_a_fault_says_what_calls_meet(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["faults", "add", "/v1.0/*", "--status", "429", "--retry-after", "5"]
    code, out, _ = run(capsys, server.url, *argv, "--delay-ms", "300", "--code", "TooMany")
    assert code == 0
    assert out[0].endswith(": 429 TooMany (Retry-After 5 s) after 300 ms")
    code, out, _ = run(capsys, server.url, "faults", "add", "/v1.0/me", "--delay-ms", "800")
    assert out[0].endswith(": delay 800 ms")
    admin.faults.clear()


def test_state_export_and_import(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    set_busy(admin, server.url)
    saved = tmp_path / "state.json"
    code, out, err = run(capsys, server.url, "state", "export", str(saved))
    assert (code, out, err) == (0, [], [f"exported 6 users' state to {saved}"])
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
    assert code == 2
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


# --- mockgraph token: names, not only GUIDs ------------------------------------------------


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def test_token_takes_a_upn_and_scopes_with_commas(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, server.url, "token", "--user", ADELE_UPN, "--scopes", "Presence.Read, User.Read"
    )
    assert (code, err) == (0, [])
    minted = claims(out[0])
    assert (minted["oid"], minted["scp"]) == (ADELE, "Presence.Read User.Read")
    me = httpx.get(f"{server.url}/v1.0/me", headers={"Authorization": f"Bearer {out[0]}"})
    assert me.json()["id"] == ADELE


def test_token_takes_an_app_by_its_display_name(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, server.url, "token", "--app", "presence sync", "--roles", "Presence.ReadWrite.All"
    )
    assert (code, err) == (0, [])
    assert claims(out[0])["appid"] == PRESENCE_SYNC


def test_token_without_scopes_carries_the_apps_grant_and_says_so(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, server.url, "token", "--user", ADELE)
    assert code == 0
    granted = claims(out[0])["scp"]
    assert "Presence.ReadWrite" in granted.split()
    assert err == [f"mockgraph: no --scopes: the app's granted ones: {granted}"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--user", ADELE, "--scopes", "Presence.Reed"],
            "mockgraph: scopes: 'Presence.Reed' is not a permission mockgraph knows. "
            "Did you mean Presence.Read",
        ),
        (
            ["--user", "adele.vence@contoso.example"],
            "mockgraph: userId: 'adele.vence@contoso.example' is neither an object id nor the "
            "userPrincipalName of a user of tenant ",
        ),
        (
            ["--app", "Presence Snyc"],
            "mockgraph: appId: 'Presence Snyc' is neither an app id nor the display name of an "
            "app of the fixtures. Did you mean 'Presence Sync (application read and write)'?",
        ),
        (
            ["--app", "Presence"],
            "mockgraph: appId: 'Presence' begins the names of several apps: ",
        ),
    ],
    ids=["scope", "upn", "app", "ambiguous app"],
)
def test_token_refuses_an_unknown_name_with_the_closest(
    server: ServerThread, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, server.url, "token", *argv)
    assert (code, out, len(err)) == (2, [], 1)
    assert err[0].startswith(message), err[0]


def test_the_banners_graph_api_url_is_taken_as_the_servers(
    admin: MockGraphAdmin, server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, f"{server.url}/v1.0", "reset")
    assert (code, out) == (0, ["reset: back to the fixtures"])


def test_a_url_with_another_path_says_what_to_remove(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**os.environ, "MOCKGRAPH_URL": f"{server.url}/_mockgraph/ui"}
    result = subprocess.run(
        [sys.executable, "-m", "mockgraph", "reset"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        f"mockgraph: MOCKGRAPH_URL: '{server.url}/_mockgraph/ui' is not a server's root URL: "
        f"remove '/_mockgraph/ui' (give {server.url})"
    ]


def test_state_export_to_stdout_keeps_stdout_json(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, server.url, "state", "export", "-")
    assert code == 0
    assert json.loads("\n".join(out))["users"]
    assert err == ["exported 6 users' state to stdout"]


@pytest.mark.parametrize(
    ("argv", "example"),
    [
        (["token"], "mockgraph token --user adele.vance@contoso.example --scopes"),
        (["faults", "add"], "mockgraph faults add '/v1.0/users/*/presence' --status 429"),
    ],
)
def test_help_shows_an_example(
    capsys: pytest.CaptureFixture[str], argv: list[str], example: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert example in out
