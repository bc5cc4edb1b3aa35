"""Sign-in state is pruned on the tenant's clock: a long run's memory stays flat."""

from __future__ import annotations

from fastapi import FastAPI

from mockgraph.identity.models import RefreshGrant
from mockgraph.identity.pruning import FIRST_SCAN, Pruner
from tests.client import Graph
from tests.constants import TENANT
from tests.identity.entra import password_form

TOKEN = f"/{TENANT}/oauth2/v2.0/token"


def test_expired_refresh_tokens_are_pruned_on_the_tenants_clock(graph: Graph, app: FastAPI) -> None:
    form = password_form(scope="offline_access User.Read")
    kept = app.state.runtime.identity.issuer.refresh_tokens
    first = graph.admin.post(TOKEN, data=form).json()["refresh_token"]
    for _ in range(FIRST_SCAN):
        assert graph.admin.post(TOKEN, data=form).status_code == 200
    assert len(kept) == FIRST_SCAN + 1
    graph.advance("P91D")  # past a refresh token's 90 days
    latest = graph.admin.post(TOKEN, data=form).json()["refresh_token"]
    assert list(kept) == [latest]
    refreshed = graph.admin.post(
        TOKEN, data={**form, "grant_type": "refresh_token", "refresh_token": first}
    )
    assert refreshed.json()["error"] == "invalid_grant"


def test_past_the_cap_the_oldest_go(app: FastAPI) -> None:
    store = app.state.runtime.store
    tenant = store.tenant(TENANT)
    pruner = Pruner(store, cap=3)
    kept: dict[str, RefreshGrant] = {}
    later = tenant.clock.timestamp() + 3600
    for index in range(10):
        pruner.make_room(kept)
        kept[str(index)] = RefreshGrant("app", TENANT, "user", None, later)  # type: ignore[arg-type]
    assert list(kept) == ["7", "8", "9"]
