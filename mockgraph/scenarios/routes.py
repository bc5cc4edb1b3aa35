"""/_mockgraph/scenario: start, pause, resume, stop and seek the app's scenario."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from mockgraph.domain.guid import checked_guid
from mockgraph.domain.times import parse_offset_datetime
from mockgraph.errors import BadRequest
from mockgraph.runtime import Runtime
from mockgraph.scenarios.control import Scenarios
from mockgraph.scenarios.engine import Run, applied_json
from mockgraph.scenarios.model import MAX_SPEED, MAX_USERS
from mockgraph.scenarios.setup import from_document, from_profile

TAG = "mockgraph control plane"
router = APIRouter(prefix="/_mockgraph", tags=[TAG])
TenantParam = Annotated[
    str | None,
    Query(alias="tenant", description="A tenant id; the fixtures' tenant when left out."),
]


class ScenarioControl(BaseModel):
    """What to do with the scenario."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["start", "pause", "resume", "stop", "seek"]
    to: str | None = Field(
        None, description="seek: an ISO date-time, or HH:MM on the scenario's first day."
    )
    profile: str | None = Field(None, description="start: a bundled profile (office-day).")
    scenario: dict[str, Any] | None = Field(None, description="start: a scenario file's JSON.")
    users: int | None = Field(None, ge=1, le=MAX_USERS)
    seed: int | None = Field(None, ge=0, le=2**31)
    speed: float | None = Field(None, gt=0, le=MAX_SPEED)
    start: str | None = Field(None, description="start: the virtual start, an ISO date-time.")
    paused: bool = Field(False, description="start: load it at its start, paused (for tests).")


def _scenarios(request: Request) -> Scenarios:
    scenarios: Scenarios = request.app.state.scenarios
    return scenarios


@router.get("/scenario")
async def get_scenario(request: Request) -> dict[str, Any]:
    """The scenario: its profile, seed, cast size, virtual time, speed, state (idle, running,
    paused, finished, stopped), and how far its clock has trailed its target (lagSeconds)
    and its steps their moments (stepDelaySeconds), in virtual seconds. A running scenario
    is caught up first, as for a Graph call on its tenant."""
    scenarios = _scenarios(request)
    if scenarios.run is not None:
        scenarios.catch_up(scenarios.run.tenant)
    return scenarios.as_json()


@router.post("/scenario")
async def control_scenario(
    control: ScenarioControl, request: Request, tenant: TenantParam = None
) -> dict[str, Any]:
    """`{"action": "start", "profile": "office-day", "users": 50, "seed": 1, "speed": 60}`, or
    `pause`, `resume`, `stop`, or `{"action": "seek", "to": "2026-03-02T10:30:00+01:00"}`."""
    scenarios = _scenarios(request)
    runtime: Runtime = request.app.state.runtime
    if control.action != "start" and any(
        v is not None for v in (control.profile, control.scenario, control.users, control.seed)
    ):
        raise BadRequest("profile, scenario, users and seed go with start only.")
    if (control.to is None) == (control.action == "seek"):
        raise BadRequest("to goes with seek, and seek needs to.")
    if control.action == "start":
        _start(scenarios, runtime, control, tenant)
    elif control.action == "seek":
        scenarios.seek(_seek_target(scenarios.run, control.to or ""))
    else:
        {"pause": scenarios.pause, "resume": scenarios.resume, "stop": scenarios.stop}[
            control.action
        ]()
    return scenarios.as_json()


def _start(
    scenarios: Scenarios, runtime: Runtime, control: ScenarioControl, tenant: str | None
) -> None:
    tenant_id = checked_guid(tenant, "tenant") if tenant else runtime.fixtures.tenant_id
    settings = runtime.settings
    start = parse_offset_datetime(control.start, "start") if control.start else None
    if control.scenario is not None:
        if control.profile is not None:
            raise BadRequest("Give a profile or a scenario, not both.")
        scenario = from_document(control.scenario)
        scenario.start = start or scenario.start
    else:
        today = runtime.store.tenant(tenant_id).clock.now()
        scenario = from_profile(
            control.profile or _default_profile(settings.scenario),
            control.users or settings.scenario_users,
            control.seed if control.seed is not None else settings.scenario_seed,
            start or settings.scenario_start,
            today,
        )
    speed = control.speed or settings.scenario_speed
    scenarios.start(scenario, tenant_id, speed, paused=control.paused)


def _default_profile(configured: str | None) -> str:
    from mockgraph.scenarios.profiles import PROFILES

    return configured if configured in PROFILES else "office-day"


def _seek_target(run: Run | None, to: str) -> datetime:
    """An ISO date-time, or HH:MM[:SS] on the scenario's first day in its first time zone."""
    if run is None:
        raise BadRequest("No scenario is loaded; start one first.")
    if "T" in to:
        return parse_offset_datetime(to, "to")
    try:
        clock_time = time.fromisoformat(to)
    except ValueError:
        raise BadRequest(f"to '{to}' is neither an ISO date-time nor HH:MM.") from None
    zone = ZoneInfo((run.scenario.time_zones or ["UTC"])[0])
    day = datetime.fromtimestamp(run.start, zone).date()
    return datetime.combine(day, clock_time, zone)


@router.get("/scenario/steps")
async def list_scenario_steps(
    request: Request, limit: Annotated[int, Query(ge=1, le=100_000)] = 1000
) -> dict[str, Any]:
    """The steps the scenario applied, oldest first (the last `limit`): when (seconds after
    its start), who, what, and the presence and sequence number the user had after it."""
    run = _scenarios(request).run
    entries = run.entries(limit) if run is not None else []
    return {"value": [applied_json(e) for e in entries]}
