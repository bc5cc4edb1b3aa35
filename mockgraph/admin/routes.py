"""/_mockgraph routes: thin handlers over the runtime."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import PlainTextResponse

from mockgraph import jsontext
from mockgraph.admin import service, tokens
from mockgraph.admin.models import (
    Cleared,
    ClockChange,
    ClockState,
    FaultSpec,
    Health,
    JournalListing,
    Listing,
    TenantRequest,
    TenantResponse,
    ThrottlingSpec,
    ThrottlingState,
    TokenRequest,
    TokenResponse,
)
from mockgraph.domain.guid import checked_guid, is_guid
from mockgraph.domain.keys import UserKey
from mockgraph.domain.times import (
    check_clock_time,
    format_duration,
    format_offset_datetime,
    parse_duration,
    parse_offset_datetime,
)
from mockgraph.errors import BadRequest, NotFound
from mockgraph.jsontext import NotUnicode, TooDeep
from mockgraph.runtime import Runtime
from mockgraph.state.fixtures import FixtureUser
from mockgraph.state.journal import Query as JournalQuery
from mockgraph.state.journal import compile_glob
from mockgraph.state.snapshot import export_tenant, import_tenant
from mockgraph.state.store import Tenant

TAG = "mockgraph control plane"


async def _text_body(request: Request) -> None:
    """A JSON body that is not text (a lone UTF-16 surrogate) or too deep to read is refused
    before its route sees it: FastAPI parses control-plane bodies, and jsontext says why. On
    the routes that take a body only; the others ignore theirs."""
    try:
        jsontext.check(await request.body())
    except (NotUnicode, TooDeep) as exc:
        raise BadRequest(str(exc)) from None


TEXT_BODY = [Depends(_text_body)]
router = APIRouter(prefix="/_mockgraph", tags=[TAG])
# Health alone: FastAPI prepares a router's routes on its first request, so the first probe
# (a container's healthcheck, a test waiting for start-up) does not wait on the other twenty.
health_router = APIRouter(prefix="/_mockgraph", tags=[TAG])


# The dependencies are coroutines: FastAPI runs a plain `def` one in a worker thread, and these
# read and make tenants, which only the event loop touches.
async def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
TenantParam = Annotated[
    str | None,
    Query(alias="tenant", description="A tenant id; the fixtures' tenant when left out."),
]


async def _tenant(request: Request, runtime: RuntimeDep, tenant: TenantParam = None) -> Tenant:
    return _caught_up(
        request,
        runtime.store.tenant(
            checked_guid(tenant, "tenant") if tenant else runtime.fixtures.tenant_id
        ),
    )


def _caught_up(request: Request, tenant: Tenant) -> Tenant:
    """The tenant, brought to where its running scenario (if any) should be, as before a
    Graph call on it (mockgraph/scenarios/control.py, `catch_up`)."""
    request.app.state.scenarios.catch_up(tenant)
    return tenant


TenantDep = Annotated[Tenant, Depends(_tenant)]


@router.get("")
async def index(request: Request) -> Listing:
    """Every control-plane call: method, path and what it does."""
    state = request.app.state
    if getattr(state, "control_plane_index", None) is None:
        state.control_plane_index = service.endpoints(request.app.openapi(), router.prefix)
    return Listing(value=state.control_plane_index)


@health_router.get("/health", response_model=Health, response_model_exclude_none=True)
async def health(runtime: RuntimeDep) -> Health:
    """200 once the server is ready."""
    saves = runtime.saves
    return Health(
        proxyPort=runtime.settings.proxy_port,
        stateSaveFailures=saves.failures or None,
        lastStateSaveError=saves.last_error,
    )


@router.get("/ca.pem", response_class=PlainTextResponse)
async def ca_certificate(runtime: RuntimeDep) -> PlainTextResponse:
    """The CA certificate to trust when mockgraph serves HTTPS (`mockgraph serve --tls`)."""
    path = runtime.settings.tls_ca
    if path is None:
        raise NotFound("mockgraph is not serving HTTPS with a CA of its own (start it with --tls).")
    return PlainTextResponse(path.read_text(), media_type="application/x-pem-file")


@router.post(
    "/tokens",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    dependencies=TEXT_BODY,
)
async def mint_token(request: TokenRequest, http: Request, runtime: RuntimeDep) -> TokenResponse:
    """Mint a bearer token signed by this server: delegated (`userId`, `scopes`) or
    application (`appId`, `roles`). A user may be named by object id or userPrincipalName,
    an app by app id or display name. Any known scopes or roles may be minted, whatever the
    fixtures grant, so tests can check how a client handles 403s; left out, they are the
    app's granted permissions. Its lifetime follows the clock of its tenant."""
    tenant = runtime.store.tenant(
        checked_guid(request.tenantId or runtime.fixtures.tenant_id, "tenantId")
    )
    _caught_up(http, tenant)
    return tokens.mint_token(
        request,
        runtime.fixtures,
        runtime.tokens,
        tenant.clock.timestamp(),
        _people(tenant),
        lambda user_id: user.profile if (user := tenant.user(user_id)) is not None else None,
    )


