"""For test suites: a typed client of the control plane (`MockGraphAdmin`)."""

from __future__ import annotations

import builtins
import difflib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from mockgraph.testing.report import Report
from mockgraph.testing.scenario import Scenario

DEFAULT_SCOPES = ("Presence.Read", "Presence.Read.All", "Presence.ReadWrite")


class ControlPlaneError(AssertionError):
    """A control-plane call answered with an error.

    Attributes:
        status: the HTTP status of the answer.
        message: the error's own message (Graph's `error.message`), or the body's text.
    """

    def __init__(self, text: str, status: int = 0, message: str = "") -> None:
        super().__init__(text)
        self.status = status
        self.message = message or text


class _Part:
    def __init__(self, admin: MockGraphAdmin) -> None:
        self._admin = admin


class Clock(_Part):
    """The tenant's virtual clock."""

    def now(self) -> dict[str, Any]:
        """`{"now", "frozen", "offset"}`."""
        return self._admin._call("GET", "/clock")

    def advance(self, by: str | timedelta) -> dict[str, Any]:
        """Move time on, e.g. `advance("PT10M")` or `advance(timedelta(minutes=10))`."""
        duration = by if isinstance(by, str) else _iso_duration(by)
        return self._admin._call("POST", "/clock", {"advance": duration})

    def set(self, when: str | datetime) -> dict[str, Any]:
        value = when if isinstance(when, str) else when.isoformat()
        return self._admin._call("POST", "/clock", {"set": value})

    def freeze(self) -> dict[str, Any]:
        return self._admin._call("POST", "/clock", {"freeze": True})

    def resume(self) -> dict[str, Any]:
        return self._admin._call("POST", "/clock", {"resume": True})


