"""The parsers of settings: each takes the text of a MOCKGRAPH_* variable or a flag and gives
its value, or raises ValueError saying what is wrong. A leaf: imports nothing of mockgraph's."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

DEFAULT_FIXTURES = Path(__file__).with_name("default_fixtures.json")
PHOTO_NOT_FOUND_CODES = ("ImageNotFound", "ErrorEntityNotFound")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


# --- parsers: each takes the text of a variable or flag, raises ValueError on bad input ------


def parse_bool(text: str) -> bool:
    """true/false, 1/0, yes/no, on/off (any case); empty is false."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"'{text}' is not a boolean: use true or false (1/0, yes/no, on/off)")


def parse_optional_text(text: str) -> str | None:
    return text or None


def parse_optional_path(text: str) -> Path | None:
    return Path(text) if text else None


def parse_fixtures(text: str) -> Path:
    return Path(text) if text else DEFAULT_FIXTURES


def parse_int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a whole number") from None


def parse_float(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"'{text}' is not a finite number")
    return value


def at_least_one(text: str) -> int:
    value = parse_int(text)
    if value < 1:
        raise ValueError(f"must be at least 1, not {value}")
    return value


def seconds_at_least(minimum: float) -> Callable[[str], float]:
    """Seconds, raised to `minimum` when smaller."""

    def parse(text: str) -> float:
        return max(minimum, parse_float(text))

    return parse


def parse_photo_not_found_code(text: str) -> str:
    """ImageNotFound or ErrorEntityNotFound, in any case; written as Graph writes it."""
    for code in PHOTO_NOT_FOUND_CODES:
        if text.strip().lower() == code.lower():
            return code
    raise ValueError(f"'{text}' is not one of {', '.join(PHOTO_NOT_FOUND_CODES)}")


def one_of(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            raise ValueError(f"'{text}' is not one of {', '.join(choices)}")
        return value

    return parse


def parse_origins(text: str) -> tuple[str, ...]:
    """`*` (any origin), `none`, or origins separated by commas."""
    value = text.strip()
    if value.lower() in ("", "none", "off"):
        return ()
    return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())


def parse_url(text: str) -> str | None:
    """A running server's root URL: the banner's Graph API URL (ending /v1.0 or /beta) is
    taken as its root; any other path is refused, naming what to remove."""
    value = text.strip().rstrip("/")
    if value and not value.startswith(("http://", "https://")):
        raise ValueError(f"'{text}' is not an http:// or https:// URL")
    for version in ("/v1.0", "/beta"):
        if value.lower().endswith(version):
            value = value[: -len(version)]
    scheme, _, rest = value.partition("://")
    host, slash, path = rest.partition("/")
    if slash:
        raise ValueError(
            f"'{text}' is not a server's root URL: remove '/{path}' (give {scheme}://{host})"
        )
    return value or None


# MOCKGRAPH_CLOUD's values (clouds.BY_NAME; this module imports nothing of mockgraph's).
CLOUD_NAMES = ("global", "usgov", "dod", "china")


def parse_optional_port(text: str) -> int | None:
    if not text.strip():
        return None
    value = parse_int(text)
    if not 0 <= value < 65536:
        raise ValueError(f"'{text}' is not a port")
    return value


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An integer from `low` to `high`."""

    def parse(text: str) -> int:
        value = parse_int(text)
        if not low <= value <= high:
            raise ValueError(f"'{text}' is not between {low} and {high}")
        return value

    return parse


def parse_speed(text: str) -> float:
    """A scenario's speed: virtual seconds per real second, more than 0 and at most 3600."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None
    if not 0 < value <= 3600:
        raise ValueError(f"'{text}' is not more than 0 and at most 3600")
    return value


def parse_optional_datetime(text: str) -> datetime | None:
    """An ISO 8601 date-time with its offset (2026-03-02T08:00:00+01:00), or empty."""
    if not text.strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"'{text}' is not an ISO 8601 date-time") from None
    if value.utcoffset() is None:
        raise ValueError(f"'{text}' has no offset; add one, such as +01:00 or Z")
    return value
