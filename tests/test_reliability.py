"""Reliability and security: persistence, graceful shutdown, limits, CORS, log hygiene."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from mockgraph.settings import Settings
from tests.client import Graph
from tests.constants import ADELE, ALEX, PATTI, PRESENCE_SYNC
from tests.processes import Served, free_port

USERS = [PATTI, ADELE, ALEX]


def set_presence(
    url: str, token: str, user_id: str, availability: str, activity: str, session: str = "s"
) -> int:
    response = httpx.post(
        f"{url}/v1.0/users/{user_id}/presence/setPresence",
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
        json={
            "sessionId": session,
            "availability": availability,
            "activity": activity,
            "expirationDuration": "PT4H",
        },
    )
    return response.status_code


def presence_of(url: str, token: str, user_id: str) -> tuple[str, str]:
    body = httpx.get(
        f"{url}/v1.0/users/{user_id}/presence",
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    return body["availability"], body["activity"]


# --- persistence and shutdown --------------------------------------------------------------


@pytest.mark.full_suite
def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = Served(tmp_path, "--state-file", str(state)).start()
    token = first.token(appId=PRESENCE_SYNC, roles=["Presence.ReadWrite.All"])
    assert set_presence(first.url, token, PATTI, "DoNotDisturb", "Presenting") == 200
    assert first.stop() == 0
    assert json.loads(state.read_text())["format"] == "mockgraph-state/1"

    second = Served(tmp_path, "--state-file", str(state)).start()
    try:
        token = second.token(appId=PRESENCE_SYNC, roles=["Presence.ReadWrite.All"])
        assert presence_of(second.url, token, PATTI) == ("DoNotDisturb", "Presenting")
    finally:
        assert second.stop() == 0


@pytest.mark.full_suite
@pytest.mark.parametrize(
    "content",
    [
        b'{"format": "mockgraph-state/1", "tenants": [',
        b"garbage",
        b'{"format": "something-else"}',
        b'{"format": "mockgraph-state/1", "tenants": [{"tenantId": '
        b'"2b8f8a6c-7c1e-4c8e-9a3e-6d2f0c1b5a77", "users": 5}]}',
        # A subscription or a refresh token that is not one (mockgraph/runtime.load_state).
        b'{"format": "mockgraph-state/1", "tenants": [], "subscriptions": [{"id": 1}]}',
        b'{"format": "mockgraph-state/1", "tenants": [], "refreshTokens": "x"}',
        # Half a surrogate pair is not text (mockgraph/jsontext.py).
        b'{"format": "mockgraph-state/1", "tenants": [{"tenantId": "\\ud800"}]}',
    ],
)
def test_corrupt_state_file_is_refused_and_left_untouched(tmp_path: Path, content: bytes) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(content)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mockgraph",
            "serve",
            "--port",
            str(free_port()),
            "--state-file",
            str(state),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert str(state) in result.stderr
    assert result.stderr.count("\n") == 1
    assert state.read_bytes() == content


def _writer(
    url: str, token: str, acknowledged: dict[str, tuple[str, str]], stop: threading.Event
) -> None:
    pairs = [
        ("Busy", "InACall"),
        ("Away", "Away"),
        ("DoNotDisturb", "Presenting"),
        ("Available", "Available"),
    ]
    round_ = 0
    while not stop.is_set() and round_ < 5000:
        user = USERS[round_ % len(USERS)]
        pair = pairs[(round_ // len(USERS)) % len(pairs)]
        try:
            if set_presence(url, token, user, *pair, session="persist") == 200:
                acknowledged[user] = pair
        except httpx.HTTPError:
            return
        round_ += 1


@pytest.mark.full_suite
def test_sigterm_mid_load_saves_everything_acknowledged(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    server = Served(tmp_path, "--state-file", str(state), "--state-save-interval", "0").start()
    token = server.token(appId=PRESENCE_SYNC, roles=["Presence.ReadWrite.All"])
    acknowledged: dict[str, tuple[str, str]] = {}
    stop = threading.Event()
    writer = threading.Thread(target=_writer, args=(server.url, token, acknowledged, stop))
    writer.start()
    time.sleep(1.0)
    assert server.stop(signal.SIGTERM) == 0
    stop.set()
    writer.join(10)
    assert acknowledged

    again = Served(tmp_path, "--state-file", str(state)).start()
    try:
        token = again.token(appId=PRESENCE_SYNC, roles=["Presence.ReadWrite.All"])
        for user, pair in acknowledged.items():
            # The fixture's Teams session may rank above the written one; compare sessions.
            exported = httpx.get(f"{again.url}/_mockgraph/state", timeout=10).json()
            [saved] = [u for u in exported["users"] if u["id"] == user]
            session = next(s for s in saved["sessions"] if s["sessionId"] == "persist")
            assert (session["availability"], session["activity"]) == pair, user
    finally:
        assert again.stop() == 0


@pytest.mark.full_suite
def test_sigkill_leaves_the_last_complete_snapshot(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    server = Served(tmp_path, "--state-file", str(state), "--state-save-interval", "0.2").start()
    token = server.token(appId=PRESENCE_SYNC, roles=["Presence.ReadWrite.All"])
    assert set_presence(server.url, token, PATTI, "Away", "Away") == 200
    time.sleep(0.8)  # several snapshots have been written since
    acknowledged: dict[str, tuple[str, str]] = {}
    stop = threading.Event()
    writer = threading.Thread(target=_writer, args=(server.url, token, acknowledged, stop))
    writer.start()
    time.sleep(0.7)
    assert server.stop(signal.SIGKILL) == -signal.SIGKILL
    stop.set()
    writer.join(10)

    again = Served(tmp_path, "--state-file", str(state)).start()
    try:
        exported = httpx.get(f"{again.url}/_mockgraph/state", timeout=10).json()
        [patti] = [u for u in exported["users"] if u["id"] == PATTI]
        assert {s["sessionId"] for s in patti["sessions"]} >= {"s"}
        assert not list(tmp_path.glob(".state.json.*.tmp"))
    finally:
        assert again.stop() == 0


@pytest.mark.full_suite
def test_sigterm_finishes_in_flight_requests_and_exits_0(tmp_path: Path) -> None:
    server = Served(tmp_path).start()
    token = server.token(userId=ADELE, scopes=["Presence.Read"])
    httpx.post(
        f"{server.url}/_mockgraph/faults",
        json={"path": "/v1.0/me/presence", "delayMs": 1500, "times": 1},
    )
    answers: list[int] = []

    def slow_call() -> None:
        answers.append(
            httpx.get(
                f"{server.url}/v1.0/me/presence",
                timeout=10,
                headers={"Authorization": f"Bearer {token}"},
            ).status_code
        )

    caller = threading.Thread(target=slow_call)
    caller.start()
    time.sleep(0.4)
    started = time.monotonic()
    assert server.stop(signal.SIGTERM) == 0
    caller.join(10)
    assert answers == [200]
    assert time.monotonic() - started < 12


@pytest.mark.full_suite
def test_secrets_never_reach_the_log(tmp_path: Path) -> None:
    server = Served(tmp_path, "--log-level", "debug").start()
    secrets_used = ["presence-sync-secret", "Adele-Pa55!"]
    answer = httpx.post(
        f"{server.url}/2b8f8a6c-7c1e-4c8e-9a3e-6d2f0c1b5a77/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": "4e6a8c0b-2d4f-4a6c-8e0a-2c4e6a8c0b13",
            "username": "adele.vance@contoso.example",
            "password": "Adele-Pa55!",
            "scope": "Presence.Read",
        },
    )
    user_token = answer.json()["access_token"]
    app_answer = httpx.post(
        f"{server.url}/2b8f8a6c-7c1e-4c8e-9a3e-6d2f0c1b5a77/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": PRESENCE_SYNC,
            "client_secret": "presence-sync-secret",
            "scope": "https://graph.microsoft.com/.default",
        },
    )
    app_token = app_answer.json()["access_token"]
    httpx.get(f"{server.url}/v1.0/me/presence", headers={"Authorization": f"Bearer {user_token}"})
    httpx.get(f"{server.url}/v1.0/me/presence", headers={"Authorization": "Bearer broken"})
    journal = httpx.get(f"{server.url}/_mockgraph/requests").text
    assert server.stop() == 0
    log = server.log.read_text()
    assert "GET /v1.0/me/presence" in log  # the debug access log was on
    for secret in [*secrets_used, user_token, app_token]:
        assert secret not in log
        assert secret not in journal


# --- limits ------------------------------------------------------------------------------


@pytest.mark.full_suite
def test_idle_and_slow_connections_do_not_stop_the_server(tmp_path: Path) -> None:
    server = Served(tmp_path).start()
    sockets: list[socket.socket] = []
    try:
        for _ in range(300):  # idle connections
            sockets.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        for index in range(30):  # slow-loris: headers that never end
            slow = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            slow.sendall(f"GET /_mockgraph/health HTTP/1.1\r\nHost: x\r\nX-{index}: ".encode())
            sockets.append(slow)
        started = time.monotonic()
        for _ in range(20):
            assert httpx.get(f"{server.url}/_mockgraph/health", timeout=5).status_code == 200
        assert time.monotonic() - started < 5
    finally:
        for opened in sockets:
            opened.close()
        assert server.stop() == 0


# --- CORS ----------------------------------------------------------------------------------


def test_cors_preflight_and_response_headers(graph: Graph) -> None:
    preflight = graph.admin.options(
        "/v1.0/me/presence",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert preflight.headers["access-control-allow-headers"] == "authorization"
    answer = graph.as_user(ADELE).get(
        "/v1.0/me/presence", headers={"Origin": "http://localhost:3000"}
    )
    assert answer.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "request-id" in answer.headers["access-control-expose-headers"]


@pytest.mark.parametrize("settings", [Settings(cors_origins=("https://app.example",))])
def test_cors_origins_can_be_limited(graph: Graph, settings: Settings) -> None:
    allowed = graph.as_user(ADELE).get(
        "/v1.0/me/presence", headers={"Origin": "https://app.example"}
    )
    other = graph.as_user(ADELE).get(
        "/v1.0/me/presence", headers={"Origin": "https://evil.example"}
    )
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in other.headers


def test_default_bind_is_loopback() -> None:
    assert Settings().host == "127.0.0.1"


@pytest.mark.full_suite
def test_sigterm_waits_for_pending_webhook_deliveries(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from mockgraph.testing import WebhookReceiver

    server = Served(tmp_path).start()
    with WebhookReceiver() as webhook:
        reader = server.token(userId=ALEX, scopes=["Presence.Read.All"])
        created = httpx.post(
            f"{server.url}/v1.0/subscriptions",
            timeout=20,
            headers={"Authorization": f"Bearer {reader}"},
            json={
                "changeType": "updated",
                "notificationUrl": webhook.url,
                "resource": f"/communications/presences/{PATTI}",
                "expirationDateTime": (datetime.now(UTC) + timedelta(minutes=50)).isoformat(),
            },
        )
        assert created.status_code == 201, created.text
        webhook.stall_next(1.5)
        writer = server.token(appId=PRESENCE_SYNC, roles=["Presence.ReadWrite.All"])
        assert set_presence(server.url, writer, PATTI, "Busy", "InACall") == 200
        time.sleep(0.2)  # the delivery has started and is waiting on the stalled webhook
        assert server.stop(signal.SIGTERM) == 0
        assert len(webhook.items()) == 1
