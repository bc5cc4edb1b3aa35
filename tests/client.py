"""The test client: Graph clients acting as users or apps, over the shipped MockGraphAdmin."""

from __future__ import annotations

from typing import Any

import httpx

from mockgraph.testing import MockGraphAdmin
from tests.constants import ALL_DELEGATED, PRESENCE_SYNC, PRESENCE_WALL

# The fields of POST /_mockgraph/tokens that MockGraphAdmin.token and .app_token take.
USER_TOKEN_FIELDS = {"userId", "scopes", "appId", "expiresIn"}
APP_TOKEN_FIELDS = {"appId", "roles", "expiresIn"}


class Graph:
    """A test's view of one mockgraph server: clients acting as users or apps, and the clock.

    Args:
        transport: an httpx transport (InProcessTransport over an app), or None for the network.
        base_url: where the server answers.

    `control` is the server's control plane through `mockgraph.testing.MockGraphAdmin`, the
    client our users get; `admin` is that client's own httpx client, with no token, for the
    answers a test checks itself (the control plane's, Entra's).
    """

    def __init__(self, transport: httpx.BaseTransport | None, base_url: str) -> None:
        self.transport = transport
        self.base_url = base_url
        self._clients: list[httpx.Client] = []
        self.control = MockGraphAdmin(base_url, transport=transport)
        self.admin = self.control.http

    def _client(self, headers: dict[str, str]) -> httpx.Client:
        client = httpx.Client(
            transport=self.transport, base_url=self.base_url, headers=headers, timeout=10
        )
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self.control.close()

    def token(self, **body: Any) -> str:
        """A token from POST /_mockgraph/tokens with `body` (the route's own field names)."""
        expires_in = int(body.get("expiresIn", 3600))
        if "userId" in body and "scopes" in body and body.keys() <= USER_TOKEN_FIELDS:
            return self.control.token(
                body["userId"], body["scopes"], app=body.get("appId"), expires_in=expires_in
            )
        if "appId" in body and "roles" in body and body.keys() <= APP_TOKEN_FIELDS:
            return self.control.app_token(body["appId"], body["roles"], expires_in=expires_in)
        # A field MockGraphAdmin takes no argument for (another tenant, a cloud): the route as is.
        response = self.admin.post("/_mockgraph/tokens", json=body)
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def as_user(self, user_id: str, *scopes: str, **extra: Any) -> httpx.Client:
        """A client calling as `user_id` through a delegated token with `scopes`."""
        token = self.token(userId=user_id, scopes=list(scopes or ALL_DELEGATED), **extra)
        return self._client({"Authorization": f"Bearer {token}"})

    def as_app(self, app_id: str = PRESENCE_SYNC, *roles: str, **extra: Any) -> httpx.Client:
        """A client calling as an app, with `roles` (Presence.ReadWrite.All by default)."""
        token = self.token(appId=app_id, roles=list(roles or ["Presence.ReadWrite.All"]), **extra)
        return self._client({"Authorization": f"Bearer {token}"})

    def advance(self, duration: str) -> None:
        self.control.clock.advance(duration)

    def presence(self, user_id: str) -> dict[str, Any]:
        """The user's presence as an app with Presence.Read.All sees it."""
        response = self.as_app(PRESENCE_WALL, "Presence.Read.All").get(
            f"/v1.0/users/{user_id}/presence"
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body
