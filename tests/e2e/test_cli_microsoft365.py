"""CLI for Microsoft 365 (`m365`, pnp/cli-microsoft365), unmodified, signs in to mockgraph as an
app, with a secret and with a certificate, and `m365 status` names the connection by the app's
display name, which it reads from the token's `app_displayname` (Entra's v1.0 claim).

The CLI reaches login.microsoftonline.com through mockgraph's intercepting proxy on 127.0.0.1
(HTTPS_PROXY, NODE_EXTRA_CA_CERTS and Node 20's preload, as `mockgraph env` prints them). Its
home is the test's own folder, with telemetry off and no update check, so it neither touches
the user's sign-ins nor calls anything but the proxy.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mockgraph.app import create_app
from mockgraph.proxy.environment import client_environment
from mockgraph.server import ServerThread
from mockgraph.settings import Settings
from mockgraph.tls import make_certificates
from tests.certificates import Certificate, fixtures_with, make_certificate
from tests.constants import PRESENCE_SYNC, TENANT
from tests.e2e.node import m365_cli

SYNC_NAME = "Presence Sync (application read and write)"


@pytest.fixture(scope="module")
def certificate() -> Certificate:
    return make_certificate()


@pytest.fixture(scope="module")
def proxied(
    tmp_path_factory: pytest.TempPathFactory, certificate: Certificate
) -> Iterator[dict[str, str]]:
    """A mockgraph with its proxy, Presence Sync holding `certificate`; the client's variables."""
    folder = tmp_path_factory.mktemp("m365-server")
    certificate.write(folder / "presence-sync.pem")
    fixtures = fixtures_with(
        folder / "fixtures.json", {PRESENCE_SYNC: {"certificates": ["presence-sync.pem"]}}
    )
    (folder / "tls").mkdir()
    tls = make_certificates(folder / "tls")
    assert tls.ca is not None
    app = create_app(replace(Settings(fixtures=fixtures), tls_ca=tls.ca))
    with ServerThread(app, proxy=tls) as server:
        assert server.proxy_url is not None
        variables, _ = client_environment(
            server.proxy_url, tls.ca.read_bytes(), folder / "client", java=False
        )
        yield variables


def m365(home: Path, variables: dict[str, str], *arguments: str) -> Any:
    """Run `m365 ...` with its own home, as its users do; its JSON answer."""
    cli = m365_cli()
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        # No update check (npm's registry) and no Application Insights telemetry.
        "CLIMICROSOFT365_NOUPDATE": "1",
        "NO_UPDATE_NOTIFIER": "1",
        **variables,
    }
    run = subprocess.run(
        ["node", str(cli), *arguments, "--output", "json"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, (run.stdout, run.stderr)
    return json.loads(run.stdout) if run.stdout.strip() else None


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The CLI's home: its connection files and its configuration, telemetry off."""
    config = tmp_path / ".config" / "configstore"
    config.mkdir(parents=True)
    settings = {"disableTelemetry": True, "autoOpenLinksInBrowser": False, "prompt": False}
    (config / "cli-m365-config.json").write_text(json.dumps(settings))
    return tmp_path


def test_m365_login_with_a_secret(home: Path, proxied: dict[str, str]) -> None:
    m365(
        home,
        proxied,
        "login",
        "--authType",
        "secret",
        "--appId",
        PRESENCE_SYNC,
        "--secret",
        "presence-sync-secret",
        "--tenant",
        TENANT,
    )

    status = m365(home, proxied, "status")

    assert status["connectedAs"] == SYNC_NAME
    assert (status["authType"], status["appId"], status["appTenant"]) == (
        "secret",
        PRESENCE_SYNC,
        TENANT,
    )
    assert status["cloudType"] == "Public"


def test_m365_login_with_a_certificate(
    home: Path, proxied: dict[str, str], certificate: Certificate
) -> None:
    pem = certificate.write(home / "presence-sync.pem")
    m365(
        home,
        proxied,
        "login",
        "--authType",
        "certificate",
        "--appId",
        PRESENCE_SYNC,
        "--certificateFile",
        str(pem),
        "--tenant",
        TENANT,
    )

    status = m365(home, proxied, "status")

    assert status["connectedAs"] == SYNC_NAME
    assert (status["authType"], status["appId"]) == ("certificate", PRESENCE_SYNC)
    # The CLI keeps its token in its own home, and it is mockgraph's v1.0 app token.
    connection = json.loads((home / ".cli-m365-connection.json").read_text())
    assert connection["identityTenantId"] == TENANT
