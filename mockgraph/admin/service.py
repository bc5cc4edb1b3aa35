"""What the control plane does, apart from HTTP."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from mockgraph.admin.models import FaultSpec, ThrottlingSpec
from mockgraph.domain.rendering import OTHER, entity_dict
from mockgraph.domain.times import parse_duration
from mockgraph.errors import BadRequest, Conflict
from mockgraph.gateway import Routes
from mockgraph.gateway.globs import unreachable
from mockgraph.limits import Limit
from mockgraph.state.faults import Fault
from mockgraph.state.fixtures import FixtureUser, seed_of
from mockgraph.state.journal import compile_glob
from mockgraph.state.store import Tenant, seed_user

CONTROL_PREFIX = "/_mockgraph/"
METHODS = frozenset({"*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def add_user(tenant: Tenant, fixture: FixtureUser) -> None:
    if tenant.user(fixture.id) is not None:
        raise Conflict(f"The user '{fixture.id}' already exists in this tenant.")
    upn = fixture.upn.lower()
    if any(u.user_principal_name.lower() == upn for u in tenant.users.people()):
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


def did_you_mean(wanted: str, names: dict[str, str], *, by_start: bool = True) -> str:
    """' Did you mean X or Y?' for the names (lower case -> as shown) closest to `wanted`, as
    a whole or (`by_start`) by their start (a display name's first words), or ''."""
    wanted = wanted.lower()
    if wanted in names:  # the name in another case
        return f" Did you mean {names[wanted]}?"

    def likeness(name: str) -> tuple[float, float]:
        whole = difflib.SequenceMatcher(None, wanted, name).ratio()
        if not by_start:
            return whole, whole
        start = difflib.SequenceMatcher(None, wanted, name[: len(wanted)]).ratio()
        return max(whole, start), whole

    scored = sorted(((likeness(name), name) for name in names), reverse=True)
    if not scored or scored[0][0][0] < 0.75:
        return ""
    best = scored[0][0][0]
    close = [name for (score, _), name in scored[:3] if score >= best - 0.05]
    return f" Did you mean {' or '.join(names[c] for c in close)}?"


def near_miss(path: str, known: Iterable[str]) -> str:
    """' Did you mean /_mockgraph/…?' for a control-plane path a 404 was close to, or ''.
    A path's `{param}` parts match whatever the caller put there."""
    given = path.rstrip("/").split("/")
    # Under the control plane, only what follows its prefix is compared.
    cut = len(CONTROL_PREFIX) if path.lower().startswith(CONTROL_PREFIX) else 0
    names: dict[str, str] = {}
    for template in known:
        parts = template.split("/")
        if len(parts) == len(given):
            parts = [g if p.startswith("{") else p for p, g in zip(parts, given, strict=True)]
        full = "/".join(parts)
        names[full[cut:].lower()] = full
    return did_you_mean(path.rstrip("/")[cut:], names, by_start=False)
