"""The same scenario gives the same presence sequence at 1x on a frozen clock moved by hand and
at 600x on a real server: the journals of applied steps (presence and sequence numbers after
each) match, and every user who changed is notified in both."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockgraph.app import create_app
from mockgraph.scenarios.profiles import contact_centre
from mockgraph.server import ServerThread
from mockgraph.testing import MockGraphAdmin, Scenario
from mockgraph.testing.webhook_receiver import WebhookReceiver
from tests.constants import ADELE

START = "2026-03-02T08:00:00+00:00"


def short_shift() -> dict[str, Any]:
    """The first 30 virtual minutes of a contact centre of 12 agents, as a scenario file."""
    scenario = contact_centre(12, 4, datetime.fromisoformat(START))
    steps = []
    for step in scenario.steps:
        if step.offset > 1800:
            break
        fields = {k: getattr(step, k) for k in step.__slots__ if k != "offset"}
        given = {k: v for k, v in fields.items() if v is not None}
        steps.append({"at": f"PT{int(step.offset)}S", **given})
    return {"name": "short-shift", "start": START, "users": 12, "steps": steps}


def played(speed: float | None) -> tuple[list[Any], dict[str, int]]:
    with ServerThread(create_app()) as server, WebhookReceiver() as receiver:
        admin = MockGraphAdmin(server.url)
        try:
            return _played(admin, receiver, speed)
        finally:
            admin.close()


def _played(
    admin: MockGraphAdmin, receiver: WebhookReceiver, speed: float | None
) -> tuple[list[Any], dict[str, int]]:
    if True:
        admin.scenario(file=short_shift())
        ids = [u["id"] for u in admin.users()]
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
        if speed is None:
            for moment in ("08:05", "08:07:30", "08:12", "08:20", "08:30"):
                admin.advance_to(moment)
        else:
            scenario = admin.scenario(file=short_shift(), speed=speed)
            assert scenario.wait_finished(30)["state"] == "finished"
        admin.flush_notifications()
        steps = [
            (s["at"], s["userId"], s["action"], s["activity"], s["sequence"])
            for s in Scenario(admin._call).steps()
        ]
        # Each user's notifications, in order (the notifier's own 0.25 s ticker may also
        # notice an expiry between two steps, so the batches across users are not compared).
        changes: dict[str, int] = {}
        for item in receiver.items():
            user_id = item["resourceData"]["id"]
            changes[user_id] = changes.get(user_id, 0) + 1
        return steps, changes


def test_one_x_by_hand_and_600x_give_the_same_journal_and_notifications() -> None:
    by_hand, fast = played(None), played(600)
    assert len(by_hand[0]) > 30
    assert by_hand[0] == fast[0]
    # Every user who changed was notified in both runs; at 600x the notifier's own ticker may
    # also notice an expiry between two steps on its own (docs/scenarios.md, "Determinism").
    assert by_hand[1].keys() == fast[1].keys()
    assert all(fast[1][user] >= count for user, count in by_hand[1].items())
    assert sum(by_hand[1].values()) > 10
