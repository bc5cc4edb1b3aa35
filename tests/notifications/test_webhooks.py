"""The webhook client reads an answer up to its limit, then closes the connection."""

from __future__ import annotations

import asyncio
import time

from mockgraph.notifications.webhooks import ANSWER_LIMIT, WebhookClient, WebhookError

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


async def _answering(*answers: bytes) -> tuple[asyncio.Server, list[bytes]]:
    """A webhook that answers each request with the next of `answers`, closing the
    connection after one that ends with b"<close>" (the marker not sent). `heads` gets each
    request's head, and b"<connection>" each time a connection opens."""
    heads: list[bytes] = []
    queue = list(answers)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        heads.append(b"<connection>")
        try:
            while queue:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                heads.append(head)
                answer = queue.pop(0)
                writer.write(answer.removesuffix(b"<close>"))
                await writer.drain()
                if answer.endswith(b"<close>"):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", 0), heads


def _posts(*answers: bytes, count: int) -> tuple[list[tuple[int, bytes]], list[bytes]]:
    async def run() -> tuple[list[tuple[int, bytes]], list[bytes]]:
        server, heads = await _answering(*answers)
        port = server.sockets[0].getsockname()[1]
        client = WebhookClient(keep=2)
        got = []
        for _ in range(count):
            answer = await client.post(f"http://127.0.0.1:{port}/hook?x=1", b"{}", [], 5)
            got.append((answer.status, answer.body))
        client.close()
        server.close()
        return got, heads

    return asyncio.run(run())


def test_chunked_and_close_framed_answers_are_read_whole() -> None:
    """Webhooks answer as their frameworks do: chunked, or framed by the connection's end
    (then the next POST takes a new connection)."""
    got, heads = _posts(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\ntoken\r\n3\r\n-42\r\n0\r\n\r\n",
        b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.0 200 OK\r\n\r\nplain-token<close>",
        count=3,
    )
    assert got == [(200, b"token-42"), (202, b""), (200, b"plain-token")]
    assert heads[1].startswith(b"POST /hook?x=1 HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b"Content-Length: 2\r\n" in heads[1]
    assert heads.count(b"<connection>") == 1


def test_a_url_that_would_break_the_request_line_is_refused() -> None:
    async def run() -> str:
        try:
            await WebhookClient(keep=1).post("http://127.0.0.1:9/a b\r\nX: y", b"", [], 1)
        except WebhookError as exc:
            return str(exc)
        return "sent"

    assert "characters HTTP cannot carry" in asyncio.run(run())


def test_a_kept_alive_connection_carries_the_next_post() -> None:
    got, heads = _posts(
        b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok",
        count=2,
    )
    assert got == [(202, b""), (202, b"ok")]
    assert heads.count(b"<connection>") == 1
