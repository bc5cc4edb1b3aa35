"""The state file: saves that fail are retried and counted, one server per file, and a
server that does not start writes nothing."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.processes import Served, free_port

SERVE = (sys.executable, "-m", "mockgraph", "serve", "--port")


def _health(url: str) -> dict[str, object]:
    body: dict[str, object] = httpx.get(f"{url}/_mockgraph/health", timeout=5).json()
    return body


def _wait_for(check: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.mark.full_suite
def test_a_failed_save_is_counted_logged_and_retried(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    server = Served(tmp_path, "--state-file", str(state), "--state-save-interval", "0.2").start()
    try:
        _wait_for(state.exists)
        # A non-empty folder where the file goes: os.replace cannot put the save there.
        state.unlink()
        state.mkdir()
        (state / "blocker").write_text("x")
        _wait_for(lambda: int(str(_health(server.url).get("stateSaveFailures", 0))) >= 2)
        health = _health(server.url)
        assert "Error" in str(health["lastStateSaveError"])
        # The folder goes: the very next interval saves again.
        (state / "blocker").unlink()
        state.rmdir()
        _wait_for(state.is_file)
    finally:
        assert server.stop() == 0
    assert "could not save the state to" in server.log.read_text()


@pytest.mark.full_suite
def test_a_second_server_on_the_same_state_file_refuses_to_start(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = Served(tmp_path, "--state-file", str(state), "--state-save-interval", "0.2").start()
    try:
        second = subprocess.run(
            [*SERVE, str(free_port()), "--state-file", str(state)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 2
        assert str(state) in second.stderr
        assert f"pid {first.process.pid}" in second.stderr
        assert second.stderr.count("\n") == 1
        # The first server's saves go on: nothing of its was removed.
        time.sleep(0.5)
        assert first.process.poll() is None
    finally:
        assert first.stop() == 0
    assert state.is_file()


@pytest.mark.full_suite
def test_a_server_that_cannot_bind_its_port_writes_no_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*SERVE, str(port), "--state-file", str(state), "--quiet"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode != 0
    assert not state.exists()


@pytest.mark.full_suite
def test_subscriptions_and_refresh_tokens_survive_a_restart(tmp_path: Path, key_file: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from mockgraph.testing import WebhookReceiver
    from tests.constants import ALEX, PATTI, PRESENCE_SYNC, TENANT
    from tests.identity.entra import password_form

    state = tmp_path / "state.json"
    # A fixed signing key: the tokens of the first run are good for the second.
    serve = ("--state-file", str(state), "--signing-key", str(key_file))
    token_url = f"/{TENANT}/oauth2/v2.0/token"
    form = password_form(scope="offline_access User.Read")
    with WebhookReceiver() as webhook:
        first = Served(tmp_path, *serve).start()
        try:
            reader = first.token(userId=ALEX, scopes=["Presence.Read.All"])
            expiry = (datetime.now(UTC) + timedelta(minutes=50)).isoformat()
            created = httpx.post(
                f"{first.url}/v1.0/subscriptions",
                timeout=20,
                headers={"Authorization": f"Bearer {reader}"},
                json={
                    "changeType": "updated",
                    "notificationUrl": webhook.url,
                    "lifecycleNotificationUrl": webhook.url,
                    "clientState": "kept-across-restarts",
                    "resource": f"/communications/presences/{PATTI}",
                    "expirationDateTime": expiry,
                },
            )
            assert created.status_code == 201, created.text
            refresh = httpx.post(f"{first.url}{token_url}", data=form).json()["refresh_token"]
        finally:
            assert first.stop() == 0

        second = Served(tmp_path, *serve).start()
        try:
            subscription = httpx.get(
                f"{second.url}/v1.0/subscriptions/{created.json()['id']}",
                headers={"Authorization": f"Bearer {reader}"},
            )
            assert subscription.status_code == 200, subscription.text
            for key in ("expirationDateTime", "clientState", "lifecycleNotificationUrl"):
                assert subscription.json()[key] == created.json()[key]
            writer = second.token(appId=PRESENCE_SYNC, roles=["Presence.ReadWrite.All"])
            busy = {"sessionId": "s", "availability": "Busy", "activity": "InACall"}
            assert (
                httpx.post(
                    f"{second.url}/v1.0/users/{PATTI}/presence/setPresence",
                    headers={"Authorization": f"Bearer {writer}"},
                    json=busy,
                ).status_code
                == 200
            )
            _wait_for(lambda: len(webhook.items()) >= 1)
            assert webhook.items()[0]["clientState"] == "kept-across-restarts"
            refreshed = httpx.post(
                f"{second.url}{token_url}",
                data={**form, "grant_type": "refresh_token", "refresh_token": refresh},
            )
            assert refreshed.status_code == 200, refreshed.text
        finally:
            assert second.stop() == 0
