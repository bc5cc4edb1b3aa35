from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from mockgraph.app import create_app
from mockgraph.clock import Clock
from mockgraph.settings import Settings
from mockgraph.testing import InProcessTransport

# Users of the bundled fixtures (the first three are Graph's own examples).
ADELE = "fa8bf3dc-eca7-46b7-bad1-db199b62afc3"  # Available/Available
ALEX = "66825e03-7ef5-42da-9069-724602c31f6b"  # DoNotDisturb/Presenting
MEGAN = "dc74d9bb-6afe-433d-8eaa-e39d80d3a647"  # Away/BeRightBack
LEE = "3b1f2a4e-9c0d-4e7b-8a6f-5d2c1b0a9e88"  # Busy/InAMeeting, with a status message
NESTOR = "8e4d6c2a-1f3b-4a5c-9d7e-0b2f4a6c8e10"  # no session: Offline; out of office
PATTI = "5c7e9a1b-3d5f-4b7d-8e9f-1a3c5e7b9d21"  # no session: Offline
UNKNOWN = "00000000-0000-4000-8000-000000000000"
# Apps of the bundled fixtures.
BUSY_LIGHT = "4e6a8c0b-2d4f-4a6c-8e0a-2c4e6a8c0b13"
PRESENCE_WALL = "2f4b6d8a-0c2e-4f6b-8d0a-4c6e8f0b2d46"
PRESENCE_SYNC = "7d3c6a52-3b8f-4d5e-9c1a-2f4e8b6d0a11"
TENANT = "2b8f8a6c-7c1e-4c8e-9a3e-6d2f0c1b5a77"

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALL_DELEGATED = ("Presence.Read", "Presence.Read.All", "Presence.ReadWrite")


class Graph:
    """A test's view of one mockgraph server: clients acting as users or apps, and the clock."""

    def __init__(self, transport: httpx.BaseTransport | None, base_url: str) -> None:
        self.transport = transport
        self.base_url = base_url
        self._clients: list[httpx.Client] = []
        self.admin = self._client({})

    def _client(self, headers: dict[str, str]) -> httpx.Client:
        client = httpx.Client(
            transport=self.transport, base_url=self.base_url, headers=headers, timeout=10
        )
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def token(self, **body: Any) -> str:
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
        response = self.admin.post("/_mockgraph/clock", json={"advance": duration})
        assert response.status_code == 200, response.text

    def presence(self, user_id: str) -> dict[str, Any]:
        """The user's presence as an app with Presence.Read.All sees it."""
        response = self.as_app(PRESENCE_WALL, "Presence.Read.All").get(
            f"/v1.0/users/{user_id}/presence"
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """A PEM RSA key, for a server started with --signing-key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "signing-key.pem"
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(pem)
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock(start=START, frozen=True)


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def app(settings: Settings, clock: Clock) -> FastAPI:
    return create_app(settings, clock=clock)


@pytest.fixture
def graph(app: FastAPI) -> Iterator[Graph]:
    transport = InProcessTransport(app)
    graph = Graph(transport, "http://mockgraph.test")
    yield graph
    graph.close()
    transport.close()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Figures some tests measure (the container image's size and start-up), always shown."""
    from tests.test_container import FIGURES

    lines = config.stash.get(FIGURES, [])
    if lines:
        terminalreporter.section("mockgraph figures")
        for line in lines:
            terminalreporter.write_line(line)
