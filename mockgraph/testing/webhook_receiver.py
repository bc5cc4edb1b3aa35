"""For test suites: a real local webhook receiver for Graph's change notifications."""

from __future__ import annotations

import json
import threading
import time
from typing import Any


class WebhookReceiver:
    """A real local webhook endpoint: answers Graph's validation handshake, records what it
    gets, and can be told to fail or stall, to test a client's subscription handling.

    Args:
        host: the loopback address to listen on (a free port is picked).

    Use as a context manager; `url` is where to point notificationUrl.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        import http.server
        from urllib.parse import parse_qs, urlsplit

        receiver = self
        self.notifications: list[dict[str, Any]] = []
        self.validations: list[str] = []
        self._failures: list[int] = []
        self._delays: list[float] = []
        self.echo_validation = True
        self._lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if "validationToken" in query:
                    token = query["validationToken"][0]  # parse_qs has decoded it
                    with receiver._lock:
                        receiver.validations.append(token)
                    answer = token.encode() if receiver.echo_validation else b"nope"
                    self._answer(200, answer, "text/plain")
                    return
                with receiver._lock:
                    delay = receiver._delays.pop(0) if receiver._delays else 0.0
                    status = receiver._failures.pop(0) if receiver._failures else 202
                if delay:
                    time.sleep(delay)
                if 200 <= status < 300:
                    with receiver._lock:
                        receiver.notifications.append(json.loads(body))
                self._answer(status, b"", "text/plain")

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}/notifications"
        # stop()'s shutdown() returns at serve_forever's next poll: the default poll, 0.5 s,
        # was half a second at the end of every test that used a receiver.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def fail_next(self, times: int, status: int = 503) -> None:
        """Answer the next `times` notifications with `status` (they are not recorded)."""
        with self._lock:
            self._failures.extend([status] * times)

    def stall_next(self, seconds: float, times: int = 1) -> None:
        """Answer the next `times` notifications only after `seconds`."""
        with self._lock:
            self._delays.extend([seconds] * times)

    def items(self) -> list[dict[str, Any]]:
        """Every notification item received, in order."""
        with self._lock:
            return [item for body in self.notifications for item in body["value"]]

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def decrypt_notification(item: dict[str, Any], private_key: Any) -> dict[str, Any]:
    """The resource data of a rich notification item, decrypted with the private key of the
    subscription's encryptionCertificate (and its dataSignature checked)."""
    from mockgraph.notifications.crypto import decrypt

    return decrypt(item["encryptedContent"], private_key)
