"""The Docker image: built from the Dockerfile on a Debian stand-in base, run with --network
host on a free loopback port, and put through the end-to-end suite."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.constants import ADELE
from tests.docs.examples import Block, all_blocks
from tests.processes import free_port

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "tests" / "container" / "build-image.sh"
IMAGE = "mockgraph:test"
FIGURES = pytest.StashKey[list[str]]()
E2E = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/e2e"]


@dataclass
class Built:
    base: str
    image: str
    seconds: float


def docker(*args: str, check: bool = True) -> str:
    result = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=300, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout.strip()


def report(config: pytest.Config, line: str) -> None:
    config.stash.setdefault(FIGURES, []).append(line)


@pytest.fixture(scope="module")
def built(pytestconfig: pytest.Config) -> Built:
    if shutil.which("bash") is None:
        pytest.skip("no bash to run the image build script")
    started = time.monotonic()
    code, stdout, stderr = build_image(pytestconfig)
    if code == 3:
        pytest.skip(f"Docker is not available here: {stderr.strip().splitlines()[-1]}")
    assert code == 0, stderr[-3000:]
    base, image = stdout.strip().splitlines()[-2:]
    return Built(base, image, time.monotonic() - started)


def build_image(config: pytest.Config) -> tuple[int, str, str]:
    """Run the build script, showing its progress (what it installs or starts, and docker
    build's steps) on the terminal as it goes, past pytest's capture."""
    capture = config.pluginmanager.getplugin("capturemanager")
    lines: list[str] = []
    with subprocess.Popen(
        ["bash", str(BUILD), IMAGE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            sys.stderr.write("\n")
            for line in process.stderr:
                lines.append(line)
                sys.stderr.write(f"  {line}")
                sys.stderr.flush()
        stdout = process.stdout.read()
        code = process.wait(timeout=1800)
    return code, stdout, "".join(lines)


@dataclass
class Container:
    name: str
    url: str
    seconds_to_healthy: float


def run_container(image: str, *extra: str) -> Container:
    port = free_port()
    name = f"mockgraph-test-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    docker(
        "run",
        "-d",
        "--rm",
        "--network",
        "host",
        "--name",
        name,
        "-e",
        f"MOCKGRAPH_PORT={port}",
        *extra,
        image,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = started + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/_mockgraph/health", timeout=1).status_code == 200:
                return Container(name, url, time.monotonic() - started)
        except httpx.TransportError:
            time.sleep(0.02)
    logs = docker("logs", name, check=False)
    docker("rm", "-f", name, check=False)
    raise AssertionError(f"the container did not become healthy: {logs}")


@pytest.fixture(scope="module")
def container(built: Built, pytestconfig: pytest.Config) -> Iterator[Container]:
    # With its proxy on, so that the end-to-end suite's unmodified clients reach it too.
    running = run_container(
        built.image, "-e", "MOCKGRAPH_HOST=127.0.0.1", "-e", f"MOCKGRAPH_PROXY_PORT={free_port()}"
    )
    try:
        yield running
    finally:
        docker("rm", "-f", running.name, check=False)


def test_image_figures(built: Built, container: Container, pytestconfig: pytest.Config) -> None:
    size = int(docker("image", "inspect", "-f", "{{.Size}}", built.image))
    base = int(docker("image", "inspect", "-f", "{{.Size}}", built.base))
    added = (size - base) / 1e6
    report(
        pytestconfig,
        f"image {built.image}: {size / 1e6:.1f} MB, {added:.1f} MB over the "
        f"base {built.base} ({base / 1e6:.1f} MB)",
    )
    report(
        pytestconfig,
        f"docker run to healthy: {container.seconds_to_healthy:.2f} s "
        f"(build and set-up took {built.seconds:.0f} s)",
    )
    assert added < 80, f"the image adds {added:.1f} MB over its base"
    # How fast it gets healthy is the benchmark's to judge (case 6, "mockgraph image"), not a
    # timed assertion's on a shared machine: here it is reported, and the fixture has already
    # waited for the health check to pass.


# End-to-end files whose tests all start servers of their own, whatever MOCKGRAPH_URL says:
# run against the container, they would only repeat the outer suite's run.
OWN_SERVERS = (
    "test_examples.py",  # the docs' examples, each with the server its block names
    "test_cli_microsoft365.py",
    "test_concurrency.py",
    "test_nativeclient_page.py",
    "test_serve_scenario.py",
)


def test_end_to_end_suite_passes_against_the_container(container: Container) -> None:
    result = subprocess.run(
        [*E2E, *(f"--ignore=tests/e2e/{name}" for name in OWN_SERVERS)],
        cwd=ROOT,
        env={**os.environ, "MOCKGRAPH_URL": container.url},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_container_runs_as_a_user_and_reports_health(container: Container) -> None:
    assert docker("exec", container.name, "id", "-u") == "10001"
    deadline = time.monotonic() + 30
    status = ""
    while time.monotonic() < deadline:
        status = docker("inspect", "-f", "{{.State.Health.Status}}", container.name)
        if status == "healthy":
            break
        time.sleep(0.5)
    assert status == "healthy"


def test_own_fixtures_can_be_mounted(built: Built, tmp_path: Path) -> None:
    fixtures = tmp_path / "my-fixtures.json"
    custom = "0b5e2d8c-4a1f-4c3e-9b7d-6e8f0a2c4e61"
    fixtures.write_text(
        json.dumps(
            {
                "users": [
                    {"id": custom, "presence": {"availability": "Away", "activity": "BeRightBack"}}
                ]
            }
        )
    )
    fixtures.chmod(0o644)
    mounted = run_container(
        built.image,
        "-v",
        f"{fixtures}:/fixtures.json:ro",
        "-e",
        "MOCKGRAPH_FIXTURES=/fixtures.json",
    )
    try:
        token = httpx.post(
            f"{mounted.url}/_mockgraph/tokens", json={"userId": custom, "scopes": ["Presence.Read"]}
        ).json()
        me = httpx.get(
            f"{mounted.url}/v1.0/me/presence",
            headers={"Authorization": f"Bearer {token['access_token']}"},
        ).json()
        assert me["activity"] == "BeRightBack"
        other = httpx.post(
            f"{mounted.url}/_mockgraph/tokens", json={"userId": ADELE, "scopes": ["Presence.Read"]}
        ).json()
        missing = httpx.get(
            f"{mounted.url}/v1.0/me/presence",
            headers={"Authorization": f"Bearer {other['access_token']}"},
        )
        assert missing.status_code == 404
    finally:
        docker("rm", "-f", mounted.name, check=False)


# The client container's script: Entra's and Graph's own addresses, resolved by Docker's DNS
# to mockgraph's network aliases, trusted through SSL_CERT_FILE alone (no proxy anywhere).
DNS_ROUTE_CLIENT = """
import sys, time, httpx
tenant, app, secret, user = sys.argv[1:5]
deadline = time.monotonic() + 60
while True:
    try:
        discovery = httpx.get(
            "https://login.microsoftonline.com/common/discovery/instance",
            params={"api-version": "1.1", "authorization_endpoint":
                    "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"},
        )
        break
    except httpx.ConnectError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.5)
