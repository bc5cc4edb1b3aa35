"""/_mockgraph routes: thin handlers over the runtime."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from mockgraph.admin import service
from mockgraph.admin.models import ClockChange, ClockState, Health, TokenRequest, TokenResponse
from mockgraph.errors import BadRequest
from mockgraph.presence.times import (
    format_duration,
    format_offset_datetime,
    parse_duration,
    parse_offset_datetime,
)
from mockgraph.runtime import Runtime

TAG = "mockgraph control plane"

router = APIRouter(prefix="/_mockgraph", tags=[TAG])


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(_runtime)]


@router.get("/health", response_model=Health)
async def health() -> Health:
    """200 once the server is ready."""
    return Health()


@router.post("/tokens", response_model=TokenResponse)
async def mint_token(request: TokenRequest, runtime: RuntimeDep) -> TokenResponse:
    """Mint a bearer token signed by this server: delegated (`userId`, `scopes`) or
    application (`appId`, `roles`). Any scopes or roles may be minted, whatever the
    fixtures grant, so tests can check how a client handles 403s."""
    return service.mint_token(request, runtime.fixtures, runtime.tokens, runtime.clock.timestamp())


@router.post("/reset", response_model=Health)
async def reset(runtime: RuntimeDep) -> Health:
    """Back to the fixtures: every tenant's state, and the clock back to real time."""
    runtime.store.reset()
    runtime.clock.reset()
    return Health()


@router.get("/clock", response_model=ClockState)
async def get_clock(runtime: RuntimeDep) -> ClockState:
    """The virtual clock every Graph rule follows."""
    return _clock_state(runtime)


@router.post("/clock", response_model=ClockState)
async def change_clock(change: ClockChange, runtime: RuntimeDep) -> ClockState:
    """Move time instead of sleeping: `{"advance": "PT10M"}`, `{"set": "2026-01-01T00:00:00Z"}`,
    `{"freeze": true}` or `{"resume": true}`."""
    given = change.model_dump(exclude_none=True)
    if len(given) != 1:
        raise BadRequest("Give exactly one of advance, set, freeze or resume.")
    clock = runtime.clock
    if change.advance is not None:
        delta = parse_duration(change.advance, "advance")
        if delta.total_seconds() < 0:
            raise BadRequest("advance must not be negative; use set to go back in time.")
        clock.advance(delta)
    elif change.set is not None:
        clock.set(parse_offset_datetime(change.set, "set"))
    elif change.freeze:
        clock.freeze()
    elif change.resume:
        clock.resume()
    return _clock_state(runtime)


def _clock_state(runtime: Runtime) -> ClockState:
    offset = runtime.clock.offset
    sign = "-" if offset.total_seconds() < 0 else ""
    return ClockState(
        now=format_offset_datetime(runtime.clock.now()),
        frozen=runtime.clock.frozen,
        offset=sign + format_duration(abs(offset)),
    )
