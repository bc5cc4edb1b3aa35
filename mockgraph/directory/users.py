"""Users: GET /me, /users/{key}, /users and /users/$count as Graph answers them.

Sources: https://learn.microsoft.com/graph/api/user-get,
https://learn.microsoft.com/graph/api/user-list.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from itertools import islice
from typing import Any

from mockgraph.directory.exceptions import (
    NotImplementedTarget,
    RequestBadRequest,
    RequestUnsupportedQuery,
    expand_not_supported,
    resource_not_found,
    search_needs_header,
)
from mockgraph.directory.filter import parse_filter
from mockgraph.directory.index import UserIndex
from mockgraph.directory.properties import (
    BETA_DEFAULT,
    SHAREPOINT,
    V1_DEFAULT,
    DirectoryUser,
    user_catalog,
    user_document,
    user_documents,
)
from mockgraph.directory.query import (
    DEFAULT_TOP,
    Options,
    called_address,
    context_url,
    decode_skiptoken,
    encode_skiptoken,
    is_eventual,
    next_link,
    select_list,
)
from mockgraph.directory.rules import CompiledFilter, compile_filter
from mockgraph.directory.search import parse_search
from mockgraph.domain.keys import UserKey
from mockgraph.errors import GraphError
from mockgraph.gateway import GraphRequest

SORTABLE = {"displayname": "displayName", "userprincipalname": "userPrincipalName"}


def default_set(version: str) -> tuple[str, ...]:
    """The properties a read without $select returns, in this version."""
    return BETA_DEFAULT if version == "beta" else V1_DEFAULT


def find_user(index: UserIndex, key: UserKey) -> DirectoryUser:
    """The user a key names (GUID: by id; otherwise by UPN, ignoring case), or Graph's 404."""
    user: DirectoryUser | None = None
    if key.guid is not None:
        user = index.by_id.get(key.guid)
    elif key.upn is not None:
        user = index.by_upn.get(key.upn)
    if user is None:
        raise resource_not_found(key.text)
    return user


def get_user(
    user: DirectoryUser,
    request: GraphRequest,
    options: Options,
    basic_only: bool,
    registered: Callable[[], Mapping[str, str]],
) -> dict[str, Any]:
    """GET /me or /users/{key}: the default set, or exactly the $select list; `registered`:
    the tenant's schema extensions (UserIndex.schema_extensions)."""
    if options.expand is not None:
        raise _no_expand(options.expand)
    selected = select_list(options.select, user_catalog(request.version), "user", registered)
    names, written = selected if selected is not None else (default_set(request.version), None)
    return {
        "@odata.context": context_url(request, "users", written, entity=True),
        **user_document(user, names, basic_only),
    }


# Navigation properties of a user that Graph refuses to expand, as its schema names them.
_NOT_EXPANDABLE = {"photo": "Photo"}


def _no_expand(expand: str) -> GraphError:
    """Graph's own refusal for photo; mockgraph's for the navigations it does not emulate."""
    for item in expand.split(","):
        name = item.strip().split("(", 1)[0].split("/", 1)[0].strip()
        if name.lower() in _NOT_EXPANDABLE:
            return expand_not_supported(_NOT_EXPANDABLE[name.lower()])
    return RequestBadRequest(
        f"mockgraph does not emulate $expand ('{expand}') on directory objects; "
        "read the related resource instead."
    )


