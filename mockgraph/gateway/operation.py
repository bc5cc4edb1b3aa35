"""What a Graph resource declares to the gateway: its operations, and what a handler sees."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qsl

from pydantic import BaseModel

from mockgraph.auth.permissions import Access, reject_app_on_me
from mockgraph.clouds import Cloud
from mockgraph.domain.bodies import GraphBody, parse_body, parse_json_body

if TYPE_CHECKING:
    from mockgraph.domain.principal import Principal
    from mockgraph.http import Scope
    from mockgraph.state.store import Tenant

# The errors every Graph operation may answer, for the OpenAPI.
GRAPH_ERRORS: Mapping[str, str] = MappingProxyType(
    {
        "400": "Bad request: the body, a value or the address is wrong.",
        "401": "No token, or one Graph would not accept.",
        "403": "The token lacks the permission this call needs.",
        "404": "No such user, or no such presence session.",
    }
)


class Reply(NamedTuple):
    """A handler's answer. With no content type, a non-empty body is sent as OData JSON."""

    status: int = 200
    body: bytes = b""
    content_type: bytes | None = None  # e.g. b"image/jpeg"; then `headers` are all that's added
    headers: list[tuple[bytes, bytes]] | None = None  # e.g. [(b"etag", b'"1"')]

    def __repr__(self) -> str:
        kind = (self.content_type or b"OData JSON").decode("latin-1")
        preview = self.body[:_PREVIEW] + (b"..." if len(self.body) > _PREVIEW else b"")
        extra = f", headers={self.headers!r}" if self.headers else ""
        return f"Reply({self.status}, {kind}, {len(self.body)} bytes: {preview!r}{extra})"


_PREVIEW = 80  # how much of a body a repr shows


class GraphRequest:
    """One Graph call as it runs through the gateway, and as a handler reads it."""

    __slots__ = (
        "cloud",
        "headers",
        "now",
        "operation",
        "params",
        "principal",
        "raw",
        "scanned",
        "scope",
        "target",
        "tenant",
        "version",
    )

    # Set once the token is checked, and never on a public operation ($batch): who calls, the
    # caller's tenant (its users, clock, faults and throttling) and the tenant's clock at this
    # call. Plain attributes, not properties: a handler reads them on every call.
    principal: Principal
    tenant: Tenant
    now: float
    # Set once the path is matched: the operation that answers the call.
    operation: Operation

    def __init__(self, scope: Scope, cloud: Cloud) -> None:
        self.scope = scope
        self.headers: dict[bytes, bytes] = {}  # the few the pipeline reads
        self.version = ""
        self.params: Mapping[str, str] = {}
        self.target: str | None = None  # the user the permission check was made for
        self.raw: bytes | None = None
        # Whether a running scenario caught the tenant up and told its subscribers of every
        # change up to the clock's time (scenarios/control.py, catch_up).
        self.scanned = False
        # The cloud of the Graph host called (MOCKGRAPH_CLOUD's on mockgraph's own address).
        self.cloud = cloud

    def __repr__(self) -> str:
        query = self.scope["query_string"]
        address = self.scope["path"] + ("?" + query.decode("latin-1") if query else "")
        principal = getattr(self, "principal", None)
        caller = ""
        if principal is not None:
            caller = f", app={principal.app_id!r}, user={principal.user_id!r}"
        return f"GraphRequest({self.method} {address}, params={dict(self.params)!r}{caller})"

    @property
    def service_root(self) -> str:
        """https://graph.microsoft.com, or the national root of the Graph host called: the
        root of @odata.context and @odata.id."""
        return self.cloud.graph_root

    @property
    def method(self) -> str:
        method: str = self.scope["method"]
        return method

    def query(self) -> dict[str, str]:
        """The query string's parameters (the last of a repeated name wins)."""
        raw: bytes = self.scope["query_string"]
        return dict(parse_qsl(raw.decode("latin-1"))) if raw else {}

    def header(self, name: str) -> str | None:
        """A request header, such as ConsistencyLevel; the name is case-insensitive."""
        wanted = name.lower().encode("latin-1")
        for key, value in self.scope["headers"]:
            if key == wanted:
                text: str = value.decode("latin-1")
                return text
        return None

    def raw_path(self) -> str | None:
        """The path as the client sent it, still percent-escaped (None inside a $batch)."""
        raw: bytes | None = self.scope.get("raw_path")
        return raw.decode("latin-1").split("?", 1)[0] if raw else None

    def base_url(self) -> str:
        """scheme://host[:port] the client called, for absolute links such as @odata.nextLink."""
        scheme = self.scope.get("scheme", "http")
        kept = self.headers.get(b"host")  # the pipeline's header pass keeps Host
        host = kept.decode("latin-1") if kept is not None else self.header("host")
        if host is None:
            server = self.scope.get("server") or ("127.0.0.1", None)
            host = server[0] if server[1] in (None, 80, 443) else f"{server[0]}:{server[1]}"
        return f"{scheme}://{host}"

    def body(self) -> Any:
        """The body, validated against the operation's declared model (Graph's 400 if not)."""
        operation = self.operation
        assert operation.body is not None
        if not operation.json_only:
            return parse_body(operation.body, self.raw or b"", operation.name)
        return parse_json_body(
            operation.body,
            self.raw or b"",
            self.headers.get(b"content-type"),
            operation.name,
        )


