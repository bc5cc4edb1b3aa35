"""JSON text as mockgraph reads it: `json.loads`, refusing strings that are not Unicode text.

JSON can spell half of a UTF-16 surrogate pair on its own ("\\ud800" with no partner).
Python reads that into a `str` that cannot be written as UTF-8, so a user, status message or
group holding one would break later, in an answer, a log line or the dashboard, far from
where it came in. .NET's System.Text.Json refuses such text when it reads it as a string, and
so does mockgraph: every JSON document it takes in (Graph request bodies, control-plane
bodies, the seed file, the state file) goes through `loads`. A leaf: imports nothing of
mockgraph's.
"""

from __future__ import annotations

import json
import re
from typing import Any

# How a surrogate can be written in JSON: \uD800 to \uDFFF, any case. Only text that has one
# is searched value by value; a valid pair (an emoji written escaped) passes.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class NotUnicode(ValueError):
    """A string of the document holds a lone surrogate; `where` is its JSON path."""

    def __init__(self, where: str) -> None:
        super().__init__(
            f"{where}: a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape) is not text"
        )
        self.where = where


def loads(raw: bytes) -> Any:
    """The document `raw` holds; json.JSONDecodeError, UnicodeDecodeError or NotUnicode."""
    data = json.loads(raw)
    if _has_surrogate_escape(raw):
        where = lone_surrogate(data)
        if where is not None:
            raise NotUnicode(where)
    return data


def check(raw: bytes) -> None:
    """NotUnicode if the JSON document `raw` holds a lone surrogate; text that is not JSON is
    left for its reader to refuse. For a body another library parses (FastAPI's)."""
    if not _has_surrogate_escape(raw):
        return
    try:
        loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, NotUnicode):
            raise


def lone_surrogate(data: Any, where: str = "$") -> str | None:
    """The JSON path of the first string (member name or value) that is not Unicode text."""
    if isinstance(data, str):
        return None if _is_text(data) else where
    if isinstance(data, dict):
        for key, value in data.items():
            if not _is_text(key):
                return f"{where}.{key.encode('utf-8', 'backslashreplace').decode()}"
            found = lone_surrogate(value, f"{where}.{key}")
            if found is not None:
                return found
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found = lone_surrogate(value, f"{where}[{index}]")
            if found is not None:
                return found
    return None


def _has_surrogate_escape(raw: bytes) -> bool:
    # Most documents have no escape at all: a byte search (3 ms over a 41 MB seed file) spares
    # them the pattern's (23 ms).
    return b"\\u" in raw and _SURROGATE_ESCAPE.search(raw) is not None


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
