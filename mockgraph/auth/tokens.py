"""Minting and verifying Graph access tokens: the only module that touches the JWT library."""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

import jwt

from mockgraph.auth.keys import SigningKey
from mockgraph.domain.principal import Principal
from mockgraph.errors import InvalidAuthenticationToken

GRAPH_AUDIENCES = frozenset({"https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"})
GRAPH_AUDIENCE = "https://graph.microsoft.com"
# Graph's change-tracking app: the `azp` of the validation tokens in rich notifications.
GRAPH_NOTIFICATIONS_APP = "0bf30f3b-4a52-48df-9a82-234910c4a086"
_GRAPH_NOTIFICATIONS_OBJECT = str(uuid.uuid5(uuid.NAMESPACE_URL, "mockgraph:graph-notifications"))
# Principal lives in domain/ (the journal records it); re-exported for its importers.
__all__ = [
    "GRAPH_NOTIFICATIONS_APP",
    "Principal",
    "TokenAuthority",
    "check_lifetime",
    "issuer_for",
]
# Longer tokens are refused before any parsing.
MAX_TOKEN_CHARS = 16 * 1024
_CACHE_LIMIT = 50_000

EMPTY = "Access token is empty."
UNPARSABLE = "CompactToken parsing failed with error code: 80049217"
INVALID = "Access token validation failure."
BAD_AUDIENCE = "Access token validation failure. Invalid audience."
BAD_ISSUER = "Access token validation failure. Invalid issuer."
EXPIRED = "Access token has expired or is not yet valid."


def issuer_for(tenant_id: str) -> str:
    """The `iss` of an Entra v2 token for `tenant_id`."""
    return f"https://login.microsoftonline.com/{tenant_id}/v2.0"


def _accepted_issuers(tenant_id: str) -> tuple[str, str]:
    return (issuer_for(tenant_id), f"https://sts.windows.net/{tenant_id}/")


# Entra tolerates this much clock skew on `nbf`.
NOT_BEFORE_SKEW = 300


def check_lifetime(principal: Principal, now: float) -> None:
    """Graph's 401 for a token used before `nbf` (less skew) or from `exp` on."""
    if not principal.not_before - NOT_BEFORE_SKEW <= now < principal.expires_at:
        raise InvalidAuthenticationToken(EXPIRED)


