"""A whole presence scenario over real HTTP, the way a client integration test runs."""

from __future__ import annotations

from tests.client import Graph
from tests.constants import ADELE, ALEX, PATTI, PRESENCE_SYNC, PRESENCE_WALL


def test_health(live: Graph) -> None:
    response = live.admin.get("/_mockgraph/health")
    assert response.status_code == 200
    health = response.json()
    assert health["status"] == "ok"
    # A server started with --proxy-port names it (the plugin's and the container test's do).
    assert set(health) <= {"status", "proxyPort"}
    assert isinstance(health.get("proxyPort", 0), int)


def test_busy_light_scenario(live: Graph) -> None:
    sync = live.as_app(PRESENCE_SYNC)
    wall = live.as_app(PRESENCE_WALL, "Presence.Read.All")

    # An app puts Patti in a call, then a user-preferred Do Not Disturb on top.
    assert (
        sync.post(
            f"/v1.0/users/{PATTI}/presence/setPresence",
            json={
                "sessionId": PRESENCE_SYNC,
                "availability": "Busy",
                "activity": "InACall",
                "expirationDuration": "PT15M",
            },
        ).status_code
        == 200
    )
    assert (
        sync.post(
            f"/v1.0/users/{PATTI}/presence/setUserPreferredPresence",
            json={"availability": "DoNotDisturb", "activity": "DoNotDisturb"},
        ).status_code
        == 200
    )
    body = wall.post(
        "/v1.0/communications/getPresencesByUserId", json={"ids": [PATTI, ALEX]}
    ).json()
    assert [(p["availability"], p["activity"]) for p in body["value"]] == [
        ("DoNotDisturb", "DoNotDisturb"),
        ("DoNotDisturb", "Presenting"),
    ]

    # Time passes on the virtual clock: the session expires, and with it the preferred state.
    assert live.admin.post("/_mockgraph/clock", json={"advance": "PT15M"}).status_code == 200
    assert live.presence(PATTI)["availability"] == "Offline"


def test_status_message_scenario(live: Graph) -> None:
    adele = live.as_user(ADELE, "Presence.Read", "Presence.ReadWrite")
    assert (
        adele.post(
            "/beta/me/presence/setStatusMessage",
            json={
                "statusMessage": {
                    "message": {"content": "Working from the lake", "contentType": "text"}
                }
            },
        ).status_code
        == 200
    )

    own = adele.get("/beta/me/presence").json()
    other = live.as_user(ALEX, "Presence.Read.All").get(f"/beta/users/{ADELE}/presence").json()

    assert own["statusMessage"]["expiryDateTime"]["dateTime"] == "9999-12-31T23:59:59.9999999"
    assert other["statusMessage"] == {
        "message": {"content": "Working from the lake", "contentType": "text"}
    }


def test_errors_over_the_wire(live: Graph) -> None:
    response = live.admin.get("/v1.0/me/presence", headers={"client-request-id": "trace-1"})
    assert response.status_code == 401
    assert response.headers["client-request-id"] == "trace-1"
    assert response.json()["error"]["innerError"]["client-request-id"] == "trace-1"
