"""Pages of a directoryObject relationship (members, memberOf and their transitive forms):
casts, $filter and $search over every member type, $orderby after a cast, paging, $count.

Sources: https://learn.microsoft.com/graph/api/group-list-members,
https://learn.microsoft.com/graph/api/group-list-transitivemembers,
https://learn.microsoft.com/graph/api/user-list-memberof,
https://learn.microsoft.com/graph/api/user-list-transitivememberof,
https://learn.microsoft.com/graph/aad-advanced-queries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import islice
from typing import Any

from mockgraph.auth.permissions import Sight
from mockgraph.directory.exceptions import (
    RequestUnsupportedQuery,
    reference_filter_unsupported,
    search_needs_header,
)
from mockgraph.directory.filter import parse_filter
from mockgraph.directory.group_rules import GROUPS
from mockgraph.directory.groups import Member, member_of, members_of
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
from mockgraph.directory.rules import USERS, Schema, compile_filter
from mockgraph.directory.search import parse_search
from mockgraph.directory.users import default_set
from mockgraph.domain.group import Group
from mockgraph.errors import GraphError
from mockgraph.gateway import GraphRequest

USER_TYPE, GROUP_TYPE = "#microsoft.graph.user", "#microsoft.graph.group"
# $select on a directoryObject collection may name a property of any member type.
_ANY_PROPERTY = {**GROUP_PROPERTIES, **USER_PROPERTIES}
# cast -> (what $select may name, the type its errors name, the entity set of the context)
_CASTS = {
    "": (_ANY_PROPERTY, "directoryObject", "directoryObjects"),
    "user": (USER_PROPERTIES, "user", "users"),
    "group": (GROUP_PROPERTIES, "group", "groups"),
}
# What $orderby may name after a cast (users: as on /users).
_SORTABLE = {
    "user": {"displayname": "displayName", "userprincipalname": "userPrincipalName"},
    "group": {"displayname": "displayName"},
}


def transitive_members(
    group: Group, users: Mapping[str, DirectoryUser], groups: Mapping[str, Group]
) -> list[Member]:
    """Every member of a group and of the groups in it, each once, breadth first."""
    found: dict[str, Member] = {}
    queue = [group]
    while queue:
        for member in members_of(queue.pop(0), users, groups):
            if member.id not in found and member.id != group.id:
                found[member.id] = member
                if isinstance(member, Group):
                    queue.append(member)
    return list(found.values())


def transitive_member_of(member_id: str, groups: Mapping[str, Group]) -> list[Member]:
    """Every group a user (or group) is in, directly or through other groups, each once."""
    found: dict[str, Member] = {}
    queue = [member_id]
    while queue:
        for group in member_of(queue.pop(0), groups):
            if group.id not in found and group.id != member_id:
                found[group.id] = group
                queue.append(group.id)
    return list(found.values())


def cast_to(members: Sequence[Member], cast: str) -> list[Member]:
    """The members of one type after microsoft.graph.user or microsoft.graph.group."""
    if cast == "user":
        return [m for m in members if not isinstance(m, Group)]
    if cast == "group":
        return [m for m in members if isinstance(m, Group)]
    return list(members)


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
    sights: tuple[Sight, Sight],
    cast: str = "",
) -> dict[str, Any]:
    """One page of a directoryObject collection (members, memberOf), with paging and $count."""
    catalog, type_name, entity_set = _CASTS[cast]
    selected = select_list(options.select, catalog, type_name)
    names, written = selected if selected is not None else (None, None)
    eventual = is_eventual(request)
    offset, advanced = 0, eventual and options.count
    if options.skiptoken is not None:
        offset, granted = decode_skiptoken(options.skiptoken, options)
        advanced, eventual = advanced or granted, eventual or granted
    chosen = queried(cast_to(members, cast), options, advanced, cast, eventual)
    page: dict[str, Any] = {
        "@odata.context": context_url(request, entity_set, written, entity=False)
    }
    if advanced and options.count and options.skiptoken is None:
        page["@odata.count"] = len(chosen)
    top = options.top or DEFAULT_TOP
    window = list(islice(chosen, offset, offset + top + 1))
    if len(window) > top:
        token = encode_skiptoken(offset + top, options, advanced)
        page["@odata.nextLink"] = next_link(called_address(request), options, token)
    version = request.version
    page["value"] = [_item(m, names, *sights, version) for m in window[:top]]
    return page


def queried(
    members: Sequence[Member], options: Options, advanced: bool, cast: str, eventual: bool = True
) -> list[Member]:
    """$filter, $search and $orderby over a relationship: advanced queries, every member type.

    https://learn.microsoft.com/graph/aad-advanced-queries lists the relationships and the
    query scenarios that need the advanced-query parameters.
    """
    if options.filter is not None and not advanced:
        raise reference_filter_unsupported()
    # $search needs the header alone (the page: "with the exception of $search").
    if options.search is not None and not (eventual or advanced):
        raise search_needs_header()
    chosen = list(members)
    if options.filter is not None:
        node = parse_filter(options.filter)
        chosen = _kept(
            chosen,
            cast,
            lambda s: compile_filter(node, advanced=True, basic_only=False, schema=s).predicate,
        )
    if options.search is not None:
        text = options.search
        chosen = _kept(chosen, cast, lambda s: parse_search(text, groups=s is GROUPS))
    if options.orderby is not None:
        chosen = _sorted(chosen, options.orderby, cast, advanced)
    return chosen


def _kept(
    members: list[Member], cast: str, compile_for: Callable[[Schema], Callable[[Any], bool]]
) -> list[Member]:
    """The members a condition keeps, checked against each member type's own rules: a type
    whose rules refuse the condition has no member that matches (both refusing: the error)."""
    tests: dict[bool, Callable[[Any], bool]] = {}
    refused: GraphError | None = None
    for is_group, schema in ((False, USERS), (True, GROUPS)):
        if cast and (cast == "group") != is_group:
            continue
        try:
            tests[is_group] = compile_for(schema)
        except GraphError as error:
            refused = refused or error
    if not tests and refused is not None:
        raise refused
    return [m for m in members if (t := tests.get(isinstance(m, Group))) is not None and t(m)]


def _sorted(members: list[Member], orderby: str, cast: str, advanced: bool) -> list[Member]:
    """$orderby: after a cast, on the type's sortable properties, as an advanced query."""
    words = orderby.split()
    resource = {"user": "User", "group": "Group"}.get(cast, "DirectoryObject")
    sortable = _SORTABLE.get(cast, {})
    prop = sortable.get(words[0].lower()) if words and "," not in orderby else None
    direction = words[1].lower() if len(words) == 2 else "asc"
    if prop is None or len(words) > 2 or direction not in ("asc", "desc"):
        raise RequestUnsupportedQuery(f"Unsupported sort property '{orderby}' for '{resource}'.")
    if not advanced:
        raise RequestUnsupportedQuery("Sorting not supported for current query.")

    def key(member: Member) -> str:
        value = (
            group_value(member, prop, True)
            if isinstance(member, Group)
            else user_value(member, prop, False)
        )
        return str(value or "").lower()

    return sorted(members, key=key, reverse=direction == "desc")
