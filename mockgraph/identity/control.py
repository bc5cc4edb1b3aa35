"""/_mockgraph/device-codes: the control plane's view of the device codes clients wait on.

Part of the control plane (app.py files it under the control plane's tag and the admin key
guards it by its path), kept here because it only reads and decides identity's own state.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from mockgraph.domain.guid import checked_guid
from mockgraph.domain.times import format_offset_datetime
from mockgraph.errors import BadRequest
from mockgraph.identity.devicecode import DeviceCodes
from mockgraph.identity.models import DeviceCode
from mockgraph.identity.service import Identity

router = APIRouter(prefix="/_mockgraph")


class DeviceCodeDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    userId: str | None = Field(
        None,
        description="The user who signs in (object id or UPN); needed to approve.",
        examples=["fa8bf3dc-eca7-46b7-bad1-db199b62afc3"],
    )
    decision: Literal["approve", "deny"] = "approve"


class DeviceCodeInfo(BaseModel):
    userCode: str
    clientId: str
    appDisplayName: str
    tenantId: str
    scopes: list[str]
    status: str
    userId: str | None
    expiresDateTime: str


class DeviceCodeListing(BaseModel):
    value: list[DeviceCodeInfo]


async def _codes(request: Request) -> DeviceCodes:
    # create_app puts an Identity there; the runtime itself knows it only as SignIns.
    identity: Identity = request.app.state.runtime.identity
    return identity.device_codes


DeviceCodesDep = Annotated[DeviceCodes, Depends(_codes)]


def _info(code: DeviceCode) -> DeviceCodeInfo:
    return DeviceCodeInfo(
        userCode=code.user_code,
        clientId=code.client_id,
        appDisplayName=code.app_name,
        tenantId=code.tenant_id,
        # The scopes asked for (granted ones once approved).
        scopes=list(code.requested.scopes if code.grant is None else code.grant.scopes),
        status=code.status,
        userId=code.user_id,
        expiresDateTime=format_offset_datetime(datetime.fromtimestamp(code.expires_at, UTC)),
    )


@router.get("/device-codes", response_model=DeviceCodeListing)
async def list_device_codes(
    codes: DeviceCodesDep,
    tenant: Annotated[str | None, Query(description="A tenant id; every tenant's without.")] = None,
) -> DeviceCodeListing:
    """Device codes waiting for a person (not decided, not expired), oldest first."""
    wanted = checked_guid(tenant, "tenant") if tenant else None
    return DeviceCodeListing(value=[_info(c) for c in codes.listing(wanted)])


@router.post("/device-codes/{user_code}", response_model=DeviceCodeInfo)
async def decide_device_code(
    user_code: str, body: DeviceCodeDecision, codes: DeviceCodesDep
) -> DeviceCodeInfo:
    """Decide a device code as the person at /devicelogin would: `{"userId": ..., "decision":
    "approve"}` or `{"decision": "deny"}`. The client's next poll gets the token or
    `authorization_declined`. 404 for an unknown code, 409 for one already decided or expired."""
    if body.decision == "approve" and not body.userId:
        raise BadRequest("Approving a device code needs the userId (object id or UPN).")
    return _info(codes.decide(user_code, body.userId, body.decision == "approve"))
