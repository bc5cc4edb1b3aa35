"""ARM's addresses that mockgraph answers on ARM's hosts (management.azure.com and the national
clouds'): Tenants - List, Subscriptions - List and Subscriptions - Get; anything else is a 404
that names mockgraph. Pure ASGI, reached only for a Host that is a management host."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from mockgraph.arm.errors import ArmError, InternalServerError, NotEmulated
from mockgraph.arm.service import ArmCaller, ResourceManager, api_version
from mockgraph.clouds import Cloud
from mockgraph.errors import log
from mockgraph.http import Scope, Send

JSON = b"application/json; charset=utf-8"
EMULATED = "GET /tenants, GET /subscriptions and GET /subscriptions/{subscriptionId}"
# How long a query string may be before it is not read (ARM's own limit is larger).
_MAX_QUERY = 8192


@dataclass(frozen=True)
class ArmRequest:
    """One call to ARM: the caller, the path's segments after the first, and the query."""

    caller: ArmCaller
    params: tuple[str, ...]
    query: dict[str, str]


Handler = Callable[[ArmRequest], dict[str, Any]]


class ResourceManagerRoutes:
    """One handler per ARM operation mockgraph emulates."""

    def __init__(self, manager: ResourceManager) -> None:
        self.manager = manager
        # (segment count, first segment): the handler.
        self.table: dict[tuple[int, str], Handler] = {
            (1, "tenants"): self.list_tenants,
            (1, "subscriptions"): self.list_subscriptions,
            (2, "subscriptions"): self.get_subscription,
        }

    # GET /tenants: https://learn.microsoft.com/rest/api/resources/tenants/list
    def list_tenants(self, request: ArmRequest) -> dict[str, Any]:
        """The tenants the caller belongs to: its token's tenant."""
        return {"value": [self.manager.tenant_entry(request.caller.tenant)]}

    # GET /subscriptions: https://learn.microsoft.com/rest/api/resources/subscriptions/list
    def list_subscriptions(self, request: ArmRequest) -> dict[str, Any]:
        """The subscriptions of the caller's tenant (none unless the fixtures declare some)."""
        tenant = request.caller.tenant
        found = self.manager.subscriptions(tenant)
        return {
            "value": [self.manager.subscription_entry(tenant, s) for s in found],
            "count": {"type": "Total", "value": len(found)},
        }

    # GET /subscriptions/{id}: https://learn.microsoft.com/rest/api/resources/subscriptions/get
    def get_subscription(self, request: ArmRequest) -> dict[str, Any]:
        """One subscription of the caller's tenant."""
        tenant = request.caller.tenant
        found = self.manager.subscription(tenant, request.params[0])
        return self.manager.subscription_entry(tenant, found)

    async def __call__(self, scope: Scope, send: Send, cloud: Cloud) -> None:
        """Answer one request to `cloud`'s ARM host, errors in ARM's envelope."""
        correlation = _header(scope, b"x-ms-correlation-request-id") or str(uuid.uuid4())
        try:
            status, body = 200, json.dumps(self._answer(scope, cloud)).encode()
            headers: dict[str, str] = {}
        except ArmError as error:
            status, body, headers = error.status, error.body(), error.headers
        except Exception as exc:  # ARM answers 500 in its own shape; the cause goes to the log
            log.exception("unexpected error on ARM's %s %s", scope["method"], scope["path"])
            failure = InternalServerError(f"mockgraph failed on this call: {type(exc).__name__}")
            status, body, headers = failure.status, failure.body(), {}
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", JSON),
                    (b"content-length", b"%d" % len(body)),
                    (b"cache-control", b"no-cache"),
                    (b"x-ms-request-id", str(uuid.uuid4()).encode()),
                    (b"x-ms-correlation-request-id", correlation.encode("latin-1")),
                    *((k.encode(), v.encode()) for k, v in headers.items()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _answer(self, scope: Scope, cloud: Cloud) -> dict[str, Any]:
        """The caller first (ARM answers 401 before anything else), then the route, then the
        api-version."""
        caller = self.manager.caller(_header(scope, b"authorization"), cloud)
        method, path = scope["method"], scope["path"]
        segments = tuple(s for s in path.split("/") if s)
        handler = None
        if method in ("GET", "HEAD") and segments:
            handler = self.table.get((len(segments), segments[0].lower()))
        if handler is None:
            raise NotEmulated(
                f"mockgraph emulates only what the Azure CLI needs of Azure Resource Manager "
                f"({EMULATED}); it has nothing at {method} {path[:200]}."
            )
        raw = scope["query_string"][:_MAX_QUERY].decode("latin-1")
        query = {k.lower(): v for k, v in parse_qsl(raw, keep_blank_values=True)}
        api_version(query)
        return handler(ArmRequest(caller, segments[1:], query))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None
