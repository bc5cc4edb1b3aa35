"""The intercepting proxy on a real loopback socket: what it lets through, what it refuses and
how, and that every refusal leaves it answering."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator

import httpx
import pytest

from mockgraph.app import create_app
from mockgraph.proxy import parse_passthrough
from mockgraph.server import ServerThread
from mockgraph.settings import Settings
from mockgraph.tls import TlsFiles, make_certificates


@pytest.fixture(scope="module")
def tls() -> TlsFiles:
    return make_certificates()


class Echo:
    """A TCP echo server on loopback: the one "upstream" a pass-through test may reach."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            connection, _ = self.sock.accept()
        except OSError:
            return
        with connection:
            while data := connection.recv(4096):
                connection.sendall(data)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def echo() -> Iterator[Echo]:
    server = Echo()
    yield server
    server.close()


@pytest.fixture(scope="module")
def proxied(tls: TlsFiles, echo: Echo) -> Iterator[ServerThread]:
    app = create_app(Settings(tls_ca=tls.ca))
    passthrough = parse_passthrough(f"127.0.0.1:{echo.port}")
    with ServerThread(app, proxy=tls, passthrough=passthrough) as server:
        yield server


def exchange(server: ServerThread, head: bytes, source: str = "127.0.0.1") -> bytes:
    """Send `head` to the proxy from `source` and read until it closes or goes quiet."""
    assert server.proxy_port is not None
    with socket.create_connection(
        ("127.0.0.1", server.proxy_port), timeout=5, source_address=(source, 0)
    ) as conn:
        conn.sendall(head)
        answer = b""
        try:
            while chunk := conn.recv(4096):
                answer += chunk
                if answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"\r\n\r\n"):
                    break
        except TimeoutError:
            pass
        return answer


def healthy(server: ServerThread, tls: TlsFiles) -> None:
    """The proxy still serves an intercepted host after whatever came before."""
    context = ssl.create_default_context(cafile=str(tls.ca))
    with httpx.Client(proxy=server.proxy_url, verify=context, trust_env=False) as client:
        response = client.get("https://graph.microsoft.com/v1.0/$metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")


def test_connect_to_other_hosts_is_refused_naming_the_host_and_the_setting(
    proxied: ServerThread, tls: TlsFiles
) -> None:
    answer = exchange(proxied, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n")

    assert answer.startswith(b"HTTP/1.1 403 Forbidden\r\n")
    assert b"example.com:443" in answer
    assert b"--proxy-passthrough" in answer
    assert b"MOCKGRAPH_PROXY_PASSTHROUGH" in answer
    healthy(proxied, tls)


def test_connect_to_an_intercepted_host_on_another_port_is_refused(
    proxied: ServerThread, tls: TlsFiles
) -> None:
    answer = exchange(proxied, b"CONNECT graph.microsoft.com:8443 HTTP/1.1\r\n\r\n")

    assert answer.startswith(b"HTTP/1.1 403 Forbidden\r\n")
    assert b"port 443 only" in answer
    healthy(proxied, tls)


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"CONNECT graph.microsoft.com HTTP/1.1\r\n\r\n", b"400"),
        (b"CONNECT graph.microsoft.com:99999 HTTP/1.1\r\n\r\n", b"400"),
        (b"CONNECT  graph.microsoft.com:443 HTTP/1.1\r\n\r\n", b"400"),
        (b"CONNECT graph.microsoft.com:443\r\n\r\n", b"400"),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", b"400"),
        (b"GET http://graph.microsoft.com/v1.0/me HTTP/1.1\r\n\r\n", b"405"),
        (b"CONNECT " + b"a" * 9000, b"431"),
    ],
)
def test_malformed_requests_get_a_clear_refusal(
    proxied: ServerThread, tls: TlsFiles, head: bytes, status: bytes
) -> None:
    answer = exchange(proxied, head)

    assert answer.startswith(b"HTTP/1.1 " + status)
    assert b"Connection: close" in answer
    healthy(proxied, tls)


def test_clients_from_an_address_the_server_is_not_bound_to_are_refused(
    proxied: ServerThread, tls: TlsFiles
) -> None:
    # 127.0.0.2 is loopback too, but not the address the server was bound to.
    answer = exchange(proxied, b"CONNECT graph.microsoft.com:443 HTTP/1.1\r\n\r\n", "127.0.0.2")

    assert answer.startswith(b"HTTP/1.1 403 Forbidden\r\n")
    assert b"not 127.0.0.2" in answer
    healthy(proxied, tls)


def test_named_pass_through_hosts_are_tunnelled_unchanged(
    proxied: ServerThread, echo: Echo
) -> None:
    assert proxied.proxy_port is not None
    with socket.create_connection(("127.0.0.1", proxied.proxy_port), timeout=5) as conn:
        conn.sendall(f"CONNECT 127.0.0.1:{echo.port} HTTP/1.1\r\n\r\n".encode())
        assert conn.recv(4096) == b"HTTP/1.1 200 Connection Established\r\n\r\n"
        conn.sendall(b"anything at all")
        assert conn.recv(4096) == b"anything at all"


def tls_get(context: ssl.SSLContext, conn: socket.socket, server_name: str) -> bytes:
    """The first bytes answered to a request over TLS for `server_name`; b"" for none (an
    alert, a reset or a close)."""
    try:
        with context.wrap_socket(conn, server_hostname=server_name) as secure:
            secure.sendall(b"GET /v1.0/$metadata HTTP/1.1\r\nHost: x\r\n\r\n")
            return secure.recv(4096)
    except OSError:  # ssl.SSLError and ConnectionError among them
        return b""


def test_tls_for_another_name_than_the_connect_is_dropped(
    proxied: ServerThread, tls: TlsFiles
) -> None:
    assert proxied.proxy_port is not None
    context = ssl.create_default_context(cafile=str(tls.ca))
    for server_name in ("example.com", "login.microsoftonline.com"):
        with socket.create_connection(("127.0.0.1", proxied.proxy_port), timeout=5) as conn:
            conn.sendall(b"CONNECT graph.microsoft.com:443 HTTP/1.1\r\n\r\n")
            assert conn.recv(4096).startswith(b"HTTP/1.1 200")
            assert tls_get(context, conn, server_name) == b""
    healthy(proxied, tls)


def test_keep_alive_connections_serve_many_requests(proxied: ServerThread, tls: TlsFiles) -> None:
    context = ssl.create_default_context(cafile=str(tls.ca))
    with httpx.Client(proxy=proxied.proxy_url, verify=context, trust_env=False) as client:
        for _ in range(20):
            url = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
            document = client.get(url).json()
            assert document["token_endpoint"].startswith("https://login.microsoftonline.com/")
    healthy(proxied, tls)


def test_parse_passthrough() -> None:
    assert parse_passthrough(" pypi.org, 10.0.0.1:8080,[::1]:9000 ,") == (
        ("pypi.org", 443),
        ("10.0.0.1", 8080),
        ("::1", 9000),
    )
    with pytest.raises(ValueError, match="HOST or HOST:PORT"):
        parse_passthrough("pypi.org:0")
    with pytest.raises(ValueError, match="HOST or HOST:PORT"):
        parse_passthrough("http://pypi.org")
