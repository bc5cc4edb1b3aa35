"""The official Microsoft Graph Python SDK (msgraph-sdk) against mockgraph, unmodified."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import httpx
import pytest
from azure.core.credentials import AccessToken
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.presence_status_message import PresenceStatusMessage
from msgraph.generated.users.item.presence.clear_presence.clear_presence_post_request_body import (
    ClearPresencePostRequestBody,
)
from msgraph.generated.users.item.presence.set_presence.set_presence_post_request_body import (
    SetPresencePostRequestBody,
)
from msgraph.generated.users.item.presence.set_status_message.set_status_message_post_request_body import (  # noqa: E501
    SetStatusMessagePostRequestBody,
)
from msgraph.graph_request_adapter import options as sdk_default_options
from msgraph_core import GraphClientFactory

from tests.client import Graph
from tests.constants import ADELE, ALEX, PRESENCE_SYNC


async def run(scenario: Callable[[AsyncExitStack], Awaitable[None]]) -> None:
    async with AsyncExitStack() as stack:
        await scenario(stack)


class StaticCredential:
    """An azure-core style async credential holding one token minted by mockgraph."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3600)

    async def close(self) -> None:
        return None


async def sdk_client(live: Graph, token: str, stack: AsyncExitStack) -> Any:
    """A GraphServiceClient with the SDK's own middleware, pointed at mockgraph."""
    # The SDK wraps the client's transport and does not close the one it wraps: close it here.
    transport = httpx.AsyncHTTPTransport()
    stack.push_async_callback(transport.aclose)
    http = await stack.enter_async_context(httpx.AsyncClient(transport=transport))
    provider = AzureIdentityAuthenticationProvider(StaticCredential(token))
    adapter = GraphRequestAdapter(
        provider,
        client=GraphClientFactory.create_with_default_middleware(
            client=http, options=sdk_default_options
        ),
    )
    adapter.base_url = f"{live.base_url}/v1.0"
    return GraphServiceClient(request_adapter=adapter)


def test_status_message_and_presence_through_the_sdk(live: Graph) -> None:
    async def scenario(stack: AsyncExitStack) -> None:
        adele = await sdk_client(
            live, live.token(userId=ADELE, scopes=["Presence.Read", "Presence.ReadWrite"]), stack
        )
        alex = await sdk_client(live, live.token(userId=ALEX, scopes=["Presence.Read.All"]), stack)
        app = await sdk_client(
            live, live.token(appId=PRESENCE_SYNC, roles=["Presence.ReadWrite.All"]), stack
        )
        message = PresenceStatusMessage(
            message=ItemBody(content="Lunch, back at 1", content_type=BodyType.Text)
        )
        await adele.users.by_user_id(ADELE).presence.set_status_message.post(
            SetStatusMessagePostRequestBody(status_message=message)
        )

        own = await adele.me.presence.get()
        assert own.status_message.message.content == "Lunch, back at 1"
        assert own.status_message.published_date_time is not None
        assert own.status_message.expiry_date_time.date_time == "9999-12-31T23:59:59.9999999"

        seen_by_alex = await alex.users.by_user_id(ADELE).presence.get()
        assert seen_by_alex.status_message.message.content == "Lunch, back at 1"
        assert seen_by_alex.status_message.published_date_time is None
        assert seen_by_alex.status_message.expiry_date_time is None

        # Graph's Edm.Duration is ISO 8601; the SDK writes a str as it is.
        await app.users.by_user_id(ADELE).presence.set_presence.post(
            SetPresencePostRequestBody(
                session_id=PRESENCE_SYNC,
                availability="Busy",
                activity="InACall",
                expiration_duration="PT1H",
            )
        )
        busy = await alex.communications.presences.by_presence_id(ADELE).get()
        assert (busy.availability, busy.activity) == ("Busy", "InACall")

        await app.users.by_user_id(ADELE).presence.clear_presence.post(
            ClearPresencePostRequestBody(session_id=PRESENCE_SYNC)
        )
        cleared = await alex.users.by_user_id(ADELE).presence.get()
        assert (cleared.availability, cleared.activity) == ("Available", "Available")

    asyncio.run(run(scenario))


def test_sdk_timedelta_is_refused_as_graph_refuses_it(live: Graph) -> None:
    """msgraph-sdk writes a timedelta as str(timedelta), '1:00:00', which Graph rejects."""

    async def scenario(stack: AsyncExitStack) -> None:
        app = await sdk_client(
            live, live.token(appId=PRESENCE_SYNC, roles=["Presence.ReadWrite.All"]), stack
        )
        with pytest.raises(ODataError) as refused:
            await app.users.by_user_id(ADELE).presence.set_presence.post(
                SetPresencePostRequestBody(
                    session_id=PRESENCE_SYNC,
                    availability="Busy",
                    activity="InACall",
                    expiration_duration=timedelta(hours=1),
                )
            )
        assert refused.value.response_status_code == 400
        assert "'1:00:00'" in refused.value.error.message

    asyncio.run(run(scenario))


def test_batch_through_the_sdk(live: Graph) -> None:
    from msgraph_core.requests.batch_request_content import BatchRequestContent
    from msgraph_core.requests.batch_request_item import BatchRequestItem

    async def scenario(stack: AsyncExitStack) -> None:
        app = await sdk_client(
            live, live.token(appId=PRESENCE_SYNC, roles=["Presence.ReadWrite.All"]), stack
        )
        set_busy = app.users.by_user_id(ADELE).presence.set_presence.to_post_request_information(
            SetPresencePostRequestBody(
                session_id=PRESENCE_SYNC,
                availability="Busy",
                activity="InACall",
                expiration_duration="PT1H",
            )
        )
        read = app.users.by_user_id(ADELE).presence.to_get_request_information()
        first = BatchRequestItem(request_information=set_busy, id="set")
        second = BatchRequestItem(request_information=read, id="get", depends_on=["set"])
        content = BatchRequestContent({first.id: first, second.id: second})

        answer = await app.batch.post(batch_request_content=content)

        assert answer.get_response_status_codes() == {"set": 200, "get": 200}
        # msgraph-core reads a batch item's body as base64 bytes, and Graph (like mockgraph)
        # answers JSON bodies as JSON objects, so the SDK leaves it empty; read it directly.
        presence = await app.users.by_user_id(ADELE).presence.get()
        assert (presence.availability, presence.activity) == ("Busy", "InACall")

    asyncio.run(run(scenario))
