"""Who called Graph: the caller a verified token names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Principal:
    """Who called: a user through an app (delegated) or an app on its own."""

    kind: Literal["delegated", "app"]
    tenant_id: str
    user_id: str | None  # the `oid` of a delegated token
    app_id: str | None  # `azp` / `appid`
    permissions: frozenset[str]  # `scp` for delegated tokens, `roles` for app tokens
    not_before: float
    expires_at: float
    # `aud`: each Graph host takes only tokens for its own cloud (Cloud.accepts_audience).
    audience: str = "https://graph.microsoft.com"

    @property
    def delegated(self) -> bool:
        return self.kind == "delegated"