def _people(tenant: Tenant) -> tokens.People:
    return lambda: (u.profile for u in tenant.users.people())


@router.post("/tenants", response_model=TenantResponse, status_code=201, dependencies=TEXT_BODY)
async def create_tenant(
    request: TenantRequest, runtime: RuntimeDep, response: Response
) -> TenantResponse:
    """Make a tenant exist, seeded from the fixtures: Entra's endpoints and Graph then take its
    id (any other is AADSTS90002 unless MOCKGRAPH_TENANTS=any). 200 if it already existed."""
    tenant_id = checked_guid(request.tenantId, "tenantId").lower()
    created = runtime.store.create(tenant_id)
    if not created:
        response.status_code = 200
    return TenantResponse(tenantId=tenant_id, created=created)


@router.post("/reset", response_model=Health)
async def reset(runtime: RuntimeDep, tenant: TenantParam = None) -> Health:
    """Back to the fixtures: users, sessions, clock, faults, throttling windows and journal;
    one tenant with `?tenant=`, every tenant without."""
    tenant_id = checked_guid(tenant, "tenant") if tenant else None
    runtime.store.reset(tenant_id)
    runtime.journal.clear(tenant_id)
    runtime.identity.forget(tenant_id)
    runtime.notifier.forget(tenant_id)
    return Health()


@router.get("/state")
async def export_state(tenant: TenantDep) -> dict[str, Any]:
    """The whole state of one tenant: users, sessions with their expiry, preferred presence,
    status messages, work location, sequence numbers and its clock."""
    return export_tenant(tenant)


