"""Refresh tokens in the state file: saved with everything their grant needs, restored so a
client's refresh token keeps working across a restart (docs/proxy.md, "Security notes")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockgraph.identity.models import Grant, RefreshGrant
from mockgraph.state.fixtures import FixtureApp


def export_refresh_tokens(tokens: dict[str, RefreshGrant]) -> list[dict[str, Any]]:
    return [
        {
            "refreshToken": token,
            "clientId": grant.client_id,
            "tenantId": grant.tenant_id,
            "userId": grant.user_id,
            "scopes": list(grant.grant.scopes),
            "oidc": sorted(grant.grant.oidc),
            "resource": grant.grant.resource.appId if grant.grant.resource else None,
            "resourceNamed": grant.grant.named,
            "arm": grant.grant.arm,
            "expiresAt": grant.expires_at,
        }
        for token, grant in tokens.items()
    ]


def import_refresh_tokens(
    items: list[Any], apis: Callable[[str], FixtureApp | None]
) -> dict[str, RefreshGrant]:
    """The tokens of a state file's `refreshTokens`; ValueError naming the first bad one."""
    if not isinstance(items, list):
        raise ValueError("$.refreshTokens is not a list")
    restored: dict[str, RefreshGrant] = {}
    for index, item in enumerate(items):
        try:
            resource = None
            if item["resource"] is not None:
                resource = apis(str(item["resource"]))
                if resource is None:
                    raise ValueError(f"no fixture app {item['resource']}")
            grant = Grant(
                tuple(str(s) for s in item["scopes"]),
                frozenset(str(s) for s in item["oidc"]),
                resource,
                named=str(item.get("resourceNamed") or ""),
                arm=None if item.get("arm") is None else str(item["arm"]),
            )
            restored[str(item["refreshToken"])] = RefreshGrant(
                str(item["clientId"]),
                str(item["tenantId"]).lower(),
                str(item["userId"]),
                grant,
                float(item["expiresAt"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(
                f"$.refreshTokens[{index}] is not a saved refresh token ({exc})"
            ) from None
    return restored
