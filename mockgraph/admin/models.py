"""Bodies of the control plane."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(BaseModel):
    status: str = "ok"
    # The intercepting proxy's port on the server's host (`mockgraph env` reads it).
    proxyPort: int | None = None
    # State-file saves that failed since start, and the last one's cause (absent: none).
    stateSaveFailures: int | None = None
    lastStateSaveError: str | None = None


class TokenRequest(_Body):
    """Delegated with userId (and scopes), application with appId and roles and no userId."""

    userId: str | None = Field(
        None,
        description="The signed-in user: an object id or a userPrincipalName.",
        examples=["fa8bf3dc-eca7-46b7-bad1-db199b62afc3"],
    )
    scopes: list[str] | None = Field(
        None,
        description="Delegated permissions (an item may hold several, split at spaces or "
        "commas); left out, the app's granted delegated permissions.",
        examples=[["Presence.Read", "Presence.ReadWrite"]],
    )
    appId: str | None = Field(
        None,
        description="The calling app: an app id or a fixture app's display name; for a "
        "delegated token, defaults to the fixtures' first app with delegated permissions.",
    )
    roles: list[str] | None = Field(
        None,
        description="Application permissions; left out, the app's granted ones.",
        examples=[["Presence.ReadWrite.All"]],
    )
    expiresIn: int = Field(3600, ge=1, le=366 * 86400, description="Lifetime in seconds.")
    tenantId: str | None = Field(None, description="Defaults to the fixtures' tenant.")
    cloud: str | None = Field(
        None,
        description="The national cloud whose Graph the token is for (its `iss` and `aud`): "
        "global, usgov, dod or china. Defaults to MOCKGRAPH_CLOUD.",
    )


class TenantRequest(_Body):
    tenantId: str = Field(examples=["0d5c0e4a-9b1f-4e77-8c2a-3f6b7d9e1a25"])


class TenantResponse(BaseModel):
    tenantId: str
    created: bool = Field(description="False when the tenant already existed.")


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    scope: str | None = Field(
        None, description="A delegated token's scopes (its `scp`), space-separated."
    )
    roles: list[str] | None = Field(None, description="An application token's roles.")


class ClockState(BaseModel):
    now: str
    frozen: bool
    offset: str = Field(description="How far the clock is ahead of real time, ISO 8601.")


class ClockChange(_Body):
    """One change at a time: advance, set, freeze or resume."""

    advance: str | None = Field(None, examples=["PT10M"])
    set: str | None = Field(None, examples=["2026-01-01T00:00:00Z"])
    freeze: bool | None = None
    resume: bool | None = None


class FaultSpec(_Body):
    """Make matching Graph calls fail (with `status`) or answer late (`delayMs` alone)."""

    method: str | None = Field(
        None, description="HTTP method, or * / null for any.", examples=["GET"]
    )
    path: str = Field(
        description="A glob over the full path, version prefix included (`*`, `?`, `[...]`, "
        "case-insensitive); one that can match no Graph call mockgraph serves is refused.",
        examples=["/v1.0/users/*/presence"],
        max_length=1000,
    )
    status: int | None = Field(None, ge=400, le=599, examples=[429])
    times: int | None = Field(None, ge=1, description="How many calls; null: until cleared.")
    retryAfter: int | None = Field(None, ge=0, le=86400, description="Seconds (429 and 503).")
    delayMs: int = Field(0, ge=0, le=60_000)
    code: str | None = Field(None, description="The error code; Graph's for the status if null.")
    message: str | None = None
    rate: float | None = Field(None, ge=0, le=1, description="Share of matching calls hit.")
    seed: int | None = Field(None, description="Makes a `rate` reproducible.")


class ThrottlingSpec(_Body):
    """Requests allowed per window per app in this tenant; limit null turns throttling off."""

    limit: int | None = Field(None, ge=1, examples=[1500])
    window: str = Field("PT30S", description="ISO 8601 duration.", examples=["PT30S"])


class ThrottlingState(BaseModel):
    limit: int | None
    window: str | None


class Listing(BaseModel):
    value: list[dict[str, Any]]


class JournalListing(Listing):
    dropped: int = Field(description="Calls lost to the journal's bound since it was cleared.")


class Cleared(BaseModel):
    cleared: int
