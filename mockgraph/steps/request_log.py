"""The request log: one line per Graph and Entra call (and per control-plane change) at info.

Each line names the method, path, status, latency and caller (user and app, by display name
and id), and for an error its code and message. Bodies, tokens, secrets and passwords are
never logged. How a line looks (coloured text or JSON) is the formatter's business (logs.py).
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from mockgraph.auth.tokens import HINT_HEADER
from mockgraph.http import Message, Receive, Scope, Send
from mockgraph.identity.routes import is_identity_path
from mockgraph.logs import LineFormat, caller, describe
from mockgraph.logwriter import LineWriter
from mockgraph.state.fixtures import Fixtures, SeedUser
from mockgraph.state.journal import Entry
from mockgraph.state.store import Store

# One line per request, at info; a server at warning (or quieter) skips the log entirely.
log = logging.getLogger("mockgraph.requests")
# Set in a scope once the request log wraps it, so that the call it makes is not wrapped again.
LOGGED = "mockgraph.logged"
GRAPH_PREFIXES = ("/v1.0/", "/beta/")
CONTROL_PLANE = "/_mockgraph"
# Callers whose line text is kept (a client makes many calls; a fuzzer, many callers).
MAX_CALLERS = 4096
# An error body or an Entra form larger than this is not read for the log.
MAX_CAPTURE = 64 * 1024
HINT = HINT_HEADER.encode()

App = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(slots=True)
class _Call:
    """One request as the log sees it, gathered while it runs."""

    started: float
    status: int = 0
    error_body: bytes = b""
    # mockgraph's x-mockgraph-hint on an error (auth/tokens.py), for the line.
    hint: str = ""
    form: bytes = b""
    entries: list[Entry] = field(default_factory=list)


_current: ContextVar[_Call | None] = ContextVar("mockgraph_request_log", default=None)


class RequestLog:
    """Wraps the app's ASGI entry point; a journal listener hands it each Graph call's caller.

    Args:
        fixtures: for app names (and Entra callers).
        store: for user names, the tenant's own users included.
    """

    def __init__(self, fixtures: Fixtures, store: Store) -> None:
        self.fixtures = fixtures
        self.store = store
        # Set by the server (`write_to`): lines go to a LineWriter, not through logging.
        self._writer: LineWriter | None = None
        self._format: LineFormat | None = None
        self._callers: dict[tuple[str | None, ...], tuple[dict[str, Any], str]] = {}

    def write_to(self, writer: LineWriter, format: LineFormat) -> None:
        """Write lines with `writer`, built by `format`, bypassing logging's per-record cost.
        The `mockgraph.requests` logger's level still decides which lines are written."""
        self._writer, self._format = writer, format

    @functools.cached_property
    def _users_by_upn(self) -> dict[str, SeedUser]:
        """The fixture users by UPN, for Entra sign-ins' lines: built on the first sign-in
        that names a user, not at start-up (a large fixture file takes a while)."""
        return {u.user_principal_name.lower(): u for u in self.fixtures.users}

    def on_entry(self, entry: Entry) -> None:
        """Journal listener: keep the entry for the line of the call that made it."""
        call = _current.get()
        if call is not None:
            call.entries.append(entry)

    async def serve(self, app: App, scope: Scope, receive: Receive, send: Send) -> None:
        """Run `app` for one request, then log it. Callers skip this when info is off
        (`log.isEnabledFor(logging.INFO)`) or the scope is marked LOGGED: `app` may be the
        caller itself, coming back to make the call."""
        scope[LOGGED] = True
        call = _Call(time.perf_counter())
        token = _current.set(call)
        try:
            await app(scope, _capturing_receive(call, receive, scope), _capturing_send(call, send))
        finally:
            _current.reset(token)
            self._log(scope, call)

    def _log(self, scope: Scope, call: _Call) -> None:
        path: str = scope["path"]
        latency = round((time.perf_counter() - call.started) * 1000, 1)
        base = {"method": scope["method"], "path": path, "latencyMs": latency}
        if path.startswith(GRAPH_PREFIXES):
            # A $batch's own requests come first, then the batch itself.
            for index, entry in enumerate(call.entries):
                outer = index == len(call.entries) - 1
                who, named = self._caller(entry)
                fields = {"kind": "graph", **base, "status": entry.status, **who}
                if outer:
                    if call.status >= 400:
                        fields.update(_graph_error(call))
                        if call.hint:
                            fields["hint"] = call.hint
                else:
                    fields.update(method=entry.method, path=entry.path, latencyMs=None)
                self._write(fields, logging.INFO, named)
        elif path.startswith(CONTROL_PLANE):
            level = logging.DEBUG if scope["method"] in ("GET", "HEAD") else logging.INFO
            fields = {"kind": "control", **base, "status": call.status, **_graph_error(call)}
            self._write(fields, level)
        elif is_identity_path(path):
            fields = {
                "kind": "entra",
                **base,
                "status": call.status,
                **self._entra_caller(call, scope["query_string"]),
            }
            self._write({**fields, **_entra_error(call)}, logging.INFO)
        else:
            self._write({"kind": "other", **base, "status": call.status}, logging.DEBUG)

    def _write(self, fields: dict[str, Any], level: int, who: str | None = None) -> None:
        if not log.isEnabledFor(level):
            return
        message = describe(fields, who)
        if self._writer is not None and self._format is not None:
            self._writer.write(self._format(level, message, fields))
        else:
            log.log(level, message, extra={"request": fields})

    def _caller(self, entry: Entry) -> tuple[dict[str, Any], str]:
        """The caller's fields and their text, kept per caller: a client makes many calls."""
        principal = entry.principal
        if principal is None:
            return {"tenant": entry.tenant}, ""
        user_name = None
        if principal.user_id is not None:
            tenant = self.store.known(principal.tenant_id)
            user = tenant.user(principal.user_id) if tenant is not None else None
            user_name = user.display_name if user is not None else None
        # The user's name is part of the key: a renamed user gets a line with the new name.
        key = (principal.tenant_id, principal.user_id, user_name, principal.app_id)
        known = self._callers.get(key)
        if known is None:
            fields = {
                "tenant": principal.tenant_id,
                "userId": principal.user_id,
                "userName": user_name,
                "appId": principal.app_id,
                "appName": self._app_name(principal.app_id),
            }
            known = fields, caller(fields)
            if len(self._callers) < MAX_CALLERS:
                self._callers[key] = known
        return known

    def _entra_caller(self, call: _Call, query: bytes) -> dict[str, Any]:
        # The query (authorize) or the form (token, sign-in) names the client.
        form = parse_qs(query.decode("latin-1"))
        form.update(parse_qs(call.form.decode("utf-8", "replace")))
        app_id = form.get("client_id", [""])[0]
        username = form.get("username", [""])[0]
        user = self._users_by_upn.get(username.lower()) if username else None
        return {
            "userId": user.id if user is not None else None,
            "userName": user.profile.name if user is not None else (username or None),
            "appId": app_id or None,
            "appName": self._app_name(app_id),
        }

    def _app_name(self, app_id: str | None) -> str | None:
        app = self.fixtures.app(app_id) if app_id else None
        return app.displayName if app is not None else None