Handler = Callable[[GraphRequest], Reply | Awaitable[Reply]]
# Who the call acts on, for the permission check (None: no one user); may raise Graph's 400.
Subject = Callable[[GraphRequest], str | None]


def signed_in_user(request: GraphRequest) -> str:
    """The Subject of a /me address: the signed-in user, so a delegated token only (400)."""
    principal = request.principal
    reject_app_on_me(principal)
    assert principal.user_id is not None
    return principal.user_id


@dataclass(frozen=True)
class Doc:
    """How an operation shows in the OpenAPI document (and so in Swagger UI)."""

    operation_id: str  # unique within a version; the OpenAPI prefixes the version
    tag: str
    summary: str
    description: str | None = None
    parameters: tuple[Mapping[str, Any], ...] = ()
    # Success responses; a link's operationId is written without the version, too.
    responses: Mapping[str, Any] = field(default_factory=lambda: {"200": {"description": "OK"}})
    errors: Mapping[str, str] = field(default_factory=lambda: GRAPH_ERRORS)
    body_schema: Mapping[str, Any] | None = None  # when the body has no model
    body_required: bool = True
    example: Any = None
    schemas: tuple[type[BaseModel], ...] = ()  # response models, shown in serialization mode


@dataclass(frozen=True)
class Operation:
    """One Graph operation: the address and method it answers, who may call it, what runs.

    `path` is written after the version, with `{name}` for a segment the handler reads from
    `request.params`; literal segments match case-insensitively. `method` "*" takes any
    method no other operation at the path takes.
    """

    method: str
    path: str
    handler: Handler
    name: str = ""  # Graph's name of the operation, as error messages cite it (setPresence)
    access: Access | None = None  # checked by the gateway for `subject`; None: no check
    subject: Subject | None = None
    body: type[GraphBody] | None = None
    # The body must come as JSON (its Content-Type) when there is one; subscriptions have
    # always taken any Content-Type.
    json_only: bool = True
    doc: Doc | None = None  # None: not in the OpenAPI
    # The last segment is an OData action or function that may be namespace-qualified
    # (microsoft.graph.setPresence).
    qualified: bool = False
    public: bool = False  # needs no token ($batch: each of its requests carries one)
    # Which of a resource's addresses this is, for a handler that serves one entity at several
    # (presence: "me", "users", "communications").
    form: str = ""
    is_async: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "is_async", inspect.iscoroutinefunction(self.handler))

    def __repr__(self) -> str:
        name = getattr(self.handler, "__qualname__", type(self.handler).__name__)
        access = self.access.name if self.access is not None else None
        shown = f" {self.name!r}" if self.name else ""
        return f"Operation({self.method} {self.path}{shown}, handler={name}, access={access})"
