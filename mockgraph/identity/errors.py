"""Entra ID's errors, each AADSTS code named once, and the one place that renders them.

As moto's per-service `exceptions` modules: a class per upstream error with its OAuth `error`,
AADSTS number, HTTP status and description template. `entra_error_response` renders Entra's
envelope, suberror included (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).

The error codes page names each AADSTS number but not its `error`; each row says where its
`error` comes from: a capture of Entra's answer (a GitHub issue), the page's own example, or the
protocol's table (RFC 6749 section 5.2, the device code flow's). docs/fidelity.md, 'Entra's error
fields', lists them all.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import ClassVar

from fastapi import Request, Response

from mockgraph.http import request_ids

NO_STORE = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache", "Expires": "-1"}


class EntraError(Exception):
    """An error of Entra's endpoints; the subclass names which, the fields fill its template."""

    error: str = "invalid_request"
    code: int | None = None
    status: int = 400
    template: ClassVar[str] = "{detail}"
    suberror: str | None = None

    def __init__(self, **fields: object) -> None:
        self.description = self.template.format(**fields)
        super().__init__(self.description)

    @property
    def aadsts(self) -> str:
        """`AADSTSnnnnn: description`, as the page and the JSON both start."""
        return self.description if self.code is None else f"AADSTS{self.code}: {self.description}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.error!r}, {self.aadsts[:100]!r})"


