"""Graph's $filter rules for groups, as a group turns up in members and memberOf lists.

Source: the group rows of the $filter matrix of
https://learn.microsoft.com/graph/aad-advanced-queries (its include
concepts/includes/filter-directory-objects.md); `groupTypes/any(c:c eq 'Unified')` from
https://learn.microsoft.com/graph/api/resources/group.
"""

from __future__ import annotations

from mockgraph.directory.properties import GROUP_PROPERTIES, group_value
from mockgraph.directory.rules import A, Schema, matrix_row

# eq startsWith ge/le null, as the matrix marks each: D, A or - (blank or not supported).
_MATRIX = {
    "id": "D - - -",
    "classification": "D D - -",
    "createdByAppId": "D - - -",
    "description": "A A - A",
    "displayName": "D D - A",
    "expirationDateTime": "A - A -",
    "hasMembersWithLicenseErrors": "D - - D",
    "isAssignableToRole": "D - - -",
    "mail": "D D - A",
    "mailEnabled": "D - - -",
    "mailNickname": "D D - A",
    "membershipRule": "D D - -",
    "membershipRuleProcessingState": "D - - -",
    "onPremisesLastSyncDateTime": "D - D -",
    "onPremisesSamAccountName": "A A - -",
    "onPremisesSecurityIdentifier": "D - - A",
    "onPremisesSyncEnabled": "D - - A",
    "preferredLanguage": "A A - A",
    "renewedDateTime": "D - D -",
    "securityEnabled": "D - - -",
    "uniqueName": "D D - -",
    # The lambda forms.
    "groupTypes": "D - - -",
    "proxyAddresses": "D D - -",
    "resourceBehaviorOptions": "D - - -",
    "resourceProvisioningOptions": "D - - -",
}
SUPPORT = {name: matrix_row(cells) for name, cells in _MATRIX.items()}
for _name in ("assignedLicenses", "onPremisesProvisioningErrors", "proxyAddresses"):
    SUPPORT[f"{_name}/$count"] = {"eq": A, "ne": A}

GROUPS = Schema(
    "Group",
    "group",
    SUPPORT,
    {**GROUP_PROPERTIES, **{name.lower(): name for name in SUPPORT}},
    lambda group, name: group_value(group, name, True),
    frozenset(
        {"groupTypes", "proxyAddresses", "resourceBehaviorOptions", "resourceProvisioningOptions"}
    ),
    frozenset(
        {
            "hasMembersWithLicenseErrors",
            "isAssignableToRole",
            "mailEnabled",
            "onPremisesSyncEnabled",
            "securityEnabled",
        }
    ),
    frozenset({"expirationDateTime", "onPremisesLastSyncDateTime", "renewedDateTime"}),
)
