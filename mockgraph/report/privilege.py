"""Least privilege: what a client's tokens carried, against the least-privileged set that
would have covered every call it made (the permission matrix in auth/permissions.py).

Which permission is the least privileged of those that allow a call follows the "Least
privileged permissions" columns of each operation's page (https://learn.microsoft.com/graph/
api/presence-get, .../user-get, .../group-list-members, ...) and the permissions reference
(https://learn.microsoft.com/graph/permissions-reference). Dev Proxy's
GraphMinimalPermissionsPlugin words the same finding for one request at a time
(https://learn.microsoft.com/microsoft-cloud/dev/dev-proxy/technical-reference/graphminimalpermissionsplugin).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from mockgraph.report.calls import Call, Client
from mockgraph.report.findings import ERROR, WARNING, Finding, plural, sequences

SOURCE = "https://learn.microsoft.com/graph/permissions-overview#best-practices-for-using-microsoft-graph-permissions"
# Lower is less privileged; a permission not named here ranks above all of these.
_RANK = {
    name: rank
    for rank, names in enumerate(
        (
            ("Presence.Read", "User.Read"),
            ("Presence.Read.All", "User.ReadBasic.All", "ProfilePhoto.Read.All"),
            ("Presence.ReadWrite", "User.ReadWrite", "GroupMember.Read.All"),
            ("Presence.ReadWrite.All", "User.Read.All", "Group.Read.All"),
            ("ProfilePhoto.ReadWrite.All", "GroupMember.ReadWrite.All"),
            ("User.ReadWrite.All", "Group.ReadWrite.All"),
            ("Directory.Read.All",),
            ("Directory.AccessAsUser.All",),
            ("Directory.ReadWrite.All",),
        )
    )
    for name in names
}
# Sign-in scopes, not Graph permissions: never over-privilege.
_SIGN_IN = frozenset({"openid", "profile", "email", "offline_access"})


def _rank(permission: str) -> tuple[int, str]:
    return (_RANK.get(permission, len(_RANK)), permission)


def least_privileged(requirements: Iterable[frozenset[str]]) -> frozenset[str]:
    """The smallest, least-privileged set holding one permission of each requirement."""
    distinct = sorted(set(requirements), key=lambda r: (len(r), sorted(r)))
    chosen: set[str] = set()
    for options in distinct:
        if not chosen & options:
            chosen.add(min(options, key=_rank))
    # A pick made early may be covered by a later one: drop what nothing needs alone.
    for permission in sorted(chosen, key=_rank):
        rest = chosen - {permission}
        if all(rest & options for options in distinct):
            chosen = rest
    return frozenset(chosen)


def permissions(client: Client, calls: Sequence[Call]) -> tuple[dict[str, Any], list[Finding]]:
    """The client's permissions section, and its findings: over-privilege, refusals."""
    held: set[str] = set()
    for call in calls:
        principal = call.entry.principal
        if principal is not None:
            held |= principal.permissions
    needed = least_privileged(c.needs for c in calls if c.needs is not None)
    extra = sorted(held - needed - _SIGN_IN, key=_rank)
    kind = "delegated scopes" if client.delegated else "application roles"
    section = {
        "kind": kind,
        "held": sorted(held, key=_rank),
        "leastPrivileged": sorted(needed, key=_rank),
        "overPrivileged": extra,
    }
    findings = _refused(client, calls)
    if extra:
        findings.insert(0, _over_privileged(client, calls, extra, needed))
    return section, findings


def _over_privileged(
    client: Client, calls: Sequence[Call], extra: list[str], needed: frozenset[str]
) -> Finding:
    wanted = ", ".join(sorted(needed, key=_rank)) or "none"
    kind = "scopes" if client.delegated else "roles"
    return Finding(
        "permissions",
        "overPrivileged",
        WARNING,
        f"{', '.join(extra)} held, only {wanted} needed",
        f"Ask for {wanted} only (the {kind} an admin consents to), and drop {', '.join(extra)}.",
        sequences(c for c in calls if c.needs is not None),
        details={"held": extra, "needed": sorted(needed, key=_rank)},
        source=SOURCE,
    )


def _refused(client: Client, calls: Sequence[Call]) -> list[Finding]:
    """Calls answered 403 (or the 401 of a delegated write to another user) for lack of a
    permission, one finding per permission that would have allowed them."""
    groups: dict[frozenset[str] | None, list[Call]] = {}
    for call in calls:
        entry = call.entry
        principal = entry.principal
        lacking = call.needs is None or principal is None or not principal.permissions & call.needs
        # A 401 is a permission's only for the write no token may make; else it is the token's.
        refusal = entry.status == 403 or (entry.status == 401 and not call.possible)
        if refusal and call.operation is not None and lacking:
            groups.setdefault(call.needs, []).append(call)
    findings = []
    for needs, refused in groups.items():
        if needs is None:
            title = f"{plural(len(refused), 'call')} refused: no permission allows them"
            fix = (
                "Call these with a delegated (user) token, and set only the signed-in user's "
                "presence."
                if not client.delegated
                else "A delegated token may change only the signed-in user's presence."
            )
            details: dict[str, Any] = {}
        else:
            least = min(needs, key=_rank)
            kind = "delegated permission (scope)" if client.delegated else "application permission"
            title = f"{plural(len(refused), 'call')} refused for lack of {least}"
            fix = f"Add the {least} {kind} and have an admin consent to it."
            details = {"needed": least, "anyOf": sorted(needs, key=_rank)}
        findings.append(
            Finding(
                "permissions",
                "refused",
                ERROR,
                title,
                fix,
                sequences(refused),
                details=details,
                source=SOURCE,
            )
        )
    return findings
