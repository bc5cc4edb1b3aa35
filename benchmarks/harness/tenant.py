"""The seeded tenant the presence cases load: its users, apps and tokens."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx

TENANT = "2b8f8a6c-7c1e-4c8e-9a3e-6d2f0c1b5a77"
READER_APP = "9a1c3e5b-7d9f-4b1d-a3c5-e7a9c1e3b5d7"
WRITER_APP = "7d3c6a52-3b8f-4d5e-9c1a-2f4e8b6d0a11"
PRESENCE_BODY_PATH = "/v1.0/users/{id}/presence"


def user_id(index: int) -> str:
    return str(uuid.UUID(int=0x10000000_0000_4000_8000_000000000000 + index))


def write_fixtures(path: Path, users: int, *, busy: bool = False, idle: bool = False) -> None:
    """A seed file of `users` users; with `busy`, each holds a session and a status message;
    with `idle`, none has a session (all Offline); else every other user is Busy."""
    entries = []
    for index in range(users):
        entry: dict[str, Any] = {"id": user_id(index), "displayName": f"User {index}"}
        if busy or (index % 2 == 0 and not idle):
            entry["presence"] = {"availability": "Busy", "activity": "InACall"}
        if busy:
            entry["statusMessage"] = {
                "message": {"content": f"Status of user {index}", "contentType": "text"}
            }
        entries.append(entry)
    apps = [
        {"appId": READER_APP, "delegatedPermissions": ["Presence.Read.All"]},
        {"appId": WRITER_APP, "applicationPermissions": ["Presence.ReadWrite.All"]},
    ]
    path.write_text(json.dumps({"tenantId": TENANT, "users": entries, "apps": apps}))


def token(url: str, **body: Any) -> str:
    answer = httpx.post(f"{url}/_mockgraph/tokens", json=body, timeout=30)
    answer.raise_for_status()
    value: str = answer.json()["access_token"]
    return value


def reader_token(url: str) -> str:
    """A delegated token of user 0 that may read every presence."""
    return token(url, userId=user_id(0), scopes=["Presence.Read.All"], appId=READER_APP)
