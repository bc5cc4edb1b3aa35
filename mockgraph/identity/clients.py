"""The apps that ask for tokens: fixture apps and Microsoft's first-party public clients,
and how each proves who it is (nothing, a secret, or a certificate-signed assertion)."""

from __future__ import annotations

import hmac
from collections.abc import Collection

from mockgraph.identity.certificates import JWT_BEARER_ASSERTION, check_client_assertion
from mockgraph.identity.errors import (
    AppNotFound,
    CredentialRequired,
    InvalidClientSecret,
    InvalidJwt,
    MissingParameter,
    PublicClientCredential,
)
from mockgraph.identity.firstparty import FIRST_PARTY
from mockgraph.state.fixtures import FixtureApp, Fixtures
from mockgraph.state.store import Tenant


class Clients:
    """Finds apps by id or App ID URI, and authenticates them at the token endpoint."""

    def __init__(self, fixtures: Fixtures) -> None:
        self.fixtures = fixtures
        self._apis: dict[str, FixtureApp] = {}
        for app in fixtures.apps:
            self._apis[app.appId] = app
            for uri in app.identifier_uris:
                self._apis.setdefault(uri.rstrip("/").lower(), app)

    def app(self, client_id: str | None, tenant: Tenant) -> FixtureApp:
        """The app a `client_id` names (a fixture app first), or Entra's 700016."""
        if not client_id:
            raise MissingParameter(name="client_id")
        app = self.fixtures.app(client_id) or FIRST_PARTY.get(client_id.lower())
        if app is None:
            raise AppNotFound(client_id=client_id, tenant=tenant.id)
        return app

    def api(self, resource: str) -> FixtureApp | None:
        """The fixture app exposing the API a scope's resource names (App ID URI or app id)."""
        return self._apis.get(resource.rstrip("/").lower())

    def authenticate(
        self,
        app: FixtureApp,
        form: dict[str, str],
        secret: str | None,
        audiences: Collection[str],
        now: float,
    ) -> bool:
        """Whether the client proved who it is; Entra's error if its credential is wrong or
        missing where the app needs one."""
        assertion = form.get("client_assertion")
        certificates = self.fixtures.certificates.get(app.appId, ())
        if app.isPublicClient and not app.clientSecret and not certificates:
            if secret or assertion:
                raise PublicClientCredential()
            return False
        if assertion:
            if form.get("client_assertion_type") != JWT_BEARER_ASSERTION:
                raise InvalidJwt(reason=f"client_assertion_type must be '{JWT_BEARER_ASSERTION}'.")
            check_client_assertion(app, certificates, assertion, audiences, now)
            return True
        if not secret:
            if app.isPublicClient:
                return False
            raise CredentialRequired()
        if app.clientSecret is None or not hmac.compare_digest(
            secret.encode(), app.clientSecret.encode()
        ):
            raise InvalidClientSecret(app_id=app.appId)
        return True
