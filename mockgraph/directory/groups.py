"""Groups: GET /groups/{id}, its members, and a user's memberOf.

Sources: https://learn.microsoft.com/graph/api/group-get,
https://learn.microsoft.com/graph/api/group-list-members,
https://learn.microsoft.com/graph/api/user-list-memberof.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import islice
from typing import Any

from mockgraph.auth.permissions import Sight
from mockgraph.directory.exceptions import (
    RequestBadRequest,
    RequestUnsupportedQuery,
    needs_advanced,
    resource_not_found,
)
from mockgraph.directory.filter import parse_filter
from mockgraph.directory.properties import (
    COLLECTIONS,
    GROUP_DEFAULT,
    GROUP_PROPERTIES,
    USER_PROPERTIES,
    DirectoryUser,
    group_value,
    user_value,
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
from mockgraph.directory.rules import compile_filter
from mockgraph.directory.search import parse_search
from mockgraph.directory.users import default_set
from mockgraph.domain.group import Group
from mockgraph.domain.guid import is_guid
from mockgraph.gateway import GraphRequest

USER_TYPE, GROUP_TYPE = "#microsoft.graph.user", "#microsoft.graph.group"
Member = DirectoryUser | Group
# $select on a directoryObject collection may name a property of any member type.
_ANY_PROPERTY = {**GROUP_PROPERTIES, **USER_PROPERTIES}


def find_group(groups: Mapping[str, Group], key: str) -> Group:
    """A group by object id: 400 for a malformed id, 404 for an unknown one.

    See docs/fidelity.md, 'Directory: users, photos, groups'.
    """
    if "," in key:
        raise RequestBadRequest(
            "Invalid value specified for object reference property 'id'. Please ensure that "
            "this value has an appropriate syntax and length."
        )
    if not is_guid(key):
        raise RequestBadRequest(f"Invalid object identifier '{key}'.")
    group = groups.get(key.lower())
    if group is None:
        raise resource_not_found(key)
    return group


def get_group(
    group: Group, request: GraphRequest, options: Options, sight: Sight
) -> dict[str, Any]:
    selected = select_list(options.select, GROUP_PROPERTIES, "group")
    names, written = selected if selected is not None else (GROUP_DEFAULT, None)
    readable = sight is Sight.FULL
    return {
        "@odata.context": context_url(request, "groups", written, entity=True),
        **{name: group_value(group, name, readable) for name in names},
    }


def _item(
    member: Member,
    names: tuple[str, ...] | None,
    user_sight: Sight,
    group_sight: Sight,
    version: str,
) -> dict[str, Any]:
    """A directoryObject: @odata.type and id first; hidden types show only those two.

    "Limited information returned for inaccessible member objects" in
    https://learn.microsoft.com/graph/permissions-overview.
    """
    if isinstance(member, Group):
        chosen = names if names is not None else GROUP_DEFAULT
        chosen = tuple(n for n in chosen if n in GROUP_PROPERTIES.values())
        readable = group_sight is Sight.FULL
        body = {n: group_value(member, n, readable) for n in chosen if n != "id"}
        return {"@odata.type": GROUP_TYPE, "id": member.id, **body}
    chosen = names if names is not None else default_set(version)
    chosen = tuple(n for n in chosen if n in USER_PROPERTIES.values())
    if user_sight is Sight.LIMITED:
        body = {n: [] if n in COLLECTIONS else None for n in chosen}
    else:
        basic = user_sight is Sight.BASIC
        body = {n: user_value(member, n, basic) for n in chosen}
    body.pop("id", None)
    return {"@odata.type": USER_TYPE, "id": member.id, **body}


def page_of(
    members: Sequence[Member],
    request: GraphRequest,
    options: Options,
    user_sight: Sight,
    group_sight: Sight,
    users_only: bool = False,
) -> dict[str, Any]:
    """One page of a directoryObject collection (members, memberOf), with paging and $count."""
    catalog = USER_PROPERTIES if users_only else _ANY_PROPERTY
    selected = select_list(options.select, catalog, "user" if users_only else "directoryObject")
    names, written = selected if selected is not None else (None, None)
    if users_only:
        members = [m for m in members if not isinstance(m, Group)]
    offset, advanced = 0, is_eventual(request) and options.count
    if options.skiptoken is not None:
        offset, granted = decode_skiptoken(options.skiptoken, options)
        advanced = advanced or granted
    members = _queried(members, options, advanced)
    entity_set = "users" if users_only else "directoryObjects"
    context = context_url(request, entity_set, written, entity=False)
    page: dict[str, Any] = {"@odata.context": context}
    if advanced and options.count and options.skiptoken is None:
        page["@odata.count"] = len(members)
    top = options.top or DEFAULT_TOP
    window = list(islice(members, offset, offset + top + 1))
    if len(window) > top:
        token = encode_skiptoken(offset + top, options, advanced)
        page["@odata.nextLink"] = next_link(called_address(request), options, token)
    version = request.version
    page["value"] = [_item(m, names, user_sight, group_sight, version) for m in window[:top]]
    return page


def _queried(members: Sequence[Member], options: Options, advanced: bool) -> Sequence[Member]:
    """$filter and $search over a relationship: advanced queries only, users only.

    https://learn.microsoft.com/graph/api/group-list-members and
    https://learn.microsoft.com/graph/aad-advanced-queries.
    """
    if options.orderby is not None:
        raise RequestUnsupportedQuery(
            f"Unsupported sort property '{options.orderby}' for 'DirectoryObject'."
        )
    if options.filter is None and options.search is None:
        return members
    if not advanced:
        operator = "$search" if options.filter is None else "$filter"
        raise needs_advanced(operator)
    users = [m for m in members if not isinstance(m, Group)]
    if options.filter is not None:
        compiled = compile_filter(parse_filter(options.filter), advanced=True, basic_only=False)
        users = [u for u in users if compiled.predicate(u)]
    if options.search is not None:
        match = parse_search(options.search)
        users = [u for u in users if match(u)]
    return users


def members_of(
    group: Group, users: Mapping[str, DirectoryUser], groups: Mapping[str, Group]
) -> list[Member]:
    """A group's direct members that exist, in the fixture's order."""
    found: list[Member] = []
    for member_id in group.members:
        member: Member | None = users.get(member_id) or groups.get(member_id)
        if member is not None:
            found.append(member)
    return found


def member_of(user_id: str, groups: Mapping[str, Group]) -> list[Member]:
    """The groups a user (or group) is a direct member of."""
    return [g for g in groups.values() if user_id in g.members]
