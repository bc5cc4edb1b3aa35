"""Real clients on the directory: msgraph-sdk (Python) and the Node Graph client."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
from contextlib import AsyncExitStack

import httpx
import pytest
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from tests.client import Graph
from tests.constants import ADELE, ALEX, LEE, MEGAN, NESTOR, PATTI, PRESENCE_WALL
from tests.e2e.node import NODE, node_packages
from tests.e2e.test_msgraph_sdk import run, sdk_client
from tests.e2e.test_real_clients import TlsServer, tls_server, trusting

ALL = [ADELE, ALEX, MEGAN, LEE, NESTOR, PATTI]
__all__ = ["tls_server", "trusting"]  # fixtures this module uses


def test_me_users_and_photo_through_the_sdk(live: Graph) -> None:
    async def scenario(stack: AsyncExitStack) -> None:
        adele = await sdk_client(
            live, live.token(userId=ADELE, scopes=["User.Read", "User.ReadBasic.All"]), stack
        )
        me = await adele.me.get()
        assert (me.id, me.display_name, me.job_title) == (ADELE, "Adele Vance", "Retail Manager")
        assert me.business_phones == ["+1 425 555 0109"]

        by_upn = await adele.users.by_user_id("megan.bowen@contoso.example").get()
        assert (by_upn.id, by_upn.mail) == (MEGAN, "megan.bowen@contoso.example")

        photo = await adele.me.photo.content.get()
        assert photo is not None
        assert photo[:3] == b"\xff\xd8\xff"

        with pytest.raises(ODataError) as missing:
            await adele.users.by_user_id(PATTI).photo.content.get()
        assert missing.value.response_status_code == 404
        assert missing.value.error is not None
        assert missing.value.error.code == "ImageNotFound"

    asyncio.run(run(scenario))


def test_users_page_iterator_through_the_sdk(live: Graph) -> None:
    from msgraph.generated.models.user import User
    from msgraph.generated.users.users_request_builder import UsersRequestBuilder
    from msgraph_core.tasks.page_iterator import PageIterator

    async def scenario(stack: AsyncExitStack) -> None:
        app = await sdk_client(
            live, live.token(appId=PRESENCE_WALL, roles=["User.Read.All"]), stack
        )
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            select=["id", "displayName"], top=2
        )
        config = UsersRequestBuilder.UsersRequestBuilderGetRequestConfiguration(
            query_parameters=query
        )
        first = await app.users.get(request_configuration=config)
        assert first.odata_next_link is not None
        seen: list[str] = []

        def collect(user: User) -> bool:
            assert user.id is not None
            seen.append(user.id)
            return True

        iterator = PageIterator(first, app.request_adapter)
        await iterator.iterate(collect)
        assert seen == ALL

    asyncio.run(run(scenario))


def test_batch_of_photos_through_the_sdk(live: Graph) -> None:
    from msgraph_core.requests.batch_request_content import BatchRequestContent
    from msgraph_core.requests.batch_request_item import BatchRequestItem

    async def scenario(stack: AsyncExitStack) -> None:
        app = await sdk_client(
            live, live.token(appId=PRESENCE_WALL, roles=["ProfilePhoto.Read.All"]), stack
        )
        items = {}
        for user in (ADELE, ALEX, PATTI):
            info = app.users.by_user_id(user).photo.content.to_get_request_information()
            items[user] = BatchRequestItem(request_information=info, id=user)
        answer = await app.batch.post(batch_request_content=BatchRequestContent(items))

        assert answer.get_response_status_codes() == {ADELE: 200, ALEX: 200, PATTI: 404}
        adele = answer.get_response_by_id(ADELE)
        assert adele is not None
        assert adele.headers["Content-Type"] == "image/jpeg"
        body = adele.body
        raw = body.getvalue() if hasattr(body, "getvalue") else body
        data = base64.b64decode(raw) if not bytes(raw).startswith(b"\xff\xd8") else raw
        assert bytes(data)[:3] == b"\xff\xd8\xff"

    asyncio.run(run(scenario))


def test_node_graph_client_lists_users_with_paging(trusting: TlsServer) -> None:
    """The Node client sends its token to https hosts only: this one runs over TLS."""
    node_packages()
    minted = httpx.post(
        f"{trusting.base}/_mockgraph/tokens",
        json={"appId": PRESENCE_WALL, "roles": ["User.Read.All"]},
        verify=trusting.context(),
    )
    token = minted.json()["access_token"]
    result = subprocess.run(
        ["node", "users-client.mjs", trusting.base, token, "4"],
        cwd=NODE,
        env={**os.environ, "NODE_EXTRA_CA_CERTS": str(trusting.ca)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["users"] == ALL
    assert answer["firstNextLink"].startswith(f"{trusting.base}/v1.0/users?")