def service_principal_id(app_id: str) -> str:
    """A stable object id for an app's service principal (the `oid` of its app tokens)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mockgraph:sp:{app_id.lower()}"))


class TokenAuthority:
    """Signs tokens with the server's key and verifies bearer tokens the way Graph does."""

    def __init__(self, key: SigningKey) -> None:
        self.key = key
        self._verified: dict[str, Principal] = {}

    def mint(
        self,
        *,
        now: float,
        lifetime: int,
        tenant_id: str,
        app_id: str,
        user_id: str | None = None,
        scopes: list[str] | None = None,
        roles: list[str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """A v2 access token for Graph: delegated when `user_id` is given, else an app token."""
        issued = int(now)
        claims: dict[str, Any] = {
            "aud": GRAPH_AUDIENCE,
            "iss": issuer_for(tenant_id),
            "iat": issued,
            "nbf": issued,
            "exp": issued + lifetime,
            "tid": tenant_id,
            "azp": app_id,
            "appid": app_id,
            "uti": uuid.uuid4().hex,
            "ver": "2.0",
        }
        if user_id is not None:
            claims.update(oid=user_id, sub=user_id, idtyp="user", scp=" ".join(scopes or []))
        else:
            principal = service_principal_id(app_id)
            claims.update(oid=principal, sub=principal, idtyp="app", roles=list(roles or []))
        claims.update(extra or {})
        return jwt.encode(
            claims, self.key.private, algorithm="RS256", headers={"kid": self.key.kid, "typ": "JWT"}
        )

    def sign(self, claims: dict[str, Any]) -> str:
        """Any JWT signed with the server's key (ID tokens, for the token endpoint)."""
        return jwt.encode(
            claims, self.key.private, algorithm="RS256", headers={"kid": self.key.kid, "typ": "JWT"}
        )

    def validation_token(self, *, now: float, tenant_id: str, app_id: str) -> str:
        """A rich notification's validation token: Graph's change-tracking app vouching, to
        the subscribing app (`aud`), for the notifications of one tenant."""
        issued = int(now)
        return self.sign(
            {
                "aud": app_id,
                "iss": f"https://sts.windows.net/{tenant_id}/",
                "iat": issued,
                "nbf": issued,
                "exp": issued + 3600,
                "azp": GRAPH_NOTIFICATIONS_APP,
                "azpacr": "2",
                "tid": tenant_id,
                "ver": "1.0",
                "oid": _GRAPH_NOTIFICATIONS_OBJECT,
                "sub": _GRAPH_NOTIFICATIONS_OBJECT,
                "uti": secrets.token_urlsafe(16),
            }
        )

    def public_jwk(self) -> dict[str, Any]:
        """The signing key as a JWK, for the discovery keys endpoint."""
        jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public))
        return {**jwk, "kid": self.key.kid, "x5t": self.key.kid, "use": "sig", "alg": "RS256"}

    def verify(self, token: str) -> Principal:
        """The caller a bearer token names, or InvalidAuthenticationToken with Graph's message.

        Verified tokens are cached by their exact string; check_lifetime() still runs each time.
        """
        principal = self._verified.get(token)
        if principal is None:
            principal = self._verify_signed(token)
            if len(self._verified) >= _CACHE_LIMIT:
                self._verified.clear()
            self._verified[token] = principal
        return principal

    def _verify_signed(self, token: str) -> Principal:
        if not token:
            raise InvalidAuthenticationToken(EMPTY)
        if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
            raise InvalidAuthenticationToken(UNPARSABLE)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidAuthenticationToken(UNPARSABLE) from None
        if header.get("alg") != "RS256" or header.get("kid") != self.key.kid:
            raise InvalidAuthenticationToken(INVALID)
        try:
            claims = jwt.decode(
                token,
                self.key.public,
                algorithms=["RS256"],
                # Time is the virtual clock's, checked by the caller; audience and issuer below.
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                },
            )
        except jwt.PyJWTError:
            raise InvalidAuthenticationToken(INVALID) from None
        return _principal(claims)


def _principal(claims: dict[str, Any]) -> Principal:
    if claims.get("aud") not in GRAPH_AUDIENCES:
        raise InvalidAuthenticationToken(BAD_AUDIENCE)
    tenant_id = claims.get("tid")
    if not isinstance(tenant_id, str) or not tenant_id:
        raise InvalidAuthenticationToken(INVALID)
    if claims.get("iss") not in _accepted_issuers(tenant_id):
        raise InvalidAuthenticationToken(BAD_ISSUER)
    exp, nbf = claims.get("exp"), claims.get("nbf", claims.get("iat"))
    if not isinstance(exp, int | float) or not isinstance(nbf, int | float):
        raise InvalidAuthenticationToken(INVALID)
    app_id = claims.get("azp") or claims.get("appid")
    if app_id is not None and not isinstance(app_id, str):
        raise InvalidAuthenticationToken(INVALID)
    scp, roles, oid = claims.get("scp"), claims.get("roles"), claims.get("oid")
    # A delegated token carries its scopes in `scp` (a string) and the user in `oid`;
    # an app token carries `roles` (a list). Anything else is not a token Graph would take.
    if scp is not None and roles is None:
        if not isinstance(scp, str) or not isinstance(oid, str) or not oid:
            raise InvalidAuthenticationToken(INVALID)
        return Principal(
            "delegated",
            tenant_id.lower(),
            oid.lower(),
            app_id,
            frozenset(scp.split()),
            float(nbf),
            float(exp),
        )
    if roles is not None and scp is None:
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles) or not app_id:
            raise InvalidAuthenticationToken(INVALID)
        return Principal(
            "app", tenant_id.lower(), None, app_id, frozenset(roles), float(nbf), float(exp)
        )
    raise InvalidAuthenticationToken(INVALID)
