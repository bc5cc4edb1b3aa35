"""The sockets mockgraph serves on (mockgraph/server.py): `mockgraph serve` and ServerThread."""

from __future__ import annotations

import asyncio
import socket

from mockgraph.server import bound_socket


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
