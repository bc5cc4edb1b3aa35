"""Graph's presence vocabulary: availability and activity values, allowed pairs, precedence."""

from __future__ import annotations

from mockgraph.errors import BadRequest

# The classic lists of Graph's resource page, plus values the docs use elsewhere
# (AvailableInactive from the setPresence fade, Focusing from the current page).
AVAILABILITIES = (
    "Available",
    "AvailableIdle",
    "Away",
    "BeRightBack",
    "Busy",
    "BusyIdle",
    "DoNotDisturb",
    "Focusing",
    "Offline",
    "PresenceUnknown",
)
ACTIVITIES = (
    "Available",
    "AvailableInactive",
    "Away",
    "BeRightBack",
    "Busy",
    "DoNotDisturb",
    "Focusing",
    "InACall",
    "InAConferenceCall",
    "Inactive",
    "InAMeeting",
    "Offline",
    "OffWork",
    "OutOfOffice",
    "PresenceUnknown",
    "Presenting",
    "UrgentInterruptionsOnly",
)
_AVAILABILITY_BY_LOWER = {v.lower(): v for v in AVAILABILITIES}
_ACTIVITY_BY_LOWER = {v.lower(): v for v in ACTIVITIES}

# The pairs each write action accepts: https://learn.microsoft.com/graph/api/presence-setpresence
# and https://learn.microsoft.com/graph/api/presence-setuserpreferredpresence.
SET_PRESENCE_PAIRS = frozenset(
    {
        ("Available", "Available"),
        ("Busy", "InACall"),
        ("Busy", "InAConferenceCall"),
        ("Away", "Away"),
        ("DoNotDisturb", "Presenting"),
    }
)
PREFERRED_PRESENCE_PAIRS = frozenset(
    {
        ("Available", "Available"),
        ("Busy", "Busy"),
        ("DoNotDisturb", "DoNotDisturb"),
        ("BeRightBack", "BeRightBack"),
        ("Away", "Away"),
        ("Offline", "OffWork"),
    }
)

# Two pairs the scenarios' profiles name (mockgraph/scenarios/profiles.py): a Teams meeting
# joined, and "appear offline" as a preferred presence.
CONFERENCE_CALL = ("Busy", "InAConferenceCall")
APPEAR_OFFLINE = ("Offline", "OffWork")

# Among sessions: DoNotDisturb > Busy > Available > Away (Graph's docs). Values the docs do not
# rank sit beside their nearest documented neighbour: idle forms with their base, BeRightBack
# between Available and Away, Offline last.
SESSION_RANK = {
    "DoNotDisturb": 60,
    "Focusing": 55,
    "Busy": 50,
    "BusyIdle": 50,
    "Available": 40,
    "AvailableIdle": 40,
    "BeRightBack": 30,
    "Away": 20,
    "Offline": 0,
    "PresenceUnknown": 0,
}

# At most this many users per getPresencesByUserId call, and per presence subscription.
MAX_IDS = 650

WORK_LOCATION_TYPES = ("unspecified", "office", "remote", "timeOff")
_WORK_LOCATION_BY_LOWER = {v.lower(): v for v in WORK_LOCATION_TYPES}


def canonical_availability(value: str) -> str | None:
    """The PascalCase form of an availability value, read case-insensitively."""
    return _AVAILABILITY_BY_LOWER.get(value.lower())


def canonical_activity(value: str) -> str | None:
    return _ACTIVITY_BY_LOWER.get(value.lower())


def canonical_work_location_type(value: str) -> str:
    found = _WORK_LOCATION_BY_LOWER.get(value.lower())
    if found is None:
        raise BadRequest(
            f"The workLocationType '{value}' is not supported; "
            f"use one of {', '.join(WORK_LOCATION_TYPES)}."
        )
    return found


def _describe(pairs: frozenset[tuple[str, str]]) -> str:
    return ", ".join(f"{a}/{b}" for a, b in sorted(pairs))


def checked_pair(
    availability: str, activity: str, allowed: frozenset[tuple[str, str]], action: str
) -> tuple[str, str]:
    """The canonical (availability, activity) pair, or 400 when `action` does not take it."""
    base, detail = canonical_availability(availability), canonical_activity(activity)
    if base is None or detail is None or (base, detail) not in allowed:
        raise BadRequest(
            f"The availability '{availability}' with activity '{activity}' is not supported "
            f"by {action}; supported pairs are {_describe(allowed)}."
        )
    return base, detail


def known_availability(value: str) -> str:
    """For seed and state files: the canonical form, or ValueError naming the value."""
    known = canonical_availability(value)
    if known is None:
        raise ValueError(f"unknown availability '{value}'")
    return known


def known_activity(value: str) -> str:
    known = canonical_activity(value)
    if known is None:
        raise ValueError(f"unknown activity '{value}'")
    return known
