"""What a person running `mockgraph serve` reads: the start-up banner and a line per call."""

from __future__ import annotations

import json
import logging
import shlex
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockgraph.app import MockGraphApp, create_app
from mockgraph.logs import TextFormatter, describe
from mockgraph.settings import Settings
from mockgraph.testing import InProcessTransport
from tests.constants import ADELE, ALEX, BUSY_LIGHT, PRESENCE_SYNC, PRESENCE_WALL, TENANT
from tests.processes import Served

TOKEN_URL = f"/{TENANT}/oauth2/v2.0/token"


def make_calls(server: Served) -> list[str]:
    """A success, a 403, a 401, a refused sign-in and a password sign-in; the secrets used."""
    user = server.token(userId=ADELE, scopes=["Presence.Read"], appId=BUSY_LIGHT)
    as_adele = {"Authorization": f"Bearer {user}"}
    assert httpx.get(f"{server.url}/v1.0/me/presence", headers=as_adele).status_code == 200
    forbidden = httpx.get(f"{server.url}/v1.0/users/{ALEX}/presence", headers=as_adele)
    assert forbidden.status_code == 403
    assert httpx.get(f"{server.url}/v1.0/me/presence").status_code == 401
    wrong_secret = httpx.post(
        f"{server.url}{TOKEN_URL}",
        data={
            "grant_type": "client_credentials",
            "client_id": PRESENCE_SYNC,
            "client_secret": "not-the-secret",
            "scope": "https://graph.microsoft.com/.default",
        },
    )
    assert wrong_secret.status_code == 401
    signed_in = httpx.post(
        f"{server.url}{TOKEN_URL}",
        data={
            "grant_type": "password",
            "client_id": BUSY_LIGHT,
            "username": "adele.vance@contoso.example",
            "password": "Adele-Pa55!",
            "scope": "Presence.Read",
        },
    )
    assert signed_in.status_code == 200
    clock = httpx.post(f"{server.url}/_mockgraph/clock", json={"advance": "PT1M"})
    assert clock.status_code == 200
    return [user, "not-the-secret", "Adele-Pa55!", signed_in.json()["access_token"]]


@pytest.mark.full_suite
def test_a_line_per_call_with_caller_status_and_error(tmp_path: Path) -> None:
    server = Served(tmp_path).start()
    secrets = make_calls(server)
    assert server.stop() == 0
    log = server.log.read_text()
    lines = log.splitlines()

    def line_of(start: str) -> str:
        (found,) = [line for line in lines if line.startswith(f"INFO:     {start}")]
        return found

    adele = f"user Adele Vance ({ADELE}) via app Busy Light"
    ok = line_of("GET /v1.0/me/presence 200 ")
    assert adele in ok
    assert ok.endswith(f"({BUSY_LIGHT})")
    refused = line_of(f"GET /v1.0/users/{ALEX}/presence 403 ")
    assert adele in refused
    assert refused.endswith(
        "Forbidden: Insufficient privileges to complete the operation. It needs one of these "
        "delegated permissions: Presence.Read.All."
    )
    assert line_of("GET /v1.0/me/presence 401 ").endswith(
        "ms  InvalidAuthenticationToken: Access token is empty."
    )
    entra = line_of(f"POST {TOKEN_URL} 401 ")
    assert f"app Presence Sync (application read and write) ({PRESENCE_SYNC})" in entra
    assert "  invalid_client: AADSTS7000215: Invalid client secret provided." in entra
    assert f"user Adele Vance ({ADELE}) via app Busy Light" in line_of(f"POST {TOKEN_URL} 200 ")
    assert line_of("POST /_mockgraph/clock 200 ")
    # Control-plane reads (the health probe) are for debug only.
    assert "/_mockgraph/health" not in log
    for secret in secrets:
        assert secret not in log


