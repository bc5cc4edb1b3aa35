"""The token requests Entra's stand-in answered: who asked for which token, and when. Graph's
journal does not see the token endpoint; the report reads this to find clients that ask for a
token they already hold."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockgraph.domain.times import format_timestamp

DEFAULT_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """One token request that succeeded: the client (the app, and the user of a delegated
    grant), the grant, the scopes asked (lower case, sorted), and the tenant-clock times."""

    tenant: str
    app_id: str
    user_id: str | None
    grant_type: str
    scopes: tuple[str, ...]
    time: float
    expires_at: float
    # The journal's last sequence number when the token was issued, for a report's ?since=.
    after: int

    def as_json(self) -> dict[str, Any]:
        return {
            "time": format_timestamp(self.time),
            "grantType": self.grant_type,
            "scope": " ".join(self.scopes),
            "expiresAt": format_timestamp(self.expires_at),
        }


class TokenLog:
    """The last `size` token requests that succeeded, of every tenant, oldest dropped first."""

    def __init__(self, size: int = DEFAULT_SIZE, position: Callable[[], int] = lambda: 0) -> None:
        self._requests: deque[TokenRequest] = deque(maxlen=size)
        # The journal's last sequence number (the journal is the report's other source).
        self._position = position

    def add(
        self,
        tenant: str,
        app_id: str,
        user_id: str | None,
        grant_type: str,
        scope: str,
        time: float,
        expires_at: float,
    ) -> None:
        scopes = tuple(sorted({s.lower() for s in scope.split()}))
        self._requests.append(
            TokenRequest(
                tenant, app_id, user_id, grant_type, scopes, time, expires_at, self._position()
            )
        )

    def of(self, tenant: str, after: int = 0) -> list[TokenRequest]:
        """One tenant's requests made after journal sequence `after`, oldest first."""
        return [r for r in self._requests if r.tenant == tenant and r.after >= after]

    def forget(self, tenant: str | None) -> None:
        """A reset: drop every request, or one tenant's."""
        if tenant is None:
            self._requests.clear()
        else:
            kept = [r for r in self._requests if r.tenant != tenant]
            self._requests = deque(kept, maxlen=self._requests.maxlen)

    def __len__(self) -> int:
        return len(self._requests)
