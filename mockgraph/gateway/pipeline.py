"""The one Graph request pipeline, pure ASGI: every /v1.0 and /beta call goes through it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Container
from typing import cast

from mockgraph.auth.permissions import authorize
from mockgraph.auth.tokens import (
    BAD_AUDIENCE,
    EMPTY,
    UNPARSABLE,
    TokenAuthority,
    check_lifetime,
    unknown_tenant,
)
from mockgraph.clouds import Cloud, cloud_for_graph_host, parse_cloud
from mockgraph.domain.principal import Principal
from mockgraph.errors import (
    GraphError,
    InvalidAuthenticationToken,
    NotFound,
    RequestUriTooLong,
    render_error,
    unexpected,
)
from mockgraph.gateway.operation import GraphRequest, Reply
from mockgraph.gateway.routing import OtherMethod, Routes, normalise_path
from mockgraph.http import (
    ODATA_JSON,
    REQUEST_IDS,
    Receive,
    Scope,
    Send,
    new_request_id,
    read_body,
    request_ids,
    respond,
)
from mockgraph.settings import Settings
from mockgraph.state.faults import Fault, throttled_error
from mockgraph.state.journal import MAX_BODY_CHARS, Entry, Journal
from mockgraph.state.store import Store, Tenant

_WANTED_HEADERS = frozenset(
    {
        b"authorization",
        b"client-request-id",
        b"content-type",
        b"content-length",
        b"transfer-encoding",
        b"host",
        b"consistencylevel",  # the directory's advanced queries
    }
)
# Stands for a request's Authorization when it has two (never a header's value: a NUL).
_TWO_TOKENS = b"\x00"
TWO_TOKENS = "The request carries more than one Authorization header; send exactly one."
_JSON_EXTRA = [(b"odata-version", b"4.0"), (b"cache-control", b"no-cache")]


class Gateway:
    """Request ids, token, tenant, throttling, faults, body, permission, dispatch, journal.

    `answered` runs after each successful call whose tenant has subscriptions (change
    notifications scan for presence that changed: a write, or the clock), but a GET that
    `arriving` caught up (it returns True when it told the subscribers of everything up to
    the clock's time). `arriving` runs
    before anything reads the tenant of a call whose tenant id is in `playing` (a running
    scenario catches it up to its clock's target).
    """

    def __init__(
        self,
        routes: Routes,
        store: Store,
        tokens: TokenAuthority,
        journal: Journal,
        settings: Settings,
        answered: Callable[[Tenant], None] | None = None,
        watched: Container[str] = frozenset(),
        arriving: Callable[[Tenant], bool] | None = None,
        playing: Container[str] = frozenset(),
    ) -> None:
        self.routes = routes
        self.store = store
        self.tokens = tokens
        self.journal = journal
        self.settings = settings
        self.answered = answered
        self.watched = watched
        self.arriving = arriving
        self.playing = playing
        self.cloud = parse_cloud(settings.cloud)
        self._clouds: dict[bytes, Cloud] = {}
        self.max_url_bytes = settings.max_url_bytes

    def cloud_of(self, host: bytes | None) -> Cloud:
        """The cloud a Host header names: a Graph host's own, else MOCKGRAPH_CLOUD's."""
        if host is None:
            return self.cloud
        cloud = self._clouds.get(host)
        if cloud is None:
            if len(self._clouds) >= 1024:
                self._clouds.clear()
            found = cloud_for_graph_host(host.decode("latin-1"))
            cloud = self._clouds[host] = found or self.cloud
        return cloud

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        path = scope["path"]
        # Graph forgives `//` and a trailing `/` (msgraph-sdk's default base URL sends
        # /v1.0//users/...): routed, and journaled, as if they were not there.
        if "//" in path or path.endswith("/"):
            scope["path"] = normalise_path(path)
        request = GraphRequest(scope, self.cloud)
        # The one pass over the headers: what the pipeline reads, and the request's ids.
        headers = request.headers
        for name, value in scope["headers"]:  # a loop: 3.11 makes a comprehension a call
            if name in _WANTED_HEADERS:
                # Of two Authorization headers neither is picked: the call is a 401.
                if name != b"authorization" or name not in headers:
                    headers[name] = value
                else:
                    headers[name] = _TWO_TOKENS
        if REQUEST_IDS not in scope:
            request_id = new_request_id()
            client = headers.get(b"client-request-id")
            scope[REQUEST_IDS] = (
                request_id,
                client.decode("latin-1") if client is not None else request_id,
            )
        error_headers = None
        try:
            reply = await self._handle(request, receive)
        except GraphError as error:
            status = error.status
            error_headers = error.headers or None
            answer = await self.send_error(scope, send, error)
        except Exception as exc:
            status = 500
            answer = await self.send_error(
                scope, send, unexpected(scope["method"], scope["path"], exc)
            )
        else:
            status, body, content_type, extra = reply
            # The journal keeps JSON answers; a photo's bytes are not worth showing.
            answer = body if content_type is None or b"json" in content_type else b""
            if content_type is None and body:
                content_type = ODATA_JSON
                extra = [*_JSON_EXTRA, *extra] if extra else _JSON_EXTRA
            await respond(send, scope, status, body, content_type, extra)
            tenant = getattr(request, "tenant", None)
            if (
                tenant is not None
                and tenant.id in self.watched
                and self.answered is not None
                # A read writes nothing, and its scenario's catch-up left nothing to find.
                and not (request.scanned and scope["method"] == "GET")
            ):
                self.answered(tenant)
        self._record(request, status, answer, (time.perf_counter() - started) * 1000, error_headers)

    async def _handle(self, request: GraphRequest, receive: Receive) -> Reply:
        scope = request.scope
        method = scope["method"]
        if len(scope["path"]) + len(scope["query_string"]) > self.max_url_bytes:
            raise too_long(scope, self.max_url_bytes)
        headers = request.headers
        request.cloud = self.cloud_of(headers.get(b"host"))
        match = self.routes.match(scope["path"])
        if match is not None and match.public:
            operation = match.operation(method)
            request.raw = await read_body(
                receive, headers.get(b"content-length"), self.settings.max_body_bytes
            )
        else:
            fault = self._admit(request)
            if fault is not None:
                await self._inject(fault, request)
            # A GET carries no body worth waiting for; everything else is read in full.
            if method != "GET" or b"content-length" in headers or b"transfer-encoding" in headers:
                request.raw = await read_body(
                    receive, headers.get(b"content-length"), self.settings.max_body_bytes
                )
            if match is None:
                raise NotFound(
                    f"mockgraph does not emulate {method} {scope['path']}: it serves "
                    "presence, users and /me, photos, groups, subscriptions and $batch "
                    "(see /docs)."
                )
            operation = match.operation(method)
        request.operation = operation
        request.version = match.version
        request.params = match.params
        if operation.subject is not None:
            request.target = operation.subject(request)
        if operation.access is not None:
            authorize(request.principal, operation.access, request.target)
        try:
            if operation.is_async:
                return await cast(Awaitable[Reply], operation.handler(request))
            return cast(Reply, operation.handler(request))
        except OtherMethod:
            raise match.not_allowed(method) from None

    def _admit(self, request: GraphRequest) -> Fault | None:
        """Token, then its lifetime, then the tenant (so an expired token is 401 even at the
        tenant cap), then throttling; the fault this call is to meet, if one is set."""
        principal = request.principal = self._authenticate(request.headers.get(b"authorization"))
        # Each Graph host takes only tokens for its own cloud's audience.
        if not request.cloud.accepts_audience(principal.audience):
            raise InvalidAuthenticationToken(BAD_AUDIENCE)
        store = self.store
        tenant = store.known(principal.tenant_id)
        if tenant is not None:
            request.tenant = tenant
            if tenant.id in self.playing and self.arriving is not None:
                request.scanned = self.arriving(tenant)
        clock = tenant.clock if tenant is not None else store.clock
        now = request.now = clock.timestamp()
        check_lifetime(principal, now, clock)
        if tenant is None:
            tenant = request.tenant = self._existing(principal.tenant_id)
            now = request.now = tenant.clock.timestamp()
        retry_after = tenant.throttle.check(principal.app_id or "", now)
        if retry_after is not None:
            raise throttled_error(retry_after)
        return tenant.faults.hit(request.scope["method"], request.scope["path"])

    def _existing(self, tenant_id: str) -> Tenant:
        """The token's tenant, if it exists: Entra issues tokens for no other
        (docs/fidelity.md, 'Tenants')."""
        tenant = self.store.existing(tenant_id)
        if tenant is None:
            raise InvalidAuthenticationToken(unknown_tenant(tenant_id))
        return tenant

    @staticmethod
    async def _inject(fault: Fault, request: GraphRequest) -> None:
        """A fault set through the control plane: its delay, then its error if it has one."""
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        error = fault.error()
        if error is not None:
            raise error
        request.now = request.tenant.clock.timestamp()

    def _authenticate(self, header: bytes | None) -> Principal:
        if header is None:
            raise InvalidAuthenticationToken(EMPTY)
        if header is _TWO_TOKENS:
            raise InvalidAuthenticationToken(TWO_TOKENS)
        scheme, _, token = header.decode("latin-1").strip().partition(" ")
        if scheme.lower() != "bearer":
            raise InvalidAuthenticationToken(EMPTY if not scheme else UNPARSABLE)
        return self.tokens.verify(token.strip())

    async def send_error(self, scope: Scope, send: Send, error: GraphError) -> bytes:
        """Graph's error envelope, with the request's ids and the error's own headers."""
        request_id, client_request_id = request_ids(scope)
        body = render_error(
            error,
            request_id=request_id,
            client_request_id=client_request_id,
            now=self.store.clock.now(),
        )
        extra = [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
        await respond(send, scope, error.status, body, b"application/json", extra)
        return body

    def _record(
        self,
        request: GraphRequest,
        status: int,
        answer: bytes,
        latency_ms: float,
        headers: dict[str, str] | None,
    ) -> None:
        scope, raw = request.scope, request.raw
        # A public operation ($batch), or a call refused before its token was checked, has
        # no tenant, caller or tenant clock.
        tenant: Tenant | None = getattr(request, "tenant", None)
        now: float | None = getattr(request, "now", None)
        request_id, client_request_id = scope[REQUEST_IDS]
        size = len(raw) if raw is not None else 0
        # A body or answer too large to show is kept as its size only.
        body = raw if size <= MAX_BODY_CHARS else None
        kept = answer if len(answer) <= MAX_BODY_CHARS else None
        # Positional, in Entry's field order: keywords cost more than the rest of the record.
        self.journal.add(
            Entry(
                self.journal.next_sequence(),
                now if now is not None else self.store.clock.timestamp(),
                tenant.id if tenant is not None else None,
                scope["method"],
                scope["path"],
                scope["query_string"],
                status,
                getattr(request, "principal", None),
                body,
                size,
                request_id,
                client_request_id,
                latency_ms,
                kept,
                len(answer),
                # Everything the entry keeps that a caller sizes: bodies, path, query, ids.
                len(body or b"")
                + len(kept or b"")
                + len(scope["path"])
                + len(scope["query_string"])
                + len(client_request_id),
                headers,
            )
        )


def too_long(scope: Scope, limit: int) -> RequestUriTooLong:
    """414 for a path and query past `limit`; the call is journaled with the path's start only."""
    size = len(scope["path"]) + len(scope["query_string"])
    scope["path"] = scope["path"][:256]
    scope["query_string"] = b""
    return RequestUriTooLong(
        f"The request URL is too long: {size} bytes of path and query, past mockgraph's "
        f"limit of {limit} (MOCKGRAPH_MAX_URL_BYTES)."
    )