class Faults(_Part):
    """Injected failures for the tenant's Graph calls."""

    def add(
        self,
        path: str,
        *,
        method: str | None = None,
        status: int | None = None,
        times: int | None = None,
        retry_after: int | None = None,
        delay_ms: int = 0,
        code: str | None = None,
        message: str | None = None,
        rate: float | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        """Fail (or, with only `delay_ms`, delay) calls whose full path matches the glob."""
        body = {
            "method": method,
            "path": path,
            "status": status,
            "times": times,
            "retryAfter": retry_after,
            "delayMs": delay_ms,
            "code": code,
            "message": message,
            "rate": rate,
            "seed": seed,
        }
        return self._admin._call("POST", "/faults", body)

    def throttle(
        self, path: str = "/*", *, times: int = 1, retry_after: int = 1, method: str | None = None
    ) -> dict[str, Any]:
        """Graph's 429 with Retry-After for the next `times` matching calls."""
        return self.add(path, method=method, status=429, times=times, retry_after=retry_after)

    def list(self) -> builtins.list[dict[str, Any]]:
        value: builtins.list[dict[str, Any]] = self._admin._call("GET", "/faults")["value"]
        return value

    def clear(self) -> None:
        self._admin._call("DELETE", "/faults")


class Requests(_Part):
    """The journal of the tenant's Graph calls."""

    def list(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        user_id: str | None = None,
        app_id: str | None = None,
        since: str | None = None,
    ) -> builtins.list[dict[str, Any]]:
        params = {
            k: v
            for k, v in {
                "method": method,
                "path": path,
                "status": status,
                "userId": user_id,
                "appId": app_id,
                "since": since,
            }.items()
            if v is not None
        }
        value: builtins.list[dict[str, Any]] = self._admin._call("GET", "/requests", params=params)[
            "value"
        ]
        return value

    def clear(self) -> None:
        self._admin._call("DELETE", "/requests")

    def har(self, **filters: Any) -> dict[str, Any]:
        """The journal as HAR 1.2 (GET /_mockgraph/requests.har), with the filters of list()
        in their route names (method, path, status, userId, appId, since)."""
        found = {k: v for k, v in filters.items() if v is not None}
        return self._admin._call("GET", "/requests.har", params=found)

    def assert_called(
        self, method: str, path: str, count: int | None = None
    ) -> builtins.list[dict[str, Any]]:
        """Assert that Graph calls matching `method` and the `path` glob were made (exactly
        `count` times when given); the failure message lists the near misses."""
        matching = self.list(method=method, path=path)
        if (count is None and matching) or (count is not None and len(matching) == count):
            return matching
        everything = self.list()
        wanted = f"{method.upper()} {path}"
        misses = difflib.get_close_matches(
            wanted, [f"{e['method']} {e['path']}" for e in everything], n=5, cutoff=0.3
        )
        expected = "at least one call" if count is None else f"{count} call(s)"
        lines = [f"Expected {expected} to {wanted}, got {len(matching)}."]
        if misses:
            lines.append("Near misses:")
            for miss in misses:
                statuses = sorted(
                    {str(e["status"]) for e in everything if f"{e['method']} {e['path']}" == miss}
                )
                lines.append(f"  {miss} -> {', '.join(statuses)}")
        elif everything:
            lines.append(f"Calls made: {len(everything)}, none alike.")
        else:
            lines.append("No Graph calls were made.")
        raise AssertionError("\n".join(lines))


class MockGraphAdmin:
    """A typed client of mockgraph's control plane, for any test suite (a container included).

    Args:
        base_url: where mockgraph listens, e.g. "http://127.0.0.1:8000".
        tenant: the tenant to act on; the fixtures' tenant when None.
        admin_key: the server's MOCKGRAPH_ADMIN_KEY, if it has one.
        transport: an httpx transport (e.g. InProcessTransport) instead of the network.
    """

    def __init__(
        self,
        base_url: str,
        *,
        tenant: str | None = None,
        admin_key: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tenant = tenant
        headers = {"Authorization": f"Bearer {admin_key}"} if admin_key else {}
        self.http = httpx.Client(
            base_url=self.base_url, headers=headers, transport=transport, timeout=30
        )
        self.clock = Clock(self)
        self.faults = Faults(self)
        self.requests = Requests(self)

    def _call(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        query = dict(params or {})
        if self.tenant is not None:
            query["tenant"] = self.tenant
        response = self.http.request(method, f"/_mockgraph{path}", json=body, params=query)
        if response.status_code != 200:
            raise ControlPlaneError(
                f"{method} /_mockgraph{path} answered {response.status_code}: {response.text}",
                response.status_code,
                _error_message(response),
            )
        answer: dict[str, Any] = response.json()
        return answer

    def healthy(self) -> bool:
        try:
            return self.http.get("/_mockgraph/health").status_code == 200
        except httpx.TransportError:
            return False

    def create_tenant(self, tenant_id: str | None = None) -> str:
        """Make a tenant exist (this client's, when None), so that Entra's endpoints take it."""
        wanted = tenant_id or self.tenant
        if wanted is None:
            raise ValueError("name a tenant id, or give the client one")
        response = self.http.post("/_mockgraph/tenants", json={"tenantId": wanted})
        if response.status_code not in (200, 201):
            raise ControlPlaneError(
                f"POST /_mockgraph/tenants answered {response.status_code}: {response.text}",
                response.status_code,
                _error_message(response),
            )
        return str(response.json()["tenantId"])

    def reset(self) -> None:
        """Back to the fixtures (this tenant only, when the client has one)."""
        self._call("POST", "/reset")

    def token(
        self,
        user: str,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        *,
        app: str | None = None,
        expires_in: int = 3600,
    ) -> str:
        """A delegated token for `user` with `scopes`."""
        body: dict[str, Any] = {"userId": user, "scopes": list(scopes), "expiresIn": expires_in}
        if app is not None:
            body["appId"] = app
        return self._mint(body)

    def app_token(
        self,
        app: str,
        roles: Sequence[str] = ("Presence.ReadWrite.All",),
        *,
        expires_in: int = 3600,
    ) -> str:
        """An application token for `app` with `roles`."""
        return self._mint({"appId": app, "roles": list(roles), "expiresIn": expires_in})

    def _mint(self, body: dict[str, Any]) -> str:
        if self.tenant is not None:
            body["tenantId"] = self.tenant
        token: str = self._call("POST", "/tokens", body)["access_token"]
        return token

    def state(self) -> dict[str, Any]:
        """The tenant's whole state, as GET /_mockgraph/state exports it."""
        state: dict[str, Any] = self._call("GET", "/state")
        return state

    def load_state(self, state: dict[str, Any]) -> None:
        self._call("PUT", "/state", state)

    def users(self) -> builtins.list[dict[str, Any]]:
        """The tenant's users with what another user reading their presence sees."""
        value: builtins.list[dict[str, Any]] = self._call("GET", "/users")["value"]
        return value

    def add_user(self, user: dict[str, Any]) -> None:
        """Add a user, in the fixture file's user format."""
        self._call("POST", "/users", user)

    def remove_user(self, user_id: str) -> None:
        self._call("DELETE", f"/users/{user_id}")

    def flush_notifications(self) -> None:
        """Wait until every pending webhook delivery is done (retries included)."""
        self._call("POST", "/notifications/flush")

    def notifications(self) -> builtins.list[dict[str, Any]]:
        """Every delivery attempt, validation handshakes included."""
        value: builtins.list[dict[str, Any]] = self._call("GET", "/notifications")["value"]
        return value

    def report(self, since: int | None = None) -> Report:
        """What mockgraph concludes about each client (GET /_mockgraph/report): permissions,
        throttling budget, polling, retries, hygiene; only the calls after `since` (a journal
        sequence number) when given."""
        params = {"since": since} if since is not None else None
        return Report(self._call("GET", "/report", params=params))

    def throttling(self, limit: int | None, window: str = "PT30S") -> None:
        """Throttle this tenant's Graph calls to `limit` per `window` per app (None: off)."""
        self._call("PUT", "/throttling", {"limit": limit, "window": window})

    def scenario(
        self,
        profile: str | None = "office-day",
        *,
        users: int | None = None,
        seed: int | None = None,
        start: str | datetime | None = None,
        speed: float | None = None,
        file: dict[str, Any] | None = None,
    ) -> Scenario:
        """Start a scenario (a profile, or a scenario `file`'s JSON) on this tenant; paused at
        its start unless `speed` is given, so that `advance_to("10:30")` moves it."""
        body: dict[str, Any] = {"action": "start", "paused": speed is None}
        if file is not None:
            body["scenario"] = file
        else:
            body["profile"] = profile
        extra = {"users": users, "seed": seed, "speed": speed}
        body.update({k: v for k, v in extra.items() if v is not None})
        if start is not None:
            body["start"] = start if isinstance(start, str) else start.isoformat()
        self._call("POST", "/scenario", body)
        return Scenario(self._call)

    def advance_to(self, when: str | datetime) -> dict[str, Any]:
        """Play this tenant's scenario to `when` ("10:30", or a date-time)."""
        return Scenario(self._call).advance_to(when)

    def close(self) -> None:
        self.http.close()


def _error_message(response: httpx.Response) -> str:
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return response.text
    return message if isinstance(message, str) else response.text


def _iso_duration(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 0:
        raise ValueError("the clock only moves forward with advance(); use set()")
    return f"PT{seconds:g}S"


__all__ = ["ControlPlaneError", "MockGraphAdmin"]
