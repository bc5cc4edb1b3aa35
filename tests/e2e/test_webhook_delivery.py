"""Delivery over the wire: connections kept alive and reopened, and the notification URL's
query string kept (reference §5.2), against a webhook written with sockets alone."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.client import Graph
from tests.constants import ALEX, PATTI
from tests.e2e.test_notifications import flush, set_busy, subscribe_as


class _Handler(socketserver.StreamRequestHandler):
    server: _Webhook

    def handle(self) -> None:
        head = self.rfile.readline().decode()
        length = 0
        while (line := self.rfile.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        self.rfile.read(length)
        target = head.split(" ")[1]
        with self.server.lock:
            self.server.targets.append(target)
        token = parse_qs(urlsplit(target).query).get("validationToken")
        body = token[0].encode() if token else b""
        status = b"200 OK" if token else b"202 Accepted"
        # HTTP/1.1 with no "Connection: close": the client may keep the connection, but this
        # webhook closes it anyway, as a server whose keep-alive timer ran out does.
        self.wfile.write(
            b"HTTP/1.1 "
            + status
            + b"\r\nContent-Type: text/plain\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )


class _Webhook(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.targets: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook?route=presence"


@pytest.fixture
def closing_webhook() -> Iterator[_Webhook]:
    server = _Webhook()
    # A short poll, so that shutdown() returns at once (the default waits up to 0.5 s).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_connection_closed_while_idle_is_reopened_without_a_failed_attempt(
    live: Graph, closing_webhook: _Webhook
) -> None:
    created = subscribe_as(live, ALEX, closing_webhook.url, f"/communications/presences/{PATTI}")
    assert created.status_code == 201, created.text
    set_busy(live)
    flush(live)

    validation, notification = closing_webhook.targets
    # The query string of notificationUrl is kept, the validation token added to it.
    assert validation.startswith("/hook?route=presence&validationToken=Validation")
    assert notification == "/hook?route=presence"
    attempts = [
        (a["kind"], a["attempt"], a["outcome"])
        for a in live.admin.get("/_mockgraph/notifications").json()["value"]
    ]
    assert attempts == [("validation", 1, "validated"), ("change", 1, "delivered")]
