"""The command line: `mockgraph serve` and `mockgraph token`, configured by flags or MOCKGRAPH_*."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockgraph.cli.main import main
from tests.constants import ADELE
from tests.processes import free_port, wait_healthy

CUSTOM_USER = "0b5e2d8c-4a1f-4c3e-9b7d-6e8f0a2c4e61"
CUSTOM_TENANT = "6a0c2e4f-8b1d-4f3a-9c5e-7d9f1b3d5f77"
CUSTOM_APP = "c1e3a5b7-d9f1-4b3d-8f5a-7c9e1a3c5e79"
CUSTOM_FIXTURES = {
    "tenantId": CUSTOM_TENANT,
    "users": [
        {
            "id": CUSTOM_USER,
            "displayName": "Only User",
            "presence": {"availability": "busy", "activity": "inacall"},
        }
    ],
    "apps": [{"appId": CUSTOM_APP, "applicationPermissions": ["Presence.ReadWrite.All"]}],
}


# "@ID@" stands for a valid user id, "@UPPER@" for the same id in capitals.
BAD_FIXTURES = [
    ('{"users": [{"id": "nope"}]}', "$.users[0].id: 'nope' is not a GUID"),
    (
        '{"users": [{"id": "@ID@", "presence": {"availability": "Busy", "activity": "Napping"}}]}',
        "$.users[0].presence.activity: unknown activity 'Napping'",
    ),
    ('{"users": [', "$: Invalid JSON"),
    ('{"users": [{"id": "@ID@", "colour": "red"}]}', "$.users[0].colour: unknown key"),
    ('{"users": [{"id": "@ID@"}, {"id": "@UPPER@"}]}', "$.users[1].id: '@ID@' appears twice"),
    (
        '{"users": [{"id": "@ID@", "statusMessage": {"message": {"content": "x"}, '
        '"expiryDateTime": {"dateTime": "soon"}}}]}',
        "$.users[0].statusMessage.expiryDateTime: The value 'soon'",
    ),
    (
        '{"apps": [{"appId": "@ID@", "applicationPermissions": "Presence.Read.All"}]}',
        "$.apps[0].applicationPermissions: must be a JSON array",
    ),
    ("[]", "$: must be a JSON object"),
    ('{"users": [5]}', "$.users[0]: must be a JSON object"),
    (
        '{"users": [{"id": "@ID@", "statusMessage": {"message": {"content": "x", '
        '"contentType": "html"}}}]}',
        "$.users[0].statusMessage.message.contentType: the only supported contentType is 'text'",
    ),
]


def _with_ids(text: str) -> str:
    return text.replace("@ID@", ADELE).replace("@UPPER@", ADELE.upper())


@pytest.mark.parametrize(("content", "expected"), BAD_FIXTURES)
def test_bad_fixture_file_stops_start_up_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(_with_ids(content))

    code = main(["serve", "--fixtures", str(path), "--port", "0"])

    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"mockgraph: {path}: ")
    assert _with_ids(expected) in err


def test_missing_fixture_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--fixtures", str(tmp_path / "absent.json")]) == 2
    assert "cannot read the fixture file" in capsys.readouterr().err


def test_bad_signing_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "key.pem"
    key.write_text("not a key")
    assert main(["serve", "--signing-key", str(key)]) == 2
    assert "not an unencrypted PEM private key" in capsys.readouterr().err


@pytest.fixture
def served(tmp_path: Path, key_file: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """`python -m mockgraph serve` configured only through MOCKGRAPH_* variables."""
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text(json.dumps(CUSTOM_FIXTURES))
    port = free_port()
    env = {
        **os.environ,
        "MOCKGRAPH_HOST": "127.0.0.1",
        "MOCKGRAPH_PORT": str(port),
        "MOCKGRAPH_FIXTURES": str(fixtures),
        "MOCKGRAPH_SIGNING_KEY": str(key_file),
        "MOCKGRAPH_STRICT_SESSION_ID": "true",
        "MOCKGRAPH_LOG_LEVEL": "warning",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "mockgraph", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url, env
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        finally:
            if process.stderr is not None:
                process.stderr.close()


def run_token(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "mockgraph", "token", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_serve_reads_every_setting_from_the_environment(served: tuple[str, dict[str, str]]) -> None:
    url, env = served
    token = run_token(
        "--app", CUSTOM_APP, "--roles", "Presence.ReadWrite.All", "--url", url, env=env
    )
    headers = {"Authorization": f"Bearer {token}"}

    presence = httpx.get(f"{url}/v1.0/users/{CUSTOM_USER}/presence", headers=headers).json()
    assert (presence["availability"], presence["activity"]) == ("Busy", "InACall")
    # MOCKGRAPH_STRICT_SESSION_ID=true: the session id must be the caller's app id.
    body = {"sessionId": "someone-else", "availability": "Away", "activity": "Away"}
    refused = httpx.post(
        f"{url}/v1.0/users/{CUSTOM_USER}/presence/setPresence", json=body, headers=headers
    )
    assert refused.status_code == 400
    accepted = httpx.post(
        f"{url}/v1.0/users/{CUSTOM_USER}/presence/setPresence",
        json={**body, "sessionId": CUSTOM_APP},
        headers=headers,
    )
    assert accepted.status_code == 200


@pytest.mark.parametrize("user", [CUSTOM_USER, f"{CUSTOM_USER}@MockGraph.local"], ids=["id", "upn"])
def test_token_signed_locally_with_the_key_file_is_accepted(
    served: tuple[str, dict[str, str]], key_file: Path, user: str
) -> None:
    url, env = served
    token = run_token(
        "--user", user, "--scopes", "Presence.Read", "--signing-key", str(key_file), env=env
    )
    response = httpx.get(f"{url}/v1.0/me/presence", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["id"] == CUSTOM_USER


def test_token_command_reports_an_unreachable_server(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    code = main(["token", "--user", ADELE, "--url", f"http://127.0.0.1:{port}"])
    assert code == 1
    assert "cannot reach" in capsys.readouterr().err
