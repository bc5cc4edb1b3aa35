"""What moves the bytes of a tunnel once it is open: a pass-through relay, and the hand-over
of a fresh TLS connection to the HTTP protocol."""

from __future__ import annotations

import asyncio
from typing import Protocol, cast

# Relay buffers beyond this pause the other side until the writer drains.
HIGH_WATER = 1024 * 1024


class ClientSide(Protocol):
    """What a relay needs of the client's connection (connection.Connection)."""

    transport: asyncio.Transport | None
    upstream_done: bool

    def half_closed(self) -> bool | None:
        """Pass each side's EOF on; close both once both sides have sent theirs."""
        ...


class Relay(asyncio.Protocol):
    """The upstream side of a pass-through tunnel: bytes back to the client, unchanged."""

    def __init__(self, connection: ClientSide) -> None:
        self.connection = connection
        assert connection.transport is not None
        self.client = connection.transport
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one.
        transport = cast(asyncio.Transport, transport)
        self.transport = transport
        transport.set_write_buffer_limits(high=HIGH_WATER)

    def data_received(self, data: bytes) -> None:
        self.client.write(data)

    def eof_received(self) -> bool | None:
        self.connection.upstream_done = True
        return self.connection.half_closed()

    def pause_writing(self) -> None:
        self.client.pause_reading()

    def resume_writing(self) -> None:
        self.client.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.client.close()


class Waiting(asyncio.Protocol):
    """Holds what arrives between the end of the handshake and the HTTP protocol taking over
    (asyncio may deliver the first request before start_tls returns)."""

    def __init__(self) -> None:
        self.data: list[bytes] = []
        self.eof = False
        self.lost: tuple[Exception | None] | None = None

    def data_received(self, data: bytes) -> None:
        self.data.append(data)

    def eof_received(self) -> bool | None:
        self.eof = True
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = (exc,)

    def hand_over(self, protocol: asyncio.Protocol) -> None:
        for chunk in self.data:
            protocol.data_received(chunk)
        if self.eof:
            protocol.eof_received()
        if self.lost is not None:
            protocol.connection_lost(self.lost[0])
