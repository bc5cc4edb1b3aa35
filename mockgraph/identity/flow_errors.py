"""Entra's errors of the device code and on-behalf-of flows (rendered by identity/errors.py)."""

from __future__ import annotations

from mockgraph.identity.errors import EntraError


# --- device code flow: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code
class AuthorizationPending(EntraError):
    error, code = "authorization_pending", 70016
    template = (
        "The provided request has not yet been authorized by the user. The user must input "
        "their code."
    )


class DeviceCodeExpired(EntraError):
    error, code = "expired_token", 70020
    template = (
        "The provided value for the input parameter 'device_code' is not valid. This device "
        "code has expired."
    )


class AuthorizationDeclined(EntraError):
    error, code = "authorization_declined", 65004
    template = "User declined to authorize the device code request."


class BadVerificationCode(EntraError):
    error, code = "bad_verification_code", 70018
    template = "The provided value for the input parameter 'device_code' is not valid. {reason}"


class SlowDown(EntraError):
    """RFC 8628 §3.5's slow_down: Entra sends no AADSTS code for it (docs/fidelity.md)."""

    error = "slow_down"
    template = "The client is polling too frequently; wait {interval} seconds between requests."


# --- on-behalf-of: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-on-behalf-of-flow
class OboAudienceMismatch(EntraError):
    error, code = "invalid_grant", 500131
    template = (
        "Assertion audience does not match the Client app presenting the assertion. The audience "
        "in the assertion was '{given}' and the expected audience is '{expected}' or one of the "
        "Application Id URIs of this web API registration."
    )


class IdTokenAssertion(EntraError):
    error, code = "invalid_grant", 240002
    template = (
        "Input id_token cannot be used as 'urn:ietf:params:oauth:grant-type:jwt-bearer' grant."
    )


class AssertionExpired(EntraError):
    error, code = "invalid_grant", 500133
    template = (
        "Assertion is not within its valid time range. Ensure that the access token is not "
        "expired before using it for user assertion, or request a new token. Current time: "
        "{now}, expiry time of assertion {expires}."
    )
