"""The report on real clients over a real server: a well-behaved msgraph-sdk client (with
$select, a presence subscription and its retry handler) has no finding at all."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.subscription import Subscription
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph.graph_request_adapter import options as sdk_default_options
from msgraph_core import GraphClientFactory

from mockgraph.testing import WebhookReceiver
from tests.client import Graph
from tests.constants import ADELE, ALEX, BUSY_LIGHT, MEGAN
from tests.e2e.test_msgraph_sdk import StaticCredential

SCOPES = ["Presence.Read.All", "User.ReadBasic.All"]


async def _new_request_id(request: httpx.Request) -> None:
    request.headers.setdefault("client-request-id", str(uuid.uuid4()))


async def sdk_client(live: Graph, token: str, stack: AsyncExitStack) -> Any:
    """A GraphServiceClient with the SDK's own middleware. The SDK sends client-request-id to
    Graph's own hosts only (msgraph_core's GraphTelemetryHandler.is_graph_url), so here a hook
    sends the fresh GUID per call the SDK sends to graph.microsoft.com."""
    transport = httpx.AsyncHTTPTransport()
    stack.push_async_callback(transport.aclose)
    http = await stack.enter_async_context(
        httpx.AsyncClient(transport=transport, event_hooks={"request": [_new_request_id]})
    )
    adapter = GraphRequestAdapter(
        AzureIdentityAuthenticationProvider(StaticCredential(token)),
        client=GraphClientFactory.create_with_default_middleware(
            client=http, options=sdk_default_options
        ),
    )
    adapter.base_url = f"{live.base_url}/v1.0"
    return GraphServiceClient(request_adapter=adapter)


async def well_behaved_wall(
    live: Graph, token: str, webhook_url: str, stack: AsyncExitStack
) -> None:
    """Reads the users it shows with $select, subscribes to their presence, reads each once
    (meeting a 429 its retry handler waits out)."""
    client: Any = await sdk_client(live, token, stack)
    query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(select=["id", "displayName"])
    users = await client.users.get(RequestConfiguration(query_parameters=query))
    assert users.value
    ids = ", ".join(f"'{u}'" for u in (ADELE, ALEX, MEGAN))
    expires = datetime.now(UTC) + timedelta(minutes=50)
    created = await client.subscriptions.post(
        Subscription(
            change_type="updated",
            notification_url=webhook_url,
            resource=f"/communications/presences?$filter=id in ({ids})",
            expiration_date_time=expires,
        )
    )
    assert created.id
    for user_id in (ADELE, ALEX, MEGAN):
        presence = await client.users.by_user_id(user_id).presence.get()
        assert presence.id == user_id


def test_a_well_behaved_sdk_client_has_no_finding(live: Graph) -> None:
    token = live.token(userId=ADELE, scopes=SCOPES, appId=BUSY_LIGHT)
    live.control.faults.throttle(f"/v1.0/users/{ALEX}/presence", times=1, retry_after=1)
    with WebhookReceiver() as webhook:

        async def scenario(stack: AsyncExitStack) -> None:
            await well_behaved_wall(live, token, webhook.url, stack)

        asyncio.run(_run(scenario))

    report = live.control.report()
    client = report.client(BUSY_LIGHT, ADELE)
    assert client["retries"] == {"retryable": 1, "honoured": 1, "tooEarly": 0, "gaveUp": 0}
    report.assert_least_privilege(BUSY_LIGHT, set(SCOPES), user_id=ADELE)
    report.assert_no_findings(BUSY_LIGHT, ADELE)


async def _run(scenario: Any) -> None:
    async with AsyncExitStack() as stack:
        await scenario(stack)