assert discovery.status_code == 200, discovery.text
token = httpx.post(
    f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
    data={"grant_type": "client_credentials", "client_id": app, "client_secret": secret,
          "scope": "https://graph.microsoft.com/.default"},
).json()["access_token"]
presence = httpx.get(
    f"https://graph.microsoft.com/v1.0/users/{user}/presence",
    headers={"Authorization": f"Bearer {token}"},
).json()
print(presence["@odata.context"].split("$")[0], presence["availability"])
"""


def test_dns_route_through_network_aliases(built: Built, tmp_path: Path) -> None:
    """Compose-style: mockgraph on 443 with Graph's and Entra's names as aliases on an
    internal network; a client container calls those names with only the CA trusted."""
    from mockgraph.tls import load_authority, new_authority, write_authority
    from tests.constants import PRESENCE_SYNC, TENANT

    ca_dir = tmp_path / "ca"
    write_authority(new_authority(), ca_dir)
    load_authority(ca_dir / "ca.pem", ca_dir / "ca-key.pem")
    # A throwaway CA: readable by the image's unprivileged user through the mount.
    ca_dir.chmod(0o755)
    for item in ca_dir.iterdir():
        item.chmod(0o644)
    network = f"mockgraph-dns-{uuid.uuid4().hex[:8]}"
    server = f"{network}-server"
    docker("network", "create", "--internal", network)
    aliases = [
        arg
        for host in ("graph.microsoft.com", "login.microsoftonline.com", "login.windows.net")
        for arg in ("--network-alias", host)
    ]
    try:
        docker(
            "run",
            "-d",
            "--rm",
            "--name",
            server,
            "--network",
            network,
            *aliases,
            # Port 443 as the image's unprivileged user (Docker >= 20.10 sets this already).
            "--sysctl",
            "net.ipv4.ip_unprivileged_port_start=443",
            "-v",
            f"{ca_dir}:/ca:ro",
            "-e",
            "MOCKGRAPH_PORT=443",
            "-e",
            "MOCKGRAPH_TLS=true",
            "-e",
            "MOCKGRAPH_TLS_CA_CERT=/ca/ca.pem",
            "-e",
            "MOCKGRAPH_TLS_CA_KEY=/ca/ca-key.pem",
            built.image,
        )
        client = docker(
            "run",
            "--rm",
            "--network",
            network,
            "-v",
            f"{ca_dir}:/ca:ro",
            "-e",
            "SSL_CERT_FILE=/ca/ca.pem",
            "--entrypoint",
            "/opt/mockgraph/bin/python",
            built.image,
            "-c",
            DNS_ROUTE_CLIENT,
            TENANT,
            PRESENCE_SYNC,
            "presence-sync-secret",
            ADELE,
        )
        assert client.splitlines()[-1] == "https://graph.microsoft.com/v1.0/ Available"
    finally:
        logs = docker("logs", server, check=False)
        docker("rm", "-f", server, check=False)
        docker("network", "rm", network, check=False)
        print(logs[-2000:])


def test_testcontainers_module_runs_the_image(
    built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("testcontainers", reason="the testcontainers extra is not installed")
    from testcontainers.core.config import testcontainers_config

    from mockgraph.testcontainers import MockGraphContainer

    # Ryuk, the reaper, is an image from a registry this machine may not reach; leaving the
    # with-block removes the container anyway.
    monkeypatch.setattr(testcontainers_config, "ryuk_disabled", True)
    with MockGraphContainer(built.image, host_network=True, admin_key="sesame") as mockgraph:
        assert mockgraph.graph_url == f"{mockgraph.url}/v1.0"
        # The control plane needs the key, which admin() sends.
        assert httpx.post(f"{mockgraph.url}/_mockgraph/reset").status_code == 401
        admin = mockgraph.admin()
        try:
            admin.reset()
            token = admin.token(ADELE, ["Presence.Read"])
        finally:
            admin.close()
        me = httpx.get(
            f"{mockgraph.graph_url}/me/presence", headers={"Authorization": f"Bearer {token}"}
        )
        assert me.status_code == 200
        assert me.json()["id"] == ADELE
        name = mockgraph.get_wrapped_container().name
    assert docker("ps", "-a", "-q", "--filter", f"name={name}") == ""


# --- the docs' Docker examples (docs/development.md, "The examples") ---------------------

DOCKER_BLOCKS = [b for b in all_blocks() if b.needs.docker and b.needs.not_run is None]


@pytest.mark.parametrize("block", DOCKER_BLOCKS, ids=lambda b: b.name)
def test_docker_example_runs_as_written(block: Block, built: Built, tmp_path: Path) -> None:
    """A shell block that needs Docker, run from the clone (as `make image` is) with the image
    this module built tagged as the docs name it."""
    if block.needs.registry:
        pytest.skip("needs a registry (Docker Hub), which these tests never reach")
    assert not block.is_python, f"{block.name}: only shell blocks run here"
    for port in (8000, 8443):
        if f"127.0.0.1:{port}:" in block.code and not port_is_free(port):
            pytest.skip(f"port {port}, which {block.name} publishes, is taken on this machine")
    docker("tag", built.image, "mockgraph:latest")
    docker("rm", "-f", "mockgraph", check=False)  # what a failed run may have left
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("docker", "make", "bash", *block.needs.tools):
        found = shutil.which(name)
        assert found is not None, f"{block.name} needs {name}"
        (tools / name).symlink_to(found)
    env = {"PATH": f"{tools}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    docker("rm", "-f", "mockgraph", check=False)
    assert result.returncode == 0, f"{block.code}\n{result.stdout[-2000:]}{result.stderr[-3000:]}"


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
