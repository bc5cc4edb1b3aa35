"""A notification endpoint inside mockgraph, so a subscription can be tried with nothing else
running (Swagger UI's example uses it); what it receives shows in /_mockgraph/notifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

WEBHOOK_PATH = "/_mockgraph/webhook"

router = APIRouter(tags=["mockgraph control plane"])


@router.post(
    WEBHOOK_PATH,
    response_class=PlainTextResponse,
    status_code=202,
    responses={200: {"description": "The validation token, echoed as Graph expects"}},
)
async def receive_notification(
    validationToken: Annotated[
        str | None, Query(max_length=1024, description="Graph's validation handshake.")
    ] = None,
) -> PlainTextResponse:
    """A webhook that accepts every change notification (202) and answers Graph's validation
    handshake with the token, as a subscriber must. Use it as a subscription's
    `notificationUrl`, for example `http://127.0.0.1:8000/_mockgraph/webhook`."""
    if validationToken is not None:
        return PlainTextResponse(validationToken)
    return PlainTextResponse("", status_code=202)
