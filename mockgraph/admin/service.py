"""What the control plane does, apart from HTTP."""

from __future__ import annotations

from typing import Any

from mockgraph.admin.models import FaultSpec, ThrottlingSpec, TokenRequest, TokenResponse
from mockgraph.auth.tokens import TokenAuthority
from mockgraph.clouds import parse_cloud
from mockgraph.domain.guid import checked_guid
from mockgraph.domain.rendering import OTHER, entity_dict
from mockgraph.domain.times import parse_duration
from mockgraph.errors import BadRequest, Conflict
from mockgraph.gateway import Routes
from mockgraph.gateway.globs import unreachable
from mockgraph.limits import Limit
from mockgraph.state.faults import Fault
from mockgraph.state.fixtures import Fixtures, FixtureUser, seed_of
from mockgraph.state.journal import compile_glob
from mockgraph.state.store import Tenant, seed_user

METHODS = frozenset({"*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
# The app id delegated tokens carry when neither the request nor the fixtures name one.
FALLBACK_APP_ID = "00000000-0000-0000-0000-00000000a11c"


def mint_token(
    request: TokenRequest, fixtures: Fixtures, tokens: TokenAuthority, now: float
) -> TokenResponse:
    """A delegated (userId, scopes) or application (appId, roles) token, whatever is granted."""
    tenant_id = checked_guid(request.tenantId or fixtures.tenant_id, "tenantId")
    cloud = None
    if request.cloud is not None:
        try:
            cloud = parse_cloud(request.cloud)
        except ValueError as exc:
            raise BadRequest(f"cloud: {exc}.") from None
    if request.userId is not None:
        if request.roles is not None:
            raise BadRequest("A delegated token (userId) carries scopes, not roles.")
        app_id = request.appId or next(
            (a.appId for a in fixtures.apps if a.delegatedPermissions), FALLBACK_APP_ID
        )
        token = tokens.mint(
            now=now,
            lifetime=request.expiresIn,
            tenant_id=tenant_id,
            app_id=checked_guid(app_id, "appId"),
            user_id=checked_guid(request.userId, "userId"),
            scopes=request.scopes or [],
            cloud=cloud,
            audience=cloud,
        )
    else:
        if request.appId is None:
            raise BadRequest(
                "Give userId for a delegated token, or appId and roles for an application token."
            )
        if request.scopes is not None:
            raise BadRequest("An application token carries roles, not scopes.")
        token = tokens.mint(
            now=now,
            lifetime=request.expiresIn,
            tenant_id=tenant_id,
            app_id=checked_guid(request.appId, "appId"),
            roles=request.roles or [],
            cloud=cloud,
            audience=cloud,
        )
    return TokenResponse(access_token=token, expires_in=request.expiresIn)


def add_user(tenant: Tenant, fixture: FixtureUser) -> None:
    if tenant.user(fixture.id) is not None:
        raise Conflict(f"The user '{fixture.id}' already exists in this tenant.")
    upn = fixture.upn.lower()
    if any(u.user_principal_name.lower() == upn for u in tenant.users.values()):
        raise Conflict(f"The userPrincipalName '{fixture.upn}' is already taken in this tenant.")
    try:
        seed = seed_of(fixture)
    except ValueError as exc:
        raise BadRequest(f"photo: {exc}") from None
    tenant.users[fixture.id] = seed_user(seed, tenant.clock.timestamp())


def add_fault(tenant: Tenant, spec: FaultSpec, routes: Routes) -> Fault:
    """A fault for the tenant's Graph calls; BadRequest for one that could never apply."""
    if spec.status is None and not spec.delayMs:
        raise BadRequest("A fault needs a status to fail with, or a delayMs to answer late.")
    method = spec.method.upper() if spec.method else None
    if method is not None and method not in METHODS:
        raise BadRequest(
            f"method '{spec.method}' is not an HTTP method; use one of "
            f"{', '.join(sorted(METHODS))} or *."
        )
    compile_glob(spec.path)  # its own 400 first: not a glob at all
    why = unreachable(routes, spec.path, method)
    if why is not None:
        raise BadRequest(why)
    fault = Fault(
        method=method,
        path=spec.path,
        status=spec.status,
        times=spec.times,
        retry_after=spec.retryAfter,
        delay_ms=spec.delayMs,
        code=spec.code,
        message=spec.message,
        rate=spec.rate,
        seed=spec.seed,
    )
    tenant.faults.add(fault)
    return fault


def set_throttling(tenant: Tenant, spec: ThrottlingSpec) -> None:
    window = parse_duration(spec.window, "window").total_seconds()
    if window <= 0:
        raise BadRequest("window must be a positive duration, such as PT30S.")
    tenant.throttle.reset(None if spec.limit is None else Limit(spec.limit, window))


def users_as_read(tenant: Tenant) -> list[dict[str, Any]]:
    """Each user of the tenant with what a reader (another user) sees: the presence entity
    as Graph's GET /users/{id}/presence answers it now."""
    now = tenant.clock.timestamp()
    listed = []
    for user in tenant.users.values():
        user.current(now)
        listed.append(
            {
                "id": user.id,
                "displayName": user.display_name,
                "userPrincipalName": user.user_principal_name,
                "presence": entity_dict(user, OTHER),
                "sessions": len(user.sessions),
            }
        )
    return listed


def endpoints(openapi: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """The control plane's calls, from the app's OpenAPI (the first paragraph of each doc)."""
    listed = []
    for path, operations in openapi["paths"].items():
        if not path.startswith(prefix):
            continue
        for method, operation in operations.items():
            text = operation.get("description") or operation.get("summary") or ""
            first = " ".join(text.split("\n\n")[0].split())
            listed.append({"method": method.upper(), "path": path, "description": first})
    return listed
