"""Entra ID's rules for the grants clients use: who may have which token, with what in it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mockgraph.auth.tokens import TokenAuthority, issuer_for
from mockgraph.domain.guid import GUID
from mockgraph.domain.presence import UserState
from mockgraph.errors import EntraError
from mockgraph.fixtures import FixtureApp, Fixtures
from mockgraph.store import Store, Tenant

OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
GRAPH_PREFIXES = ("https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000/")
ACCESS_LIFETIME = 3600
CODE_LIFETIME = 600
REFRESH_LIFETIME = 90 * 86400
# Tenant names Entra accepts in place of a tenant id, for user sign-ins.
SHARED_TENANTS = ("common", "organizations")


@dataclass
class CodeGrant:
    client_id: str
    redirect_uri: str
    tenant_id: str
    user_id: str
    scopes: tuple[str, ...]
    oidc: frozenset[str]
    challenge: str | None
    method: str
    nonce: str | None
    expires_at: float
    redeemed: bool = False


@dataclass
class RefreshGrant:
    client_id: str
    tenant_id: str
    user_id: str
    scopes: tuple[str, ...]
    oidc: frozenset[str]
    expires_at: float


@dataclass(frozen=True)
class Requested:
    """A `scope` parameter, read: Graph scopes (as asked), OIDC scopes, and whether .default."""

    graph: tuple[str, ...]
    oidc: frozenset[str]
    default: bool


def _short(scope: str) -> str:
    for prefix in GRAPH_PREFIXES:
        if scope.lower().startswith(prefix.lower()):
            return scope[len(prefix) :]
    return scope


def read_scopes(raw: str, tenant: str) -> Requested:
    graph: list[str] = []
    oidc: set[str] = set()
    default = False
    for scope in raw.split():
        if scope.lower() in OIDC_SCOPES:
            oidc.add(scope.lower())
        elif scope.lower().endswith(".default"):
            resource = scope[: -len(".default")].rstrip("/")
            if resource and f"{resource}/".lower() not in (p.lower() for p in GRAPH_PREFIXES):
                raise EntraError(
                    "invalid_scope",
                    500011,
                    (
                        f"The resource principal named {resource} was not found in the tenant "
                        f"named {tenant}. mockgraph issues tokens for Microsoft Graph only."
                    ),
                )
            default = True
        elif "://" in _short(scope) or (scope.startswith("api://")):
            raise EntraError(
                "invalid_scope",
                500011,
                (
                    f"The resource principal named {scope.rsplit('/', 1)[0]} was not found in the "
                    f"tenant named {tenant}. mockgraph issues tokens for Microsoft Graph only."
                ),
            )
        else:
            graph.append(scope)
    if default and graph:
        raise EntraError(
            "invalid_scope",
            70011,
            (
                "The provided value for the input parameter 'scope' is not valid. The scope "
                f"{raw} is not valid. .default scope can't be combined with resource-specific "
                "scopes."
            ),
        )
    return Requested(tuple(graph), frozenset(oidc), default)


def redirect_allowed(app: FixtureApp, redirect_uri: str) -> bool:
    """Registered exactly, or, for http loopback addresses, on any port (as Entra allows)."""
    given = urlsplit(redirect_uri)
    for registered in app.redirectUris:
        if registered == redirect_uri:
            return True
        wanted = urlsplit(registered)
        if (
            wanted.scheme == given.scheme == "http"
            and wanted.hostname in ("localhost", "127.0.0.1")
            and wanted.hostname == given.hostname
            and wanted.path.rstrip("/") == given.path.rstrip("/")
        ):
            return True
    return False


class Identity:
    """The token endpoint's state: authorization codes and refresh tokens, per server."""

    def __init__(self, store: Store, tokens: TokenAuthority, fixtures: Fixtures) -> None:
        self.store = store
        self.tokens = tokens
        self.fixtures = fixtures
        self.codes: dict[str, CodeGrant] = {}
        self.refresh_tokens: dict[str, RefreshGrant] = {}

    def forget(self, tenant_id: str | None) -> None:
        """Drop codes and refresh tokens: one tenant's, or all (a reset)."""
        if tenant_id is None:
            self.codes.clear()
            self.refresh_tokens.clear()
            return
        self.codes = {k: g for k, g in self.codes.items() if g.tenant_id != tenant_id}
        self.refresh_tokens = {
            k: g for k, g in self.refresh_tokens.items() if g.tenant_id != tenant_id
        }

    # --- who --------------------------------------------------------------------------

    def tenant(self, segment: str) -> Tenant:
        """The tenant a URL names: its id, `common`/`organizations`, or a fixture domain."""
        name = segment.lower()
        if GUID.match(name):
            return self.store.tenant(name)
        domains = {u.user_principal_name.rsplit("@", 1)[-1].lower() for u in self.fixtures.users}
        if name in SHARED_TENANTS or name in domains:
            return self.store.tenant(self.fixtures.tenant_id)
        raise EntraError(
            "invalid_request",
            90002,
            (
                f"Tenant '{segment}' not found. Check to make sure you have the correct tenant ID "
                "and are signing into the correct cloud."
            ),
        )

    def app(self, client_id: str | None, tenant: Tenant) -> FixtureApp:
        if not client_id:
            raise EntraError(
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'client_id'.",
            )
        app = self.fixtures.app(client_id)
        if app is None:
            raise EntraError(
                "unauthorized_client",
                700016,
                (
                    f"Application with identifier '{client_id}' was not found in the directory "
                    f"'{tenant.id}'. This can happen if the application has not been installed by "
                    "the administrator of the tenant or consented to by any user in the tenant."
                ),
            )
        return app

    def authenticate_client(self, app: FixtureApp, secret: str | None) -> None:
        if app.isPublicClient and not app.clientSecret:
            if secret:
                raise EntraError(
                    "invalid_client",
                    700025,
                    (
                        "Client is public so neither 'client_assertion' nor 'client_secret' should "
                        "be presented."
                    ),
                    status=401,
                )
            return
        if not secret:
            if app.isPublicClient:
                return
            raise EntraError(
                "invalid_client",
                7000218,
                (
                    "The request body must contain the following parameter: 'client_assertion' or "
                    "'client_secret'."
                ),
                status=401,
            )
        if app.clientSecret is None or not hmac.compare_digest(
            secret.encode(), app.clientSecret.encode()
        ):
            raise EntraError(
                "invalid_client",
                7000215,
                (
                    "Invalid client secret provided. Ensure the secret being sent in the request "
                    "is the client secret value, not the client secret ID, for a secret added to "
                    "app "
                    f"'{app.appId}'."
                ),
                status=401,
            )

    def granted(self, app: FixtureApp, requested: Requested) -> tuple[str, ...]:
        """The Graph scopes a delegated token gets: what was asked, if the app may have it."""
        if requested.default:
            return tuple(app.delegatedPermissions)
        allowed = {p.lower() for p in app.delegatedPermissions}
        for scope in requested.graph:
            if _short(scope).lower() not in allowed:
                raise EntraError(
                    "invalid_grant",
                    65001,
                    (
                        f"The user or administrator has not consented to use the application with "
                        f"ID '{app.appId}' named '{app.displayName or app.appId}'. Send an "
                        f"interactive authorization request for this user and resource. (The "
                        f"fixtures do not grant '{_short(scope)}' to this app: add it to its "
                        "delegatedPermissions.)"
                    ),
                )
        return requested.graph

    # --- grants -----------------------------------------------------------------------

    def token(
        self, segment: str, form: dict[str, str], basic: tuple[str, str] | None
    ) -> dict[str, Any]:
        """POST /{tenant}/oauth2/v2.0/token."""
        tenant = self.tenant(segment)
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if basic is not None:
            client_id, secret = client_id or basic[0], secret or basic[1]
        grant = form.get("grant_type")
        if not grant:
            raise EntraError(
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            )
        handlers = {
            "client_credentials": self._client_credentials,
            "password": self._password,
            "authorization_code": self._authorization_code,
            "refresh_token": self._refresh_token,
        }
        handler = handlers.get(grant)
        if handler is None:
            raise EntraError(
                "unsupported_grant_type",
                70003,
                (
                    f"The app requested an unsupported grant type '{grant}'. mockgraph supports "
                    f"{', '.join(handlers)}."
                ),
            )
        app = self.app(client_id, tenant)
        self.authenticate_client(app, secret)
        return handler(tenant, app, form)

    def _client_credentials(
        self, tenant: Tenant, app: FixtureApp, form: dict[str, str]
    ) -> dict[str, Any]:
        raw = form.get("scope", "")
        requested = read_scopes(raw, tenant.id)
        if not requested.default or requested.graph or not raw:
            raise EntraError(
                "invalid_scope",
                1002012,
                (
                    f"The provided value for scope {raw or '(none)'} is not valid. Client "
                    "credential flows must have a scope value with /.default suffixed to the "
                    "resource identifier (application ID URI)."
                ),
            )
        if app.isPublicClient and not app.clientSecret:
            raise EntraError(
                "invalid_client",
                7000218,
                (
                    "The request body must contain the following parameter: 'client_assertion' or "
                    "'client_secret'."
                ),
                status=401,
            )
        token = self.tokens.mint(
            now=tenant.clock.timestamp(),
            lifetime=ACCESS_LIFETIME,
            tenant_id=tenant.id,
            app_id=app.appId,
            roles=list(app.applicationPermissions),
        )
        return {
            "token_type": "Bearer",
            "expires_in": ACCESS_LIFETIME - 1,
            "ext_expires_in": ACCESS_LIFETIME - 1,
            "access_token": token,
        }

    def _password(self, tenant: Tenant, app: FixtureApp, form: dict[str, str]) -> dict[str, Any]:
        username, password = form.get("username"), form.get("password")
        if not username or password is None:
            missing = "username" if not username else "password"
            raise EntraError(
                "invalid_request",
                900144,
                f"The request body must contain the following parameter: '{missing}'.",
            )
        requested = read_scopes(form.get("scope", ""), tenant.id)
        user = self._user_by_name(tenant, username)
        if user.password is None or not hmac.compare_digest(
            password.encode(), user.password.encode()
        ):
            raise EntraError(
                "invalid_grant",
                50126,
                "Error validating credentials due to invalid username or password.",
            )
        scopes = self.granted(app, requested)
        return self._user_tokens(tenant, app, user, scopes, requested.oidc, None, form)

    def _user_by_name(self, tenant: Tenant, username: str) -> UserState:
        wanted = username.lower()
        for user in tenant.users.values():
            if user.user_principal_name.lower() == wanted:
                return user
        raise EntraError(
            "invalid_grant",
            50034,
            (
                f"The user account {username} does not exist in the {tenant.id} directory. To sign "
                "into this application, the account must be added to the directory."
            ),
        )

    def _authorization_code(
        self, tenant: Tenant, app: FixtureApp, form: dict[str, str]
    ) -> dict[str, Any]:
        code = form.get("code", "")
        grant = self.codes.get(code)
        now = tenant.clock.timestamp()
        if grant is None or grant.client_id != app.appId or grant.tenant_id != tenant.id:
            raise EntraError(
                "invalid_grant",
                70000,
                ("The provided value for the 'code' parameter is not valid."),
            )
        if grant.redeemed:
            raise EntraError(
                "invalid_grant",
                54005,
                "OAuth2 Authorization code was already redeemed, please retry with "
                "a new valid code or use an existing refresh token.",
            )
        if now >= grant.expires_at:
            raise EntraError(
                "invalid_grant",
                70008,
                (
                    "The provided authorization code or refresh token has expired due to "
                    "inactivity. Send a new interactive authorization request for this user and "
                    "resource."
                ),
            )
        if form.get("redirect_uri") != grant.redirect_uri:
            raise EntraError(
                "invalid_grant",
                50148,
                (
                    "The redirect_uri specified in the token request does not match the "
                    "redirect_uri of the authorization request."
                ),
            )
        if grant.challenge is not None:
            verifier = form.get("code_verifier", "")
            expected = grant.challenge
            if grant.method == "S256":
                digest = hashlib.sha256(verifier.encode()).digest()
                computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            else:
                computed = verifier
            if not verifier or not hmac.compare_digest(computed, expected):
                raise EntraError(
                    "invalid_grant",
                    501481,
                    (
                        "The Code_Verifier does not match the code_challenge supplied in the "
                        "authorization request."
                    ),
                )
        grant.redeemed = True
        user = tenant.user(grant.user_id)
        if user is None:
            raise EntraError("invalid_grant", 50034, "The user account no longer exists.")
        return self._user_tokens(tenant, app, user, grant.scopes, grant.oidc, grant.nonce, form)

    def _refresh_token(
        self, tenant: Tenant, app: FixtureApp, form: dict[str, str]
    ) -> dict[str, Any]:
        grant = self.refresh_tokens.get(form.get("refresh_token", ""))
        if grant is None or grant.client_id != app.appId or grant.tenant_id != tenant.id:
            raise EntraError(
                "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
            )
        if tenant.clock.timestamp() >= grant.expires_at:
            raise EntraError(
                "invalid_grant",
                700082,
                (
                    "The refresh token has expired due to inactivity. The token was issued on a "
                    "date more than 90 days ago."
                ),
            )
        user = tenant.user(grant.user_id)
        if user is None:
            raise EntraError("invalid_grant", 50034, "The user account no longer exists.")
        scopes = grant.scopes
        if form.get("scope"):
            requested = read_scopes(form["scope"], tenant.id)
            scopes = self.granted(app, requested)
        return self._user_tokens(tenant, app, user, scopes, grant.oidc, None, form)

    def _user_tokens(
        self,
        tenant: Tenant,
        app: FixtureApp,
        user: UserState,
        scopes: tuple[str, ...],
        oidc: frozenset[str],
        nonce: str | None,
        form: dict[str, str],
    ) -> dict[str, Any]:
        now = tenant.clock.timestamp()
        access = self.tokens.mint(
            now=now,
            lifetime=ACCESS_LIFETIME,
            tenant_id=tenant.id,
            app_id=app.appId,
            user_id=user.id,
            scopes=[_short(s) for s in scopes],
            extra={"name": user.display_name, "preferred_username": user.user_principal_name},
        )
        answer: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join([*scopes, *sorted(oidc - {"offline_access"})]),
            "expires_in": ACCESS_LIFETIME - 1,
            "ext_expires_in": ACCESS_LIFETIME - 1,
            "access_token": access,
        }
        if "offline_access" in oidc:
            refresh = secrets.token_urlsafe(48)
            self.refresh_tokens[refresh] = RefreshGrant(
                app.appId, tenant.id, user.id, scopes, oidc, now + REFRESH_LIFETIME
            )
            answer["refresh_token"] = refresh
        if "openid" in oidc:
            answer["id_token"] = self._id_token(tenant, app, user, now, nonce)
        if form.get("client_info") == "1":
            info = json.dumps({"uid": user.id, "utid": tenant.id}).encode()
            answer["client_info"] = base64.urlsafe_b64encode(info).rstrip(b"=").decode()
        return answer

    def _id_token(
        self, tenant: Tenant, app: FixtureApp, user: UserState, now: float, nonce: str | None
    ) -> str:
        issued = int(now)
        claims: dict[str, Any] = {
            "aud": app.appId,
            "iss": issuer_for(tenant.id),
            "iat": issued,
            "nbf": issued,
            "exp": issued + ACCESS_LIFETIME,
            "name": user.display_name,
            "oid": user.id,
            "preferred_username": user.user_principal_name,
            "sub": user.id,
            "tid": tenant.id,
            "uti": uuid.uuid4().hex,
            "ver": "2.0",
        }
        if nonce:
            claims["nonce"] = nonce
        return self.tokens.sign(claims)

    # --- the authorization endpoint ---------------------------------------------------

    def issue_code(
        self, tenant: Tenant, app: FixtureApp, user: UserState, params: dict[str, str]
    ) -> str:
        requested = read_scopes(params.get("scope", ""), tenant.id)
        scopes = self.granted(app, requested)
        challenge = params.get("code_challenge") or None
        method = params.get("code_challenge_method") or "plain"
        if challenge is not None and method not in ("S256", "plain"):
            raise EntraError(
                "invalid_request",
                5000,
                (f"The code_challenge_method '{method}' is not supported; use S256 or plain."),
            )
        code = secrets.token_urlsafe(32)
        self.codes[code] = CodeGrant(
            client_id=app.appId,
            redirect_uri=params.get("redirect_uri", ""),
            tenant_id=tenant.id,
            user_id=user.id,
            scopes=scopes,
            oidc=requested.oidc,
            challenge=challenge,
            method=method,
            nonce=params.get("nonce") or None,
            expires_at=tenant.clock.timestamp() + CODE_LIFETIME,
        )
        return code

    def user_by_hint(self, tenant: Tenant, hint: str | None) -> UserState | None:
        if not hint:
            return None
        wanted = hint.lower()
        return next(
            (u for u in tenant.users.values() if wanted in (u.user_principal_name.lower(), u.id)),
            None,
        )

    # --- discovery --------------------------------------------------------------------

    def openid_configuration(self, segment: str, base_url: str) -> dict[str, Any]:
        tenant = self.tenant(segment)
        shown = segment if segment.lower() in SHARED_TENANTS else tenant.id
        issuer = issuer_for("{tenantid}" if segment.lower() in SHARED_TENANTS else tenant.id)
        root = f"{base_url.rstrip('/')}/{shown}"
        return {
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": issuer,
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "code_challenge_methods_supported": ["S256", "plain"],
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "nbf",
                "name",
                "nonce",
                "oid",
                "preferred_username",
                "tid",
                "ver",
            ],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }

    def keys(self, segment: str) -> dict[str, Any]:
        tenant = self.tenant(segment)
        return {"keys": [{**self.tokens.public_jwk(), "issuer": issuer_for(tenant.id)}]}
