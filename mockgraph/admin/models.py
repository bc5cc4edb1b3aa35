"""Bodies of the control plane."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(BaseModel):
    status: str = "ok"


class TokenRequest(_Body):
    """Delegated with userId (and scopes), application with appId and roles and no userId."""

    userId: str | None = Field(None, examples=["fa8bf3dc-eca7-46b7-bad1-db199b62afc3"])
    scopes: list[str] | None = Field(None, examples=[["Presence.Read", "Presence.ReadWrite"]])
    appId: str | None = Field(
        None,
        description="The calling app; for a delegated token, "
        "defaults to the fixtures' first app with delegated permissions.",
    )
    roles: list[str] | None = Field(None, examples=[["Presence.ReadWrite.All"]])
    expiresIn: int = Field(3600, ge=1, le=366 * 86400, description="Lifetime in seconds.")
    tenantId: str | None = Field(None, description="Defaults to the fixtures' tenant.")


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


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