def _capturing_receive(call: _Call, receive: Receive, scope: Scope) -> Receive:
    """Keep an Entra form body, which names the client (its secrets are never logged)."""
    path: str = scope["path"]
    if path.startswith((*GRAPH_PREFIXES, CONTROL_PLANE)) or scope["method"] != "POST":
        return receive

    async def wrapped() -> Message:
        message = await receive()
        if message["type"] == "http.request" and len(call.form) < MAX_CAPTURE:
            call.form += message.get("body", b"")
        return message

    return wrapped


def _capturing_send(call: _Call, send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            call.status = message["status"]
            if call.status >= 400:
                for name, value in message.get("headers", ()):
                    if name == HINT:
                        call.hint = value.decode("latin-1")
        elif call.status >= 400 and len(call.error_body) < MAX_CAPTURE:
            call.error_body += message.get("body", b"")
        await send(message)

    return wrapped


def _error_json(call: _Call) -> dict[str, Any]:
    if call.status < 400 or not call.error_body:
        return {}
    try:
        body = json.loads(call.error_body)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _graph_error(call: _Call) -> dict[str, Any]:
    error = _error_json(call).get("error")
    if not isinstance(error, dict):
        return {}
    return {"errorCode": error.get("code"), "errorMessage": error.get("message")}


def _entra_error(call: _Call) -> dict[str, Any]:
    body = _error_json(call)
    if "error" not in body:
        return _graph_error(call)
    lines = str(body.get("error_description", "")).splitlines()
    # Entra appends trace and correlation ids on later lines.
    return {"errorCode": body["error"], "errorMessage": lines[0] if lines else None}
