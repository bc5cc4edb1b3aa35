"""One user's presence state and Graph's rules over time: sessions, fade, expiry, precedence."""

from __future__ import annotations

from dataclasses import dataclass, field

from mockgraph.domain.times import LocalDateTime
from mockgraph.domain.user import Profile
from mockgraph.domain.values import SESSION_RANK

# An Available session that is not refreshed fades after this long, then again after as long.
FADE_SECONDS = 5 * 60
# The session a fixture gives a user: a signed-in Teams client that never expires or fades.
FIXTURE_SESSION_ID = "teams"
OFFLINE = ("Offline", "Offline")


@dataclass(slots=True)
class Session:
    availability: str
    activity: str
    set_at: float
    expires_at: float | None  # None: never (the fixture's Teams client)

    def fades(self) -> bool:
        return self.expires_at is not None and self.availability == "Available"

    def state_at(self, now: float) -> tuple[str, str]:
        """Available fades to Available/AvailableInactive, then to Away/Away."""
        if self.fades():
            idle = now - self.set_at
            if idle >= 2 * FADE_SECONDS:
                return ("Away", "Away")
            if idle >= FADE_SECONDS:
                return ("Available", "AvailableInactive")
        return (self.availability, self.activity)

    def next_change(self, now: float) -> float | None:
        """The first moment after `now` at which this session's state changes (straight-line
        code: every read of a user whose view is stale comes here)."""
        soonest = self.expires_at
        if soonest is None:
            return None
        if soonest <= now:
            soonest = None
        if self.availability == "Available":
            for fade in (self.set_at + FADE_SECONDS, self.set_at + 2 * FADE_SECONDS):
                if now < fade and (soonest is None or fade < soonest):
                    soonest = fade
                    break
        return soonest


@dataclass(slots=True)
class Preferred:
    availability: str
    activity: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class StatusMessage:
    content: str
    content_type: str
    published: str  # Edm.DateTimeOffset, as Graph wrote it when the message was set
    expiry: LocalDateTime | None

    def expires_at(self) -> float | None:
        if self.expiry is None or self.expiry.instant is None:
            return None
        return self.expiry.instant.timestamp()


@dataclass(frozen=True, slots=True)
class WorkLocation:
    work_location_type: str
    place_id: str | None


@dataclass(frozen=True, slots=True)
class View:
    """What a reader sees; the sequence number moves whenever this changes."""

    availability: str
    activity: str
    status: StatusMessage | None
    location: tuple[str, str, str | None]  # (workLocationType, source, placeId)
    out_of_office: tuple[bool, str | None]


@dataclass(slots=True)
class UserState:
    """One user in one tenant: the profile (shared, immutable) and the presence state."""

    profile: Profile
    out_of_office: tuple[bool, str | None] = (False, None)
    sessions: dict[str, Session] = field(default_factory=dict)
    preferred: Preferred | None = None
    status: StatusMessage | None = None
    manual_location: WorkLocation | None = None
    automatic_location: WorkLocation | None = None
    sequence: int = 0
    # Derived, kept until the state changes or the clock reaches `stable_until`.
    view: View | None = None
    stable_until: float = 0.0
    computed_at: float = 0.0
    # The entity as JSON for the user themself and for anyone else (two fields, not a dict:
    # a dict per user costs 200 bytes, and there may be 100,000 users).
    rendered_self: bytes | None = None
    rendered_other: bytes | None = None
    id: str = field(init=False)  # the profile's, kept at hand: every read looks it up
    # Where a write notes this user's id: while a subscription watches the user, its tenant's
    # set of users written since the last scan for changes (notifications/service.py), so a
    # scan looks at those, not at every watched user. None while nobody watches.
    noted: set[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.id = self.profile.id

    @property
    def user_principal_name(self) -> str:
        return self.profile.upn

    @property
    def display_name(self) -> str:
        return self.profile.name

    @property
    def password(self) -> str | None:
        return self.profile.password

    def changed(self, now: float) -> None:
        """Settle a write at once, so sequence numbers follow the order of writes."""
        self.stable_until = 0.0
        self.current(now)
        if self.noted is not None:
            self.noted.add(self.id)

    def current(self, now: float) -> View:
        """The view at `now`, recomputed only when a write or the clock may have changed it."""
        if self.view is None or now >= self.stable_until or now < self.computed_at:
            self._expire(now)
            view = self._compute(now)
            if view != self.view:
                self.view = view
                self.sequence += 1
                self.rendered_self = self.rendered_other = None
            self.stable_until = self._next_change(now)
            self.computed_at = now
        return self.view

    def restore(self, sequence: int, now: float) -> None:
        """Take `sequence` as the number of the view at `now` (an imported state)."""
        self._expire(now)
        self.view = self._compute(now)
        self.sequence = sequence
        self.rendered_self = self.rendered_other = None
        self.stable_until = self._next_change(now)
        self.computed_at = now
        if self.noted is not None:
            self.noted.add(self.id)

    def _expire(self, now: float) -> None:
        for session_id in [
            k for k, s in self.sessions.items() if s.expires_at is not None and s.expires_at <= now
        ]:
            del self.sessions[session_id]
        if self.preferred is not None and self.preferred.expires_at <= now:
            self.preferred = None
        expires = self.status.expires_at() if self.status is not None else None
        if expires is not None and expires <= now:
            self.status = None

    def _compute(self, now: float) -> View:
        if not self.sessions:
            availability, activity = OFFLINE
        elif self.preferred is not None:
            availability, activity = self.preferred.availability, self.preferred.activity
        else:
            # Highest rank wins; among equals, the most recently set session.
            ranked = max(
                ((*s.state_at(now), s.set_at) for s in self.sessions.values()),
                key=lambda item: (SESSION_RANK.get(item[0], 0), item[2]),
            )
            availability, activity = ranked[0], ranked[1]
        if self.out_of_office[0] and availability == "Available":
            # Teams' "Available, out of office" reads Available/OutOfOffice (the table in
            # https://learn.microsoft.com/graph/cloud-communications-manage-presence-state);
            # "In a call, out of office" stays Busy/InACall.
            activity = "OutOfOffice"
        return View(availability, activity, self.status, self.work_location(), self.out_of_office)

    def work_location(self) -> tuple[str, str, str | None]:
        """Manual beats automatic beats none."""
        if self.manual_location is not None:
            return (
                self.manual_location.work_location_type,
                "manual",
                self.manual_location.place_id,
            )
        if self.automatic_location is not None:
            return (
                self.automatic_location.work_location_type,
                "automatic",
                self.automatic_location.place_id,
            )
        return ("unspecified", "none", None)

    def _next_change(self, now: float) -> float:
        soonest = float("inf")
        for session in self.sessions.values():
            moment = session.next_change(now)
            if moment is not None and moment < soonest:
                soonest = moment
        if self.preferred is not None and now < self.preferred.expires_at < soonest:
            soonest = self.preferred.expires_at
        expires = self.status.expires_at() if self.status is not None else None
        if expires is not None and now < expires < soonest:
            soonest = expires
        return soonest
