"""The webhook client reads an answer up to its limit, then closes the connection."""

from __future__ import annotations

import asyncio
import time

from mockgraph.notifications.webhooks import ANSWER_LIMIT, WebhookClient

HUGE = 256 * 1024 * 1024


async def _flood(sent: list[int], closed: asyncio.Event) -> asyncio.Server:
    """A webhook that answers 200 with a 256 MiB body, written until the client hangs up."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % HUGE)
        chunk = b"x" * 65536
        try:
            while sent[0] < HUGE:
                writer.write(chunk)
                await writer.drain()
                sent[0] += len(chunk)
        except (ConnectionError, OSError):
            pass
        finally:
            closed.set()
            writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", 0)


def test_a_huge_answer_is_read_up_to_the_limit_and_the_connection_closed() -> None:
    async def scenario() -> tuple[int, int, float]:
        sent, closed = [0], asyncio.Event()
        server = await _flood(sent, closed)
        port = server.sockets[0].getsockname()[1]
        started = time.monotonic()
        answer = await WebhookClient(keep=2).post(f"http://127.0.0.1:{port}/hook", b"", [], 10)
        await asyncio.wait_for(closed.wait(), 10)
        server.close()
        return len(answer.body), sent[0], time.monotonic() - started

    size, sent, took = asyncio.run(scenario())
    assert size == ANSWER_LIMIT
    # What the webhook got written before it saw the close: socket buffers, not 256 MiB.
    assert sent < 32 * 1024 * 1024
    assert took < 5
