"""A directory group: declared once, as the seed file writes it.

Source: https://learn.microsoft.com/graph/api/group-get.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import StrictBool, StrictStr

from mockgraph.domain.user import Guid


@dataclasses.dataclass(frozen=True, slots=True)
class Group:
    """A group; `members` holds user and group ids, in the seed file's order."""

    id: Guid
    displayName: StrictStr
    description: StrictStr | None = None
    mail: StrictStr | None = None
    members: tuple[Guid, ...] = ()
    # Read back as the seed file gives them (https://learn.microsoft.com/graph/api/group-get
    # shows each); unset ones read null.
    createdDateTime: StrictStr | None = None
    renewedDateTime: StrictStr | None = None
    expirationDateTime: StrictStr | None = None
    securityIdentifier: StrictStr | None = None
    preferredDataLocation: StrictStr | None = None
    createdByAppId: StrictStr | None = None
    # Dynamic membership and management restriction, read back as given; mockgraph does not
    # evaluate the rule (docs/fidelity.md, 'Conformance: the documented examples (issue 20)').
    membershipRule: StrictStr | None = None
    membershipRuleProcessingState: StrictStr | None = None
    membershipRuleProcessingStatus: dict[StrictStr, Any] | None = None
    isManagementRestricted: StrictBool | None = None

    @property
    def stored(self) -> dict[str, Any]:
        """The optional properties the seed file gave, by name."""
        return {name: value for name in STORED if (value := getattr(self, name)) is not None}


STORED = (
    "createdDateTime",
    "renewedDateTime",
    "expirationDateTime",
    "securityIdentifier",
    "preferredDataLocation",
    "createdByAppId",
    "membershipRule",
    "membershipRuleProcessingState",
    "membershipRuleProcessingStatus",
    "isManagementRestricted",
)


def group_json(group: Group) -> dict[str, Any]:
    """The group as the seed and state files write it."""
    return {
        "id": group.id,
        "displayName": group.displayName,
        "description": group.description,
        "mail": group.mail,
        "members": list(group.members),
        **group.stored,
    }
