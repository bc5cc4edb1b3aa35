"""How the server's log looks: uvicorn-style text (coloured on a terminal) or one JSON object
per line (MOCKGRAPH_LOG_FORMAT=json), for mockgraph's lines and uvicorn's alike."""

from __future__ import annotations

import functools
import json
import logging
import logging.config
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from uvicorn.logging import DefaultFormatter

from mockgraph.settings import Settings

_RESET = "\x1b[0m"
_STATUS_COLOURS = {2: "\x1b[32m", 3: "\x1b[36m", 4: "\x1b[33m", 5: "\x1b[31m"}
_BOLD, _DIM = "\x1b[1m", "\x1b[2m"


class TextFormatter(DefaultFormatter):
    """uvicorn's `INFO:     message`, with request lines coloured by status on a terminal."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "request", None)
        if fields is not None and self.use_colors:
            record.message = _coloured(fields)
        return super().formatMessage(record)


def _coloured(fields: dict[str, Any]) -> str:
    colour = _STATUS_COLOURS.get(int(fields["status"]) // 100, "")
    latency = f" {fields['latencyMs']} ms" if fields.get("latencyMs") is not None else ""
    line = (
        f"{_BOLD}{fields['method']}{_RESET} {fields['path']} "
        f"{colour}{fields['status']}{_RESET}{_DIM}{latency}{_RESET}"
    )
    who = caller(fields)
    if who:
        line += f"  {who}"
    if fields.get("errorCode"):
        line += f"  {colour}{fields['errorCode']}{_RESET}: {fields.get('errorMessage') or ''}"
    return line.rstrip()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and a request's own fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = _json_fields(record.created, record.levelname, record.name, record.getMessage())
        for extra in ("request", "banner"):
            fields = getattr(record, extra, None)
            if fields is not None:
                line.update({k: v for k, v in fields.items() if v is not None})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _JSON.encode(line)


# json.dumps(line, ensure_ascii=False, default=str), without building an encoder per line.
_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def _json_fields(created: float, level: str, logger: str, message: str) -> dict[str, Any]:
    stamp = _iso_time(created)
    return {"time": stamp, "level": level.lower(), "logger": logger, "message": message}


def _iso_time(created: float) -> str:
    """`datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")`, with the
    date and second formatted once per second: a busy server logs thousands of lines in one."""
    second = int(created)
    micros = round((created - second) * 1_000_000)
    if micros >= 1_000_000:
        second, micros = second + 1, micros - 1_000_000
    return f"{_iso_second(second)}.{micros // 1000:03d}+00:00"


@functools.lru_cache(maxsize=4)
def _iso_second(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).isoformat(timespec="seconds").removesuffix("+00:00")


# A line as the request log's writer takes it: (level, message, fields) -> the whole line.
LineFormat = Callable[[int, str, dict[str, Any]], str]


def line_format(settings: Settings, logger: str) -> LineFormat:
    """Lines as the configured formatter would write them, built without a LogRecord: the
    same text (uvicorn's level prefix, a request coloured on a terminal) or the same JSON."""
    if settings.log_format == "json":

        def json_format(level: int, message: str, fields: dict[str, Any]) -> str:
            line = _json_fields(time.time(), logging.getLevelName(level), logger, message)
            line.update({k: v for k, v in fields.items() if v is not None})
            return _JSON.encode(line) + "\n"

        return json_format
    colours = sys.stderr.isatty()
    formatter = TextFormatter("%(levelprefix)s %(message)s", use_colors=colours)
    # uvicorn's prefix for each level ("INFO:     "), taken from the formatter itself.
    prefixes = {
        level: formatter.format(logging.makeLogRecord({"levelno": level, "levelname": name}))
        for level, name in ((logging.DEBUG, "DEBUG"), (logging.INFO, "INFO"), (30, "WARNING"))
    }

    def text_format(level: int, message: str, fields: dict[str, Any]) -> str:
        if colours and "status" in fields:
            message = _coloured(fields)
        return f"{prefixes[level]}{message}\n"

    return text_format


def plain_prefix(settings: Settings) -> str | None:
    """The prefix of an info line (uvicorn's `INFO:     `) when lines are plain text, neither
    JSON nor coloured: the request log then writes its commonest lines without `fields`."""
    if settings.log_format == "json" or sys.stderr.isatty():
        return None
    return line_format(settings, "mockgraph.requests")(logging.INFO, "", {})[:-1]


def dropped_note(format: LineFormat) -> Callable[[int], str]:
    """The line that says how many request lines a slow output made the server drop."""

    def note(count: int) -> str:
        message = f"request log: {count} lines dropped; the output could not keep up"
        return format(logging.WARNING, message, {"dropped": count})

    return note


def logging_config(settings: Settings) -> dict[str, Any]:
    """A dictConfig for mockgraph's and uvicorn's loggers (uvicorn applies it too)."""
    level = settings.log_level.upper()
    if settings.log_format == "json":
        formatters: dict[str, Any] = {
            "default": {"()": "mockgraph.logs.JsonFormatter"},
            "access": {"()": "mockgraph.logs.JsonFormatter"},
        }
    else:
        formatters = {
            "default": {
                "()": "mockgraph.logs.TextFormatter",
                "fmt": "%(levelprefix)s %(message)s",
                # Colour only on a terminal; the default handler writes to stderr.
                "use_colors": sys.stderr.isatty(),
            },
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
            },
        }
    handlers = {
        "default": {
            "formatter": "default",
            "()": "mockgraph.logs.StandardStreamHandler",
            "stream_name": "stderr",
        },
        "access": {
            "formatter": "access",
            "()": "mockgraph.logs.StandardStreamHandler",
            "stream_name": "stdout",
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": formatters,
        "handlers": handlers,
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
            "mockgraph": {"handlers": ["default"], "level": level, "propagate": False},
        },
    }


class StandardStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr (or sys.stdout) is when each record is emitted, so a
    server started in-process keeps logging after a test harness swaps the stream."""

    def __init__(self, stream_name: str = "stderr") -> None:
        super().__init__(getattr(sys, stream_name))
        self._stream_name = stream_name

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = getattr(sys, self._stream_name)
        super().emit(record)


def configure_logging(settings: Settings) -> None:
    logging.config.dictConfig(logging_config(settings))


def describe(fields: dict[str, Any], who: str | None = None) -> str:
    """A request line as plain text: `GET /v1.0/me/presence 200 1.2 ms  user Adele Vance (…)`;
    `who` is `caller(fields)` when the caller knows it already."""
    latency = f" {fields['latencyMs']} ms" if fields.get("latencyMs") is not None else ""
    line = f"{fields['method']} {fields['path']} {fields['status']}{latency}"
    if who is None:
        who = caller(fields)
    if who:
        line += f"  {who}"
    if fields.get("errorCode"):
        line += f"  {fields['errorCode']}: {fields.get('errorMessage') or ''}"
    if fields.get("hint"):
        line += f"  ({fields['hint']})"
    return line.rstrip()


def caller(fields: dict[str, Any]) -> str:
    """`user NAME (ID) via app NAME (ID)`, `app NAME (ID)`, or empty for no caller."""
    user = _named(fields.get("userName"), fields.get("userId"))
    app = _named(fields.get("appName"), fields.get("appId"))
    if user and app:
        return f"user {user} via app {app}"
    return f"user {user}" if user else (f"app {app}" if app else "")


def _named(name: object, object_id: object) -> str:
    if name and object_id:
        return f"{name} ({object_id})"
    return str(name or object_id or "")


def json_line(message: str, fields: dict[str, Any]) -> str:
    """A JSON log line outside logging (the banner), shaped as JsonFormatter's."""
    record = logging.makeLogRecord({"msg": message, "levelname": "INFO", "name": "mockgraph"})
    record.banner = fields
    return JsonFormatter().format(record)
