"""The lean request path for Graph calls: a pure ASGI router over the declared operations."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from urllib.parse import parse_qsl

from mockgraph.auth.permissions import authorize, reject_app_on_me
from mockgraph.auth.tokens import EMPTY, Principal, TokenAuthority, check_lifetime
from mockgraph.batch import run_batch
from mockgraph.clouds import parse_cloud
from mockgraph.directory.dispatch import dispatch as dispatch_directory
from mockgraph.directory.keys import parse_address
from mockgraph.directory.service import Answer, DirectoryService
from mockgraph.directory.service import Call as DirectoryCall
from mockgraph.errors import (
    UNREADABLE_JSON,
    BadRequest,
    GeneralException,
    GraphError,
    InvalidAuthenticationToken,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
    render_error,
)
from mockgraph.faults import throttled_error
from mockgraph.http import ODATA_JSON, Receive, Scope, Send, request_ids, respond
from mockgraph.journal import MAX_BODY_CHARS, Entry, Journal
from mockgraph.notifications.service import Notifier
from mockgraph.presence import models, service
from mockgraph.presence.operations import (
    BY_ACTION,
    GET_PRESENCE,
    GET_PRESENCES_BY_USER_ID,
    Operation,
)
from mockgraph.settings import Settings
from mockgraph.store import Store, Tenant

log = logging.getLogger("mockgraph")

VERSIONS = ("v1.0", "beta")
ME, USERS, COMMUNICATIONS = "me", "users", "communications"
JSON_TYPES = (b"application/json", b"text/json")
_WANTED_HEADERS = frozenset(
    {b"authorization", b"content-type", b"content-length", b"transfer-encoding"}
)
_JSON_EXTRA = [(b"odata-version", b"4.0"), (b"cache-control", b"no-cache")]


@dataclass(frozen=True, slots=True)
class Target:
    """A presence address: which form it was written in, and the user id in the path."""

    form: str  # ME, USERS or COMMUNICATIONS
    user_id: str | None  # None for /me
    action: str  # lower-cased action segment, "" for the entity


def parse_path(path: str) -> tuple[str, Target | None] | None:
    """(version, target) of a Graph path; target None for getPresencesByUserId; None: unknown."""
    parts = path.split("/")
    if len(parts) < 3 or parts[1] not in VERSIONS:
        return None
    version, rest = parts[1], parts[2:]
    if rest and rest[-1] == "":
        rest.pop()
    low = [p.lower() for p in rest]
    if low[:2] == ["me", "presence"]:
        form, user_id, tail = ME, None, rest[2:]
    elif len(low) >= 3 and low[0] == "users" and low[2] == "presence":
        form, user_id, tail = USERS, rest[1], rest[3:]
    elif len(low) >= 3 and low[:2] == ["communications", "presences"]:
        form, user_id, tail = COMMUNICATIONS, rest[2], rest[3:]
    elif low in (
        ["communications", "getpresencesbyuserid"],
        ["communications", "microsoft.graph.getpresencesbyuserid"],
    ):
        return version, None
    else:
        return None
    if len(tail) > 1:
        return None
    # OData also takes the namespace-qualified name, e.g. microsoft.graph.setPresence.
    action = tail[0].lower().removeprefix("microsoft.graph.") if tail else ""
    return version, Target(form, user_id, action)


class PathCache:
    """parse_path, remembered: clients call the same few paths over and over."""

    def __init__(self, size: int = 50_000) -> None:
        self._size = size
        self._parsed: dict[str, tuple[str, Target | None] | None] = {}

    def parse(self, path: str) -> tuple[str, Target | None] | None:
        try:
            return self._parsed[path]
        except KeyError:
            if len(self._parsed) >= self._size:
                self._parsed.clear()
            parsed = self._parsed[path] = parse_path(path)
            return parsed


def context_url(version: str, target: Target | None, user_id: str, select: list[str]) -> str:
    """@odata.context as Graph writes it; /me is resolved to the caller's id."""
    base = f"https://graph.microsoft.com/{version}/$metadata#"
    if target is None:
        return base + "Collection(microsoft.graph.presence)"
    chosen = f"({','.join(select)})" if select else ""
    if target.form == COMMUNICATIONS:
        return f"{base}communications/presences{chosen}/$entity"
    return f"{base}users('{user_id}')/presence{chosen}/$entity"


