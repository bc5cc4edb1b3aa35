"""The admin-key gate: with MOCKGRAPH_ADMIN_KEY set, a /_mockgraph call carries it as a bearer
token, compared in constant time (docs/reliability.md), or is 401."""

from __future__ import annotations

import hmac

from mockgraph.admin.webhook import WEBHOOK_PATH
from mockgraph.errors import Unauthorized
from mockgraph.http import Scope
from mockgraph.ui.routes import ASSETS_PATH, UI_PATH

CONTROL_PLANE = "/_mockgraph/"
# Control-plane paths that never need the admin key.
# The dashboard's page and assets hold no data (it asks for the key); Graph posts to the webhook.
OPEN_ADMIN_PATHS = frozenset({"/_mockgraph/health", "/_mockgraph/ca.pem", UI_PATH, WEBHOOK_PATH})
_OPEN_PREFIX = ASSETS_PATH + "/"


def refusal(scope: Scope, admin_key: bytes) -> Unauthorized | None:
    """401 for a control-plane call without `admin_key` (none asked for when it is empty)."""
    path: str = scope["path"]
    if (
        not admin_key
        or not path.startswith(CONTROL_PLANE)
        or path in OPEN_ADMIN_PATHS
        or path.startswith(_OPEN_PREFIX)
    ):
        return None
    authorization = b""
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value
    given = authorization.removeprefix(b"Bearer ").strip()
    if hmac.compare_digest(given, admin_key):
        return None
    if not given:
        return Unauthorized(
            "This control-plane call needs the admin key: "
            "Authorization: Bearer <MOCKGRAPH_ADMIN_KEY>."
        )
    return Unauthorized(
        "The admin key given is not this server's key: give the MOCKGRAPH_ADMIN_KEY "
        "(--admin-key) the server was started with."
    )
