"""Graph's errors: one exception per Graph code, and the only place that renders the envelope."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

log = logging.getLogger("mockgraph")

UNREADABLE_JSON = (
    "Unable to read JSON request payload. Please ensure Content-Type header is set and "
    "payload is of valid JSON format."
)


class GraphError(Exception):
    """An error Graph would answer with; rendered as Graph's OData error envelope."""

    status: int = 400
    code: str = "BadRequest"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        inner: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = headers or {}
        # Extra innerError members, as Graph's throttling answer carries.
        self.inner = inner or {}

    def __repr__(self) -> str:
        # As starlette's HTTPException.__repr__: a failing test shows which error it got.
        name = self.__class__.__name__
        return f"{name}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class BadRequest(GraphError):
    status, code = 400, "BadRequest"


class InvalidArgument(GraphError):
    status, code = 400, "InvalidArgument"


class InvalidAuthenticationToken(GraphError):
    status, code = 401, "InvalidAuthenticationToken"


class Unauthorized(GraphError):
    status, code = 401, "Unauthorized"


class Forbidden(GraphError):
    status, code = 403, "Forbidden"


class NotFound(GraphError):
    status, code = 404, "NotFound"


class MethodNotAllowed(GraphError):
    status, code = 405, "MethodNotAllowed"


class Conflict(GraphError):
    status, code = 409, "Conflict"


class RequestEntityTooLarge(GraphError):
    status, code = 413, "RequestEntityTooLarge"


class RequestUriTooLong(GraphError):
    """A path and query past Settings.max_url_bytes (docs/reliability.md, "Limits")."""

    status, code = 414, "RequestUriTooLong"


class GeneralException(GraphError):
    status, code = 500, "generalException"


def unexpected(method: str, path: str, exc: BaseException) -> GeneralException:
    """The one answer to a bug in mockgraph: logged with its traceback, answered as a 500."""
    log.error("unexpected error in %s %s", method, path, exc_info=exc)
    return GeneralException("An unexpected error occurred in mockgraph; its log has the details.")


def graph_date(now: datetime) -> str:
    """innerError.date as Graph writes it: seconds precision, no zone suffix."""
    return now.strftime("%Y-%m-%dT%H:%M:%S")


def render_error(
    error: GraphError, *, request_id: str, client_request_id: str, now: datetime
) -> bytes:
    """The body of Graph's error envelope for `error`."""
    inner: dict[str, str] = {
        "date": graph_date(now),
        "request-id": request_id,
        "client-request-id": client_request_id,
    }
    inner.update(error.inner)
    body = {"error": {"code": error.code, "message": error.message, "innerError": inner}}
    return json.dumps(body, separators=(",", ":")).encode()


def describe_validation_error(error: Any, operation: str) -> str:
    """One sentence a person can act on, for the first problem pydantic found in a body."""
    if error["type"] == "json_invalid":
        return UNREADABLE_JSON
    loc = [str(p) for p in error["loc"] if not str(p).startswith("function") and p != "body"]
    name = loc[-1] if loc else "body"
    path = ".".join(loc)
    kind = error["type"]
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        if len(loc) == 1:
            return (
                f"The parameter '{name}' in the request payload is not a valid parameter "
                f"for the operation '{operation}'."
            )
        return f"The property '{name}' does not exist on '{'.'.join(loc[:-1])}'."
    if kind == "missing":
        return f"The parameter '{path}' is required by {operation} but missing from the body."
    expected = {
        "string_type": "a string",
        "list_type": "an array",
        "dict_type": "an object",
        "model_type": "an object",
        "dataclass_type": "an object",
        "bool_type": "true or false",
    }.get(kind)
    if expected is not None:
        try:
            given = json.dumps(error["input"], default=str)
        except (RecursionError, ValueError):  # nested too deeply to write back, or NaN-like
            given = type(error["input"]).__name__
        return f"The value of '{path}' must be {expected}, not {given}."
    reason = str(error["msg"]).removeprefix("Value error, ").rstrip(".")
    return f"The value of '{path}' is not valid: {reason}."
