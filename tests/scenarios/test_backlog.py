"""A step of a user nobody watches waits until the user is read (mockgraph/scenarios/backlog.py):
no reader can tell. The same scenarios are played with every user watched (each step made as
it is played) and with none watched (steps held until read), and every read matches: presence
at each checkpoint, the error count before any user is read, and the journal."""

from __future__ import annotations

import gc
import weakref
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI

from mockgraph.app import create_app
from mockgraph.scenarios.control import FREEZE_AT
from mockgraph.scenarios.profiles import contact_centre, flaky_network, office_day
from mockgraph.server import ServerThread
from mockgraph.testing import MockGraphAdmin, Scenario
from mockgraph.testing.webhook_receiver import WebhookReceiver
from tests.client import Graph
from tests.constants import ADELE, TENANT
from tests.identity.entra import password_form
from tests.scenarios.files import as_file

START = "2026-03-02T08:00:00+00:00"
CHECKPOINTS = ("08:04", "08:11", "08:25", "08:40", "08:55")

# Every kind of step, and the refusals that depend on the user's state: clearing a session that
# expired, one already cleared, and the Teams client's session after it signed out.
EVERY_KIND: list[dict[str, Any]] = [
    {"at": "PT1M", "user": 0, "action": "setPresence", "availability": "Busy",
     "activity": "InACall", "expirationDuration": "PT5M"},
    {"at": "PT10M", "user": 0, "action": "clearPresence", "sessionId": "mockgraph-scenario"},
    {"at": "PT1M", "user": 1, "action": "setPresence", "availability": "Away",
     "activity": "Away", "expirationDuration": "PT1H"},
    {"at": "PT10M", "user": 1, "action": "clearPresence", "sessionId": "mockgraph-scenario"},
    {"at": "PT11M", "user": 1, "action": "clearPresence", "sessionId": "mockgraph-scenario"},
    {"at": "PT1M", "user": 2, "action": "signIn"},
    {"at": "PT2M", "user": 2, "action": "setStatusMessage", "message": "Back at 11",
     "expiresAfter": "PT15M", "timeZone": "Pacific Standard Time"},
    {"at": "PT3M", "user": 2, "action": "setOutOfOffice", "isOutOfOffice": True,
     "message": "Away today"},
    {"at": "PT4M", "user": 2, "action": "setUserPreferredPresence",
     "availability": "DoNotDisturb", "activity": "DoNotDisturb"},
    {"at": "PT5M", "user": 2, "action": "setWorkLocation", "workLocationType": "office"},
    {"at": "PT20M", "user": 2, "action": "clearUserPreferredPresence"},
    {"at": "PT30M", "user": 2, "action": "signOut"},
    {"at": "PT31M", "user": 2, "action": "clearPresence", "sessionId": "teams"},
    {"at": "PT1M", "user": 3, "action": "signIn"},
    {"at": "PT2M", "user": 3, "action": "clearPresence", "sessionId": "teams"},
    {"at": "PT3M", "user": 3, "action": "setPresence", "availability": "Sideways",
     "activity": "Sideways"},
]  # fmt: skip


def every_kind() -> dict[str, Any]:
    steps = sorted(EVERY_KIND, key=lambda s: int(s["at"][2:-1]))
    return {"name": "every-kind", "start": START, "users": 4, "steps": steps}


def first_hour(profile: Any, users: int) -> dict[str, Any]:
    """The first 55 virtual minutes of a profile, as a scenario file (a subscription lives an
    hour at most)."""
    return as_file(profile(users, 3, datetime.fromisoformat(START)), "first-hour", START, 3300)


def played(file: dict[str, Any], *, watched: bool) -> dict[str, Any]:
    """What a client reads of the scenario: errors and presence at each checkpoint, and the
    journal at the end."""
    with ServerThread(create_app()) as server, WebhookReceiver() as receiver:
        admin = MockGraphAdmin(server.url)
        try:
            scenario = admin.scenario(file=file)
            ids = [u["id"] for u in admin.users()]
            token = admin.token(ADELE, ["Presence.Read.All"])
            headers = {"Authorization": f"Bearer {token}"}
            if watched:
                _subscribe(admin, receiver, ids, headers)
            seen: dict[str, Any] = {"errors": [], "presences": []}
            for moment in CHECKPOINTS:
                admin.advance_to(moment)
                seen["errors"].append(scenario.state()["errors"])
                read = admin.http.post(
                    "/v1.0/communications/getPresencesByUserId", headers=headers, json={"ids": ids}
                )
                assert read.status_code == 200, read.text
                seen["presences"].append(read.json()["value"])
            seen["journal"] = Scenario(admin._call).steps()
            return seen
        finally:
            admin.close()


def _subscribe(
    admin: MockGraphAdmin, receiver: WebhookReceiver, ids: list[str], headers: dict[str, str]
) -> None:
    quoted = ",".join(f"'{i}'" for i in ids)
    response = admin.http.post(
        "/v1.0/subscriptions",
        headers=headers,
        json={
            "changeType": "updated",
            "notificationUrl": receiver.url,
            "resource": f"/communications/presences?$filter=id in ({quoted})",
            "expirationDateTime": "2026-03-02T08:59:00Z",
        },
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "file",
    [
        pytest.param(every_kind(), id="every-kind"),
        pytest.param(first_hour(office_day, 30), id="office-day"),
        pytest.param(first_hour(contact_centre, 12), id="contact-centre"),
        pytest.param(first_hour(flaky_network, 12), id="flaky-network"),
    ],
)
def test_held_steps_read_as_if_made_when_played(file: dict[str, Any]) -> None:
    made, held = played(file, watched=True), played(file, watched=False)
    assert len(made["journal"]) == len(file["steps"])
    assert held == made


