"""The token endpoint's answers: access, refresh and ID tokens, as Entra words them."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from typing import Any

from mockgraph.auth.claims import directory_roles, user_claims
from mockgraph.auth.tokens import TokenAuthority
from mockgraph.domain.presence import UserState
from mockgraph.identity.models import (
    ACCESS_LIFETIME,
    REFRESH_LIFETIME,
    Grant,
    RefreshGrant,
    TokenCall,
)
from mockgraph.identity.pruning import Pruner
from mockgraph.identity.scopes import short
from mockgraph.state.tokenlog import TokenLog

OFFLINE = frozenset({"offline_access"})


def resource_claims(grant: Grant, user: UserState, app_name: str) -> tuple[dict[str, Any], str]:
    """The user and audience claims of a delegated token, and its version: v1.0 for Graph and
    for an API whose app accepts v1.0 tokens (the default), v2.0 for one that takes v2.0
    (`accessTokenAcceptedVersion: 2`; docs/fidelity.md, 'Token shape')."""
    api = grant.resource
    if api is None:
        return {**user_claims(user.profile, app_name), "wids": directory_roles(user.profile)}, "1.0"
    if api.accessTokenAcceptedVersion == 2:
        # v2.0: `aud` is always the API's app id (the access token claims reference).
        claims = {
            "aud": api.appId,
            "name": user.display_name,
            "preferred_username": user.user_principal_name,
        }
        return claims, "2.0"
    # v1.0: `aud` is the resource as the request named it, an identifier URI or the app id.
    named = grant.named.rstrip("/").lower()
    registered = {uri.rstrip("/").lower(): uri for uri in api.identifier_uris}
    audience = registered.get(named) or (api.appId if named == api.appId else None)
    if audience is None:
        audience = api.identifier_uris[0] if api.identifier_uris else api.appId
    return {**user_claims(user.profile, app_name), "aud": audience}, "1.0"


class Issuer:
    """Mints what a successful grant answers, and remembers the refresh tokens it hands out
    and, in the token log, each access token's client, grant, scopes and times."""

    def __init__(
        self,
        tokens: TokenAuthority,
        pruner: Pruner | None = None,
        log: TokenLog | None = None,
    ) -> None:
        self.tokens = tokens
        self.refresh_tokens: dict[str, RefreshGrant] = {}
        # Expired refresh tokens, and the oldest past its cap, are dropped as new ones come.
        self.pruner = pruner
        self.log = log if log is not None else TokenLog()

    def _record(self, call: TokenCall, user_id: str | None, now: float) -> None:
        form = call.form
        self.log.add(
            call.tenant.id,
            call.app.appId,
            user_id,
            form.get("grant_type", ""),
            form.get("scope", ""),
            now,
            now + ACCESS_LIFETIME,
        )

    def forget(self, tenant_id: str | None) -> None:
        if tenant_id is None:
            self.refresh_tokens.clear()
        else:
            self.refresh_tokens = {
                k: g for k, g in self.refresh_tokens.items() if g.tenant_id != tenant_id
            }

    def app_token(self, call: TokenCall, arm: str | None = None) -> dict[str, Any]:
        """client_credentials' answer: an app token with the app's roles, no scope; for Azure
        Resource Manager when `arm` names its audience (no roles: ARM authorizes by its own
        role assignments)."""
        now = call.tenant.clock.timestamp()
        token = self.tokens.mint(
            now=now,
            lifetime=ACCESS_LIFETIME,
            tenant_id=call.tenant.id,
            app_id=call.app.appId,
            roles=list(call.app.applicationPermissions) if arm is None else None,
            extra={"app_displayname": call.app.name},
            cloud=call.cloud,
            audience=call.audience,
            appidacr=call.appidacr,
            resource=arm,
        )
        self._record(call, None, now)
        return {
            "token_type": "Bearer",
            "expires_in": ACCESS_LIFETIME - 1,
            "ext_expires_in": ACCESS_LIFETIME - 1,
            "access_token": token,
        }

    def user_tokens(
        self, call: TokenCall, user: UserState, grant: Grant, nonce: str | None = None
    ) -> dict[str, Any]:
        """A delegated answer: access token, and refresh/ID tokens and client_info as asked."""
        tenant, app = call.tenant, call.app
        now = tenant.clock.timestamp()
        extra, version = resource_claims(grant, user, app.name)
        access = self.tokens.mint(
            now=now,
            lifetime=ACCESS_LIFETIME,
            tenant_id=tenant.id,
            app_id=app.appId,
            user_id=user.id,
            scopes=[short(s) for s in grant.scopes],
            extra=extra,
            cloud=call.cloud,
            audience=call.audience,
            version=version,
            appidacr=call.appidacr,
            resource=grant.arm,
        )
        answer: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join(
                [*self._scope_names(grant), *sorted(grant.oidc - {"offline_access"})]
            ),
            "expires_in": ACCESS_LIFETIME - 1,
            "ext_expires_in": ACCESS_LIFETIME - 1,
            "access_token": access,
        }
        if "offline_access" in grant.oidc:
            refresh = secrets.token_urlsafe(48)
            if self.pruner is not None:
                self.pruner.make_room(self.refresh_tokens)
            self.refresh_tokens[refresh] = RefreshGrant(
                app.appId, tenant.id, user.id, grant, now + REFRESH_LIFETIME
            )
            answer["refresh_token"] = refresh
        if "openid" in grant.oidc:
            answer["id_token"] = self.id_token(call, user, now, nonce)
        if call.form.get("client_info") == "1":
            info = json.dumps({"uid": user.id, "utid": tenant.id}).encode()
            answer["client_info"] = base64.urlsafe_b64encode(info).rstrip(b"=").decode()
        self._record(call, user.id, now)
        return answer

    @staticmethod
    def _scope_names(grant: Grant) -> list[str]:
        if grant.arm is not None:
            return [f"{grant.arm}/{s}" for s in grant.scopes]
        if grant.resource is None:
            return [f"{grant.prefix}{s}" for s in grant.scopes]
        uri = grant.resource.identifier_uris[0] if grant.resource.identifier_uris else ""
        return [f"{uri or grant.resource.appId}/{s}" for s in grant.scopes]

    def id_token(self, call: TokenCall, user: UserState, now: float, nonce: str | None) -> str:
        """The ID token; its `iss` is the login host the client called, which azure-identity
        keeps as the account's authority."""
        issued = int(now)
        claims: dict[str, Any] = {
            "aud": call.app.appId,
            "iss": f"{call.base_url.rstrip('/')}/{call.tenant.id}/v2.0",
            "iat": issued,
            "nbf": issued,
            "exp": issued + ACCESS_LIFETIME,
            "name": user.display_name,
            "oid": user.id,
            "preferred_username": user.user_principal_name,
            "sub": user.id,
            "tid": call.tenant.id,
            "uti": uuid.uuid4().hex,
            "ver": "2.0",
        }
        if nonce:
            claims["nonce"] = nonce
        return self.tokens.sign(claims)