def _matching(
    index: UserIndex, options: Options, eventual: bool, basic_only: bool, advanced: bool
) -> Iterable[DirectoryUser]:
    """The users the options choose, in the order they ask for."""
    if options.search is not None and not eventual:
        raise search_needs_header()
    compiled = None
    if options.filter is not None:
        compiled = _compiled_filter(options.filter, advanced, basic_only)
    source: Iterable[DirectoryUser] = index.ordered
    checked = False  # the source already holds only users the filter matches
    if options.orderby is not None:
        if options.filter is not None and not advanced:
            raise RequestUnsupportedQuery("Sorting not supported for current query.")
        source = index.sorted_by(*_sort(options.orderby))
    elif compiled is not None and compiled.keys is not None:
        prop, values = compiled.keys
        if len(values) == 1:
            source = index.find(prop, values[0])
        else:
            found = {id(u): u for value in values for u in index.find(prop, value)}
            source = index.in_order(found.values())
        checked = compiled.exact
    if options.search is not None:
        match = parse_search(options.search)
        source = (u for u in source if match(u))
    if compiled is not None and not checked:
        predicate = compiled.predicate
        source = (u for u in source if predicate(u))
    return source


@functools.lru_cache(maxsize=4096)
def _compiled_filter(text: str, advanced: bool, basic_only: bool) -> CompiledFilter:
    """A $filter parsed and checked against Graph's rules once per text and mode (a refused
    one is not kept: its 400 is raised again each time)."""
    return compile_filter(parse_filter(text), advanced=advanced, basic_only=basic_only)


def _sort(orderby: str) -> tuple[str, bool]:
    words = orderby.split()
    if not words or len(words) > 2 or "," in orderby:
        raise RequestUnsupportedQuery(f"Unsupported sort property '{orderby}' for 'User'.")
    prop = SORTABLE.get(words[0].lower())
    if prop is None:
        raise RequestUnsupportedQuery(f"Unsupported sort property '{words[0]}' for 'User'.")
    direction = words[1].lower() if len(words) == 2 else "asc"
    if direction not in ("asc", "desc"):
        raise RequestUnsupportedQuery(f"Unsupported sort property '{orderby}' for 'User'.")
    return prop, direction == "desc"


def list_users(
    index: UserIndex, request: GraphRequest, options: Options, basic_only: bool
) -> dict[str, Any]:
    """GET /users: one page, with @odata.count (first page, advanced only) and nextLink."""
    if options.expand is not None:
        raise _no_expand(options.expand)
    catalog = user_catalog(request.version)
    selected = select_list(options.select, catalog, "user", lambda: index.schema_extensions)
    names, written = selected if selected is not None else (default_set(request.version), None)
    if not SHAREPOINT.isdisjoint(names):
        raise NotImplementedTarget("This operation target is not yet supported.")
    eventual = is_eventual(request)
    offset, advanced = 0, eventual and options.count
    if options.skiptoken is not None:
        offset, granted = decode_skiptoken(options.skiptoken, options)
        advanced = advanced or granted
    matching = _matching(index, options, eventual, basic_only, advanced)
    top = options.top or DEFAULT_TOP
    page: dict[str, Any] = {"@odata.context": context_url(request, "users", written, entity=False)}
    count_now = advanced and options.count and options.skiptoken is None
    if count_now:
        matching = list(matching)
        page["@odata.count"] = len(matching)
    window = _window(matching, offset, top + 1)
    if len(window) > top:
        token = encode_skiptoken(offset + top, options, advanced)
        page["@odata.nextLink"] = next_link(called_address(request), options, token)
    page["value"] = user_documents(window[:top], names, basic_only)
    return page


def _window(users: Iterable[DirectoryUser], offset: int, size: int) -> list[DirectoryUser]:
    """Up to `size` users from position `offset` (a list is sliced, not walked or copied)."""
    if isinstance(users, list):
        return users[offset : offset + size]
    return list(islice(users, offset, offset + size))


def count_users(index: UserIndex, request: GraphRequest, options: Options, basic_only: bool) -> int:
    """GET /users/$count: needs ConsistencyLevel: eventual.

    Source: https://learn.microsoft.com/graph/aad-advanced-queries.
    """
    if not is_eventual(request):
        raise RequestBadRequest("$count is not currently supported.")
    if options.filter is None and options.search is None:
        return len(index.ordered)
    return sum(1 for _ in _matching(index, options, True, basic_only, True))