def test_the_error_count_is_exact_before_anyone_reads() -> None:
    held = played(every_kind(), watched=False)
    # 08:04: the Sideways pair; 08:11: an expired session and one cleared twice; 08:40: the
    # Teams client's session after it signed out.
    assert held["errors"] == [1, 3, 3, 4, 4]
    refused = [(s["userId"], s["action"]) for s in held["journal"] if s["error"]]
    assert [action for _, action in refused] == [
        "setPresence",
        "clearPresence",
        "clearPresence",
        "clearPresence",
    ]


def test_the_dashboard_shows_held_steps_made(graph: Graph) -> None:
    """The board keeps the tenant's users sorted from one poll to the next: each poll still
    sees the steps played since, made."""
    started = graph.admin.post(
        "/_mockgraph/scenario", json={"action": "start", "paused": True, "scenario": every_kind()}
    )
    assert started.status_code == 200, started.text
    before = shown(graph)
    graph.admin.post("/_mockgraph/scenario", json={"action": "seek", "to": "08:05"})
    after = shown(graph)
    journal = graph.admin.get("/_mockgraph/scenario/steps").json()["value"]
    last = {s["userId"]: (s["availability"], s["activity"]) for s in journal}
    assert len(last) == 4
    assert {user_id: after[user_id] for user_id in last} == last
    assert {user_id: before[user_id] for user_id in last} != last


def shown(graph: Graph) -> dict[str, tuple[str, str]]:
    """Each user's presence as the dashboard's board shows it."""
    response = graph.admin.get("/_mockgraph/ui/changes")
    assert response.status_code == 200, response.text
    return {u["id"]: (u["availability"], u["activity"]) for u in response.json()["board"]["users"]}


def test_a_user_removed_or_a_tenant_reset_while_steps_wait(graph: Graph) -> None:
    """Steps held for a user are made before the user goes, as they were when played; a reset
    while steps wait leaves a run that goes on (a seek back to the fixtures' time replays it)."""
    admin = graph.admin

    def scenario(**body: Any) -> dict[str, Any]:
        response = admin.post("/_mockgraph/scenario", json=body)
        assert response.status_code == 200, response.text
        state: dict[str, Any] = admin.get("/_mockgraph/scenario").json()
        return state

    def journal() -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = admin.get("/_mockgraph/scenario/steps").json()["value"]
        return entries

    scenario(action="start", paused=True, scenario=every_kind())
    scenario(action="seek", to="08:03")
    user_2 = next(s["userId"] for s in journal() if s["action"] == "setStatusMessage")
    scenario(action="seek", to="08:04")  # user 2's setUserPreferredPresence waits
    assert admin.delete(f"/_mockgraph/users/{user_2}").status_code == 200
    state = scenario(action="seek", to="08:06")
    of_2 = [
        (s["action"], s["availability"], s["error"]) for s in journal() if s["userId"] == user_2
    ]
    assert of_2 == [
        ("signIn", "Available", None),
        ("setStatusMessage", "Available", None),
        ("setOutOfOffice", "Available", None),
        ("setUserPreferredPresence", "DoNotDisturb", None),
        (
            "setWorkLocation",
            "PresenceUnknown",
            f"The user '{user_2}' was not found in this tenant.",
        ),
    ]
    assert state["errors"] == 2  # the Sideways pair, and the user gone
    assert admin.post("/_mockgraph/reset").status_code == 200
    state = scenario(action="seek", to="08:12")
    assert state["applied"] == len(journal()) == 13


def test_a_replaced_run_is_freed(app: FastAPI, graph: Graph) -> None:
    """The run and its backlog refer to each other, and a run of 10,000 steps or more is
    frozen out of the collector's reach: a stop must still free it."""
    start = {"action": "start", "profile": "office-day", "users": 500, "paused": True}
    assert graph.admin.post("/_mockgraph/scenario", json=start).status_code == 200
    first = weakref.ref(app.state.scenarios.run)
    assert len(app.state.scenarios.run.steps) >= FREEZE_AT
    assert graph.admin.post("/_mockgraph/scenario", json=start).status_code == 200
    gc.collect()
    assert first() is None


def test_a_start_past_the_year_9000_is_refused(graph: Graph) -> None:
    file = {**every_kind(), "start": "9999-12-31T00:00:00+00:00"}
    response = graph.admin.post("/_mockgraph/scenario", json={"action": "start", "scenario": file})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "The scenario's start must be before the year 9000."
    )


def test_signing_in_by_upn_leaves_the_other_users_steps_waiting(app: FastAPI, graph: Graph) -> None:
    """Entra finds a password grant's user by UPN among every user's names, not their
    presence: the steps waiting for the others stay waiting (a sign-in after a long unread
    stretch of a large scenario would otherwise make them all at once)."""
    start = {"action": "start", "paused": True, "scenario": every_kind()}
    assert graph.admin.post("/_mockgraph/scenario", json=start).status_code == 200
    graph.admin.post("/_mockgraph/scenario", json={"action": "seek", "to": "08:05"})
    backlog = app.state.scenarios.run.backlog
    waiting = set(backlog.users)
    assert len(waiting) == 3  # the fourth user's refused step made theirs
    token = graph.admin.post(
        f"/{TENANT}/oauth2/v2.0/token",
        data=password_form(scope="https://graph.microsoft.com/.default"),
    )
    assert token.status_code == 200, token.text
    # Only the user signing in is read (their steps are made, if they had any waiting).
    assert set(backlog.users) == waiting - {ADELE}
