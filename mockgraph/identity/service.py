"""Entra ID's token endpoint: which tenant and app a request names, how the app proves who it
is, and which grant answers it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from mockgraph.auth.tokens import TokenAuthority
from mockgraph.clouds import Cloud, cloud_for_login_host
from mockgraph.domain.guid import GUID
from mockgraph.domain.presence import UserState
from mockgraph.identity import grants, oidc
from mockgraph.identity.clients import Clients
from mockgraph.identity.consent import Consents
from mockgraph.identity.devicecode import DEVICE_CODE_GRANT, DeviceCodes, find_user
from mockgraph.identity.errors import MissingParameter, TenantNotFound, UnsupportedGrantType
from mockgraph.identity.issuing import Issuer
from mockgraph.identity.models import TokenCall
from mockgraph.identity.obo import JWT_BEARER_GRANT, on_behalf_of
from mockgraph.identity.oidc import SHARED_TENANTS
from mockgraph.identity.pruning import Pruner
from mockgraph.identity.saved import export_refresh_tokens, import_refresh_tokens
from mockgraph.identity.scopes import issuing_clouds
from mockgraph.settings import Settings
from mockgraph.state.fixtures import FixtureApp, Fixtures
from mockgraph.state.store import Store, Tenant
from mockgraph.state.tokenlog import TokenLog

Handler = Callable[[TokenCall], dict[str, Any]]


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


def _check_fixture_user(fixtures: Fixtures, id_or_upn: str) -> None:
    """MOCKGRAPH_DEVICE_CODE_USER must name a fixture user, or every client would hang."""
    wanted = id_or_upn.strip().lower()
    if not any(wanted in (u.id, u.user_principal_name.lower()) for u in fixtures.users):
        raise ValueError(
            f"MOCKGRAPH_DEVICE_CODE_USER: '{id_or_upn}' is neither the id nor the UPN of a "
            "fixture user"
        )


# Sign-in state kept at most (docs/reliability.md, "Limits"): past it the oldest go, which a
# client meets as Entra's invalid_grant, as for a revoked refresh token.
MAX_CODES = 10_000
MAX_REFRESH_TOKENS = 50_000


class Identity:
    """The token endpoint's state (codes, refresh tokens, device codes), per server."""

    def __init__(
        self,
        store: Store,
        tokens: TokenAuthority,
        fixtures: Fixtures,
        settings: Settings | None = None,
        token_log: TokenLog | None = None,
    ) -> None:
        self.store = store
        self.tokens = tokens
        self.fixtures = fixtures
        settings = settings or Settings()
        # /devicelogin lists the waiting codes only on a server with no admin key: the list is
        # the control plane's to give (docs/fidelity.md, 'The /devicelogin page').
        self.lists_device_codes = not settings.admin_key
        if settings.device_code_user is not None:
            _check_fixture_user(fixtures, settings.device_code_user)
        self.clients = Clients(fixtures)
        self.token_log = token_log if token_log is not None else TokenLog()
        self.issuer = Issuer(tokens, Pruner(store, MAX_REFRESH_TOKENS), self.token_log)
        self.consents = Consents()
        self.codes = grants.AuthorizationCodes(
            self.issuer, self.clients.api, self.consents, Pruner(store, MAX_CODES)
        )
        self.device_codes = DeviceCodes(
            self.issuer,
            self.clients.api,
            self.consents,
            store.tenant,
            auto_user=settings.device_code_user,
            slow_down=settings.device_code_slow_down,
        )
        self._grants: dict[str, Handler] = {
            "client_credentials": lambda c: grants.client_credentials(c, self.issuer, self.apis),
            "password": lambda c: grants.password(c, self.issuer, self.apis, self.consents),
            "authorization_code": self.codes.redeem,
            "refresh_token": lambda c: grants.refresh_token(
                c, self.issuer, self.apis, self.consents
            ),
            DEVICE_CODE_GRANT: self.device_codes.redeem,
            # msal-node sends the short name, which Entra takes too.
            "device_code": self.device_codes.redeem,
            JWT_BEARER_GRANT: lambda c: on_behalf_of(c, self.issuer, self.apis, self.tokens),
        }

    @property
    def apis(self) -> Callable[[str], FixtureApp | None]:
        return self.clients.api

    def export_state(self) -> list[dict[str, Any]]:
        """What the state file keeps of sign-ins: the refresh tokens handed out."""
        return export_refresh_tokens(self.issuer.refresh_tokens)

    def import_state(self, items: list[Any]) -> None:
        """Restore the refresh tokens of a state file (ValueError naming a bad one)."""
        self.issuer.refresh_tokens.update(import_refresh_tokens(items, self.apis))

    def forget(self, tenant_id: str | None) -> None:
        """Drop codes, refresh tokens, device codes and the token requests: one tenant's, or
        all (a reset)."""
        self.codes.forget(tenant_id)
        self.issuer.forget(tenant_id)
        self.device_codes.forget(tenant_id)
        self.consents.forget(tenant_id)
        self.token_log.forget(tenant_id)

    def tenant(self, segment: str) -> Tenant:
        """The tenant a URL names: its id, `common`/`organizations`, or a fixture domain."""
        name = segment.lower()
        tenant = None
        if GUID.match(name):
            # Only a tenant that exists (docs/fidelity.md, 'Tenants').
            tenant = self.store.existing(name)
        elif name in SHARED_TENANTS or name in self.fixtures.verified_domains:
            tenant = self.store.tenant(self.fixtures.tenant_id)
        if tenant is None:
            raise TenantNotFound(tenant=segment)
        return tenant

    def app(self, client_id: str | None, tenant: Tenant) -> FixtureApp:
        return self.clients.app(client_id, tenant)

    def token_endpoints(self, segment: str, tenant: Tenant, base_url: str) -> set[str]:
        """Where a client assertion may say it is for: this tenant's token endpoint on the host
        called or its cloud's other login hosts, by tenant id, the name used, or a domain."""
        origins = {base_url.rstrip("/").lower()}
        cloud = cloud_for_login_host(urlsplit(base_url).netloc)
        if cloud is not None:
            origins.update(f"https://{host}" for host in cloud.login_hosts)
        names = {segment.lower(), tenant.id}
        if tenant.id == self.fixtures.tenant_id:
            names.update(self.fixtures.verified_domains)
        return {f"{o}/{n}/oauth2/v2.0/token" for o in origins for n in names}

    def _call(
        self,
        segment: str,
        form: dict[str, str],
        basic: tuple[str, str] | None,
        base_url: str,
        cloud: Cloud | None,
    ) -> TokenCall:
        """The tenant, the app and whether it proved who it is, for any token-endpoint call."""
        tenant = self.tenant(segment)
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if basic is not None:
            client_id, secret = client_id or basic[0], secret or basic[1]
        app = self.app(client_id, tenant)
        authenticated = self.clients.authenticate(
            app,
            form,
            secret,
            self.token_endpoints(segment, tenant, base_url),
            tenant.clock.timestamp(),
        )
        issuer, audience = issuing_clouds(
            cloud or self.tokens.cloud, form.get("scope", ""), tenant.id
        )
        acr = "0" if not authenticated else ("2" if form.get("client_assertion") else "1")
        return TokenCall(tenant, app, form, base_url, authenticated, issuer, audience, acr)

    def token(
        self,
        segment: str,
        form: dict[str, str],
        basic: tuple[str, str] | None,
        base_url: str = "https://login.microsoftonline.com",
        cloud: Cloud | None = None,
    ) -> dict[str, Any]:
        """POST /{tenant}/oauth2/v2.0/token, on a login host of `cloud`."""
        self.tenant(segment)
        grant = form.get("grant_type")
        if not grant:
            raise MissingParameter(name="grant_type")
        handler = self._grants.get(grant)
        if handler is None:
            raise UnsupportedGrantType(grant=grant, supported=", ".join(self._grants))
        return handler(self._call(segment, form, basic, base_url, cloud))

    def device_authorization(
        self, segment: str, form: dict[str, str], base_url: str, cloud: Cloud | None = None
    ) -> dict[str, Any]:
        """POST /{tenant}/oauth2/v2.0/devicecode."""
        return self.device_codes.start(self._call(segment, form, None, base_url, cloud))

    # --- the authorization endpoint ---------------------------------------------------

    def issue_code(
        self, tenant: Tenant, app: FixtureApp, user: UserState, params: dict[str, str]
    ) -> str:
        return self.codes.issue(tenant, app, user, params)

    def user_by_hint(self, tenant: Tenant, hint: str | None) -> UserState | None:
        return find_user(tenant, hint) if hint else None

    # --- discovery --------------------------------------------------------------------

    def openid_configuration(
        self, segment: str, base_url: str, cloud: Cloud | None = None
    ) -> dict[str, Any]:
        """The OIDC document; every URL on the host called (`base_url`), `cloud`'s issuer."""
        cloud = cloud or self.tokens.cloud
        return oidc.openid_configuration(self._discovered(segment), segment, base_url, cloud)

    def keys(self, segment: str, cloud: Cloud | None = None) -> dict[str, Any]:
        return oidc.keys(self.tokens, self._discovered(segment), cloud or self.tokens.cloud)

    def _discovered(self, segment: str) -> Tenant:
        """The tenant of a discovery URL; discovery words AADSTS90002 `invalid_tenant`."""
        try:
            return self.tenant(segment)
        except TenantNotFound:
            raise TenantNotFound(tenant=segment, discovery=True) from None
