"""Clients with known faults, driven through the real surface, for the report's tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.client import Graph

WALL_USERS = 50


def request_id() -> dict[str, str]:
    """The client-request-id a well-behaved client sends on every call."""
    return {"client-request-id": str(uuid.uuid4())}


def report(graph: Graph, **params: Any) -> dict[str, Any]:
    response = graph.admin.get("/_mockgraph/report", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def client_of(body: dict[str, Any], app_id: str, user_id: str | None = None) -> dict[str, Any]:
    found = [c for c in body["clients"] if c["appId"] == app_id and c["userId"] == user_id]
    assert len(found) == 1, [(c["appId"], c["userId"]) for c in body["clients"]]
    client: dict[str, Any] = found[0]
    return client


def kinds(client: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The client's findings by kind."""
    return {f["kind"]: f for f in client["findings"]}


def add_wall_users(graph: Graph, count: int = WALL_USERS) -> list[str]:
    """`count` users more in the tenant, for a presence wall to show."""
    ids = []
    for n in range(count):
        user_id = str(uuid.UUID(int=0x5EED_0000_0000_4000_8000_0000_0000_0000 + n))
        added = graph.admin.post(
            "/_mockgraph/users",
            json={"id": user_id, "userPrincipalName": f"wall{n}@contoso.example"},
        )
        assert added.status_code == 200, added.text
        ids.append(user_id)
    return ids


def poll_wall(client: httpx.Client, graph: Graph, users: list[str], rounds: int) -> None:
    """A wall that reads every user's presence, then waits 2 s of virtual time."""
    for round_ in range(rounds):
        for user_id in users:
            answer = client.get(f"/v1.0/users/{user_id}/presence", headers=request_id())
            assert answer.status_code == 200, answer.text
        if round_ < rounds - 1:
            graph.advance("PT2S")