@pytest.mark.full_suite
def test_json_log_is_one_object_per_line(tmp_path: Path) -> None:
    server = Served(tmp_path, "--log-format", "json").start()
    secrets = make_calls(server)
    assert server.stop() == 0
    log = server.log.read_text()
    records: list[dict[str, Any]] = [json.loads(line) for line in log.splitlines()]

    banner = records[0]
    assert banner["message"] == "mockgraph started"
    assert banner["users"][0] == {"id": ADELE, "displayName": "Adele Vance"}
    assert {r["logger"] for r in records} >= {"mockgraph", "mockgraph.requests", "uvicorn.error"}
    forbidden = next(r for r in records if r.get("status") == 403)
    assert forbidden == {
        "time": forbidden["time"],
        "level": "info",
        "logger": "mockgraph.requests",
        "message": forbidden["message"],
        "kind": "graph",
        "method": "GET",
        "path": f"/v1.0/users/{ALEX}/presence",
        "status": 403,
        "latencyMs": forbidden["latencyMs"],
        "tenant": TENANT,
        "userId": ADELE,
        "userName": "Adele Vance",
        "appId": BUSY_LIGHT,
        "appName": "Busy Light (delegated read and write)",
        "errorCode": "Forbidden",
        "errorMessage": forbidden["errorMessage"],
    }
    assert isinstance(forbidden["latencyMs"], float)
    entra = next(r for r in records if r.get("kind") == "entra" and r["status"] == 401)
    assert (entra["appId"], entra["errorCode"]) == (PRESENCE_SYNC, "invalid_client")
    for secret in secrets:
        assert secret not in log


@pytest.mark.full_suite
def test_a_batch_logs_each_request(tmp_path: Path) -> None:
    server = Served(tmp_path).start()
    token = server.token(appId=PRESENCE_WALL, roles=["Presence.Read.All"])
    batch = {
        "requests": [
            {"id": "1", "method": "GET", "url": f"/users/{ADELE}/presence"},
            {"id": "2", "method": "GET", "url": "/users/nope/presence"},
        ]
    }
    answer = httpx.post(
        f"{server.url}/v1.0/$batch", json=batch, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200
    assert server.stop() == 0
    requests = [line for line in server.log.read_text().splitlines() if "/presence" in line]
    assert [line.split()[1:4] for line in requests] == [
        ["GET", f"/v1.0/users/{ADELE}/presence", "200"],
        # "nope" is not an object id, which is all presence takes.
        ["GET", "/v1.0/users/nope/presence", "400"],
    ]
    assert "POST /v1.0/$batch 200" in server.log.read_text()


# --- the start-up banner ------------------------------------------------------------------


def many_users(tmp_path: Path, count: int) -> Path:
    users = [
        {"id": f"00000000-0000-4000-8000-{n:012d}", "displayName": f"User {n}"}
        for n in range(count)
    ]
    apps = [
        {
            "appId": PRESENCE_WALL,
            "displayName": "Wall",
            "applicationPermissions": ["Presence.Read.All"],
        }
    ]
    path = tmp_path / "many.json"
    path.write_text(json.dumps({"tenantId": TENANT, "users": users, "apps": apps}))
    return path


@pytest.mark.full_suite
def test_banner_names_what_the_server_was_started_with(tmp_path: Path) -> None:
    fixtures = many_users(tmp_path, 25)
    server = Served(tmp_path, "--fixtures", str(fixtures)).start()
    try:
        banner = server.log.read_text().split("INFO:")[0]
        lines = banner.splitlines()
        assert lines[0] == "mockgraph 0.1.0"
        assert f"  Graph API   {server.url}/v1.0" in lines
        assert f"  Swagger UI  {server.url}/docs" in lines
        assert f"  Dashboard   {server.url}/_mockgraph/ui" in lines
        assert f"  Fixtures    {fixtures}" in lines
        assert f"  Tenant      {TENANT}" in lines
        assert "Users (25):" in lines
        assert "  00000000-0000-4000-8000-000000000019  User 19" in lines
        assert not any("User 20" in line for line in lines)
        assert "  ... and 5 more" in lines
        assert f"  {PRESENCE_WALL}  Wall" in lines
        assert "    application Presence.Read.All" in lines
        # The copy-paste command mints a token that this server accepts.
        command = lines[lines.index("Mint a token:") + 1].strip()
        token = subprocess.run(
            shlex.split(command), capture_output=True, text=True, timeout=60, check=True
        ).stdout.strip()
        me = httpx.get(
            f"{server.url}/v1.0/me/presence", headers={"Authorization": f"Bearer {token}"}
        )
        assert me.json()["id"] == "00000000-0000-4000-8000-000000000000"
    finally:
        server.stop()


@pytest.mark.full_suite
@pytest.mark.parametrize(
    ("extra", "env"),
    [(["--quiet"], {}), ([], {"MOCKGRAPH_QUIET": "yes"})],
    ids=["flag", "variable"],
)
def test_quiet_leaves_the_banner_out(tmp_path: Path, extra: list[str], env: dict[str, str]) -> None:
    server = Served(tmp_path, *extra, env=env).start()
    assert server.stop() == 0
    log = server.log.read_text()
    assert "mockgraph 0.1.0" not in log
    assert log.startswith("INFO:")


def test_colour_only_on_a_terminal() -> None:
    fields = {
        "kind": "graph",
        "method": "GET",
        "path": "/v1.0/me/presence",
        "status": 403,
        "latencyMs": 0.5,
        "userId": ADELE,
        "userName": "Adele Vance",
        "errorCode": "Forbidden",
        "errorMessage": "No.",
    }
    record = logging.makeLogRecord(
        {"msg": describe(fields), "levelno": logging.INFO, "levelname": "INFO"}
    )
    record.request = fields
    plain = TextFormatter("%(levelprefix)s %(message)s", use_colors=False).format(record)
    assert (
        plain
        == f"INFO:     GET /v1.0/me/presence 403 0.5 ms  user Adele Vance ({ADELE})  Forbidden: No."
    )
    coloured = TextFormatter("%(levelprefix)s %(message)s", use_colors=True).format(record)
    assert "\x1b[33m403\x1b[0m" in coloured  # a 4xx in yellow
    assert "\x1b[33mForbidden\x1b[0m: No." in coloured


def test_sign_in_names_are_looked_up_on_first_use_not_at_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="mockgraph.requests")
    # Listened to directly: an earlier test's logging set-up may stop it propagating to root.
    requests_log = logging.getLogger("mockgraph.requests")
    requests_log.addHandler(caplog.handler)
    app = create_app(Settings())
    assert isinstance(app, MockGraphApp)
    # Start-up builds no map of the fixture users (it is slow with 100,000 of them).
    assert "_users_by_upn" not in vars(app.request_log)
    with (
        httpx.Client(transport=InProcessTransport(app), base_url="http://127.0.0.1:8000") as c,
    ):
        signed_in = c.post(
            TOKEN_URL,
            data={
                "grant_type": "password",
                "client_id": BUSY_LIGHT,
                "username": "ADELE.VANCE@contoso.example",
                "password": "Adele-Pa55!",
                "scope": "Presence.Read",
            },
        )
    requests_log.removeHandler(caplog.handler)
    assert signed_in.status_code == 200
    records = {id(r): r for r in caplog.records if r.name == "mockgraph.requests"}
    (line,) = [r.__dict__["request"] for r in records.values()]
    assert (line["kind"], line["userId"], line["userName"]) == ("entra", ADELE, "Adele Vance")


