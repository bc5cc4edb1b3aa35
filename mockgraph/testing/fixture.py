"""MockGraph: what the `mockgraph` fixture gives a test, the control plane plus where to point
clients (the pytest plugin and its intercept fixture both hand it out)."""

from __future__ import annotations

import httpx

from mockgraph.testing.admin import MockGraphAdmin


class MockGraph(MockGraphAdmin):
    """What the `mockgraph` fixture gives a test: the control plane, plus where to point
    clients.

    Attributes:
        url: the server's base URL ("http://127.0.0.1:<port>"); Graph is at url + "/v1.0".
        transport: an httpx transport into the same server without a socket (None against an
            external server), for fast test-side calls.
        clock, faults, requests: see MockGraphAdmin.
    """

    def __init__(
        self, url: str, transport: httpx.BaseTransport | None, admin_key: str | None = None
    ) -> None:
        super().__init__(url, transport=transport, admin_key=admin_key)
        self.url = url
        self.transport = transport
        self._clients: list[httpx.Client] = []

    def client(self, token: str | None = None) -> httpx.Client:
        """An httpx client into the server (in-process when possible), with a bearer token."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=self.url, transport=self.transport, headers=headers)
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()
        super().close()
