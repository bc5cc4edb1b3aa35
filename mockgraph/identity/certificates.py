"""Client assertions (private_key_jwt): Entra's checks, in Entra's order.

Sources: https://learn.microsoft.com/entra/identity-platform/certificate-credentials; the codes
where sources disagree are in docs/fidelity.md, 'Device code, certificate credentials,
on-behalf-of'.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from mockgraph.auth.assertions import MalformedJws, read_jws, signature_valid
from mockgraph.identity.errors import (
    AssertionAudience,
    AssertionLifetime,
    AssertionSubject,
    CertificateNotRegistered,
    InvalidAssertion,
    InvalidJwt,
    MultipleAudiences,
)
from mockgraph.state.certificates import AppCertificate
from mockgraph.state.fixtures import FixtureApp

JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Entra allows about five minutes of clock skew either side of an assertion's lifetime.
SKEW = 300


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%m/%d/%Y %H:%M:%S")


def _registered(
    header: dict[str, object], certificates: Collection[AppCertificate]
) -> tuple[str, AppCertificate | None]:
    """The certificate the header names by `x5t#S256` or `x5t` (padding ignored)."""
    for name, attribute in (("x5t#S256", "x5t_s256"), ("x5t", "x5t")):
        given = header.get(name)
        if isinstance(given, str) and given:
            wanted = given.rstrip("=")
            found = next((c for c in certificates if getattr(c, attribute) == wanted), None)
            return given, found
    return "(none)", None


def check_client_assertion(
    app: FixtureApp,
    certificates: Collection[AppCertificate],
    assertion: str,
    audiences: Collection[str],
    now: float,
) -> None:
    """Raise Entra's error unless `assertion` is a valid private_key_jwt for `app`.

    `audiences` are the token endpoint's addresses for this tenant, lower case, without a
    trailing slash.
    """
    try:
        jws = read_jws(assertion)
    except MalformedJws as exc:
        raise InvalidJwt(reason=f"The client assertion is malformed: {exc}.") from None
    thumbprint, certificate = _registered(jws.header, certificates)
    if certificate is None:
        raise CertificateNotRegistered(thumbprint=thumbprint, app_id=app.appId)
    if not signature_valid(jws, certificate.public_key):
        raise InvalidAssertion(
            client=True,
            reason=f"The {jws.header.get('alg')} signature was not made by the key of the "
            "registered certificate.",
        )
    claims = jws.claims
    if str(claims.get("iss", "")).lower() != app.appId or str(claims.get("sub", "")).lower() != (
        app.appId
    ):
        raise AssertionSubject()
    _check_audience(claims.get("aud"), audiences)
    _check_lifetime(claims, now)


def _check_audience(aud: object, audiences: Collection[str]) -> None:
    if isinstance(aud, list):
        if len(aud) > 1:
            raise MultipleAudiences(count=len(aud))
        aud = aud[0] if aud else None
    if not isinstance(aud, str):
        raise InvalidJwt(reason="The client assertion has no 'aud' string.")
    if aud.rstrip("/").lower() not in audiences:
        raise AssertionAudience(expected=min(audiences), given=aud)


def _check_lifetime(claims: dict[str, object], now: float) -> None:
    exp = claims.get("exp")
    # MSAL Python sends no nbf, azure-identity's async credential no iat: neither is required.
    nbf = claims.get("nbf", claims.get("iat"))
    if not isinstance(exp, int | float) or (nbf is not None and not isinstance(nbf, int | float)):
        raise InvalidJwt(reason="The client assertion's 'exp', 'nbf' and 'iat' must be numbers.")
    starts = float(nbf) if isinstance(nbf, int | float) else None
    if now > exp + SKEW or (starts is not None and starts - SKEW > now):
        raise AssertionLifetime(
            now=_when(now),
            valid_from=_when(starts) if starts is not None else "(no nbf)",
            expires=_when(exp),
        )