@router.put("/state", dependencies=TEXT_BODY)
async def import_state(
    tenant: TenantDep, document: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """Replace one tenant's state with an export; all or nothing."""
    import_tenant(tenant, document)
    return export_tenant(tenant)


@router.get("/users", response_model=Listing)
async def list_users(tenant: TenantDep) -> Listing:
    """The tenant's users, each with the presence another user reading it sees now (no
    status-message dates, as in Graph), and how many sessions hold it."""
    return Listing(value=service.users_as_read(tenant))


@router.post("/users", dependencies=TEXT_BODY)
async def add_user(user: FixtureUser, tenant: TenantDep) -> dict[str, Any]:
    """Add a user, in the fixture file's user format."""
    service.add_user(tenant, user)
    return {"id": user.id}


@router.delete("/users/{user_id}")
async def remove_user(user_id: str, tenant: TenantDep) -> dict[str, Any]:
    """Remove a user (by object id or userPrincipalName) and their presence."""
    user = tenant.find_user(UserKey(user_id, "either"))
    if user is None or tenant.users.pop(user.id, None) is None:
        raise NotFound(f"The user '{user_id}' was not found in this tenant.")
    return {"id": user.id}


@router.get("/requests", response_model=JournalListing)
async def list_requests(runtime: RuntimeDep, query: JournalFilters) -> JournalListing:
    """Every Graph call the server answered, oldest first; failed calls included, tokens never
    kept. Without `?tenant=`, every tenant's. `userId` may be a userPrincipalName, `appId` a
    fixture app's display name."""
    entries = [e.as_json() for e in runtime.journal.find(query)]
    return JournalListing(value=entries, dropped=runtime.journal.dropped)


async def journal_query(
    runtime: RuntimeDep,
    tenant: TenantParam = None,
    method: str | None = None,
    path: Annotated[str | None, Query(description="A glob over the full path.")] = None,
    status: int | None = None,
    userId: str | None = None,
    appId: str | None = None,
    since: Annotated[str | None, Query(description="ISO 8601 date-time.")] = None,
) -> JournalQuery:
    """The journal's filters as /_mockgraph/requests (and requests.har) take them: `userId`
    an object id or userPrincipalName (of `tenant`, else the fixtures'), `appId` an app id or
    a fixture app's display name."""
    user, app = userId, appId
    tenant_id = checked_guid(tenant, "tenant") if tenant else None
    if user and not is_guid(user):
        named = runtime.store.tenant(tenant_id or runtime.fixtures.tenant_id)
        user = tokens.user_id(user, _people(named), "the tenant")
    if app and not is_guid(app):
        found = tokens.find_app(app, runtime.fixtures)
        app = found.appId if found is not None else app
    return JournalQuery(
        tenant=tenant_id,
        method=method.upper() if method else None,
        path=compile_glob(path) if path else None,
        status=status,
        user_id=user.lower() if user else None,
        app_id=app.lower() if app else None,
        since=parse_offset_datetime(since, "since").timestamp() if since else None,
    )


# The journal's filters, as query parameters of the routes that list it.
JournalFilters = Annotated[JournalQuery, Depends(journal_query)]


@router.delete("/requests", response_model=Cleared)
async def clear_requests(runtime: RuntimeDep, tenant: TenantParam = None) -> Cleared:
    """Forget the journal (and the token requests the report reads), or one tenant's part."""
    before = len(runtime.journal)
    tenant_id = checked_guid(tenant, "tenant") if tenant else None
    runtime.journal.clear(tenant_id)
    runtime.token_log.forget(tenant_id)
    return Cleared(cleared=before - len(runtime.journal))


@router.post("/faults", dependencies=TEXT_BODY)
async def add_fault(spec: FaultSpec, tenant: TenantDep, runtime: RuntimeDep) -> dict[str, Any]:
    """Make matching Graph calls of this tenant fail or answer late. A path that can match no
    Graph call mockgraph serves (no /v1.0/ or /beta/, a resource it does not serve, a method
    no operation there takes) is refused with a 400 saying why."""
    return service.add_fault(tenant, spec, runtime.routes).as_json()


@router.get("/faults", response_model=Listing)
async def list_faults(tenant: TenantDep) -> Listing:
    """The faults in place for this tenant, with the calls each has left."""
    return Listing(value=[f.as_json() for f in tenant.faults.rules])


@router.delete("/faults", response_model=Cleared)
async def clear_faults(tenant: TenantDep) -> Cleared:
    """Remove every fault of this tenant."""
    count = len(tenant.faults.rules)
    tenant.faults.clear()
    return Cleared(cleared=count)


@router.get("/notifications", response_model=Listing)
async def list_notifications(
    runtime: RuntimeDep, tenant: TenantParam = None, subscriptionId: str | None = None
) -> Listing:
    """Every delivery attempt (validation handshakes included): subscription, URL, payload,
    status, latency, attempt number and outcome. Without `?tenant=`, every tenant's."""
    wanted = checked_guid(tenant, "tenant") if tenant else None
    return Listing(
        value=[
            a.as_json()
            for a in runtime.notifier.log
            if (wanted is None or a.tenant == wanted)
            and (subscriptionId is None or a.subscription_id == subscriptionId)
        ]
    )


@router.post("/notifications/flush")
async def flush_notifications(runtime: RuntimeDep) -> dict[str, int]:
    """Wait until every pending delivery (retries included) is done, so tests need no sleep."""
    pending = await runtime.notifier.flush()
    return {"pending": pending, "attempts": len(runtime.notifier.log)}


@router.get("/throttling", response_model=ThrottlingState)
async def get_throttling(tenant: TenantDep) -> ThrottlingState:
    """The throttling limit of this tenant (per app)."""
    return _throttling(tenant)


@router.put("/throttling", response_model=ThrottlingState, dependencies=TEXT_BODY)
async def set_throttling(spec: ThrottlingSpec, tenant: TenantDep) -> ThrottlingState:
    """Set this tenant's limit, for example Graph's `{"limit": 1500, "window": "PT30S"}`;
    `{"limit": null}` turns it off. Windows start afresh."""
    service.set_throttling(tenant, spec)
    return _throttling(tenant)


def _throttling(tenant: Tenant) -> ThrottlingState:
    limit = tenant.throttle.limit
    if limit is None:
        return ThrottlingState(limit=None, window=None)
    return ThrottlingState(
        limit=limit.requests, window=format_duration(timedelta(seconds=limit.window))
    )


@router.get("/clock", response_model=ClockState)
async def get_clock(tenant: TenantDep) -> ClockState:
    """The virtual clock every Graph rule of this tenant follows."""
    return _clock_state(tenant)


@router.post("/clock", response_model=ClockState, dependencies=TEXT_BODY)
async def change_clock(change: ClockChange, tenant: TenantDep, runtime: RuntimeDep) -> ClockState:
    """Move time instead of sleeping: `{"advance": "PT10M"}`, `{"set": "2026-01-01T00:00:00Z"}`,
    `{"freeze": true}` or `{"resume": true}`."""
    given = change.model_dump(exclude_none=True)
    if len(given) != 1:
        raise BadRequest("Give exactly one of advance, set, freeze or resume.")
    clock = tenant.clock
    if change.advance is not None:
        delta = parse_duration(change.advance, "advance")
        if delta.total_seconds() < 0:
            raise BadRequest("advance must not be negative; use set to go back in time.")
        check_clock_time(clock.now() + delta, "advance")
        clock.advance(delta)
    elif change.set is not None:
        clock.set(check_clock_time(parse_offset_datetime(change.set, "set"), "set"))
    elif change.freeze:
        clock.freeze()
    elif change.resume:
        clock.resume()
    # Moving time may fade or expire presence that subscribers hear about.
    runtime.notifier.scan(tenant)
    return _clock_state(tenant)


def _clock_state(tenant: Tenant) -> ClockState:
    offset = tenant.clock.offset
    sign = "-" if offset.total_seconds() < 0 else ""
    return ClockState(
        now=format_offset_datetime(tenant.clock.now()),
        frozen=tenant.clock.frozen,
        offset=sign + format_duration(abs(offset)),
    )
