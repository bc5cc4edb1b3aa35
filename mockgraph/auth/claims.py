"""What a delegated Graph token says about its user: the claims every issuer of mockgraph's
user tokens writes the same way (Entra's flows and the control plane's POST /_mockgraph/tokens).

https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
"""

from __future__ import annotations

from typing import Any

from mockgraph.domain.user import Profile

# The directory role every member user holds ("User"), which Graph's tokens list in `wids`
# after the roles assigned to the user (docs/fidelity.md, 'Token shape').
DEFAULT_USER_ROLE = "b79fbf4d-3ef9-4689-8143-76b194e85509"


def user_claims(profile: Profile, app_name: str) -> dict[str, Any]:
    """A v1 Graph token's claims about its user and client: `name`, `upn`, `unique_name`,
    `app_displayname`, and `given_name`/`family_name` when the user has them."""
    claims: dict[str, Any] = {
        "name": profile.name,
        "upn": profile.upn,
        "unique_name": profile.upn,
        "app_displayname": app_name,
    }
    if profile.givenName:
        claims["given_name"] = profile.givenName
    if profile.surname:
        claims["family_name"] = profile.surname
    return claims


def directory_roles(profile: Profile) -> list[str]:
    """A Graph token's `wids`: the roleTemplateIds of the user's directory roles, then the
    default user role."""
    return list(dict.fromkeys((*profile.directoryRoles, DEFAULT_USER_ROLE)))
