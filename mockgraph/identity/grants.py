"""The grants that need no flow of their own: client credentials, password, authorization
code (with PKCE) and refresh token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import replace
from typing import Any

from mockgraph.domain.presence import UserState
from mockgraph.identity.consent import Consents
from mockgraph.identity.errors import (
    CodeExpired,
    CodeRedeemed,
    CredentialRequired,
    InvalidCode,
    InvalidCredentials,
    InvalidRefreshToken,
    MissingParameter,
    RedirectUriMismatch,
    RefreshTokenExpired,
    ScopeNotDefault,
    UnsupportedChallengeMethod,
    UserNotFound,
    VerifierMismatch,
)
from mockgraph.identity.issuing import Issuer
from mockgraph.identity.models import CODE_LIFETIME, CodeGrant, TokenCall
from mockgraph.identity.pruning import Pruner
from mockgraph.identity.scopes import ApiResolver, grant, read_scopes
from mockgraph.state.fixtures import FixtureApp
from mockgraph.state.store import Tenant


def user_by_name(tenant: Tenant, username: str) -> UserState:
    """The user whose UPN this is (any case), or Entra's 50034."""
    wanted = username.lower()
    for user in tenant.users.people():
        if user.user_principal_name.lower() == wanted:
            return tenant.users[user.id]
    raise UserNotFound(username=username, tenant=tenant.id)


def existing_user(tenant: Tenant, user_id: str) -> UserState:
    """A user a grant was issued to, who may have been removed since."""
    user = tenant.user(user_id)
    if user is None:
        raise UserNotFound(username=user_id, tenant=tenant.id)
    return user


def client_credentials(call: TokenCall, issuer: Issuer, apis: ApiResolver) -> dict[str, Any]:
    raw = call.form.get("scope", "")
    requested = read_scopes(raw, call.tenant.id, apis)
    if not requested.default or requested.scopes or not raw or requested.resource is not None:
        raise ScopeNotDefault(scope=raw or "(none)")
    if not call.authenticated:
        raise CredentialRequired()
    return issuer.app_token(call, requested.arm)


def password(
    call: TokenCall, issuer: Issuer, apis: ApiResolver, consents: Consents
) -> dict[str, Any]:
    """ROPC: no page, so no consent beyond what was given before (AADSTS65001)."""
    username, given = call.form.get("username"), call.form.get("password")
    if not username or given is None:
        raise MissingParameter(name="username" if not username else "password")
    requested = read_scopes(call.form.get("scope", ""), call.tenant.id, apis)
    user = user_by_name(call.tenant, username)
    if user.password is None or not hmac.compare_digest(given.encode(), user.password.encode()):
        raise InvalidCredentials()
    consented = consents.of(call.tenant.id, call.app, user.id)
    return issuer.user_tokens(call, user, grant(call.app, requested, consented))


class AuthorizationCodes:
    """Codes the sign-in page hands out, redeemed once at the token endpoint."""

    def __init__(
        self,
        issuer: Issuer,
        apis: ApiResolver,
        consents: Consents,
        pruner: Pruner | None = None,
    ) -> None:
        self.issuer = issuer
        self.apis = apis
        self.consents = consents
        self.codes: dict[str, CodeGrant] = {}
        # Expired codes, redeemed or not, and the oldest past its cap, go as new ones come.
        self.pruner = pruner

    def forget(self, tenant_id: str | None) -> None:
        if tenant_id is None:
            self.codes.clear()
        else:
            self.codes = {k: g for k, g in self.codes.items() if g.tenant_id != tenant_id}

    def issue(
        self, tenant: Tenant, app: FixtureApp, user: UserState, params: dict[str, str]
    ) -> str:
        """A code for `user`, after the sign-in page; consent is given or refused now."""
        requested = read_scopes(params.get("scope", ""), tenant.id, self.apis)
        granted = self.consents.sign_in(tenant.id, app, user.id, requested)
        challenge = params.get("code_challenge") or None
        method = params.get("code_challenge_method") or "plain"
        if challenge is not None and method not in ("S256", "plain"):
            raise UnsupportedChallengeMethod(method=method)
        code = secrets.token_urlsafe(32)
        if self.pruner is not None:
            self.pruner.make_room(self.codes)
        self.codes[code] = CodeGrant(
            client_id=app.appId,
            redirect_uri=params.get("redirect_uri", ""),
            tenant_id=tenant.id,
            user_id=user.id,
            grant=granted,
            challenge=challenge,
            method=method,
            nonce=params.get("nonce") or None,
            expires_at=tenant.clock.timestamp() + CODE_LIFETIME,
        )
        return code

    def redeem(self, call: TokenCall) -> dict[str, Any]:
        """grant_type=authorization_code."""
        tenant, form = call.tenant, call.form
        code = self.codes.get(form.get("code", ""))
        if code is None or code.client_id != call.app.appId or code.tenant_id != tenant.id:
            raise InvalidCode()
        if code.redeemed:
            raise CodeRedeemed()
        if tenant.clock.timestamp() >= code.expires_at:
            raise CodeExpired()
        if form.get("redirect_uri") != code.redirect_uri:
            raise RedirectUriMismatch()
        if code.challenge is not None:
            _check_verifier(code, form.get("code_verifier", ""))
        code.redeemed = True
        user = existing_user(tenant, code.user_id)
        return self.issuer.user_tokens(call, user, code.grant, code.nonce)


def _check_verifier(code: CodeGrant, verifier: str) -> None:
    if code.method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        computed = verifier
    if not verifier or not hmac.compare_digest(computed, code.challenge or ""):
        raise VerifierMismatch()


def refresh_token(
    call: TokenCall, issuer: Issuer, apis: ApiResolver, consents: Consents
) -> dict[str, Any]:
    tenant = call.tenant
    refresh = issuer.refresh_tokens.get(call.form.get("refresh_token", ""))
    if refresh is None or refresh.client_id != call.app.appId or refresh.tenant_id != tenant.id:
        raise InvalidRefreshToken()
    if tenant.clock.timestamp() >= refresh.expires_at:
        raise RefreshTokenExpired()
    user = existing_user(tenant, refresh.user_id)
    granted = refresh.grant
    if call.form.get("scope"):
        requested = read_scopes(call.form["scope"], tenant.id, apis)
        consented = consents.of(tenant.id, call.app, user.id)
        granted = replace(grant(call.app, requested, consented), oidc=refresh.grant.oidc)
    return issuer.user_tokens(call, user, granted)
