"""The bundled profiles: a scenario generated from a seed, a cast size and a start."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mockgraph.domain.values import APPEAR_OFFLINE, CONFERENCE_CALL
from mockgraph.scenarios.model import Scenario, Step

OFFICE_ZONES = ("Europe/Berlin", "Europe/London", "America/New_York")


class Day:
    """Steps being written for one profile: times in minutes after the start."""

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def add(self, minute: float, user: int, action: str, **fields: Any) -> None:
        self.steps.append(Step(max(0.0, round(minute * 60.0)), user, action, **fields))


def _duration(minutes: int) -> str:
    return f"PT{minutes}M"


def _seconds(rng: random.Random, low: float, high: float) -> float:
    """A time in minutes, uniform from `low` to `high`, on a whole second."""
    return rng.randrange(round(low * 60), round(high * 60) + 1) / 60


def _join(rng: random.Random) -> float:
    """Minutes from a meeting's scheduled start to one person's join: from two early to five
    late, most within the first minute (people do not all click Join on the same second)."""
    return rng.triangular(-2.0, 5.0, 0.5)


def _leave(rng: random.Random) -> float:
    """Minutes from a meeting's scheduled end to one person's leaving: two either side."""
    return rng.triangular(-2.0, 2.0, 0.0)


def office_day(users: int, seed: int, start: datetime) -> Scenario:
    """A mixed team across three zones: meetings on the half hour, calls, lunch, focus
    blocks, breaks, evenings offline, a few out of office or appearing offline."""
    rng, day = random.Random(f"office-day:{seed}"), Day()
    first = start.utcoffset() or timedelta(0)
    for user in range(users):
        zone = ZoneInfo(OFFICE_ZONES[user % len(OFFICE_ZONES)])
        shift = (first - (start.astimezone(zone).utcoffset() or timedelta(0))).total_seconds()
        local0 = shift / 60  # this user's 08:00, in minutes after the start
        day.add(0, user, "signOut", client="teams", label="offline")
        _office_user(rng, day, user, local0)
    return Scenario(
        name="office-day",
        profile="office-day",
        seed=seed,
        start=start,
        time_zones=list(OFFICE_ZONES),
        users=users,
        steps=day.steps,
    )


def _office_user(rng: random.Random, day: Day, user: int, local0: float) -> None:
    roll = rng.random()
    if roll < 0.04:
        # Set before the holiday began: the state the day starts from, not a change during it.
        message = "On holiday until Monday"
        day.add(0, user, "setOutOfOffice", isOutOfOffice=True, message=message, label="ooo")
        day.add(0, user, "setStatusMessage", message=message, label="ooo")
        return
    arrive = local0 + _seconds(rng, 0, 90)
    leave = local0 + _seconds(rng, 540, 630)
    place = "office" if rng.random() < 0.55 else "remote"
    day.add(arrive, user, "signIn", client="teams", label="signed in")
    day.add(arrive, user, "setWorkLocation", workLocationType=place, label=place)
    if roll < 0.07:
        day.add(
            arrive,
            user,
            "setUserPreferredPresence",
            availability=APPEAR_OFFLINE[0],
            activity=APPEAR_OFFLINE[1],
            expirationDuration="PT12H",
            label="appear offline",
        )
    slot = local0 + 60  # 09:00 local, then every half hour
    while slot + 30 <= leave:
        if local0 + 240 <= slot < local0 + 300:
            lunch = slot + rng.triangular(-5.0, 10.0, 0.0)
            day.add(
                lunch,
                user,
                "setUserPreferredPresence",
                availability="Away",
                activity="Away",
                expirationDuration="PT45M",
                label="lunch",
            )
            day.add(
                lunch,
                user,
                "setStatusMessage",
                message="At lunch",
                expiresAfter="PT45M",
                label="lunch",
            )
            slot += 60
            continue
        slot += _office_slot(rng, day, user, slot)
    day.add(leave, user, "signOut", client="teams", label="offline")


def _office_slot(rng: random.Random, day: Day, user: int, slot: float) -> int:
    """One half hour from `slot`; how many minutes it took."""
    roll = rng.random()
    if roll < 0.35:
        return _meeting(rng, day, user, slot)
    if roll < 0.55:
        length = rng.randrange(5, 16)
        start = slot + _seconds(rng, 0, 30 - length)  # over within the half hour
        day.add(
            start,
            user,
            "setPresence",
            sessionId="teams-call",
            availability="Busy",
            activity="InACall",
            expirationDuration="PT20M",
            label="call",
        )
        day.add(start + length, user, "clearPresence", sessionId="teams-call", label="call ends")
    elif roll < 0.65:
        focus = slot + _seconds(rng, 0, 2)
        day.add(
            focus,
            user,
            "setUserPreferredPresence",
            availability="DoNotDisturb",
            activity="DoNotDisturb",
            expirationDuration="PT1H",
            label="focus",
        )
        day.add(
            focus,
            user,
            "setStatusMessage",
            message="Focus time",
            expiresAfter="PT1H",
            label="focus",
        )
        return 60
    elif roll < 0.75:
        day.add(
            slot + _seconds(rng, 5, 25),
            user,
            "setUserPreferredPresence",
            availability="BeRightBack",
            activity="BeRightBack",
            expirationDuration="PT10M",
            label="break",
        )
    return 30


def _meeting(rng: random.Random, day: Day, user: int, slot: float) -> int:
    """A Teams meeting scheduled on the half hour, joined and left around its times, sometimes
    with a turn presenting."""
    length = 60 if rng.random() < 0.3 else 30
    join, leave = slot + _join(rng), slot + length + _leave(rng)
    # One session a meeting: a person still in one meeting may join the next.
    session = f"teams-meeting-{round(slot)}"
    day.add(
        join,
        user,
        "setPresence",
        sessionId=session,
        availability="Busy",
        activity=CONFERENCE_CALL[1],
        # Outlives the meeting: the leave clears it; the expiry stands for a client gone quiet.
        expirationDuration=_duration(length + 10),
        label="meeting",
    )
    if rng.random() < 0.12:
        day.add(
            max(join, slot) + _seconds(rng, 1, 5),
            user,
            "setPresence",
            sessionId="teams-presenting",
            availability="DoNotDisturb",
            activity="Presenting",
            expirationDuration="PT20M",
            label="presenting",
        )
    day.add(leave, user, "clearPresence", sessionId=session, label="meeting ends")
    return length


def contact_centre(users: int, seed: int, start: datetime) -> Scenario:
    """Agents in three shifts cycling through Available, InACall and wrap-up (BeRightBack)."""
    rng, day = random.Random(f"contact-centre:{seed}"), Day()
    for user in range(users):
        day.add(0, user, "signOut", client="teams", label="offline")
        # Agents log in over the ten minutes before a shift's first call, to the second.
        begin = (user % 3) * 240 + _seconds(rng, 0, 10)
        end = begin + 480
        day.add(begin, user, "signIn", client="teams", label="shift starts")
        minute = begin + _seconds(rng, 1, 5)
        while minute + 10 < end:
            talk = _seconds(rng, 2, 12)
            day.add(
                minute,
                user,
                "setPresence",
                sessionId="contact-centre",
                availability="Busy",
                activity="InACall",
                expirationDuration="PT15M",
                label="call",
            )
            day.add(
                minute + talk, user, "clearPresence", sessionId="contact-centre", label="call ends"
            )
            wrap = rng.randrange(1, 4)
            day.add(
                minute + talk,
                user,
                "setUserPreferredPresence",
                availability="BeRightBack",
                activity="BeRightBack",
                expirationDuration=_duration(wrap),
                label="wrap-up",
            )
            minute += talk + wrap + _seconds(rng, 0, 4)
        day.add(end, user, "signOut", client="teams", label="shift ends")
    return Scenario(
        name="contact-centre",
        profile="contact-centre",
        seed=seed,
        start=start,
        time_zones=[OFFICE_ZONES[0]],
        users=users,
        steps=day.steps,
    )


def all_hands(users: int, seed: int, start: datetime) -> Scenario:
    """Everyone in one meeting at once, an hour in: a burst for notification fan-out."""
    rng, day = random.Random(f"all-hands:{seed}"), Day()
    for user in range(users):
        day.add(0, user, "signOut", client="teams", label="offline")
        day.add(rng.randrange(0, 30), user, "signIn", client="teams", label="signed in")
        day.add(
            60,
            user,
            "setPresence",
            sessionId="all-hands",
            availability="Busy",
            activity=CONFERENCE_CALL[1],
            expirationDuration="PT1H",
            label="all-hands",
        )
        day.add(
            60,
            user,
            "setStatusMessage",
            message="At the all-hands",
            expiresAfter="PT1H",
            label="all-hands",
        )
    day.add(
        60,
        0,
        "setPresence",
        sessionId="presenting",
        availability="DoNotDisturb",
        activity="Presenting",
        expirationDuration="PT1H",
        label="presenting",
    )
    for user in range(users):
        day.add(150 + rng.randrange(0, 30), user, "signOut", client="teams", label="offline")
    return Scenario(
        name="all-hands",
        profile="all-hands",
        seed=seed,
        start=start,
        time_zones=[OFFICE_ZONES[0]],
        users=users,
        steps=day.steps,
    )


def flaky_network(users: int, seed: int, start: datetime) -> Scenario:
    """Clients whose connection drops and returns, seconds to minutes later: for debounce."""
    rng, day = random.Random(f"flaky-network:{seed}"), Day()
    for user in range(users):
        day.add(0, user, "signIn", client="teams", label="signed in")
        minute = _seconds(rng, 1, 10)
        while minute < 120:
            gone = rng.choice((0.25, 0.5, 1, 2, 5))
            day.add(minute, user, "signOut", client="teams", label="dropped")
            day.add(minute + gone, user, "signIn", client="teams", label="back")
            minute += gone + _seconds(rng, 2, 15)
    return Scenario(
        name="flaky-network",
        profile="flaky-network",
        seed=seed,
        start=start,
        time_zones=[OFFICE_ZONES[0]],
        users=users,
        steps=day.steps,
    )


PROFILES: dict[str, Callable[[int, int, datetime], Scenario]] = {
    "office-day": office_day,
    "contact-centre": contact_centre,
    "all-hands": all_hands,
    "flaky-network": flaky_network,
}
FIRST_ZONE = {"office-day": OFFICE_ZONES[0]}


def default_start(profile: str, now: datetime) -> datetime:
    """08:00 on `now`'s day in the profile's first time zone."""
    zone = ZoneInfo(FIRST_ZONE.get(profile, OFFICE_ZONES[0]))
    local = now.astimezone(zone)
    return local.replace(hour=8, minute=0, second=0, microsecond=0)
