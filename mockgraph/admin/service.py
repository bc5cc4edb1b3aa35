"""What the control plane does, apart from HTTP."""

from __future__ import annotations

from mockgraph.admin.models import TokenRequest, TokenResponse
from mockgraph.auth.tokens import TokenAuthority
from mockgraph.errors import BadRequest
from mockgraph.fixtures import GUID, Fixtures

# The app id delegated tokens carry when neither the request nor the fixtures name one.
FALLBACK_APP_ID = "00000000-0000-0000-0000-00000000a11c"


def mint_token(
    request: TokenRequest, fixtures: Fixtures, tokens: TokenAuthority, now: float
) -> TokenResponse:
    """A delegated (userId, scopes) or application (appId, roles) token, whatever is granted."""
    tenant_id = _guid(request.tenantId or fixtures.tenantId, "tenantId")
    if request.userId is not None:
        if request.roles is not None:
            raise BadRequest("A delegated token (userId) carries scopes, not roles.")
        app_id = request.appId or next(
            (a.appId for a in fixtures.apps if a.delegatedPermissions), FALLBACK_APP_ID
        )
        token = tokens.mint(
            now=now,
            lifetime=request.expiresIn,
            tenant_id=tenant_id,
            app_id=_guid(app_id, "appId"),
            user_id=_guid(request.userId, "userId"),
            scopes=request.scopes or [],
        )
    else:
        if request.appId is None:
            raise BadRequest(
                "Give userId for a delegated token, or appId and roles for an application token."
            )
        if request.scopes is not None:
            raise BadRequest("An application token carries roles, not scopes.")
        token = tokens.mint(
            now=now,
            lifetime=request.expiresIn,
            tenant_id=tenant_id,
            app_id=_guid(request.appId, "appId"),
            roles=request.roles or [],
        )
    return TokenResponse(access_token=token, expires_in=request.expiresIn)


def _guid(value: str, field: str) -> str:
    if not GUID.match(value):
        raise BadRequest(f"{field} '{value}' is not a GUID.")
    return value.lower()
