"""The dashboard at /_mockgraph/ui: a page shipped with the package, and what it reads.

The page changes nothing by itself: it mints a token at /_mockgraph/tokens and calls the real
Graph endpoints (or the control plane), so every change goes through Graph's rules, the
journal and the notifications, and every error it shows is the API's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from mockgraph import __version__
from mockgraph.admin.routes import RuntimeDep, TenantDep
from mockgraph.directory.photos import Photos
from mockgraph.domain.values import PREFERRED_PRESENCE_PAIRS, SET_PRESENCE_PAIRS
from mockgraph.errors import GraphError, NotFound
from mockgraph.runtime import Runtime
from mockgraph.state.store import Tenant
from mockgraph.ui.board import Order, Page, board, journal_rows, version_of

STATIC = Path(__file__).parent / "static"
UI_PATH = "/_mockgraph/ui"
ASSETS_PATH = f"{UI_PATH}/assets"
# The journal rows the page gets at most per look; it keeps its own window of them.
JOURNAL_ROWS = 200
DELIVERY_ROWS = 100
# The board's avatars: 48 px shown, 96 px sent for sharp high-density screens.
AVATAR_SIZE = 96

router = APIRouter(include_in_schema=False)
assets = StaticFiles(directory=STATIC)
# The same stored photos Graph serves at /users/{id}/photo/$value, read and cut on demand.
photos = Photos()


@router.get("/")
async def home() -> RedirectResponse:
    """The dashboard; it links to /docs."""
    return RedirectResponse(UI_PATH, status_code=307)


@router.get(
    UI_PATH, include_in_schema=True, tags=["mockgraph control plane"], response_class=HTMLResponse
)
async def dashboard() -> HTMLResponse:
    """The dashboard, for a person: every user's presence live, the controls to change it
    through the Graph API, the journal, subscriptions and their deliveries, faults, the clock."""
    return HTMLResponse(
        (STATIC / "index.html").read_text(encoding="utf-8"),
        headers={"Cache-Control": "no-cache"},
    )


@router.get(f"{UI_PATH}/meta")
async def meta(runtime: RuntimeDep) -> dict[str, Any]:
    """What the page's menus offer: tenants, fixture apps and Graph's presence pairs."""
    fixtures = runtime.fixtures
    return {
        "version": __version__,
        "defaultTenant": fixtures.tenant_id,
        "tenants": sorted(runtime.store.tenants),
        "apps": [
            {
                "appId": a.appId,
                "displayName": a.displayName or a.appId,
                "delegatedPermissions": a.delegatedPermissions,
                "applicationPermissions": a.applicationPermissions,
            }
            for a in fixtures.apps
        ],
        "setPresencePairs": sorted(SET_PRESENCE_PAIRS),
        "preferredPresencePairs": sorted(PREFERRED_PRESENCE_PAIRS),
    }


def _order(request: Request) -> Order:
    """The app's natural order of each tenant's users, made on the first look."""
    state = request.app.state
    if not hasattr(state, "board_order"):
        state.board_order = Order()
    order: Order = state.board_order
    return order


@router.get(f"{UI_PATH}/changes")
async def changes(
    request: Request,
    runtime: RuntimeDep,
    tenant: TenantDep,
    search: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    pageSize: Annotated[int, Query(ge=1, le=200)] = 48,
    board_version: Annotated[str, Query(alias="board", max_length=64)] = "",
    journal_after: Annotated[int, Query(alias="journal", ge=0)] = 0,
    deliveries_version: Annotated[str, Query(alias="deliveries", max_length=64)] = "",
    faults_version: Annotated[str, Query(alias="faults", max_length=64)] = "",
) -> dict[str, Any]:
    """What changed since the versions the page holds; unchanged parts are left out."""
    clock = tenant.clock
    answer: dict[str, Any] = {
        "tenant": tenant.id,
        "clock": {"now": int(clock.timestamp() * 1000), "frozen": clock.frozen},
        "journal": _journal(runtime, tenant, journal_after),
    }
    parts = {
        "board": (
            board_version,
            board(tenant, runtime.fixtures, Page(search, page, pageSize), _order(request)),
        ),
        "deliveries": (deliveries_version, _deliveries(runtime, tenant)),
        "faults": (faults_version, {"rules": [f.as_json() for f in tenant.faults.rules]}),
    }
    for name, (known, part) in parts.items():
        version = version_of(part)
        if version != known:
            answer[name] = {**part, "version": version}
    return answer


def _journal(runtime: Runtime, tenant: Tenant, after: int) -> dict[str, Any]:
    journal = runtime.journal
    # A journal that went back (a server restart) starts the page's window afresh.
    restart = after > journal.last_sequence
    entries = journal.after(0 if restart else after, tenant.id, JOURNAL_ROWS)
    return {
        "last": journal.last_sequence,
        "restart": restart,
        "entries": journal_rows(entries, tenant, runtime.fixtures, runtime.routes),
    }


def _deliveries(runtime: Runtime, tenant: Tenant) -> dict[str, Any]:
    apps = {a.appId.lower(): a.displayName or a.appId for a in runtime.fixtures.apps}
    subscriptions = []
    for s in runtime.notifier.of(tenant):
        creator = tenant.user(s.creator_id)
        subscriptions.append(
            {
                "id": s.id,
                "resource": s.resource,
                "app": apps.get(s.app_id.lower(), s.app_id),
                "creator": creator.display_name if creator is not None else s.creator_id,
                "notificationUrl": s.notification_url,
                "expiresAt": int(s.expires_at * 1000),
            }
        )
    attempts = [a.as_json() for a in runtime.notifier.log if a.tenant == tenant.id]
    return {"subscriptions": subscriptions, "attempts": attempts[-DELIVERY_ROWS:]}


@router.get(f"{UI_PATH}/photos/{{user_id}}")
async def photo(
    user_id: str,
    tenant: TenantDep,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """A user's photo for the board, as Graph's GET /users/{id}/photos/96x96/$value would
    give it, without a Graph token per image; 404 when the user has none (the page then
    shows initials)."""
    user = tenant.user(user_id)
    if user is None:
        raise NotFound(f"No user {user_id!r} in tenant {tenant.id}.")
    try:
        original = await photos.fetch(user.profile.photo, None)
        side = min(original.width, original.height)
        if side > AVATAR_SIZE:
            original = await photos.fetch(user.profile.photo, AVATAR_SIZE)
    except GraphError:
        raise NotFound(f"User {user_id!r} has no photo.") from None
    headers = {"ETag": original.etag, "Cache-Control": "private, no-cache"}
    if if_none_match == original.etag:
        return Response(status_code=304, headers=headers)
    return Response(original.data, media_type="image/jpeg", headers=headers)
