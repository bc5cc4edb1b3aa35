"""Minting and verifying Graph access tokens: the only module that touches the JWT library."""

from __future__ import annotations

import json
import re
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import jwt

from mockgraph.auth.keys import SigningKey
from mockgraph.clock import Clock
from mockgraph.clouds import CLOUDS, GLOBAL, Cloud
from mockgraph.domain.principal import Principal
from mockgraph.errors import InvalidAuthenticationToken

# Every token mockgraph signs says so: it can never pass for a real one (docs/fidelity.md,
# 'Discovery and national clouds', "Emulator marker").
EMULATOR_CLAIM = "xms_emulated"
# Graph's change-tracking app: the `azp` of the validation tokens in rich notifications.
GRAPH_NOTIFICATIONS_APP = "0bf30f3b-4a52-48df-9a82-234910c4a086"
_GRAPH_NOTIFICATIONS_OBJECT = str(uuid.uuid5(uuid.NAMESPACE_URL, "mockgraph:graph-notifications"))
# Principal lives in domain/principal.py; re-exported only until notifications/routes.py and
# directory/service.py import it from there.
__all__ = [
    "GRAPH_NOTIFICATIONS_APP",
    "Principal",
    "TokenAuthority",
    "check_lifetime",
    "issuer_for",
    "unknown_tenant",
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
# mockgraph's own response header: why a token was refused, beside Graph's unchanged body.
HINT_HEADER = "x-mockgraph-hint"
_KID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def unknown_key(kid: object) -> str:
    """Graph's 401 message for a token signed with a key this run does not have, with a hint:
    mockgraph makes a new key at each start, so a kept token (Swagger UI's) stops working."""
    named = f" (kid '{kid}')" if isinstance(kid, str) and _KID.match(kid) else ""
    return (
        f"{INVALID} The token is signed with a key this server does not have{named}: most "
        "likely it comes from an earlier run of mockgraph, which makes a new signing key at "
        "each start. Get a new token (POST /_mockgraph/tokens, the token endpoint, or "
        "Authorize again in /docs), or start mockgraph with a fixed --signing-key."
    )


def unknown_tenant(tenant_id: str) -> str:
    """Graph's 401 message for a token of a tenant that does not exist, with how to make it."""
    return (
        f"{INVALID} The token's tenant '{tenant_id[:64]}' does not exist in mockgraph: Entra "
        "issues tokens only for tenants that exist. Create it (POST /_mockgraph/tenants), "
        "declare it in the fixtures, or start mockgraph with MOCKGRAPH_TENANTS=any."
    )


def issuer_for(tenant_id: str, cloud: Cloud = GLOBAL) -> str:
    """The `iss` of an Entra v2 token for `tenant_id` in `cloud`."""
    return cloud.v2_issuer(tenant_id)


def _accepted_issuers(tenant_id: str, aud: str) -> set[str]:
    """v2 issuers on any login host, and the v1 issuer, of the clouds whose Graph is `aud`."""
    accepted: set[str] = set()
    for cloud in CLOUDS:
        if cloud.accepts_audience(aud):
            accepted.add(cloud.v1_issuer(tenant_id))
            accepted.update(cloud.v2_issuer(tenant_id, host) for host in cloud.login_hosts)
    return accepted


# Entra tolerates this much clock skew on `nbf`.
NOT_BEFORE_SKEW = 300


def check_lifetime(principal: Principal, now: float, clock: Clock | None = None) -> None:
    """Graph's 401 for a token used before `nbf` (less skew) or from `exp` on, with the
    x-mockgraph-hint header saying why against the tenant's `clock` (docs/fidelity.md, "The
    control plane's names")."""
    if not principal.not_before - NOT_BEFORE_SKEW <= now < principal.expires_at:
        hint = lifetime_hint(principal, now, clock)
        raise InvalidAuthenticationToken(EXPIRED, headers={HINT_HEADER: hint})


def lifetime_hint(principal: Principal, now: float, clock: Clock | None) -> str:
    """One line: why the token is outside its lifetime on the tenant's (virtual) clock."""
    nbf, exp = _utc(principal.not_before), _utc(principal.expires_at)
    ahead = clock.offset.total_seconds() if clock is not None else 0.0
    moved = abs(ahead) >= 1 or (clock is not None and clock.frozen)
    if ahead >= 1:
        state = f", {_span(ahead)} ahead of real time"
    elif ahead <= -1:
        state = f", {_span(-ahead)} behind real time"
    else:
        state = ", frozen" if moved else ""
    tenant = f"the tenant's {'virtual clock' if moved else 'time'} {_utc(now)}{state}"
    if now < principal.not_before - NOT_BEFORE_SKEW:
        return (
            f"The token's nbf {nbf} is after {tenant}: it was minted on a clock ahead of "
            f"this tenant's, which a reset or a clock set has moved back since; exp {exp}. "
            "Mint a new token."
        )
    if moved:
        return (
            f"{tenant[0].upper()}{tenant[1:]} is past the token's exp {exp} (nbf {nbf}): "
            "the virtual clock moved past its lifetime. Mint a new token."
        )
    return f"The token's exp {exp} has passed: {tenant} (nbf {nbf})."


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _span(seconds: float) -> str:
    """`2 days 3 h`, `45 min`, `12 s`: how far a clock is off, roughly."""
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} days" if days > 1 else "1 day" if days else "", f"{hours} h" if hours else ""]
    if not days:
        parts.append(f"{minutes} min" if minutes else "")
    if not days and not hours:
        parts.append(f"{secs} s" if secs else "")
    return " ".join(p for p in parts if p) or "0 s"


