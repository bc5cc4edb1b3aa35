"""The query options of directory reads: parsed once, checked with Graph's exact errors."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus

from mockgraph.directory.exceptions import (
    RequestBadRequest,
    RequestUnsupportedQuery,
    unknown_property,
)
from mockgraph.errors import GraphError
from mockgraph.gateway import GraphRequest

KNOWN = frozenset(
    {
        "$select",
        "$top",
        "$skiptoken",
        "$filter",
        "$count",
        "$search",
        "$orderby",
        "$skip",
        "$expand",
        "$format",
    }
)
CONSISTENCY = "consistencylevel"
MAX_TOP = 999
DEFAULT_TOP = 100
# "DSpt", the prefix of Graph's own directory skiptokens (they begin RFNwdA…, as in
# https://learn.microsoft.com/graph/paging).
_TOKEN_MAGIC = b"DSpt"


@dataclass(frozen=True, slots=True)
class Options:
    """A directory read's query options, as given (raw) and as understood."""

    raw: str  # the query string, still escaped: nextLink repeats it
    select: str | None = None
    top: int | None = None
    skiptoken: str | None = None
    filter: str | None = None
    count: bool = False
    search: str | None = None
    orderby: str | None = None
    expand: str | None = None
    # ConsistencyLevel=eventual given as a query option (any case), as the docs' own beta
    # examples and many clients send it (docs/fidelity.md, 'Directory: users, photos, groups').
    eventual: bool = False

    def fingerprint(self) -> bytes:
        """What decides the set and order of results: a skiptoken is valid for these only."""
        text = "\x00".join((self.filter or "", self.search or "", self.orderby or ""))
        return hashlib.sha256(text.encode()).digest()[:8]


# Clients send the same few query strings again and again (a roster looked up by mail, the
# same page of users): each is parsed once. Bounded; a refused one is not kept (its 400 is
# raised again each time).
@functools.lru_cache(maxsize=4096)
def parse_options(query_string: str, version: str) -> Options:
    """Options from a query string; Graph's 400 for a repeated, unknown or malformed one."""
    seen: dict[str, str] = {}
    eventual = False
    for part in query_string.split("&") if query_string else ():
        if not part:
            continue
        name, _, value = part.partition("=")
        name = unquote_plus(name).strip()
        if name.lower() == CONSISTENCY:
            eventual = eventual or unquote_plus(value).strip().lower() == "eventual"
            continue
        if not name.startswith("$"):
            # beta takes the system options without their $; others are custom options.
            if version != "beta" or f"${name.lower()}" not in KNOWN:
                continue
            name = f"${name}"
        key = name.lower()
        if key not in KNOWN:
            raise GraphError(f"The query parameter '{name}' is not supported.")
        if key in seen:
            raise GraphError(
                f"Query option '{name}' was specified more than once, but it must be "
                "specified at most once."
            )
        seen[key] = unquote_plus(value)
    if "$skip" in seen:
        raise RequestBadRequest("'$skip' is not supported by the service.")
    return Options(
        raw=query_string,
        select=seen.get("$select"),
        top=_top(seen["$top"]) if "$top" in seen else None,
        skiptoken=seen.get("$skiptoken"),
        filter=seen.get("$filter"),
        count=_count(seen["$count"]) if "$count" in seen else False,
        search=seen.get("$search"),
        orderby=seen.get("$orderby"),
        expand=seen.get("$expand"),
        eventual=eventual,
    )


def _top(value: str) -> int:
    text = value.strip()
    if not text.isdigit():
        raise GraphError(
            f"Invalid value '{value}' for $top query option found. "
            "The $top query option requires a non-negative integer value."
        )
    number = int(text)
    if not 1 <= number <= MAX_TOP:
        raise RequestUnsupportedQuery(
            f"Invalid page size specified: '{number}'. Must be between 1 and 999 inclusive."
        )
    return number


def _count(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise GraphError(f"'{value}' is not a valid count option.")
    return lowered == "true"


def select_list(
    select: str | None,
    catalog: dict[str, str],
    type_name: str,
    registered: Callable[[], Mapping[str, str]] | None = None,
) -> tuple[tuple[str, ...], str] | None:
    """(Graph's names, the list as the client wrote it) of a $select; None without one.

    `registered`: the schema extensions of the tenant (lower-case -> id), asked only for a
    name the catalog lacks; any other name is 400 `Could not find a property named …`."""
    if select is None:
        return None
    written = [s.strip() for s in select.split(",")]
    if not all(written):
        raise GraphError(f"Syntax error at position {len(select)} in '{select}'.")
    names: list[str] = []
    for name in written:
        found = catalog.get(name.lower())
        if found is None and registered is not None:
            found = registered().get(name.lower())
        if found is None:
            raise unknown_property(name, type_name)
        if found not in names:
            names.append(found)
    return tuple(names), ",".join(written)


def encode_skiptoken(offset: int, options: Options, advanced: bool) -> str:
    """An opaque cursor: the position, whether advanced query was granted, the query's print."""
    packed = _TOKEN_MAGIC + struct.pack(">IB", offset, advanced) + options.fingerprint()
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode_skiptoken(token: str, options: Options) -> tuple[int, bool]:
    """(offset, advanced) of one of our own tokens; Graph's 400 for anything else."""
    try:
        packed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise invalid_skiptoken() from None
    if len(packed) != 17 or not packed.startswith(_TOKEN_MAGIC):
        raise invalid_skiptoken()
    offset, advanced = struct.unpack(">IB", packed[4:9])
    if packed[9:] != options.fingerprint():
        raise invalid_skiptoken()
    return offset, bool(advanced)


def invalid_skiptoken() -> GraphError:
    return RequestBadRequest("Invalid Skip Token")


def next_link(base: str, options: Options, token: str) -> str:
    """The request's own address with its options as sent, plus the next $skiptoken."""
    kept = [
        p
        for p in options.raw.split("&")
        if p and unquote_plus(p.partition("=")[0]).lower() not in ("$skiptoken", "skiptoken")
    ]
    kept.append(f"$skiptoken={token}")
    return f"{base}?{'&'.join(kept)}"


def options_of(request: GraphRequest) -> Options:
    """The directory query options a call carries (parsed once per query string)."""
    return parse_options(request.scope["query_string"].decode("latin-1"), request.version)


def is_eventual(request: GraphRequest) -> bool:
    """Whether the call asks for ConsistencyLevel: eventual, as a header (kept by the gateway's
    header pass) or as a query option (so a nextLink carries it too)."""
    consistency = request.headers.get(b"consistencylevel")
    if consistency is not None and consistency.strip().lower() == b"eventual":
        return True
    return options_of(request).eventual


def context_url(request: GraphRequest, entity_set: str, select: str | None, *, entity: bool) -> str:
    """@odata.context under the Graph root of the cloud called, in the version called."""
    chosen = f"({select})" if select else ""
    suffix = "/$entity" if entity else ""
    return f"{request.cloud.graph_root}/{request.version}/$metadata#{entity_set}{chosen}{suffix}"


def called_address(request: GraphRequest) -> str:
    """scheme://host[:port]/{version}/{path} as called, the base of @odata.nextLink."""
    return request.base_url() + (request.raw_path() or request.scope["path"])
