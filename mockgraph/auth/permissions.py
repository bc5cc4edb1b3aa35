"""Graph's permission matrix for presence (reference §8): who may read or write what."""

from __future__ import annotations

from enum import Enum

from mockgraph.domain.principal import Principal
from mockgraph.errors import BadRequest, Forbidden, Unauthorized

INSUFFICIENT = "Insufficient privileges to complete the operation."


class Access(Enum):
    """What an operation does to a user's presence, which decides the permissions it needs."""

    READ = "read"
    BULK_READ = "bulk_read"
    WRITE = "write"
    LOCATION = "location"
    SUBSCRIBE = "subscribe"  # a presence subscription (change notifications)


# (delegated scopes on one's own presence, delegated scopes on another's, application roles);
# any one of a set is enough. None: that kind of caller may not do this at all.
_MATRIX: dict[Access, tuple[frozenset[str], frozenset[str] | None, frozenset[str] | None]] = {
    Access.READ: (
        frozenset({"Presence.Read", "Presence.Read.All"}),
        frozenset({"Presence.Read.All"}),
        frozenset({"Presence.Read.All", "Presence.ReadWrite.All"}),
    ),
    Access.BULK_READ: (
        frozenset({"Presence.Read.All"}),
        frozenset({"Presence.Read.All"}),
        frozenset({"Presence.Read.All", "Presence.ReadWrite.All"}),
    ),
    Access.WRITE: (
        frozenset({"Presence.ReadWrite"}),
        None,  # a user may set only their own presence
        frozenset({"Presence.ReadWrite.All"}),
    ),
    Access.LOCATION: (frozenset({"Presence.ReadWrite"}), None, None),
    # Delegated Presence.Read.All only; Graph supports no application permission here.
    Access.SUBSCRIBE: (
        frozenset({"Presence.Read.All"}),
        frozenset({"Presence.Read.All"}),
        None,
    ),
}


def reject_app_on_me(principal: Principal) -> None:
    if not principal.delegated:
        raise BadRequest("/me request is only valid with delegated authentication flow.")


def authorize(principal: Principal, access: Access, target_user_id: str | None) -> None:
    """Raise Graph's 403 (or 401 for a delegated write to another user) unless allowed."""
    own, others, app = _MATRIX[access]
    if principal.delegated:
        is_own = target_user_id is not None and target_user_id == principal.user_id
        needed = own if is_own else others
        if needed is None:
            if principal.permissions & own:
                # The live service answers 401 here, not 403 (reference §2.3).
                raise Unauthorized("Cannot set the presence of another user.")
            needed = own
        if not principal.permissions & needed:
            raise Forbidden(_hint(needed, "delegated"))
    else:
        if app is None:
            raise Forbidden(
                f"{INSUFFICIENT} This operation does not support application "
                "permissions; call it with a delegated (user) token."
            )
        if not principal.permissions & app:
            raise Forbidden(_hint(app, "application"))


def _hint(needed: frozenset[str], kind: str) -> str:
    return f"{INSUFFICIENT} It needs one of these {kind} permissions: {', '.join(sorted(needed))}."
