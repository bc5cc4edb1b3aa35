"""Graph's permission matrix for presence: who may read or write what.

From the Permissions table of each operation's page (such as
https://learn.microsoft.com/graph/api/presence-get); the rest in docs/fidelity.md, 'Tokens and
permissions'.
"""

from __future__ import annotations

from enum import Enum

from mockgraph.domain.principal import Principal
from mockgraph.errors import BadRequest, Forbidden, Unauthorized

INSUFFICIENT = "Insufficient privileges to complete the operation."


class Access(Enum):
    """What an operation does to a user's presence, which decides the permissions it needs."""

    # Members are singletons that compare by identity, so identity is an exact hash, and a C
    # one: Enum's own __hash__ is a Python call, paid by every Graph call's permission check.
    __hash__ = object.__hash__

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
                # The live service answers 401 here, not 403: a capture in
                # https://github.com/microsoftgraph/microsoft-graph-explorer-v4/issues/3096
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


# --- The directory slice -----------------------------------------------------------------
# The Permissions tables of https://learn.microsoft.com/graph/api/user-get and its siblings
# (user-list, group-get, group-list-members, user-list-memberof, profilephoto-get).


class Directory(Enum):
    """What a directory call reads, which decides the permissions it needs."""

    USER = "user"  # /me, /users/{key}
    USERS = "users"  # /users, /users/$count
    PHOTO = "photo"
    GROUP = "group"  # /groups/{id}
    MEMBERS = "members"  # /groups/{id}/members
    MEMBER_OF = "member_of"  # /me/memberOf, /users/{key}/memberOf


class Sight(Enum):
    """How much of a directory object the caller sees.

    The basic profile of https://learn.microsoft.com/graph/api/resources/users, and
    "Limited information returned for inaccessible member objects" in
    https://learn.microsoft.com/graph/permissions-overview.
    """

    FULL = "full"
    BASIC = "basic"  # User.ReadBasic.All: non-basic properties read as null
    LIMITED = "limited"  # only @odata.type and id


_USER_FULL = frozenset(
    {"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
)
_USER_BASIC = frozenset({"User.ReadBasic.All"})
_OWN = frozenset({"User.Read", "User.ReadWrite", "Directory.AccessAsUser.All"})
_GROUP_READ = frozenset(
    {
        "GroupMember.Read.All",
        "GroupMember.ReadWrite.All",
        "Group.Read.All",
        "Group.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    }
)
_PHOTO = frozenset({"ProfilePhoto.Read.All", "ProfilePhoto.ReadWrite.All"})
# (delegated, application) permissions each directory call needs, one of a set being enough.
_DIRECTORY: dict[Directory, tuple[frozenset[str], frozenset[str] | None]] = {
    Directory.USER: (_USER_FULL | _USER_BASIC, _USER_FULL | _USER_BASIC),
    Directory.USERS: (_USER_FULL | _USER_BASIC, _USER_FULL | _USER_BASIC),
    Directory.PHOTO: (
        _PHOTO | _OWN | _USER_BASIC | _USER_FULL,
        _PHOTO | _USER_BASIC | frozenset({"User.Read.All", "User.ReadWrite.All"}),
    ),
    Directory.GROUP: (_GROUP_READ, _GROUP_READ),
    Directory.MEMBERS: (_GROUP_READ, _GROUP_READ),
    Directory.MEMBER_OF: (
        _GROUP_READ | frozenset({"User.Read.All"}),
        frozenset({"Directory.Read.All", "Directory.ReadWrite.All"}),
    ),
}


def _denied() -> Forbidden:
    return Forbidden(INSUFFICIENT, code="Authorization_RequestDenied")


def authorize_directory(principal: Principal, access: Directory, own: bool) -> None:
    """Graph's 403 Authorization_RequestDenied unless the token may make this call.

    `own`: the call is about the signed-in user (/me, or their own id or UPN).
    """
    granted = principal.permissions
    delegated, app = _DIRECTORY[access]
    if principal.delegated:
        if own and access in (Directory.USER, Directory.MEMBER_OF) and granted & _OWN:
            return
        if not granted & delegated:
            raise _denied()
    elif app is None or not granted & app:
        raise _denied()


def user_sight(principal: Principal, own: bool) -> Sight:
    """What the caller sees of a user: all of it, the basic profile, or only the id."""
    granted = principal.permissions
    if (own and principal.delegated) or granted & _USER_FULL:
        return Sight.FULL
    if granted & _USER_BASIC:
        return Sight.BASIC
    return Sight.LIMITED


def group_sight(principal: Principal) -> Sight:
    return Sight.FULL if principal.permissions & _GROUP_READ else Sight.LIMITED


# --- What a call needs, for the report ------------------------------------------------
# The same declarations `authorize` and `authorize_directory` check, read the other way round:
# which permissions, any one of them, would have let a caller make a call.

# Full reads of other users: a read with User.ReadBasic.All alone sees other properties as null.
USER_FULL_READ = _USER_FULL


def presence_needs(access: Access, delegated: bool, own: bool) -> frozenset[str] | None:
    """Any one of these lets the caller make a presence call; None: this kind of token never
    can (an app token on a delegated-only call, a delegated write to another user)."""
    own_set, others, app = _MATRIX[access]
    if not delegated:
        return app
    return own_set if own else others


def directory_needs(access: Directory, delegated: bool, own: bool) -> frozenset[str] | None:
    """Any one of these lets the caller make a directory call (None: never)."""
    delegated_set, app = _DIRECTORY[access]
    if not delegated:
        return app
    if own and access in (Directory.USER, Directory.MEMBER_OF):
        return delegated_set | _OWN
    return delegated_set


# --- The names a minted token may carry ---------------------------------------------------
# Every Graph permission the checks above read, and the OpenID Connect scopes Entra adds to a
# delegated token's scp (https://learn.microsoft.com/entra/identity-platform/scopes-oidc).
OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})
KNOWN_PERMISSIONS = (
    frozenset(
        name
        for sets in (*_MATRIX.values(), *_DIRECTORY.values())
        for names in sets
        if names is not None
        for name in names
    )
    | _OWN
    | OIDC_SCOPES
)
