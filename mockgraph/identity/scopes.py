"""The `scope` parameter: Graph scopes, OIDC scopes, `.default`, and the APIs apps expose."""

from __future__ import annotations

from collections.abc import Callable, Collection

from mockgraph.clouds import (
    CLOUDS,
    GRAPH_APP_ID,
    Cloud,
    arm_resource,
    cloud_for_resource,
    same_login_hosts,
)
from mockgraph.identity.errors import (
    ConsentRequired,
    InvalidScope,
    MultipleResources,
    ResourceNotFound,
    ScopeNotExposed,
)
from mockgraph.identity.models import Grant, Requested
from mockgraph.state.fixtures import FixtureApp

OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
# Azure Resource Manager's one delegated permission (docs/fidelity.md, 'Azure Resource Manager
# (for the Azure CLI)').
ARM_SCOPE = "user_impersonation"
# A Graph scope may be written bare, after any cloud's Graph root, or after Graph's app id.
GRAPH_PREFIXES = (*(f"{cloud.graph_root}/" for cloud in CLOUDS), f"{GRAPH_APP_ID}/")
_GRAPH_RESOURCES = frozenset(p.rstrip("/").lower() for p in GRAPH_PREFIXES)

# Finds the fixture app a resource names (`api://...` or an app id), or None.
ApiResolver = Callable[[str], FixtureApp | None]


def _no_apis(resource: str) -> FixtureApp | None:
    return None


def short(scope: str) -> str:
    """A Graph scope without its resource prefix: `Presence.Read`."""
    lowered = scope.lower()
    for prefix in GRAPH_PREFIXES:
        if lowered.startswith(prefix.lower()):
            return scope[len(prefix) :]
    return scope


def _resource_of(scope: str) -> tuple[str, str] | None:
    """(resource, scope name) of a scope that names a resource other than by a bare name."""
    if "/" not in scope:
        return None
    resource, _, name = scope.rpartition("/")
    return resource.rstrip("/") or resource, name


def _arm_of(scope: str) -> str | None:
    """The audience a scope asks of Azure Resource Manager (its resource as written, e.g.
    `https://management.core.windows.net/` of `https://management.core.windows.net//.default`)."""
    found = arm_resource(scope.rpartition("/")[0]) if "/" in scope else None
    return None if found is None else found[1]


def read_scopes(raw: str, tenant: str, apis: ApiResolver = _no_apis) -> Requested:
    """The scopes asked for; 500011 for an unknown resource, 28000 for two, 70011 for a
    `.default` mixed with named scopes or a scope ARM does not have."""
    names: list[str] = []
    oidc: set[str] = set()
    default = False
    arm: str | None = None
    resources: dict[str, FixtureApp | None] = {}
    named = ""
    for scope in raw.split():
        lowered = scope.lower()
        if lowered in OIDC_SCOPES:
            oidc.add(lowered)
            continue
        split = ("", ".default") if lowered == ".default" else _resource_of(scope)
        if split is None:
            names.append(scope)
            resources.setdefault("graph", None)
            continue
        resource, name = split
        is_graph = resource == "" or resource.lower() in _GRAPH_RESOURCES
        audience = None if is_graph else _arm_of(scope)
        if audience is not None:
            resources.setdefault(f"arm:{audience.rstrip('/')}", None)
            arm = arm or audience
            if name.lower() == ".default":
                default = True
            elif name.lower() == ARM_SCOPE:
                names.append(ARM_SCOPE)
            else:
                raise InvalidScope(detail=f"The scope {scope} is not valid.")
            continue
        app = None if is_graph else apis(resource)
        if not is_graph and app is None:
            raise ResourceNotFound(resource=resource, tenant=tenant)
        resources.setdefault("graph" if app is None else app.appId, app)
        if app is not None and not named:
            named = resource
        if name.lower() == ".default":
            default = True
        else:
            names.append(name if app is not None else scope)
    if len(resources) > 1:
        raise MultipleResources(scope=raw)
    if default and names:
        raise InvalidScope(
            detail=(
                f"The scope {raw} is not valid. .default scope can't be combined with "
                "resource-specific scopes."
            )
        )
    api = next(iter(resources.values()), None)
    return Requested(tuple(names), frozenset(oidc), default, api, named=named, arm=arm)


def issuing_clouds(cloud: Cloud, raw: str, tenant: str) -> tuple[Cloud, Cloud]:
    """(the cloud that issues, the Graph the tokens are for) of a request on `cloud`'s login
    host; a Graph of a cloud with other login hosts is not found there (500011)."""
    for scope in raw.split():
        named = cloud_for_resource(scope)
        if named is None:
            arm = arm_resource(scope.rpartition("/")[0]) if "/" in scope else None
            if arm is not None and not same_login_hosts(arm[0], cloud):
                raise ResourceNotFound(resource=arm[1], tenant=tenant)
            continue
        if not same_login_hosts(named, cloud):
            raise ResourceNotFound(resource=named.graph_root, tenant=tenant)
        return cloud, named
    return cloud, cloud


def grant(app: FixtureApp, requested: Requested, consented: Collection[str] = ()) -> Grant:
    """What a delegated token gets. For an exposed API, the scopes asked for; for Graph, every
    delegated permission granted to the app (its fixture's, an admin's consent, plus what the
    user `consented`), in the permission's own spelling, if it covers what was asked
    (https://learn.microsoft.com/entra/identity-platform/scopes-oidc, docs/fidelity.md,
    'Scopes and consent')."""
    if requested.arm is not None:
        # Any app may act for its user on ARM (docs/fidelity.md, 'Azure Resource Manager (for
        # the Azure CLI)').
        return Grant((ARM_SCOPE,), requested.oidc, arm=requested.arm)
    resource = requested.resource
    if resource is not None:
        exposed = {s.lower(): s for s in resource.exposedScopes}
        if requested.default:
            return Grant(
                tuple(resource.exposedScopes), requested.oidc, resource, named=requested.named
            )
        for scope in requested.scopes:
            if scope.lower() not in exposed:
                raise ScopeNotExposed(
                    client=app.appId, scope=scope, resource=resource.identifier_uris[0]
                )
        return Grant(
            tuple(exposed[s.lower()] for s in requested.scopes),
            requested.oidc,
            resource,
            named=requested.named,
        )
    granted = {p.lower(): p for p in (*app.delegatedPermissions, *consented)}
    for scope in requested.scopes:
        if short(scope).lower() not in granted:
            raise ConsentRequired(app_id=app.appId, app_name=app.name, scope=short(scope))
    return Grant(tuple(granted.values()), requested.oidc, prefix=graph_prefix(requested))


def graph_prefix(requested: Requested) -> str:
    """The resource the client wrote before its Graph scopes (`https://graph.microsoft.com/`),
    which the answer's `scope` repeats; empty for bare names."""
    for scope in requested.scopes:
        bare = short(scope)
        if bare != scope:
            return scope[: len(scope) - len(bare)]
    return ""
