"""On-behalf-of: a middle-tier API trades its caller's token for a Graph token of the same
user, limited to what the middle tier itself has been granted
(https://learn.microsoft.com/entra/identity-platform/v2-oauth2-on-behalf-of-flow)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mockgraph.auth.tokens import NOT_BEFORE_SKEW, TokenAuthority
from mockgraph.identity.errors import InvalidAssertion, MissingParameter
from mockgraph.identity.flow_errors import AssertionExpired, IdTokenAssertion, OboAudienceMismatch
from mockgraph.identity.grants import existing_user
from mockgraph.identity.issuing import Issuer
from mockgraph.identity.models import TokenCall
from mockgraph.identity.scopes import ApiResolver, grant, read_scopes

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%m/%d/%Y %H:%M:%S")


def on_behalf_of(
    call: TokenCall, issuer: Issuer, apis: ApiResolver, tokens: TokenAuthority
) -> dict[str, Any]:
    """grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer, requested_token_use=on_behalf_of."""
    form, app, tenant = call.form, call.app, call.tenant
    if form.get("requested_token_use") != "on_behalf_of":
        raise MissingParameter(name="requested_token_use")
    assertion = form.get("assertion")
    if not assertion:
        raise MissingParameter(name="assertion")
    claims = tokens.signed_claims(assertion)
    if claims is None:
        raise InvalidAssertion(reason="The assertion is not a token mockgraph signed.")
    if claims.get("scp") is None and claims.get("roles") is None:
        raise IdTokenAssertion()
    if claims.get("idtyp") == "app" or not isinstance(claims.get("oid"), str):
        raise InvalidAssertion(
            reason="The assertion is an application token; on-behalf-of needs a user's token."
        )
    audience = str(claims.get("aud", ""))
    if audience.rstrip("/").lower() not in _audiences(app.appId, app.identifier_uris):
        raise OboAudienceMismatch(given=audience, expected=app.appId)
    now = tenant.clock.timestamp()
    exp, nbf = claims.get("exp"), claims.get("nbf", claims.get("iat"))
    if not isinstance(exp, int | float) or now >= exp:
        raise AssertionExpired(now=_when(now), expires=_when(float(exp or 0)))
    if isinstance(nbf, int | float) and nbf - NOT_BEFORE_SKEW > now:
        raise AssertionExpired(now=_when(now), expires=_when(float(exp)))
    if str(claims.get("tid", "")).lower() != tenant.id:
        raise InvalidAssertion(reason="The assertion was issued for another tenant.")
    user = existing_user(tenant, str(claims["oid"]))
    requested = read_scopes(form.get("scope", ""), tenant.id, apis)
    return issuer.user_tokens(call, user, grant(app, requested))


def _audiences(app_id: str, identifier_uris: list[str]) -> set[str]:
    return {app_id.lower(), *(uri.rstrip("/").lower() for uri in identifier_uris)}
