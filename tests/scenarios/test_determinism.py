"""The same scenario gives the same presence sequence at 1x on a frozen clock moved by hand and
at 600x on a real server read all along by a client: the journals of applied steps (presence
and sequence numbers after each) match, and so do the notifications, POST by POST."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from mockgraph.app import create_app
from mockgraph.scenarios.profiles import contact_centre
from mockgraph.server import ServerThread
from mockgraph.testing import MockGraphAdmin, Scenario
from mockgraph.testing.webhook_receiver import WebhookReceiver
from tests.constants import ADELE
from tests.scenarios.files import as_file

START = "2026-03-02T08:00:00+00:00"


def short_shift() -> dict[str, Any]:
    """The first 30 virtual minutes of a contact centre of 12 agents, as a scenario file."""
    return as_file(contact_centre(12, 4, datetime.fromisoformat(START)), "short-shift", START, 1800)


def played(speed: float | None) -> tuple[list[Any], list[Any]]:
    with ServerThread(create_app()) as server, WebhookReceiver() as receiver:
        admin = MockGraphAdmin(server.url)
        try:
            return _played(admin, receiver, speed)
        finally:
            admin.close()


def _subscribe(admin: MockGraphAdmin, receiver: WebhookReceiver, ids: list[str]) -> str:
    """One subscription to all of `ids` (batches then hold several users); its bearer."""
    token = admin.token(ADELE, ["Presence.Read.All"])
    quoted = ",".join(f"'{i}'" for i in ids)
    response = admin.http.post(
        "/v1.0/subscriptions",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "changeType": "updated",
            "notificationUrl": receiver.url,
            "resource": f"/communications/presences?$filter=id in ({quoted})",
            "expirationDateTime": "2026-03-02T08:55:00Z",
            "clientState": "s",
        },
    )
    assert response.status_code == 201, response.text
    return token


def _played(
    admin: MockGraphAdmin, receiver: WebhookReceiver, speed: float | None
) -> tuple[list[Any], list[Any]]:
    paused = admin.scenario(file=short_shift())
    ids = [u["id"] for u in admin.users()]
    token = _subscribe(admin, receiver, ids)
    if speed is None:
        for moment in ("08:05", "08:07:30", "08:12", "08:20"):
            admin.advance_to(moment)
        # Where the 600x run finishes: the last step's second, not a whole minute.
        admin.advance_to(paused.state()["end"])
    else:
        scenario = admin.scenario(file=short_shift(), speed=speed)
        # A client reading presence all along: each call is followed by a scan for changes,
        # at whatever virtual time it lands on; the notifications must not depend on them.
        deadline = time.monotonic() + 30
        while scenario.state()["state"] != "finished" and time.monotonic() < deadline:
            read = admin.http.post(
                "/v1.0/communications/getPresencesByUserId",
                headers={"Authorization": f"Bearer {token}"},
                json={"ids": ids},
            )
            assert read.status_code == 200, read.text
        assert scenario.state()["state"] == "finished"
    admin.flush_notifications()
    steps = [
        (s["at"], s["userId"], s["action"], s["availability"], s["activity"], s["sequence"])
        for s in Scenario(admin._call).steps()
    ]
    # Every POST, in order: its items' users and what the item says (the subscription's id is
    # generated, so compared by the order it first appears in).
    first_seen: dict[str, int] = {}
    batches = [
        [
            (
                first_seen.setdefault(item["subscriptionId"], len(first_seen)),
                item["resourceData"]["id"],
                item["changeType"],
                item["resource"],
                item["clientState"],
                item["subscriptionExpirationDateTime"],
            )
            for item in body["value"]
        ]
        for body in receiver.notifications
    ]
    return steps, batches


def test_one_x_by_hand_and_600x_give_the_same_journal_and_notifications() -> None:
    by_hand, fast = played(None), played(600)
    assert len(by_hand[0]) > 30
    assert by_hand[0] == fast[0]
    # The same notifications, batched the same, in the same order (docs/scenarios.md,
    # "Determinism").
    assert len(by_hand[1]) > 5
    assert sum(len(batch) for batch in by_hand[1]) > 10
    assert by_hand[1] == fast[1]