def service_principal_id(app_id: str) -> str:
    """A stable object id for an app's service principal (the `oid` of its app tokens)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mockgraph:sp:{app_id.lower()}"))


# Time is the virtual clock's, checked by the caller; so are audience and issuer.
_SIGNATURE_ONLY: jwt.types.Options = {
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
}


class TokenAuthority:
    """Signs tokens with the server's key and verifies bearer tokens the way Graph does."""

    def __init__(self, key: SigningKey, cloud: Cloud = GLOBAL) -> None:
        self.key = key
        # The cloud of tokens minted without one named (mockgraph's own address; MOCKGRAPH_CLOUD).
        self.cloud = cloud
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
        cloud: Cloud | None = None,
        audience: Cloud | None = None,
        version: str = "1.0",
        appidacr: str = "0",
        resource: str | None = None,
    ) -> str:
        """An access token for Graph: delegated when `user_id` is given, else an app token.

        Graph's tokens are v1.0 whichever endpoint issued them, as Graph's registration takes
        (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference):
        `iss` is the cloud's sts issuer, the client is `appid` with `appidacr`, and an app
        token names its `idp`. `version="2.0"` gives the v2 shape (`azp`, `azpacr`, the login
        host's issuer). `cloud` issues it, `audience` is the Graph it is for (`aud`); both
        default to the authority's cloud. They differ only for US Gov: L4's hosts issue DoD's.
        `resource` is another `aud` (Azure Resource Manager's, as the client named it); an app
        token for it carries `roles` only when `roles` is given.
        """
        issued = int(now)
        cloud = cloud or self.cloud
        v1 = version == "1.0"
        claims: dict[str, Any] = {
            "aud": resource or (audience or cloud).graph_root,
            "iss": cloud.v1_issuer(tenant_id) if v1 else issuer_for(tenant_id, cloud),
            "iat": issued,
            "nbf": issued,
            "exp": issued + lifetime,
            "tid": tenant_id,
            "uti": uuid.uuid4().hex,
            "ver": version,
            EMULATOR_CLAIM: True,
        }
        claims.update(
            {"appid": app_id, "appidacr": appidacr} if v1 else {"azp": app_id, "azpacr": appidacr}
        )
        if user_id is not None:
            claims.update(oid=user_id, sub=user_id, idtyp="user", scp=" ".join(scopes or []))
        else:
            principal = service_principal_id(app_id)
            claims.update(oid=principal, sub=principal, idtyp="app")
            if resource is None or roles is not None:
                claims["roles"] = list(roles or [])
            if v1:
                claims["idp"] = claims["iss"]
        claims.update(extra or {})
        return jwt.encode(
            claims, self.key.private, algorithm="RS256", headers={"kid": self.key.kid, "typ": "JWT"}
        )

    def sign(self, claims: dict[str, Any]) -> str:
        """Any JWT signed with the server's key (ID tokens, for the token endpoint)."""
        return jwt.encode(
            {**claims, EMULATOR_CLAIM: True},
            self.key.private,
            algorithm="RS256",
            headers={"kid": self.key.kid, "typ": "JWT"},
        )

    def signed_claims(self, token: str) -> dict[str, Any] | None:
        """The claims of a token this server signed (any audience), or None."""
        if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
            return None
        try:
            return self._decode(token)
        except jwt.PyJWTError:
            return None

    def _decode(self, token: str) -> dict[str, Any]:
        """The claims, once the signature is checked; the rest is for the caller to judge."""
        claims: dict[str, Any] = jwt.decode(
            token, self.key.public, algorithms=["RS256"], options=_SIGNATURE_ONLY
        )
        return claims

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
        if header.get("alg") != "RS256":
            raise InvalidAuthenticationToken(INVALID)
        if header.get("kid") != self.key.kid:
            raise InvalidAuthenticationToken(unknown_key(header.get("kid")))
        try:
            claims = self._decode(token)
        except jwt.PyJWTError:
            raise InvalidAuthenticationToken(INVALID) from None
        return _principal(claims)


def _principal(claims: dict[str, Any]) -> Principal:
    aud = claims.get("aud")
    if not isinstance(aud, str) or not any(cloud.accepts_audience(aud) for cloud in CLOUDS):
        raise InvalidAuthenticationToken(BAD_AUDIENCE)
    tenant_id = claims.get("tid")
    if not isinstance(tenant_id, str) or not tenant_id:
        raise InvalidAuthenticationToken(INVALID)
    if claims.get("iss") not in _accepted_issuers(tenant_id, aud):
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
            aud,
        )
    if roles is not None and scp is None:
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles) or not app_id:
            raise InvalidAuthenticationToken(INVALID)
        return Principal(
            "app", tenant_id.lower(), None, app_id, frozenset(roles), float(nbf), float(exp), aud
        )
    raise InvalidAuthenticationToken(INVALID)
