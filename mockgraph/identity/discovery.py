"""Entra's instance discovery, and which cloud a login host speaks for.

Sources: https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud and
docs/fidelity.md, 'Discovery and national clouds (the proxy and DNS routes)'.

Every login host and alias serves the same answers; the Host a client called decides the
cloud, and on mockgraph's own address MOCKGRAPH_CLOUD does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from mockgraph.clouds import CLOUDS, OTHER_INSTANCE_GROUPS, Cloud, cloud_for_login_host
from mockgraph.identity.errors import InvalidInstance
from mockgraph.runtime import Runtime

router = APIRouter(tags=["Entra ID (token endpoint)"])


def request_cloud(request: Request) -> Cloud:
    """The cloud of the login host called; MOCKGRAPH_CLOUD's on any other address."""
    runtime: Runtime = request.app.state.runtime
    host = request.headers.get("host", "")
    return cloud_for_login_host(host) or runtime.tokens.cloud


def _groups() -> list[dict[str, Any]]:
    seen: dict[tuple[str, ...], Cloud] = {}
    for cloud in CLOUDS:
        seen.setdefault(cloud.login_hosts, cloud)
    groups = [
        {
            "preferred_network": cloud.login_host,
            "preferred_cache": cloud.cache_host or cloud.login_host,
            "aliases": list(hosts),
        }
        for hosts, cloud in seen.items()
    ]
    groups += [
        {"preferred_network": hosts[0], "preferred_cache": hosts[0], "aliases": list(hosts)}
        for hosts in OTHER_INSTANCE_GROUPS
    ]
    return groups


METADATA = _groups()


def instance_discovery(authorization_endpoint: str | None, host: str) -> dict[str, Any]:
    """Where the authority's OIDC document is, and every cloud's group of aliases."""
    parts = urlsplit(authorization_endpoint or "")
    if authorization_endpoint is not None and (parts.scheme != "https" or not parts.hostname):
        raise InvalidInstance()
    authority = parts.netloc or host
    segments = [s for s in parts.path.split("/") if s]
    tenant = segments[0] if segments else "common"
    return {
        "tenant_discovery_endpoint": (
            f"https://{authority}/{tenant}/v2.0/.well-known/openid-configuration"
        ),
        "api-version": "1.1",
        "metadata": METADATA,
    }


# Entra: GET /common/discovery/instance (MSAL's authority validation and alias lookup)
@router.get("/common/discovery/instance", response_model=None)
async def get_instance_discovery(
    request: Request,
    api_version: str = Query("1.1", alias="api-version"),
    authorization_endpoint: str | None = None,
) -> Response:
    """Instance discovery, as MSAL asks it (api-version 1.0 at construction for authorities
    it does not know, 1.1 for the aliases of the host it signs in with)."""
    answer = instance_discovery(authorization_endpoint, request.headers.get("host", ""))
    answer["api-version"] = api_version if api_version in ("1.0", "1.1") else "1.1"
    return JSONResponse(answer)
