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
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from mockgraph.auth.tokens import HINT_HEADER
from mockgraph.batch import in_batch
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

App = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(slots=True)
class _Call:
    """One call outside Graph as the log sees it, gathered while it runs."""

    started: float
    status: int = 0
    error_body: bytes = b""
    form: bytes = b""


class RequestLog:
    """Writes a line per call: a Graph call's from its journal entry (`on_entry`, a journal
    listener), any other call's by wrapping the app's ASGI entry point (`serve`).

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
        self._plain: str | None = None
        self._callers: dict[tuple[str | None, ...], tuple[dict[str, Any], str]] = {}

    def write_to(
        self, writer: LineWriter, format: LineFormat, plain_prefix: str | None = None
    ) -> None:
        """Write lines with `writer`, built by `format`, bypassing logging's per-record cost.
        The `mockgraph.requests` logger's level still decides which lines are written.
        `plain_prefix` (logs.plain_prefix) is the info prefix when `format` writes plain text:
        a Graph call's line without an error is then written without building its fields."""
        self._writer, self._format, self._plain = writer, format, plain_prefix

    @functools.cached_property
    def _users_by_upn(self) -> dict[str, SeedUser]:
        """The fixture users by UPN, for Entra sign-ins' lines: built on the first sign-in
        that names a user, not at start-up (a large fixture file takes a while)."""
        return {u.user_principal_name.lower(): u for u in self.fixtures.users}

    def on_entry(self, entry: Entry) -> None:
        """Journal listener: the line of a Graph call, written as the gateway journals it.

        The entry holds all a line needs (status, latency, caller, the error's body), so a
        Graph call, the hot path, goes through no wrapper of the log's. A $batch's own
        requests are journaled while it runs, before it: their lines come first, and carry
        no latency of their own."""
        if not log.isEnabledFor(logging.INFO):
            return
        who, named = self._caller(entry)
        latency = None if in_batch.get() else round(entry.latency_ms, 1)
        if self._plain is not None and self._writer is not None and entry.status < 400:
            # The commonest line, as describe() and the text format write it, built directly.
            took = "" if latency is None else f" {latency} ms"
            line = f"{entry.method} {entry.path} {entry.status}{took}  {named}".rstrip()
            self._writer.write(f"{self._plain}{line}\n")
            return
        fields = {
            "kind": "graph",
            "method": entry.method,
            "path": entry.path,
            "latencyMs": latency,
            "status": entry.status,
            **who,
        }
        if entry.status >= 400 and latency is not None and entry.response:
            fields.update(_graph_error(_error_json(entry.response)))
        if entry.headers and HINT_HEADER in entry.headers:
            # mockgraph's own hint on a refusal (auth/tokens.py), for the person reading the log.
            fields["hint"] = entry.headers[HINT_HEADER]
        self._write(fields, logging.INFO, named)

    async def serve(self, app: App, scope: Scope, receive: Receive, send: Send) -> None:
        """Run `app` for one call outside Graph (Entra, the control plane), then log it.
        Callers skip this when info is off (`log.isEnabledFor(logging.INFO)`) or the scope is
        marked LOGGED: `app` may be the caller itself, coming back to make the call."""
        scope[LOGGED] = True
        call = _Call(time.perf_counter())
        try:
            await app(scope, _capturing_receive(call, receive, scope), _capturing_send(call, send))
        finally:
            self._log(scope, call)

    def _log(self, scope: Scope, call: _Call) -> None:
        path: str = scope["path"]
        latency = round((time.perf_counter() - call.started) * 1000, 1)
        base = {"method": scope["method"], "path": path, "latencyMs": latency}
        if path.startswith(CONTROL_PLANE):
            level = logging.DEBUG if scope["method"] in ("GET", "HEAD") else logging.INFO
            error = _graph_error(_error_json(call.error_body, call.status))
            self._write({"kind": "control", **base, "status": call.status, **error}, level)
        elif is_identity_path(path):
            fields = {
                "kind": "entra",
                **base,
                "status": call.status,
                **self._entra_caller(call, scope["query_string"]),
            }
            self._write({**fields, **_entra_error(call)}, logging.INFO)
        elif not path.startswith(GRAPH_PREFIXES):
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
        elif call.status >= 400 and len(call.error_body) < MAX_CAPTURE:
            call.error_body += message.get("body", b"")
        await send(message)

    return wrapped


def _error_json(body: bytes | None, status: int = 400) -> dict[str, Any]:
    if status < 400 or not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _graph_error(body: dict[str, Any]) -> dict[str, Any]:
    error = body.get("error")
    if not isinstance(error, dict):
        return {}
    return {"errorCode": error.get("code"), "errorMessage": error.get("message")}


def _entra_error(call: _Call) -> dict[str, Any]:
    body = _error_json(call.error_body, call.status)
    if "error" not in body:
        return _graph_error(body)
    lines = str(body.get("error_description", "")).splitlines()
    # Entra appends trace and correlation ids on later lines.
    return {"errorCode": body["error"], "errorMessage": lines[0] if lines else None}
