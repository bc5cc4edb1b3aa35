"""Groups: GET /groups/{id}, its members, and a user's memberOf.

Sources: https://learn.microsoft.com/graph/api/group-get,
https://learn.microsoft.com/graph/api/group-list-members,
https://learn.microsoft.com/graph/api/user-list-memberof.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockgraph.auth.permissions import Sight
from mockgraph.directory.exceptions import (
    RequestBadRequest,
    resource_not_found,
)
from mockgraph.directory.properties import (
    GROUP_BETA_DEFAULT,
    GROUP_BETA_PROPERTIES,
    GROUP_DEFAULT,
    GROUP_PROPERTIES,
    DirectoryUser,
    group_value,
)
from mockgraph.directory.query import (
    Options,
    context_url,
    select_list,
)
from mockgraph.domain.group import Group
from mockgraph.domain.guid import is_guid
from mockgraph.gateway import GraphRequest

# A directoryObject of a relationship: a user or a group.
Member = DirectoryUser | Group


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
    beta = request.version == "beta"
    catalog = GROUP_BETA_PROPERTIES if beta else GROUP_PROPERTIES
    selected = select_list(options.select, catalog, "group")
    default = GROUP_BETA_DEFAULT if beta else GROUP_DEFAULT
    names, written = selected if selected is not None else (default, None)
    if "id" not in names:
        # A group's id comes with any $select, as both versions' examples show
        # (https://learn.microsoft.com/graph/api/group-get; docs/fidelity.md).
        names = ("id", *names)
    readable = sight is Sight.FULL
    document = {
        "@odata.context": context_url(request, "groups", written, entity=True),
        **{name: group_value(group, name, readable) for name in names},
    }
    if "organizationId" in document and readable:
        # beta's organizationId: the tenant the group belongs to (its example shows it).
        document["organizationId"] = request.tenant.id
    return document


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
