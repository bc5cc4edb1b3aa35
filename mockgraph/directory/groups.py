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
    GROUP_DEFAULT,
    GROUP_PROPERTIES,
    USER_PROPERTIES,
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
