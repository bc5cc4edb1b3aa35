"""The sockets mockgraph serves on (mockgraph/server.py): `mockgraph serve` and ServerThread."""

from __future__ import annotations

import asyncio
import socket
import ssl
from pathlib import Path

import httpx

from mockgraph.app import create_app
from mockgraph.server import ServerThread, bound_socket
from mockgraph.tls import make_certificates


async def nodelay_of_an_accepted_connection(host: str) -> int:
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.set_result(
            writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        )
        writer.close()

    listening = bound_socket(host, 0)
    # As uvicorn serves it: the event loop accepts on the socket it is handed.
    server = await asyncio.start_server(on_connect, sock=listening)
    async with server:
        _, writer = await asyncio.open_connection(*listening.getsockname()[:2])
        try:
            return await asyncio.wait_for(accepted, timeout=10)
        finally:
            writer.close()


def test_accepted_connections_have_nagle_off() -> None:
    """uvicorn writes a response's head and its body apart: with Nagle on, every keep-alive
    response's body would wait for the client's delayed ACK (40 ms on Linux)."""
    assert asyncio.run(nodelay_of_an_accepted_connection("127.0.0.1")) != 0


def test_stop_ends_the_server_while_a_tls_client_keeps_its_connection(tmp_path: Path) -> None:
    """An idle keep-alive client never sends TLS's close_notify, which asyncio waits 30 s for:
    stop() drops that connection, and the server's thread has ended when it returns."""
    tls = make_certificates(tmp_path)
    assert tls.ca is not None
    server = ServerThread(create_app(), tls=tls).start()
    trust = ssl.create_default_context(cafile=str(tls.ca))
    with httpx.Client(verify=trust) as client:
        assert client.get(f"https://localhost:{server.port}/_mockgraph/health").status_code == 200
        server.stop()
        assert not server._thread.is_alive()
