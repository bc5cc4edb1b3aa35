"""The scenario file: who does what, and when, in Graph's terms; checked and put in order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from mockgraph.domain.times import parse_duration
from mockgraph.errors import BadRequest

# Bounds: a scenario is a day or a week of a tenant, not an unbounded stream.
MAX_USERS = 100_000
MAX_STEPS = 2_000_000
MAX_SPAN_SECONDS = 14 * 24 * 3600
MAX_SPEED = 3600.0

Action = Literal[
    "signIn",
    "signOut",
    "setPresence",
    "clearPresence",
    "setUserPreferredPresence",
    "clearUserPreferredPresence",
    "setStatusMessage",
    "setWorkLocation",
    "setOutOfOffice",
]


class Step(NamedTuple):
    """One thing one user (or their client, or an app) does, `offset` seconds after the start.

    A tuple of strings and numbers, which the garbage collector stops tracking: a scenario of
    10,000 users has some 230,000 steps, and objects it tracked would make each of its full
    collections take a third of a second (docs/scenarios.md, "Keeping up").
    """

    offset: float
    user: int | str
    action: str
    label: str | None = None
    client: str | None = None
    sessionId: str | None = None
    availability: str | None = None
    activity: str | None = None
    expirationDuration: str | None = None
    message: str | None = None
    expiresAfter: str | None = None
    timeZone: str | None = None
    workLocationType: str | None = None
    isOutOfOffice: bool | None = None


@dataclass(slots=True)
class Scenario:
    """A scenario ready to play: its steps in time order (the file's order among equals)."""

    name: str
    users: int
    steps: list[Step]
    start: datetime | None = None
    time_zones: list[str] = field(default_factory=list)
    seed: int | None = None
    profile: str | None = None

    def __post_init__(self) -> None:
        self.steps.sort(key=lambda s: s.offset)  # stable: the file's order among equals


class StepModel(BaseModel):
    """One step as a scenario file writes it."""

    model_config = ConfigDict(extra="forbid", title="Step")

    at: str = Field(description="When, as an ISO 8601 duration after the start: PT2H30M.")
    user: int | str = Field(
        description="The user: an index into the cast (0 is the first), an object id or a UPN."
    )
    action: Action
    label: str | None = Field(None, description="What it is for a person: meeting, focus, lunch.")
    client: str | None = Field(None, description="signIn/signOut: the client's session id.")
    sessionId: str | None = None
    availability: str | None = None
    activity: str | None = None
    expirationDuration: str | None = None
    message: str | None = Field(None, description="setStatusMessage and setOutOfOffice.")
    expiresAfter: str | None = Field(
        None, description="setStatusMessage: the message expires this long after the step."
    )
    timeZone: str | None = Field(None, description="setStatusMessage: the expiry's time zone.")
    workLocationType: str | None = Field(None, description="office, remote or timeOff.")
    isOutOfOffice: bool | None = None


class ScenarioFile(BaseModel):
    """A scenario file: its name, its start on the virtual clock, its cast and its steps."""

    model_config = ConfigDict(extra="forbid", title="mockgraph scenario")

    name: str = Field(max_length=100)
    start: datetime | None = Field(
        None, description="The virtual start, an ISO date-time with its offset."
    )
    timeZones: list[str] = Field(default=[], description="The IANA zones the cast works in.")
    users: int = Field(ge=1, le=MAX_USERS, description="How many users the cast needs.")
    seed: int | None = None
    profile: str | None = None
    steps: list[StepModel] = Field(max_length=MAX_STEPS)

    def scenario(self) -> Scenario:
        """The scenario to play; 400 for a step that is wrong."""
        steps = [_step(index, s, self.users) for index, s in enumerate(self.steps)]
        if self.start is not None and self.start.utcoffset() is None:
            raise BadRequest("start must give its offset, for example 2026-03-02T08:00:00+01:00.")
        return Scenario(
            self.name, self.users, steps, self.start, self.timeZones, self.seed, self.profile
        )


_NEEDS: dict[str, tuple[str, ...]] = {
    "setPresence": ("availability", "activity"),
    "clearPresence": ("sessionId",),
    "setUserPreferredPresence": ("availability", "activity"),
    "setWorkLocation": ("workLocationType",),
    "setOutOfOffice": ("isOutOfOffice",),
}


def _step(index: int, given: StepModel, users: int) -> Step:
    where = f"steps[{index}]"
    offset = parse_duration(given.at, f"{where}.at").total_seconds()
    if not 0 <= offset <= MAX_SPAN_SECONDS:
        raise BadRequest(f"{where}.at must be between PT0S and P14D; it is '{given.at}'.")
    if isinstance(given.user, int) and not 0 <= given.user < users:
        raise BadRequest(f"{where}.user {given.user} is not in the cast of {users}.")
    for name in _NEEDS.get(given.action, ()):
        if getattr(given, name) is None:
            raise BadRequest(f"{where}: {given.action} needs '{name}'.")
    fields = given.model_dump(exclude={"at"})
    return Step(offset=offset, **fields)
