"""A directory group: declared once, as the seed file writes it.

Source: https://learn.microsoft.com/graph/api/group-get.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import StrictStr

from mockgraph.domain.user import Guid


@dataclasses.dataclass(frozen=True, slots=True)
class Group:
    """A group; `members` holds user and group ids, in the seed file's order."""

    id: Guid
    displayName: StrictStr
    description: StrictStr | None = None
    mail: StrictStr | None = None
    members: tuple[Guid, ...] = ()


def group_json(group: Group) -> dict[str, Any]:
    """The group as the seed and state files write it."""
    return {
        "id": group.id,
        "displayName": group.displayName,
        "description": group.description,
        "mail": group.mail,
        "members": list(group.members),
    }
