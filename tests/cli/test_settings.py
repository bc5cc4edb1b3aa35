"""Every setting is declared once: each variable and each flag reach the same Settings field."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from mockgraph.app import create_app
from mockgraph.cli.main import build_parser, main
from mockgraph.limits import Limit
from mockgraph.server import ServerThread
from mockgraph.settings import ClientSettings, Declared, Settings, parse_bool
from mockgraph.tls import make_certificates

# For each declared setting: a text other than the default, and the value it stands for.
EXAMPLES: dict[str, tuple[str, object]] = {
    "host": ("0.0.0.0", "0.0.0.0"),
    "port": ("8123", 8123),
    "fixtures": ("/srv/seed.json", Path("/srv/seed.json")),
    "signing_key": ("/srv/key.pem", Path("/srv/key.pem")),
    "strict_session_id": ("yes", True),
    "max_body_bytes": ("2048", 2048),
    "max_url_bytes": ("8192", 8192),
    "max_header_bytes": ("32768", 32768),
    "log_level": ("DEBUG", "debug"),
    "log_format": ("json", "json"),
    "quiet": ("on", True),
    "admin_key": ("let-me-in", "let-me-in"),
    "journal_size": ("50", 50),
    "throttle": ("100/10s", Limit(100, 10.0)),
    "max_tenants": ("3", 3),
    "tenants": ("ANY", "any"),
    "webhook_https_only": ("1", True),
    "webhook_attempts": ("2", 2),
    "webhook_backoff": ("1.5", 1.5),
    "webhook_timeout": ("0.5", 0.5),
    "state_file": ("/srv/state.json", Path("/srv/state.json")),
    "state_save_interval": ("0", 0.0),
    "cors_origins": (
        "https://a.example, https://b.example/",
        ("https://a.example", "https://b.example"),
    ),
    "allowed_hosts": ("mockgraph.ci.example, *", ("mockgraph.ci.example", "*")),
    "device_code_user": ("adele.vance@contoso.example", "adele.vance@contoso.example"),
    "device_code_slow_down": ("true", True),
    "tls": ("true", True),
    "tls_cert": ("/srv/cert.pem", Path("/srv/cert.pem")),
    "tls_key": ("/srv/cert.key", Path("/srv/cert.key")),
    "tls_ca_file": ("/srv/ca.pem", Path("/srv/ca.pem")),
    "tls_ca_cert": ("/srv/ci-ca.pem", Path("/srv/ci-ca.pem")),
    "tls_ca_key": ("/srv/ci-ca-key.pem", Path("/srv/ci-ca-key.pem")),
    "proxy_port": ("8443", 8443),
    "proxy_passthrough": ("pypi.org, 10.0.0.5:8080", (("pypi.org", 443), ("10.0.0.5", 8080))),
    "cloud": ("USGov", "usgov"),
    "photo_not_found_code": ("errorentitynotfound", "ErrorEntityNotFound"),
    "scenario": ("office-day", "office-day"),
    "scenario_users": ("200", 200),
    "scenario_speed": ("60", 60.0),
    "scenario_seed": ("7", 7),
    "scenario_start": (
        "2026-03-02T08:00:00+01:00",
        datetime(2026, 3, 2, 8, 0, tzinfo=timezone(timedelta(hours=1))),
    ),
}
CLIENT_EXAMPLES: dict[str, tuple[str, object]] = {
    "url": ("http://127.0.0.1:9999/", "http://127.0.0.1:9999"),
    "admin_key": ("let-me-in", "let-me-in"),
}
# (settings class, the command whose flags carry them, name, text, value)
CASES = [(Settings, "serve", name, *example) for name, example in EXAMPLES.items()] + [
    (ClientSettings, "reset", name, *example) for name, example in CLIENT_EXAMPLES.items()
]
IDS = [f"{cls.__name__}.{name}" for cls, _, name, _, _ in CASES]


def test_every_declared_setting_has_an_example() -> None:
    assert [name for name, _ in Settings.declared()] == list(EXAMPLES)
    assert [name for name, _ in ClientSettings.declared()] == list(CLIENT_EXAMPLES)


@pytest.mark.parametrize(("cls", "command", "name", "text", "value"), CASES, ids=IDS)
def test_variable_round_trip(
    cls: type[Declared], command: str, name: str, text: str, value: object
) -> None:
    assert getattr(cls(), name) != value  # the example is not the default
    args = build_parser().parse_args([command])
    settings = cls.from_args(args, {cls.env_name(name): text})
    assert getattr(settings, name) == value


@pytest.mark.parametrize(("cls", "command", "name", "text", "value"), CASES, ids=IDS)
def test_flag_round_trip(
    cls: type[Declared], command: str, name: str, text: str, value: object
) -> None:
    flag = cls.flag_name(name)
    argv = [command, flag] if value is True else [command, flag, text]
    args = build_parser().parse_args(argv)
    # The flag wins over its variable.
    opposite = "false" if value is True else str(getattr(cls(), name) or "")
    settings = cls.from_args(args, {cls.env_name(name): opposite})
    assert getattr(settings, name) == value


def test_no_flag_leaves_the_defaults() -> None:
    assert Settings.from_args(build_parser().parse_args(["serve"]), {}) == Settings()


@pytest.mark.parametrize("text", ["1", "true", "TRUE", "yes", "on", " On "])
def test_true_spellings(text: str) -> None:
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["", "0", "false", "no", "off", "OFF"])
def test_false_spellings(text: str) -> None:
    assert parse_bool(text) is False


@pytest.mark.parametrize(
    ("variable", "text", "expected"),
    [
        ("MOCKGRAPH_TLS", "maybe", "MOCKGRAPH_TLS: 'maybe' is not a boolean"),
        ("MOCKGRAPH_PORT", "eighty", "MOCKGRAPH_PORT: 'eighty' is not a whole number"),
        ("MOCKGRAPH_JOURNAL_SIZE", "0", "MOCKGRAPH_JOURNAL_SIZE: must be at least 1, not 0"),
        ("MOCKGRAPH_THROTTLE", "lots", "MOCKGRAPH_THROTTLE: 'lots' is not a throttling limit"),
        ("MOCKGRAPH_LOG_FORMAT", "xml", "MOCKGRAPH_LOG_FORMAT: 'xml' is not one of text, json"),
    ],
)
def test_a_bad_variable_stops_start_up_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    text: str,
    expected: str,
) -> None:
    monkeypatch.setenv(variable, text)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert expected in err


def test_a_bad_flag_is_refused_by_the_same_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--max-tenants", "0"])
    assert exited.value.code == 2
    assert "argument --max-tenants: must be at least 1, not 0" in capsys.readouterr().err


# --- the container's healthcheck reads the same declarations -------------------------------


@pytest.fixture(scope="module")
def https_server() -> Iterator[ServerThread]:
    with ServerThread(create_app(), tls=make_certificates()) as server:
        yield server


@pytest.fixture(scope="module")
def http_server() -> Iterator[ServerThread]:
    with ServerThread(create_app()) as server:
        yield server


def healthcheck(**variables: Any) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKGRAPH_")}
    env.update({f"MOCKGRAPH_{k}": str(v) for k, v in variables.items()})
    return subprocess.run(
        [sys.executable, "-m", "mockgraph.healthcheck"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize("spelling", ["1", "true", "yes", "on", "ON"])
def test_healthcheck_probes_https_for_every_spelling_the_server_takes(
    https_server: ServerThread, spelling: str
) -> None:
    # The server takes each spelling as "serve HTTPS"; so must its healthcheck.
    assert parse_bool(spelling) is True
    result = healthcheck(PORT=https_server.port, TLS=spelling)
    assert result.returncode == 0, result.stderr


def test_healthcheck_probes_https_for_a_given_certificate(https_server: ServerThread) -> None:
    result = healthcheck(PORT=https_server.port, TLS_CERT="/certs/server.pem")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("spelling", ["", "0", "off", "no"])
def test_healthcheck_probes_http_when_tls_is_off(http_server: ServerThread, spelling: str) -> None:
    result = healthcheck(PORT=http_server.port, TLS=spelling)
    assert result.returncode == 0, result.stderr


def test_healthcheck_fails_when_nothing_answers(http_server: ServerThread) -> None:
    result = healthcheck(PORT=http_server.port, TLS="on")  # HTTPS to an HTTP server
    assert result.returncode == 1
    assert f"https://127.0.0.1:{http_server.port}/_mockgraph/health" in result.stderr
