"""Graph's address space: the operations every resource registers, matched once per path."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from mockgraph.errors import MethodNotAllowed
from mockgraph.gateway.operation import Operation

VERSIONS = ("v1.0", "beta")
# The entity sets mockgraph serves, each of which OData also addresses as set('{key}').
KEYED_SETS = ("users", "groups", "subscriptions", "presences")
_KEYED = re.compile(rf"^({'|'.join(KEYED_SETS)})\((.*)\)$", re.IGNORECASE | re.DOTALL)


_SLASHES = re.compile(r"/{2,}")


def normalise_path(path: str) -> str:
    """What Graph routes `path` as: `//` as `/`, no trailing `/`."""
    if "//" in path:
        path = _SLASHES.sub("/", path)
    return path.rstrip("/") or "/"


NAMESPACE = "microsoft.graph."
ANY = "*"
# The order Allow names methods in: /subscriptions takes "GET, POST", a subscription
# "GET, PATCH, DELETE".
_METHOD_ORDER = {"GET": 0, "HEAD": 1, "POST": 2, "PUT": 3, "PATCH": 4, "DELETE": 5}


@dataclass(slots=True)
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    param: _Node | None = None
    # Set where a path ends: its operations by method, and the names of its {params}.
    operations: dict[str, Operation] = field(default_factory=dict)
    names: tuple[str, ...] = ()


class OtherMethod(Exception):
    """Raised by the handler of a "*" operation to turn its method away once the checks that
    come first have passed (the permission, the entity's existence): the gateway answers it
    with its own 405 and the address's Allow."""


@dataclass(frozen=True, slots=True)
class Match:
    """A path's operations, with the version and the values of its {params}."""

    version: str
    params: Mapping[str, str]  # shared by every call to this path: read it, never change it
    operations: Mapping[str, Operation]
    public: bool

    def operation(self, method: str) -> Operation:
        """The operation for `method`, or Graph's 405 naming the methods the address takes."""
        operation = self.operations.get(method) or self.operations.get(ANY)
        if operation is None:
            raise self.not_allowed(method)
        return operation

    def not_allowed(self, method: str) -> MethodNotAllowed:
        """Graph's 405, with Allow naming the address's methods (GET first, DELETE last)."""
        taken = (m for m in self.operations if m != ANY)
        allowed = ", ".join(sorted(taken, key=lambda m: (_METHOD_ORDER.get(m, 9), m)))
        return MethodNotAllowed(
            f"The method {method} is not allowed here; this address takes {allowed}.",
            headers={"Allow": allowed},
        )


class Routes:
    """The Graph operations of one app, registered by the resources that own them.

    A resource plugs in with one `Operation` per Graph operation, from a
    `register(routes, ...)` in its routes module that `app.graph_routes` calls with the
    services the handlers need (made once per app)::

        routes.add(Operation("GET", "/users/{id}/presence", handlers.get_presence,
                             access=Access.READ, subject=user_in_path, doc=Doc(...)))

    The handler is named after the Graph operation; it gets a GraphRequest (params,
    query(), header(), base_url(), body(), principal, tenant, now, target, operation) and
    returns a Reply: JSON by default, or any content type with its own headers (an image
    with an ETag). The gateway does everything else: token, tenant, throttling, faults, the
    404 for an unknown path and the 405 (with Allow) for a method no operation there takes,
    the body (`body()` checks it against the declared model), the permission check (`access`
    for the user `subject` names), the journal and the errors.

    Literal segments beat {params}; the same path shape may be registered once per method,
    and "*" takes the other methods (its handler raises `OtherMethod` for the gateway's 405
    after checks of its own). Every version (v1.0, beta) serves every operation; the OpenAPI
    comes from each operation's `doc`.
    """

    def __init__(self, cache_size: int = 50_000) -> None:
        self._root = _Node()
        self.operations: list[Operation] = []
        self._cache: dict[str, Match | None] = {}
        self._cache_size = cache_size

    def add(self, operation: Operation) -> None:
        segments = _segments(operation.path)
        node = self._root
        names: list[str] = []
        for index, segment in enumerate(segments):
            if segment.startswith("{") and segment.endswith("}"):
                names.append(segment[1:-1])
                node.param = node.param or _Node()
                node = node.param
                continue
            key = segment.lower()
            child = node.literals.get(key) or _Node()
            node.literals[key] = child
            if operation.qualified and index == len(segments) - 1 and index > 0:
                node.literals[NAMESPACE + key] = child
            node = child
        if node.operations and node.names != tuple(names):
            raise ValueError(f"{operation.path}: name its parameters as {node.names} does")
        if operation.method in node.operations:
            raise ValueError(f"{operation.method} {operation.path} is registered twice")
        node.names = tuple(names)
        node.operations[operation.method] = operation
        self.operations.append(operation)
        self._cache.clear()

    def match(self, path: str) -> Match | None:
        """The operations at a full path (/v1.0/...), or None; remembered per path."""
        try:
            return self._cache[path]
        except KeyError:
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            found = self._cache[path] = self._match(path)
            return found

    def _match(self, path: str) -> Match | None:
        parts = path.split("/")
        if len(parts) < 3 or parts[0] or parts[1] not in VERSIONS:
            return None
        segments = parts[2:]
        while segments and not segments[-1]:
            segments.pop()
        if any(segment.endswith(")") for segment in segments):
            segments = _split_keys(segments)
        values: list[str] = []
        node = _walk(self._root, segments, 0, values)
        if node is None:
            return None
        return Match(
            parts[1],
            dict(zip(node.names, values, strict=True)),
            node.operations,
            all(o.public for o in node.operations.values()),
        )


def _split_keys(segments: list[str]) -> list[str]:
    """OData's key-in-parentheses forms, users('{key}'), users(userPrincipalName='{upn}'),
    groups('{id}'), subscriptions('{id}'), communications/presences('{id}'): routed as
    set/{id} with the key as written, in its parentheses, for the resource to read."""
    out: list[str] = []
    for segment in segments:
        keyed = _KEYED.match(segment)
        if keyed is None:
            out.append(segment)
        else:
            out += [keyed.group(1), f"({keyed.group(2)})"]
    return out


def _segments(path: str) -> list[str]:
    segments = path.strip("/").split("/")
    if not path.startswith("/") or not all(segments):
        raise ValueError(f"'{path}' is not a path such as /users/{{id}}/presence")
    return segments


def _walk(node: _Node, segments: list[str], index: int, values: list[str]) -> _Node | None:
    """Depth first, a literal before a {param}."""
    if index == len(segments):
        return node if node.operations else None
    literal = node.literals.get(segments[index].lower())
    if literal is not None:
        found = _walk(literal, segments, index + 1, values)
        if found is not None:
            return found
    if node.param is not None:
        values.append(segments[index])
        found = _walk(node.param, segments, index + 1, values)
        if found is not None:
            return found
        values.pop()
    return None
