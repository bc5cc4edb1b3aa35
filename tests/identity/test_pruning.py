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


class _Counted:
    """A grant that counts how often its expiry is read: what a scan costs."""

    reads = 0

    def __init__(self, expires_at: float) -> None:
        self.tenant_id = TENANT
        self._expires_at = expires_at

    @property
    def expires_at(self) -> float:
        _Counted.reads += 1
        return self._expires_at


def test_at_the_cap_an_addition_does_not_scan_every_entry(app: FastAPI) -> None:
    store = app.state.runtime.store
    cap = 4 * FIRST_SCAN
    pruner = Pruner(store, cap=cap)
    kept: dict[str, _Counted] = {}
    later = store.tenant(TENANT).clock.timestamp() + 3600
    for index in range(3 * cap):
        pruner.make_room(kept)
        kept[str(index)] = _Counted(later)

    assert list(kept) == [str(i) for i in range(2 * cap, 3 * cap)]
    # Amortised O(1): a scan every half a cap's additions, not one per addition at the cap
    # (which made 12,288 additions read 8 million expiries, and a sign-in 60 ms at 50,000).
    assert _Counted.reads < 20 * 3 * cap
