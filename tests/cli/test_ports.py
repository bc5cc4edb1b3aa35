"""`mockgraph serve` binds every port before it prints anything: a port it cannot have is one
line (the port, the setting that moves it, the likely cause) and exit 2, never a banner or a
traceback."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from mockgraph.cli.main import main
from mockgraph.server import ServerThread


@pytest.fixture(scope="module")
def other_mockgraph(server: ServerThread) -> ServerThread:
    """A mockgraph already on the port (tests/cli/conftest.py's)."""
    return server


@pytest.fixture
def other_program() -> Iterator[int]:
    """A port held by a listener that is no mockgraph (it accepts, then says nothing)."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port: int = held.getsockname()[1]
        yield port


def serve(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, list[str]]:
    code = main(["serve", "--host", "127.0.0.1", *argv])
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


def test_the_api_port_held_by_another_mockgraph(
    other_mockgraph: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    port = other_mockgraph.port
    assert serve(capsys, "--port", str(port)) == (
        2,
        "",
        [
            f"mockgraph: port {port} of 127.0.0.1 is in use (--port or MOCKGRAPH_PORT picks "
            "another): another mockgraph answers there (http), perhaps `make serve` or a "
            "`mockgraph serve` in another terminal"
        ],
    )


def test_the_proxy_port_held_by_another_program_is_told_before_the_banner(
    other_program: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = serve(capsys, "--port", "0", "--proxy-port", str(other_program))
    assert (code, out) == (2, "")
    assert err == [
        f"mockgraph: port {other_program} of 127.0.0.1 is in use (--proxy-port or "
        "MOCKGRAPH_PROXY_PORT picks another): another program listens there "
        f"(`ss -ltnp 'sport = :{other_program}'` names it)"
    ]


def test_the_proxy_on_the_apis_own_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert serve(capsys, "--port", "8443", "--proxy-port", "8443", "--tls") == (
        2,
        "",
        [
            "mockgraph: --proxy-port 8443 is also the API's port (--port, MOCKGRAPH_PORT): "
            "give the proxy a port of its own, such as --proxy-port 8444"
        ],
    )


def test_a_host_that_is_not_this_machines(capsys: pytest.CaptureFixture[str]) -> None:
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): never a local address; binding sends nothing.
    code, out, err = serve(capsys, "--host", "192.0.2.1", "--port", "0")
    assert (code, out) == (2, "")
    assert err == [
        "mockgraph: 192.0.2.1 is not an address of this machine (--host or MOCKGRAPH_HOST)"
    ]
