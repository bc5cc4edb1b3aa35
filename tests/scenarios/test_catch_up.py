"""A running scenario's tenant is caught up before a call reads it: a Graph call and the
scenario's GET see the clock where the speed times the wall time since the start puts it,
with every step due by then applied, whether or not the ticker has run. Here it never runs:
the scenario is started outside any event loop, and the wall clock is the test's."""

from __future__ import annotations

from fastapi import FastAPI

from mockgraph.app import create_app
from mockgraph.clock import Clock
from mockgraph.scenarios.setup import from_document
from mockgraph.settings import Settings
from mockgraph.testing import InProcessTransport
from tests.client import Graph
from tests.constants import MEGAN, START
from tests.constants import PRESENCE_WALL as READER
from tests.scenarios.test_scenario_route import megans_morning


def started_by_hand(app: FastAPI, speed: float) -> list[float]:
    """Megan's morning running at `speed` with no ticker, on a wall clock the test moves."""
    scenarios = app.state.scenarios
    wall = [1_000.0]
    scenarios.wall = lambda: wall[0]
    tenant_id = app.state.runtime.fixtures.tenant_id
    scenarios.start(from_document(megans_morning()), tenant_id, speed)
    assert scenarios.state == "running"
    return wall


def test_a_graph_call_sees_the_step_due_by_its_time(app: FastAPI, graph: Graph) -> None:
    wall = started_by_hand(app, 600.0)
    # Minted now, for a day: the Graph call below is the only call after the wall moves.
    token = graph.control.app_token(READER, ("Presence.Read.All",), expires_in=86_400)
    wall[0] += (80 * 60 + 30) / 600  # 10:20:30 in Berlin: the call began at 10:20
    response = graph.admin.get(
        f"/v1.0/users/{MEGAN}/presence", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    now = response.json()
    assert (now["availability"], now["activity"]) == ("Busy", "InACall")


def test_the_scenario_reports_its_clock_at_the_target_with_no_lag(
    app: FastAPI, graph: Graph
) -> None:
    wall = started_by_hand(app, 600.0)
    wall[0] += 6.0  # an hour at 600x
    state = graph.admin.get("/_mockgraph/scenario").json()
    assert state["now"].startswith("2026-03-02T09:00:00")  # 10:00 in Berlin, in UTC
    assert (state["applied"], state["lagSeconds"]["max"]) == (2, 0.0)
    wall[0] += 4.0  # 10:40 in Berlin: the call came and went, the last step
    state = graph.admin.get("/_mockgraph/scenario").json()
    assert (state["applied"], state["state"]) == (4, "finished")


def test_a_clock_set_running_by_hand_is_moved_and_left_running() -> None:
    """A call's catch-up moves the scenario's frozen clock without its lock
    (Clock.move_frozen); a clock someone set running again meanwhile is moved as
    set_timestamp moves one, and left running."""
    app = create_app(Settings(), clock=Clock(start=START))  # the server's clock runs
    with InProcessTransport(app) as transport:
        graph = Graph(transport, "http://mockgraph.test")
        wall = started_by_hand(app, 600.0)
        assert graph.admin.post("/_mockgraph/clock", json={"resume": True}).status_code == 200
        wall[0] += 0.5  # five virtual minutes on, no step due
        state = graph.admin.get("/_mockgraph/scenario").json()
        assert state["now"].startswith("2026-03-02T08:05:0")  # 09:05 in Berlin, in UTC
        clock = graph.admin.get("/_mockgraph/clock").json()
        graph.close()
    assert clock["frozen"] is False
    assert clock["now"].startswith("2026-03-02T08:05:0")
