"""Graph's time formats: Edm.Duration, Edm.DateTimeOffset and dateTimeTimeZone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mockgraph.domain.windows_zones import WINDOWS_TO_IANA
from mockgraph.errors import BadRequest

# Edm.Duration as Graph's OpenAPI gives it: days and a time part, no years, months or weeks.
_DURATION = re.compile(
    r"^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.IGNORECASE
)
_LOCAL_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$"
)

# Graph stores "no expiry" as the largest dateTimeTimeZone it can write.
NEVER = "9999-12-31T23:59:59.9999999"


# Every expiry is a date-time Graph can write (before the year 9999): a duration longer than
# this would pass it.
MAX_DURATION = timedelta(days=36_525)


# The virtual clock stops short of it by as much: set or advanced past this, it is a 400.
LATEST_CLOCK = datetime(9999, 1, 1, tzinfo=UTC) - MAX_DURATION


def check_clock_time(moment: datetime, field: str) -> datetime:
    """`moment`, if the virtual clock may show it (every expiry from it a date Graph writes)."""
    if moment > LATEST_CLOCK:
        raise BadRequest(
            f"The clock cannot pass {format_offset_datetime(LATEST_CLOCK)} ({field}): any "
            "expiry up to 100 years from it has to stay a date Graph can write."
        )
    return moment


@lru_cache(maxsize=512)  # the same few durations, over and over (a scenario's steps)
def parse_duration(text: str, field: str) -> timedelta:
    """An ISO 8601 duration such as PT1H; anything else is Graph's 400."""
    match = _DURATION.match(text)
    if match is None or text.upper() in ("P", "PT") or text.upper().endswith("T"):
        raise BadRequest(
            f"The value '{text}' of {field} is not a valid duration value. Durations are "
            "ISO 8601, for example 'PT1H' (Python's str(timedelta), such as '1:00:00', is not)."
        )
    sign, days, hours, minutes, seconds = match.groups()
    try:
        delta = timedelta(
            days=int(days or 0),
            hours=int(hours or 0),
            minutes=int(minutes or 0),
            seconds=float(seconds or 0),
        )
    except (OverflowError, ValueError):  # past timedelta's range, or too many digits
        delta = MAX_DURATION * 2
    if delta > MAX_DURATION:
        raise BadRequest(
            f"The value '{text}' of {field} is longer than mockgraph keeps: at most 100 years."
        )
    return -delta if sign else delta


def format_duration(delta: timedelta) -> str:
    """ISO 8601 for a non-negative duration, as Graph writes Edm.Duration."""
    total = int(delta.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = "P" + (f"{days}D" if days else "")
    time_part = (
        (f"{hours}H" if hours else "")
        + (f"{minutes}M" if minutes else "")
        + (f"{seconds}S" if seconds else "")
    )
    return out + ("T" + time_part if time_part else ("" if days else "T0S"))


def format_offset_datetime(moment: datetime) -> str:
    """Edm.DateTimeOffset as Graph writes it: UTC, seven fractional digits, Z."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}0Z"


def format_timestamp(timestamp: float) -> str:
    """A POSIX timestamp (the clock's) as Graph writes Edm.DateTimeOffset."""
    return format_offset_datetime(datetime.fromtimestamp(timestamp, UTC))


def parse_offset_datetime(text: str, field: str) -> datetime:
    """An ISO 8601 date-time with a zone (Z or an offset)."""
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    # Python takes at most six fractional digits; Graph writes seven.
    cleaned = re.sub(r"(\.\d{6})\d+", r"\1", cleaned)
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadRequest(
            f"The value '{text}' of {field} is not a valid date-time with a time zone, "
            "for example '2026-01-01T00:00:00Z'."
        )
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 west of it
        raise BadRequest(f"The value '{text}' of {field} is out of range.") from None


def resolve_time_zone(name: str, field: str) -> ZoneInfo:
    """A Windows or IANA time-zone name, as dateTimeTimeZone.timeZone accepts."""
    iana = WINDOWS_TO_IANA.get(name, name)
    try:
        return ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, a long name
        raise BadRequest(
            f"The time zone '{name}' of {field} is not known; use a Windows name such as "
            "'Pacific Standard Time' or an IANA name such as 'Europe/London'."
        ) from None


@dataclass(frozen=True, slots=True)
class LocalDateTime:
    """A dateTimeTimeZone as the caller wrote it, and the instant it names."""

    date_time: str  # normalised to seven fractional digits, no zone
    time_zone: str
    instant: datetime | None  # None for Graph's "never"


def parse_date_time_time_zone(date_time: str, time_zone: str | None, field: str) -> LocalDateTime:
    zone_name = time_zone or "UTC"
    if date_time == NEVER:
        return LocalDateTime(NEVER, zone_name, None)
    match = _LOCAL_DATETIME.match(date_time)
    if match is None:
        raise BadRequest(
            f"The value '{date_time}' of {field}.dateTime is not a valid local date-time; write "
            f"it without a zone, for example '2026-01-01T17:00:00.0000000', and give the zone "
            f"in {field}.timeZone."
        )
    year, month, day, hour, minute, second, fraction = match.groups()
    zone = resolve_time_zone(zone_name, f"{field}.timeZone")
    digits = (fraction or "").ljust(7, "0")
    try:
        local = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int(digits[:6]),
            tzinfo=zone,
        )
    except ValueError:
        raise BadRequest(f"The value '{date_time}' of {field}.dateTime is not a date.") from None
    normalised = local.strftime("%Y-%m-%dT%H:%M:%S.") + digits
    try:
        utc = local.astimezone(UTC)
    except OverflowError:
        raise BadRequest(f"The value '{date_time}' of {field}.dateTime is out of range.") from None
    return LocalDateTime(normalised, zone_name, utc)