def render_entra_error(
    error: EntraError, *, trace_id: str, correlation_id: str, now: datetime
) -> bytes:
    """Entra's error body for `error`."""
    timestamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
    body: dict[str, object] = {
        "error": error.error,
        "error_description": (
            f"{error.aadsts}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\n"
            f"Timestamp: {timestamp}"
        ),
        "error_codes": [] if error.code is None else [error.code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
    }
    if error.code is not None:
        body["error_uri"] = f"https://login.microsoftonline.com/error?code={error.code}"
    if error.suberror is not None:
        body["suberror"] = error.suberror
    return json.dumps(body, separators=(",", ":")).encode()


def entra_error_response(request: Request, error: EntraError) -> Response:
    """The one handler: any EntraError raised under an Entra endpoint leaves through here."""
    trace_id, correlation_id = request_ids(request.scope)
    now = request.app.state.runtime.clock.now()
    body = render_entra_error(error, trace_id=trace_id, correlation_id=correlation_id, now=now)
    return Response(body, status_code=error.status, media_type="application/json", headers=NO_STORE)


async def handle_entra_error(request: Request, exc: Exception) -> Response:
    """FastAPI's exception handler for EntraError."""
    assert isinstance(exc, EntraError)
    return entra_error_response(request, exc)


# --- the request itself ------------------------------------------------------------------
class MalformedRequest(EntraError):
    """What routing refused on an Entra path: MissingParameter's code (400), or TenantNotFound's."""

    def __init__(self, *, status: int, detail: str) -> None:
        super().__init__(detail=detail)
        self.code = MissingParameter.code if status == 400 else TenantNotFound.code
        self.status = 400 if status < 500 else status


# invalid_instance: MSAL's instance discovery (msal-common's AuthorityMetadata.ts).
class InvalidInstance(EntraError):
    error, code = "invalid_instance", 50049
    template = "Unknown or invalid instance."


# invalid_request: RFC 6749 5.2, a missing parameter.
class MissingParameter(EntraError):
    error, code = "invalid_request", 900144
    template = "The request body must contain the following parameter: '{name}'."


class TenantNotFound(EntraError):
    """AADSTS90002: `invalid_request` at the token and device-code endpoints, `invalid_tenant`
    at OIDC discovery (captures in Azure/azure-cli#22145 and panva/openid-client#175)."""

    error, code = "invalid_request", 90002
    template = (
        "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud. Check with your subscription administrator, this may "
        "happen if there are no active subscriptions for the tenant."
    )

    def __init__(self, *, discovery: bool = False, **fields: object) -> None:
        super().__init__(**fields)
        if discovery:
            self.error = "invalid_tenant"


# unsupported_grant_type: RFC 6749 5.2.
class UnsupportedGrantType(EntraError):
    error, code = "unsupported_grant_type", 70003
    template = (
        "The app requested an unsupported grant type '{grant}'. mockgraph supports {supported}."
    )


# invalid_request: RFC 7636 4.4.1.
class UnsupportedChallengeMethod(EntraError):
    error, code = "invalid_request", 5000
    template = "The code_challenge_method '{method}' is not supported; use S256 or plain."


# --- the client --------------------------------------------------------------------------
# unauthorized_client: docs/fidelity.md, 'Entra ID' (the live service).
class AppNotFound(EntraError):
    error, code = "unauthorized_client", 700016
    template = (
        "Application with identifier '{client_id}' was not found in the directory '{tenant}'. "
        "This can happen if the application has not been installed by the administrator of the "
        "tenant or consented to by any user in the tenant."
    )


# invalid_client: RFC 6749 5.2 (client authentication failed).
class PublicClientCredential(EntraError):
    error, code, status = "invalid_client", 700025, 401
    template = (
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."
    )


# invalid_client: RFC 6749 5.2 (no client authentication included).
class CredentialRequired(EntraError):
    error, code, status = "invalid_client", 7000218, 401
    template = (
        "The request body must contain the following parameter: 'client_assertion' or "
        "'client_secret'."
    )


# invalid_client: RFC 6749 5.2 (client authentication failed).
class InvalidClientSecret(EntraError):
    error, code, status = "invalid_client", 7000215, 401
    template = (
        "Invalid client secret provided. Ensure the secret being sent in the request is the "
        "client secret value, not the client secret ID, for a secret added to app '{app_id}'."
    )


# --- client assertions: https://learn.microsoft.com/entra/identity-platform/certificate-credentials
# invalid_request: openid-client's capture (docs/fidelity.md, 'Device code, certificate
# credentials, on-behalf-of').
class InvalidJwt(EntraError):
    error, code = "invalid_request", 50027
    template = "JWT token is invalid or malformed. {reason}"


# invalid_client: RFC 6749 5.2 (client authentication failed).
class CertificateNotRegistered(EntraError):
    error, code, status = "invalid_client", 700027, 401
    template = (
        "The certificate with identifier used to sign the client assertion is not registered on "
        "application. [Reason - The key was not found., Thumbprint of key used by client: "
        "'{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph "
        "to see configured keys for app Id '{app_id}'.]"
    )


class InvalidAssertion(EntraError):
    """AADSTS50013: a bad signature on a client assertion (invalid_client) or an OBO one."""

    error, code = "invalid_grant", 50013
    template = "Assertion failed signature validation. [Reason - {reason}]"

    def __init__(self, *, client: bool = False, **fields: object) -> None:
        super().__init__(**fields)
        if client:
            self.error, self.status = "invalid_client", 401


# invalid_client: a bad client assertion is a failed client authentication (RFC 6749 5.2).
class AssertionLifetime(EntraError):
    error, code, status = "invalid_client", 700024, 401
    template = (
        "Client assertion is not within its valid time range. Current time: {now}, assertion "
        "valid from {valid_from}, expiry time of assertion {expires}."
    )


# invalid_client: microsoft-authentication-library-for-dotnet#2746's capture.
class AssertionAudience(EntraError):
    error, code, status = "invalid_client", 700023, 401
    template = (
        "Client assertion audience claim does not match Realm issuer. Review the documentation "
        "at https://learn.microsoft.com/entra/identity-platform/certificate-credentials. "
        "(mockgraph expects '{expected}', the assertion has '{given}'.)"
    )


# invalid_client: a bad client assertion is a failed client authentication (RFC 6749 5.2).
class AssertionSubject(EntraError):
    error, code, status = "invalid_client", 700021, 401
    template = (
        "Client assertion application identifier doesn't match 'client_id' parameter. Review "
        "the documentation at https://learn.microsoft.com/entra/identity-platform/"
        "certificate-credentials."
    )


# invalid_client: a bad client assertion is a failed client authentication (RFC 6749 5.2).
class MultipleAudiences(EntraError):
    error, code, status = "invalid_client", 5002741, 401
    template = "A maximum of 1 audience value is allowed in the client assertion; it has {count}."


# --- users and consent -------------------------------------------------------------------
# invalid_grant: RFC 6749 5.2 (the resource owner's credentials are invalid).
class InvalidCredentials(EntraError):
    error, code = "invalid_grant", 50126
    template = "Error validating credentials due to invalid username or password."


# invalid_grant: RFC 6749 5.2 (the resource owner's credentials are invalid).
class UserNotFound(EntraError):
    error, code = "invalid_grant", 50034
    template = (
        "The user account {username} does not exist in the {tenant} directory. To sign into "
        "this application, the account must be added to the directory."
    )


# invalid_grant, suberror consent_required: docs/fidelity.md, 'Scopes and consent'.
class ConsentRequired(EntraError):
    error, code, suberror = "invalid_grant", 65001, "consent_required"
    template = (
        "The user or administrator has not consented to use the application with ID '{app_id}' "
        "named '{app_name}'. Send an interactive authorization request for this user and "
        "resource. (The fixtures do not grant '{scope}' to this app: add it to its "
        "delegatedPermissions.)"
    )


# --- scopes ------------------------------------------------------------------------------
# invalid_resource: the error codes page's table of `error` values.
class ResourceNotFound(EntraError):
    error, code = "invalid_resource", 500011
    template = (
        "The resource principal named {resource} was not found in the tenant named {tenant}. "
        "mockgraph issues tokens for Microsoft Graph, Azure Resource Manager and the APIs its "
        "fixture apps expose."
    )


# invalid_scope: the error codes page's own example (70011); Azure/azure-sdk-for-net#9076.
class InvalidScope(EntraError):
    error, code = "invalid_scope", 70011
    template = "The provided value for the input parameter 'scope' is not valid. {detail}"


# invalid_scope: RFC 6749 5.2 (the scope is the fault); no capture names it.
class ScopeNotDefault(EntraError):
    error, code = "invalid_scope", 1002012
    template = (
        "The provided value for scope {scope} is not valid. Client credential flows must have a "
        "scope value with /.default suffixed to the resource identifier (application ID URI)."
    )


# invalid_scope: RFC 6749 5.2 (the scope is the fault); captures give only the number.
class MultipleResources(EntraError):
    error, code = "invalid_scope", 28000
    template = (
        "Provided value for the input parameter scope is not valid because it contains more "
        "than one resource. Scope {scope} is not valid."
    )


# invalid_client, not invalid_scope: the captures in damienbod/AspNetCoreMicrosoftGraph#1,
# MicrosoftDocs/azure-docs#67211 and
# Azure-Samples/active-directory-aspnetcore-webapp-openidconnect-v2#554.
class ScopeNotExposed(EntraError):
    error, code = "invalid_client", 650053
    template = (
        "The application '{client}' asked for scope '{scope}' that doesn't exist on the "
        "resource '{resource}'. (Add it to that app's exposedScopes.)"
    )


# --- codes and refresh tokens ------------------------------------------------------------
# invalid_grant: RFC 6749 5.2 (the code is invalid, expired or used).
class InvalidCode(EntraError):
    error, code = "invalid_grant", 70000
    template = "The provided value for the 'code' parameter is not valid."


# invalid_grant: RFC 6749 5.2 (the code is invalid, expired or used).
class CodeRedeemed(EntraError):
    error, code = "invalid_grant", 54005
    template = (
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or "
        "use an existing refresh token."
    )


# invalid_grant: RFC 6749 5.2 (the code is invalid, expired or used).
class CodeExpired(EntraError):
    error, code = "invalid_grant", 70008
    template = (
        "The provided authorization code or refresh token has expired due to inactivity. Send a "
        "new interactive authorization request for this user and resource."
    )


# AADSTS500112, not 50148 (which is a PKCE verifier mismatch: the captures in
# AzureAD/microsoft-authentication-library-for-js#5044 and pennersr/django-allauth#2916);
# invalid_grant: RFC 6749 5.2 (the redirect_uri differs from the authorization request's).
class RedirectUriMismatch(EntraError):
    error, code = "invalid_grant", 500112
    template = (
        "The redirect_uri specified in the token request does not match the redirect_uri of the "
        "authorization request."
    )


# invalid_grant: GillesZunino/insomnia-plugin-azure-ad-authentication#14's capture.
class VerifierMismatch(EntraError):
    error, code = "invalid_grant", 501481
    template = (
        "The Code_Verifier does not match the code_challenge supplied in the authorization request."
    )


# invalid_grant: the refresh token's errors (RFC 6749 5.2).
class InvalidRefreshToken(EntraError):
    error, code = "invalid_grant", 9002313
    template = "Invalid request. Request is malformed or invalid."


# invalid_grant: the refresh token's errors (RFC 6749 5.2).
class RefreshTokenExpired(EntraError):
    error, code = "invalid_grant", 700082
    template = (
        "The refresh token has expired due to inactivity. The token was issued on a date more "
        "than 90 days ago."
    )


# --- the sign-in page (shown on the page or returned to the redirect URI) ----------------
# invalid_request: RFC 6749 4.1.2.1 (shown on the page, never redirected).
class RedirectUriNotRegistered(EntraError):
    error, code = "invalid_request", 50011
    template = (
        "The redirect URI '{redirect_uri}' specified in the request does not match the redirect "
        "URIs configured for the application '{app_id}'."
    )


# unsupported_response_type: RFC 6749 4.1.2.1.
class UnsupportedResponseType(EntraError):
    error, code = "unsupported_response_type", 700054
    template = "response_type must include 'code'."


# login_required: microsoft-authentication-library-for-js#5148's capture (prompt=none).
class LoginRequired(EntraError):
    error, code = "login_required", 50058
    template = "A silent sign-in request was sent but no user is signed in."
