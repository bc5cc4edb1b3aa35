"""POST /_mockgraph/tokens (and `mockgraph token`): who a token names and what it carries.

A user is named by object id or userPrincipalName, an app by app id or display name; scopes
and roles are permission names, in a list or one string split at spaces or commas. A name
mockgraph does not know is a 400 with the closest known ones (docs/fidelity.md, "The
control plane's names").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from mockgraph.admin.models import TokenRequest, TokenResponse
from mockgraph.admin.service import did_you_mean
from mockgraph.auth.claims import directory_roles, user_claims
from mockgraph.auth.permissions import KNOWN_PERMISSIONS
from mockgraph.auth.tokens import TokenAuthority
from mockgraph.clouds import parse_cloud
from mockgraph.domain.guid import checked_guid, is_guid
from mockgraph.domain.user import Profile
from mockgraph.errors import BadRequest
from mockgraph.state.fixtures import FixtureApp, Fixtures

# The app id delegated tokens carry when neither the request nor the fixtures name one.
FALLBACK_APP_ID = "00000000-0000-0000-0000-00000000a11c"
# The profiles of the tenant's users, read only when a UPN is given; and the profile of one
# user by object id (None when the tenant has no such user), for a delegated token's claims.
People = Callable[[], Iterable[Profile]]
Lookup = Callable[[str], Profile | None]
# TokenAuthority.mint with the tenant, lifetime, clock and cloud of one request filled in.
Mint = Callable[..., str]
_SEPARATORS = re.compile(r"[\s,]+")


def mint_token(
    request: TokenRequest,
    fixtures: Fixtures,
    tokens: TokenAuthority,
    now: float,
    people: People,
    lookup: Lookup,
) -> TokenResponse:
    """A delegated (userId, scopes) or application (appId, roles) token, whatever is granted.

    Left out, scopes (roles) are the app's granted delegated (application) permissions; the
    answer's `scope` (`roles`) says which the token carries. BadRequest (400) for an unknown
    user, app or permission name, or for a mix of the two kinds.
    """
    tenant_id = checked_guid(request.tenantId or fixtures.tenant_id, "tenantId")
    cloud = None
    if request.cloud is not None:
        try:
            cloud = parse_cloud(request.cloud)
        except ValueError as exc:
            raise BadRequest(f"cloud: {exc}.") from None
    mint: Mint = partial(
        tokens.mint,
        now=now,
        lifetime=request.expiresIn,
        tenant_id=tenant_id,
        cloud=cloud,
        audience=cloud,
    )
    if request.userId is not None:
        if request.roles is not None:
            raise BadRequest("A delegated token (userId) carries scopes, not roles.")
        subject = user_id(request.userId, people, f"tenant {tenant_id}")
        return _delegated(request, fixtures, mint, subject, lookup(subject))
    if request.appId is None:
        raise BadRequest(
            "Give userId for a delegated token, or appId and roles for an application token."
        )
    if request.scopes is not None:
        raise BadRequest("An application token carries roles, not scopes.")
    app = find_app(request.appId, fixtures)
    roles = permission_names(request.roles, "roles", fixtures)
    if roles is None:
        roles = list(app.applicationPermissions) if app is not None else []
    token = mint(
        app_id=checked_guid(app.appId if app is not None else request.appId, "appId"),
        roles=roles,
        extra={"app_displayname": app.name} if app is not None else None,
    )
    return TokenResponse(access_token=token, expires_in=request.expiresIn, roles=roles)


def _delegated(
    request: TokenRequest, fixtures: Fixtures, mint: Mint, subject: str, user: Profile | None
) -> TokenResponse:
    """A token for user `subject` (`user`: their profile, None if the tenant has no such user),
    issued to the app the request names (else the fixtures' first with delegated permissions)."""
    app = find_app(request.appId, fixtures) if request.appId else None
    if app is None and not request.appId:
        app = next((a for a in fixtures.apps if a.delegatedPermissions), None)
    app_id = app.appId if app is not None else (request.appId or FALLBACK_APP_ID)
    scopes = permission_names(request.scopes, "scopes", fixtures)
    if scopes is None:
        scopes = list(app.delegatedPermissions) if app is not None else []
    token = mint(
        app_id=checked_guid(app_id, "appId"),
        user_id=subject,
        scopes=scopes,
        extra=_about(user, app.name if app is not None else None),
    )
    return TokenResponse(access_token=token, expires_in=request.expiresIn, scope=" ".join(scopes))


def _about(profile: Profile | None, app_name: str | None) -> dict[str, Any]:
    """What a delegated token says of its user and client, as a token from Entra's flows
    says it (`upn`, `name`, `wids`...: docs/fidelity.md, 'Token shape'); of a user id the
    tenant does not hold, nothing; of an app the fixtures do not list, no name."""
    claims: dict[str, Any] = {"app_displayname": app_name} if app_name is not None else {}
    if profile is not None:
        claims = {**user_claims(profile, ""), "wids": directory_roles(profile), **claims}
        if app_name is None:
            del claims["app_displayname"]
    return claims


def user_id(given: str, people: People, tenant: str) -> str:
    """The object id `given` names: itself if it is one, else the user whose UPN it is."""
    if is_guid(given):
        return checked_guid(given, "userId")
    wanted = given.strip().lower()
    upns = {p.upn.lower(): p.id for p in people()}
    found = upns.get(wanted)
    if found is None:
        raise BadRequest(
            f"userId: '{given}' is neither an object id nor the userPrincipalName of a user "
            f"of {tenant}.{did_you_mean(wanted, {u: u for u in upns})}"
        )
    return found


def find_app(given: str, fixtures: Fixtures) -> FixtureApp | None:
    """The fixture app with app id `given`, else the one whose display name it is (or begins,
    when only one does); None for an app id the fixtures do not list. BadRequest for a name
    that matches no app, or more than one."""
    wanted = given.strip().lower()
    if is_guid(wanted):
        return next((a for a in fixtures.apps if a.appId.lower() == wanted), None)
    names = {a.displayName.lower(): a for a in fixtures.apps if a.displayName}
    if wanted in names:
        return names[wanted]
    shown = {name: f"'{app.displayName}'" for name, app in names.items()}
    starting = [app for name, app in names.items() if name.startswith(wanted)]
    if len(starting) == 1:
        return starting[0]
    if starting:
        listed = ", ".join(f"'{a.displayName}'" for a in starting)
        raise BadRequest(f"appId: '{given}' begins the names of several apps: {listed}.")
    raise BadRequest(
        f"appId: '{given}' is neither an app id nor the display name of an app of the "
        f"fixtures.{did_you_mean(wanted, shown)}"
    )


def permission_names(
    given: Sequence[str] | None, field: str, fixtures: Fixtures
) -> list[str] | None:
    """The names in `given` (each item split at spaces and commas), each one mockgraph checks
    or a fixture app is granted; None if left out."""
    if given is None:
        return None
    names = [name for item in given for name in _SEPARATORS.split(item) if name]
    known = KNOWN_PERMISSIONS.union(
        *(a.delegatedPermissions for a in fixtures.apps),
        *(a.applicationPermissions for a in fixtures.apps),
    )
    by_lower = {name.lower(): name for name in known}
    for name in names:
        if name not in known:
            raise BadRequest(
                f"{field}: '{name}' is not a permission mockgraph knows."
                f"{did_you_mean(name, by_lower)}"
            )
    return names
