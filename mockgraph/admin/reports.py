"""/_mockgraph/report and /_mockgraph/requests.har: what the journal tells about each client,
and the journal in the format browsers' devtools, Fiddler and Charles read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from mockgraph import __version__
from mockgraph.admin.routes import TAG, JournalFilters, RuntimeDep, TenantDep
from mockgraph.errors import BadRequest
from mockgraph.gateway import Routes
from mockgraph.report.har import har_log
from mockgraph.report.report import build_report
from mockgraph.state.journal import Query as JournalQuery

router = APIRouter(prefix="/_mockgraph", tags=[TAG])
SinceParam = Annotated[
    str | None,
    Query(description="A journal sequence number: only the calls after it (0: every call)."),
]


def parse_since(since: str | None) -> int:
    """A journal sequence number, as ?since= gives it; Graph's 400 when it is not one."""
    if since is None or since == "":
        return 0
    try:
        value = int(since)
    except ValueError:
        value = -1
    if value < 0:
        raise BadRequest(
            f"since: '{since}' is not a journal sequence number (a whole number, 0 or more, "
            "such as the lastSequence of an earlier report)."
        )
    return value


def _graph_routes(request: Request) -> Routes:
    routes: Routes = request.app.graph.routes
    return routes


@router.get("/report")
async def get_report(
    request: Request, runtime: RuntimeDep, tenant: TenantDep, since: SinceParam = None
) -> dict[str, Any]:
    """What Graph would not tell you about each client of this tenant: its permissions against
    the least-privileged set its calls needed, its throttling budget, polling, retries and
    hygiene, token requests a cache would have saved included. Each finding has a severity,
    its evidence (journal sequence numbers) and its fix. `?since=` reports on the calls (and
    token requests) after a journal sequence number only."""
    after = parse_since(since)
    journal = runtime.journal
    entries = [e for e in journal.find(JournalQuery(tenant=tenant.id)) if e.sequence > after]
    return build_report(
        entries,
        _graph_routes(request),
        tenant_id=tenant.id,
        since=after,
        dropped=journal.dropped,
        tokens=runtime.token_log.of(tenant.id, after),
    )


@router.get("/requests.har")
async def export_har(request: Request, runtime: RuntimeDep, query: JournalFilters) -> JSONResponse:
    """The journal, or the part its filters select (the same as GET /_mockgraph/requests), as
    HAR 1.2 with request and response bodies, for browsers' devtools, Fiddler or Charles.
    Tokens are never in it: the journal keeps none."""
    base_url = str(request.base_url).rstrip("/")
    document = har_log(runtime.journal.find(query), base_url, __version__)
    return JSONResponse(
        document, headers={"Content-Disposition": 'attachment; filename="mockgraph.har"'}
    )