@pytest.mark.full_suite
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_line_is_lost_at_shutdown(tmp_path: Path, log_format: str) -> None:
    # The lines are written by a thread of their own, a turn of the event loop at a time;
    # the server stops right after its last answer, and its log still holds every call.
    server = Served(tmp_path, "--quiet", "--log-format", log_format).start()
    token = server.token(appId=PRESENCE_WALL, roles=["Presence.Read.All"])
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as c:
        for n in range(300):
            user = ADELE if n % 2 else ALEX
            assert c.get(f"/v1.0/users/{user}/presence").status_code == 200
    assert server.stop() == 0
    log = server.log.read_text()
    if log_format == "json":
        records = [json.loads(line) for line in log.splitlines()]
        paths = [r["path"] for r in records if r.get("kind") == "graph"]
    else:
        paths = [line.split()[2] for line in log.splitlines() if " /v1.0/" in line]
    expected = [f"/v1.0/users/{ADELE if n % 2 else ALEX}/presence" for n in range(300)]
    assert paths == expected


def test_a_token_refused_on_the_virtual_clock_says_why_in_its_line(tmp_path: Path) -> None:
    server = Served(tmp_path).start()
    assert httpx.post(f"{server.url}/_mockgraph/clock", json={"advance": "P2D"}).is_success
    token = server.token(userId=ADELE, scopes=["Presence.Read"])
    assert httpx.post(f"{server.url}/_mockgraph/reset").is_success
    refused = httpx.get(
        f"{server.url}/v1.0/me/presence", headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 401
    assert server.stop() == 0

    (line,) = [x for x in server.log.read_text().splitlines() if "/v1.0/me/presence 401 " in x]
    hint = refused.headers["x-mockgraph-hint"]
    assert hint.startswith("The token's nbf ")
    assert line.endswith(
        f"InvalidAuthenticationToken: Access token has expired or is not yet valid.  ({hint})"
    )