class Call:
    """What one Graph call turned out to be, gathered as it runs, for the journal."""

    __slots__ = ("now", "principal", "raw", "scope", "tenant")

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.principal: Principal | None = None
        self.tenant: Tenant | None = None
        self.raw: bytes | None = None
        self.now: float | None = None


class GraphRouter:
    """Serves /v1.0/... and /beta/... presence calls: token, permission, state, Graph's answer."""

    def __init__(
        self,
        store: Store,
        tokens: TokenAuthority,
        journal: Journal,
        settings: Settings,
        notifier: Notifier,
    ) -> None:
        self.store = store
        self.tokens = tokens
        self.journal = journal
        self.settings = settings
        self.notifier = notifier
        self.paths = PathCache()
        self.directory = DirectoryService(
            parse_cloud(settings.cloud), settings.photo_not_found_code
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        call = Call(scope)
        if _is_batch(scope["path"]):
            await self._batch(call, receive, send)
            return
        try:
            handled = await self._handle(call, receive)
            if isinstance(handled, Answer):
                status = handled.status
                await respond(
                    send, scope, status, handled.body, handled.content_type, handled.headers
                )
                self._record(call, status)
                return
            status, body = handled
        except GraphError as error:
            status = error.status
            await self.send_error(scope, send, error)
        except Exception:
            log.exception("unexpected error in %s %s", scope["method"], scope["path"])
            status = 500
            await self.send_error(
                scope,
                send,
                GeneralException(
                    "An unexpected error occurred in mockgraph; its log has the details."
                ),
            )
        else:
            await respond(
                send,
                scope,
                status,
                body,
                ODATA_JSON if body else None,
                _JSON_EXTRA if body else None,
            )
            # Presence that changed may owe subscribers a notification (sent in the background).
            if call.tenant is not None and call.tenant.subscriptions:
                self.notifier.scan(call.tenant)
        self._record(call, status)

    async def _batch(self, call: Call, receive: Receive, send: Send) -> None:
        """POST /$batch: each request goes through this router as a direct call would."""
        scope = call.scope
        status = 200
        try:
            if scope["method"] != "POST":
                raise MethodNotAllowed(
                    "The method is not allowed here; $batch takes POST.", headers={"Allow": "POST"}
                )
            headers = _headers(scope)
            raw = call.raw = await _read_body(receive, headers, self.settings.max_body_bytes)
            answer = await run_batch(
                scope["path"].split("/")[1], scope, raw, self, self.store.clock.now()
            )
            await respond(
                send,
                scope,
                200,
                json.dumps(answer, separators=(",", ":")).encode(),
                ODATA_JSON,
                _JSON_EXTRA,
            )
        except GraphError as error:
            status = error.status
            await self.send_error(scope, send, error)
        self._record(call, status)

    async def send_error(self, scope: Scope, send: Send, error: GraphError) -> None:
        request_id, client_request_id = request_ids(scope)
        body = render_error(
            error,
            request_id=request_id,
            client_request_id=client_request_id,
            now=self.store.clock.now(),
        )
        extra = [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
        await respond(send, scope, error.status, body, b"application/json", extra)

    def _record(self, call: Call, status: int) -> None:
        scope, tenant, raw = call.scope, call.tenant, call.raw
        request_id, client_request_id = request_ids(scope)
        size = len(raw) if raw is not None else 0
        self.journal.add(
            Entry(
                sequence=self.journal.next_sequence(),
                timestamp=call.now if call.now is not None else self.store.clock.timestamp(),
                tenant=tenant.id if tenant is not None else None,
                method=scope["method"],
                path=scope["path"],
                query=scope["query_string"],
                status=status,
                principal=call.principal,
                # A body too large to show is kept as its size only.
                body=raw if size <= MAX_BODY_CHARS else None,
                body_size=size,
                request_id=request_id,
                client_request_id=client_request_id,
            )
        )

    async def _handle(self, call: Call, receive: Receive) -> tuple[int, bytes] | Answer:
        scope = call.scope
        headers = _headers(scope)
        method, path = scope["method"], scope["path"]
        principal = call.principal = self._authenticate(headers.get(b"authorization"))
        tenant = call.tenant = self.store.tenant(principal.tenant_id)
        now = call.now = tenant.clock.timestamp()
        check_lifetime(principal, now)
        retry_after = tenant.throttle.check(principal.app_id or "", now)
        if retry_after is not None:
            raise throttled_error(retry_after)
        fault = tenant.faults.hit(method, path)
        if fault is not None:
            if fault.delay_ms:
                await asyncio.sleep(fault.delay_ms / 1000)
            error = fault.error()
            if error is not None:
                raise error
            now = tenant.clock.timestamp()
        raw = b""
        # A GET carries no body worth waiting for; everything else is read in full.
        if method != "GET" or b"content-length" in headers or b"transfer-encoding" in headers:
            raw = call.raw = await _read_body(receive, headers, self.settings.max_body_bytes)
        subscription = _subscription_path(path)
        if subscription is not None:
            version, sub_id = subscription
            return await self.notifier.route(tenant, principal, method, sub_id, raw, version)
        raw_path = scope.get("raw_path")
        address = parse_address(raw_path.decode("latin-1").split("?", 1)[0] if raw_path else path)
        if address is not None:
            answer = dispatch_directory(
                self.directory,
                _directory_call(scope, principal, tenant, address.version),
                address,
                method,
            )
            if answer is not None:
                return answer
        return self._run(principal, tenant, method, path, scope["query_string"], raw, headers, now)

    def _run(
        self,
        principal: Principal,
        tenant: Tenant,
        method: str,
        path: str,
        query_string: bytes,
        raw: bytes,
        headers: dict[bytes, bytes],
        now: float,
    ) -> tuple[int, bytes]:
        parsed = self.paths.parse(path)
        if parsed is None:
            raise NotFound(
                f"mockgraph does not emulate {method} {path}: only the "
                "presence API is served (see /docs)."
            )
        version, target = parsed
        if target is None:
            operation = self._operation({"POST": GET_PRESENCES_BY_USER_ID}, method)
        else:
            operations = BY_ACTION.get(target.action)
            if operations is None:
                raise NotFound(
                    f"The presence action '{target.action}' does not exist; see /docs "
                    "for the emulated operations."
                )
            operation = self._operation(operations, method)

        if target is None:
            authorize(principal, operation.access, None)
            body = models.parse_body(
                models.GetPresencesByUserId, _json(raw, headers), "getPresencesByUserId"
            )
            entries = []
            for user_id in service.checked_ids(body):
                user = tenant.user(user_id)
                entries.append(
                    service.unknown_presence(user_id)
                    if user is None
                    else service.entity(user, now, _reader(principal, user_id))
                )
            return 200, _collection(context_url(version, None, "", []), entries)

        if target.form == ME:
            reject_app_on_me(principal)
            assert principal.user_id is not None
            user_id = principal.user_id
        else:
            assert target.user_id is not None
            user_id = service.checked_user_id(target.user_id)
            if operation.me_only:
                raise BadRequest(
                    f"{operation.action} is supported only at /me/presence/{operation.action}."
                )
        authorize(principal, operation.access, user_id)
        user = tenant.user(user_id)
        if user is None:
            raise service.unknown_user(user_id)

        if operation is GET_PRESENCE:
            kind = _reader(principal, user_id)
            select = (
                dict(parse_qsl(query_string.decode("latin-1"))).get("$select")
                if query_string
                else None
            )
            if select:
                fields = service.checked_select(select)
                document = {
                    "@odata.context": context_url(version, target, user.id, fields),
                    **service.selected(user, now, kind, fields),
                }
                return 200, json.dumps(document, separators=(",", ":")).encode()
            entity = service.entity(user, now, kind)
            prefix = f'{{"@odata.context":"{context_url(version, target, user.id, [])}",'
            return 200, prefix.encode() + entity[1:]

        assert operation.body is not None
        assert operation.apply is not None
        arguments = models.parse_body(operation.body, _json(raw, headers), operation.action or "")
        operation.apply(
            user, arguments, service.Context(now, principal.app_id, self.settings.strict_session_id)
        )
        return 200, b""

    def _authenticate(self, header: bytes | None) -> Principal:
        if header is None:
            raise InvalidAuthenticationToken(EMPTY)
        scheme, _, token = header.decode("latin-1").strip().partition(" ")
        if scheme.lower() != "bearer":
            raise InvalidAuthenticationToken(
                EMPTY if not scheme else "CompactToken parsing failed with error code: 80049217"
            )
        return self.tokens.verify(token.strip())

    @staticmethod
    def _operation(operations: dict[str, Operation], method: str) -> Operation:
        operation = operations.get(method)
        if operation is None:
            allowed = ", ".join(sorted(operations))
            raise MethodNotAllowed(
                f"The method {method} is not allowed here; this address takes {allowed}.",
                headers={"Allow": allowed},
            )
        return operation


def _directory_call(
    scope: Scope, principal: Principal, tenant: Tenant, version: str
) -> DirectoryCall:
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
    eventual = any(
        k == b"consistencylevel" and v.strip().lower() == b"eventual" for k, v in scope["headers"]
    )
    base = f"{scope.get('scheme', 'http')}://{host or '127.0.0.1'}"
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1").split("?", 1)[0] if raw_path else scope["path"]
    return DirectoryCall(
        version,
        principal,
        tenant.id,
        tenant.users,
        tenant.groups,
        scope["query_string"].decode("latin-1"),
        eventual,
        host,
        base + path,
    )


def _subscription_path(path: str) -> tuple[str, str | None] | None:
    """(version, subscription id or None) for /subscriptions paths; None for any other."""
    parts = path.rstrip("/").split("/")
    if len(parts) in (3, 4) and parts[1] in VERSIONS and parts[2].lower() == "subscriptions":
        return parts[1], parts[3] if len(parts) == 4 else None
    return None


def _is_batch(path: str) -> bool:
    parts = path.rstrip("/").split("/")
    return len(parts) == 3 and parts[1] in VERSIONS and parts[2].lower() == "$batch"


def _reader(principal: Principal, user_id: str) -> str:
    """The user themself (a delegated token whose oid is the target), or anyone else."""
    return service.SELF if principal.user_id == user_id else service.OTHER


def _collection(context: str, entries: list[bytes]) -> bytes:
    return b"".join(
        (f'{{"@odata.context":"{context}","value":['.encode(), b",".join(entries), b"]}")
    )


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {name: value for name, value in scope["headers"] if name in _WANTED_HEADERS}


def _json(raw: bytes, headers: dict[bytes, bytes]) -> bytes:
    """The body, when there is one, must be sent as JSON."""
    if raw.strip():
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type not in JSON_TYPES:
            raise BadRequest(UNREADABLE_JSON)
    return raw


async def _read_body(receive: Receive, headers: dict[bytes, bytes], limit: int) -> bytes:
    declared = headers.get(b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestEntityTooLarge(_too_large(limit))
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise RequestEntityTooLarge(_too_large(limit))
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _too_large(limit: int) -> str:
    return f"The request body is larger than the {limit // 1024} KiB mockgraph accepts."
