"""JSON text as mockgraph reads it: `json.loads`, refusing what is not Unicode text and what no
reader should have to recurse through.

JSON can spell half of a UTF-16 surrogate pair on its own ("\\ud800" with no partner), and
`json.loads` given bytes lets such a half through even unescaped (it decodes with
`surrogatepass`). Python keeps it in a `str` that cannot be written as UTF-8, so a user,
status message or group holding one would break later, in an answer, a log line or the
dashboard, far from where it came in. .NET's System.Text.Json refuses such text when it reads
it as a string, and so does mockgraph: every JSON document it takes in (Graph request bodies,
`$batch`, control-plane bodies, the seed file, the state file) goes through `loads` or `check`.
A leaf: imports nothing of mockgraph's.
"""

from __future__ import annotations

import json
import re
from typing import Any

# How a surrogate can be written in JSON: \uD800 to \uDFFF, any case. Only text that has one
# is searched value by value; a valid pair (an emoji written escaped) passes.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
LONE_SURROGATE = "a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape) is not text"


class NotUnicode(ValueError):
    """A string of the document is not Unicode text; `where` is its JSON path."""

    def __init__(self, where: str, what: str = LONE_SURROGATE) -> None:
        super().__init__(f"{where}: {what}")
        self.where = where


class TooDeep(ValueError):
    """The document nests arrays and objects deeper than Python's JSON reader recurses."""

    def __init__(self) -> None:
        super().__init__("the JSON document is nested too deeply to be read")


def loads(raw: bytes) -> Any:
    """The document `raw` holds (UTF-8, or UTF-16/32 as JSON allows).

    Raises json.JSONDecodeError, UnicodeDecodeError (not text in its encoding, surrogates
    spelled in UTF-8 included), NotUnicode, TooDeep, or a plain ValueError (an integer of
    more than 4,300 digits): each a ValueError.
    """
    text = raw.decode(json.detect_encoding(raw))  # strict: a surrogate's bytes are refused
    try:
        data = json.loads(text)
    except RecursionError:
        raise TooDeep() from None
    if "\\u" in text and _SURROGATE_ESCAPE.search(text) is not None:
        where = lone_surrogate(data)
        if where is not None:
            raise NotUnicode(where)
    return data


def check(raw: bytes) -> None:
    """NotUnicode if the JSON document `raw` holds text that is not Unicode, TooDeep if no
    reader could recurse through it; anything else that is not JSON is left for its reader
    to refuse. For a body another library parses (FastAPI's `json.loads`)."""
    if raw.isascii() and b"\\u" not in raw and b"\x00" not in raw:
        return  # the common case: ASCII UTF-8 with no escape can spell no surrogate
    try:
        loads(raw)
    except UnicodeDecodeError:
        raise NotUnicode("$", "the body is not text in its encoding (UTF-8, -16 or -32)") from None
    except (NotUnicode, TooDeep):
        raise
    except ValueError:
        return


def lone_surrogate(data: Any) -> str | None:
    """The JSON path of the first string (member name or value) that is not Unicode text."""
    pending: list[tuple[Any, str]] = [(data, "$")]
    while pending:
        value, where = pending.pop()
        if isinstance(value, str):
            if not _is_text(value):
                return where
        elif isinstance(value, dict):
            members = []
            for key, member in value.items():
                if not _is_text(key):
                    return f"{where}.{key.encode('utf-8', 'backslashreplace').decode()}"
                members.append((member, f"{where}.{key}"))
            pending.extend(reversed(members))
        elif isinstance(value, list):
            pending.extend(reversed([(v, f"{where}[{i}]") for i, v in enumerate(value)]))
    return None


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
