"""`mockgraph serve --proxy-port`, `mockgraph env` and `mockgraph doctor`, as a user runs them:
a real server process, its variables in this process's environment, the doctor's verdict."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockgraph.cli.main import main
from mockgraph.proxy.environment import render
from tests.processes import free_port, wait_healthy


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, int]]:
    port, proxy_port = free_port(), free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockgraph",
            "serve",
            "--port",
            str(port),
            "--proxy-port",
            str(proxy_port),
            "--quiet",
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url, proxy_port
    finally:
        process.terminate()
        process.wait(timeout=20)


def env_of(output: str) -> dict[str, str]:
    pairs = (line.removeprefix("export ").split("=", 1) for line in output.splitlines())
    return {name: value.strip("'") for name, value in pairs}


def test_env_then_doctor(
    served: tuple[str, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, proxy_port = served
    assert main(["env", "--url", url, "--out", str(tmp_path)]) == 0
    variables = env_of(capsys.readouterr().out)

    proxy = f"http://127.0.0.1:{proxy_port}"
    assert variables["HTTPS_PROXY"] == variables["https_proxy"] == proxy
    assert variables["HTTP_PROXY"] == proxy
    assert variables["NO_PROXY"] == "localhost,127.0.0.1,::1"
    ca = tmp_path / "ca.pem"
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"):
        assert variables[name] == str(ca)
    assert ca.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert variables["NODE_USE_ENV_PROXY"] == "1"
    assert variables["NODE_OPTIONS"] == f"--require {tmp_path / 'node-env-proxy.cjs'}"
    if shutil.which("keytool"):
        assert f"-Dhttps.proxyPort={proxy_port}" in variables["JAVA_TOOL_OPTIONS"]
        assert (tmp_path / "truststore.p12").is_file()

    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert main(["doctor"]) == 0
    report = capsys.readouterr().out
    assert "ok       https://login.microsoftonline.com/common/discovery/instance" in report
    assert "ok       https://graph.microsoft.com/v1.0/$metadata reached mockgraph" in report


def test_doctor_says_what_is_wrong(
    served: tuple[str, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy_port = served[1]
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")

    assert main(["doctor", "--timeout", "2"]) == 1
    report = capsys.readouterr().out
    assert "SSL_CERT_FILE is not set" in report
    assert "cannot connect to the proxy" in report

    # The proxy answers, but the CA is not trusted.
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy_port}")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    assert main(["doctor", "--timeout", "2"]) == 1
    assert "SSL_CERT_FILE=" in capsys.readouterr().out


def test_env_needs_a_server_with_a_proxy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["env", "--url", f"http://127.0.0.1:{free_port()}"]) == 1
    assert "cannot reach mockgraph" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("shell", "line", "quoted"),
    [
        ("sh", "export HTTPS_PROXY='http://127.0.0.1:8443'", "export A='it'\\''s'"),
        ("fish", "set -gx HTTPS_PROXY 'http://127.0.0.1:8443';", "set -gx A 'it\\'s';"),
        ("powershell", "$env:HTTPS_PROXY = 'http://127.0.0.1:8443'", "$env:A = 'it''s'"),
        ("dotenv", 'HTTPS_PROXY="http://127.0.0.1:8443"', 'A="it\'s"'),
    ],
)
def test_each_shell_gets_its_own_syntax(shell: str, line: str, quoted: str) -> None:
    assert render({"HTTPS_PROXY": "http://127.0.0.1:8443"}, shell) == line + "\n"
    assert render({"A": "it's"}, shell) == quoted + "\n"
