"""How Swagger UI signs in: a pasted bearer token, or mockgraph's own OAuth 2.0 endpoints."""

from __future__ import annotations

from typing import Any

from mockgraph.state.fixtures import Fixtures

SIGN_IN = "signIn"
BEARER = "bearer"
DEFAULT = "https://graph.microsoft.com/.default"
GRAPH_SCOPES = {
    DEFAULT: "Every Graph permission the app is granted (alone: .default combines with no "
    "other Graph scope)",
    "https://graph.microsoft.com/Presence.Read": "Read your presence",
    "https://graph.microsoft.com/Presence.Read.All": "Read everyone's presence",
    "https://graph.microsoft.com/Presence.ReadWrite": "Set your presence",
    "openid": "Sign you in",
    "offline_access": "A refresh token",
}
# What Authorize asks for unless the person picks otherwise (initOAuth's `scopes`): Swagger UI
# sends them in every flow, and .default is the one scope both flows take.
SIGN_IN_SCOPES = [DEFAULT]
SECURITY: list[dict[str, list[str]]] = [{BEARER: []}, {SIGN_IN: []}]


def security_schemes(fixtures: Fixtures) -> dict[str, Any]:
    """A pasted bearer token, or a sign-in through mockgraph's own Entra endpoints."""
    base = f"/{fixtures.tenant_id}/oauth2/v2.0"
    return {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A token from POST /_mockgraph/tokens (or the token endpoint).",
        },
        SIGN_IN: {
            "type": "oauth2",
            "description": "Sign in through mockgraph's Entra stand-in: as a fixture user "
            "(authorization code with PKCE, through the sign-in page) or as a fixture app "
            "(client credentials).",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": f"{base}/authorize",
                    "tokenUrl": f"{base}/token",
                    "refreshUrl": f"{base}/token",
                    "scopes": GRAPH_SCOPES,
                },
                "clientCredentials": {
                    "tokenUrl": f"{base}/token",
                    "scopes": {
                        "https://graph.microsoft.com/.default": "The app's application permissions"
                    },
                },
            },
        },
    }
