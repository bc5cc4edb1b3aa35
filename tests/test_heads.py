"""Bounded request heads: a request line and headers past MOCKGRAPH_MAX_HEADER_BYTES are a 400
on the wire; a URL past MOCKGRAPH_MAX_URL_BYTES is a 414, journaled small; the journal's byte
bound counts the path, the query and client-request-id."""

from __future__ import annotations

import json
import socket
import time

import httpx
from fastapi import FastAPI

from mockgraph.app import create_app
from mockgraph.server import ServerThread
from mockgraph.settings import Settings
from tests.client import Graph
from tests.constants import PATTI


def _raw(port: int, request: bytes, timeout: float = 10) -> bytes:
    """Send `request` whole and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed on us mid-send: what was answered is still to be read
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_headers_past_the_limit_are_a_400_and_the_connection_is_closed() -> None:
    app = create_app(Settings(max_header_bytes=32 * 1024))
    with ServerThread(app) as server:
        started = time.monotonic()
        # 4 MiB of one header: refused after the first 32 KiB, not held whole.
        big = b"GET /v1.0/me/presence HTTP/1.1\r\nhost: x\r\nx-big: " + b"a" * (4 << 20)
        answer = _raw(server.port, big + b"\r\n\r\n")
        assert time.monotonic() - started < 5
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400 ")
        assert b"connection: close" in head.lower()
        error = json.loads(body)["error"]
        assert error["code"] == "BadRequest"
        assert "request headers is too long" in error["message"]
        # A head under the limit is served as ever, on a new connection.
        ok = httpx.get(f"{server.url}/_mockgraph/health", headers={"x-pad": "b" * 20_000})
        assert ok.status_code == 200


def test_a_url_past_the_limit_is_a_414_journaled_small(graph: Graph, app: FastAPI) -> None:
    client = graph.as_app()
    long_path = f"/v1.0/users/{PATTI}/presence" + "/x" * 9000
    response = client.get(long_path, params={"$select": "a" * 100})
    assert response.status_code == 414
    assert response.json()["error"]["code"] == "RequestUriTooLong"
    [entry] = graph.control.requests.list()
    assert entry["status"] == 414
    assert len(entry["path"]) <= 256
    assert entry["query"] == ""
    # The same for the control plane.
    assert graph.admin.get("/_mockgraph/requests?x=" + "a" * 17_000).status_code == 414


def test_the_journal_bound_counts_paths_queries_and_client_request_ids(
    graph: Graph, app: FastAPI
) -> None:
    client = graph.as_app()
    # 400 calls of ~55 KB each are over the journal's 16 MiB: the oldest must go.
    for index in range(400):
        response = client.get(
            f"/v1.0/users/{PATTI}/presence",
            params={"unused": "q" * 15_000},
            headers={"client-request-id": f"{index}-" + "c" * 40_000},
        )
        assert response.status_code == 200
    journal = app.state.runtime.journal
    assert len(journal) < 320
    assert journal.dropped > 80


def test_pipelined_requests_are_each_answered_whole_and_in_order() -> None:
    with ServerThread(create_app()) as server:
        graph = Graph(None, server.url)
        token = graph.token(userId=PATTI, scopes=["Presence.Read"])
        graph.close()
        one = (
            f"GET /v1.0/users/{PATTI}/presence HTTP/1.1\r\nhost: x\r\n"
            f"authorization: Bearer {token}\r\n\r\n"
        ).encode()
        last = one.replace(b"host: x", b"host: x\r\nconnection: close")
        answer = _raw(server.port, one + one + last)
    # Three whole answers, one after the other, each its head and the body its length says.
    found = []
    while answer:
        head, _, rest = answer.partition(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        found.append((head.split(b" ")[1], json.loads(rest[:length])["id"]))
        answer = rest[length:]
    assert found == [(b"200", PATTI)] * 3
