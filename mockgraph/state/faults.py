"""Injected faults: make matching Graph calls fail the way Graph fails, or answer late."""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from mockgraph.errors import GraphError
from mockgraph.state.journal import compile_glob

# The code and message Graph answers with for each status a fault may take.
_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "The request is invalid."),
    401: ("InvalidAuthenticationToken", "Access token validation failure."),
    403: ("Forbidden", "Insufficient privileges to complete the operation."),
    404: ("NotFound", "The requested resource was not found."),
    409: ("Conflict", "The request conflicts with the current state."),
    429: ("TooManyRequests", "Please retry again later."),
    500: ("generalException", "An unexpected error occurred."),
    502: ("BadGateway", "The server received an invalid response from an upstream server."),
    503: ("serviceNotAvailable", "The service is temporarily unavailable. Please retry later."),
    504: ("GatewayTimeout", "The gateway did not receive a timely response."),
}
DEFAULT_RETRY_AFTER = 1


def throttled_error(
    retry_after: int, message: str = "Please retry again later.", code: str = "TooManyRequests"
) -> GraphError:
    """Graph's 429, with the innerError members of its documented sample.

    Source: https://learn.microsoft.com/graph/throttling (the sample response).
    """
    return GraphError(
        message,
        code=code,
        status=429,
        headers={"Retry-After": str(retry_after)},
        inner={"code": "429", "message": "Please retry after", "status": "429"},
    )


@dataclass
class Fault:
    """One rule; `times` None lasts until cleared, `rate` None always applies."""

    method: str | None
    path: str
    status: int | None = None
    times: int | None = None
    retry_after: int | None = None
    delay_ms: int = 0
    code: str | None = None
    message: str | None = None
    rate: float | None = None
    seed: int | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    applied: int = 0
    _pattern: re.Pattern[str] = field(init=False, repr=False)
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pattern = compile_glob(self.path)
        self._random = random.Random(self.seed)

    def matches(self, method: str, path: str) -> bool:
        return (self.method in (None, "*", method)) and self._pattern.match(path) is not None

    def fires(self) -> bool:
        """Whether this matching call is hit: always, or by the seeded rate."""
        return self.rate is None or self._random.random() < self.rate

    def error(self) -> GraphError | None:
        if self.status is None:
            return None
        code, message = _DEFAULTS.get(self.status, ("UnknownError", "An error occurred."))
        if self.status == 429:
            return throttled_error(self._retry_after(), self.message or message, self.code or code)
        headers = {"Retry-After": str(self._retry_after())} if self.status == 503 else {}
        return GraphError(
            self.message or message, code=self.code or code, status=self.status, headers=headers
        )

    def _retry_after(self) -> int:
        return DEFAULT_RETRY_AFTER if self.retry_after is None else self.retry_after

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "times": self.times,
            "retryAfter": self.retry_after,
            "delayMs": self.delay_ms,
            "code": self.code,
            "message": self.message,
            "rate": self.rate,
            "seed": self.seed,
            "applied": self.applied,
        }


class Faults:
    """A tenant's fault rules, first match wins."""

    def __init__(self) -> None:
        self.rules: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self.rules.append(fault)

    def clear(self) -> None:
        self.rules.clear()

    def hit(self, method: str, path: str) -> Fault | None:
        """The fault this call runs into, counting it; None when none applies."""
        for fault in self.rules:
            if fault.matches(method, path) and fault.fires():
                fault.applied += 1
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.rules.remove(fault)
                return fault
        return None
