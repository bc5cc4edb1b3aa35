"""What the token endpoint remembers between requests, and what one token request carries."""

from __future__ import annotations

from dataclasses import dataclass

from mockgraph.clouds import GLOBAL, Cloud
from mockgraph.state.fixtures import FixtureApp
from mockgraph.state.store import Tenant

ACCESS_LIFETIME = 3600
CODE_LIFETIME = 600
REFRESH_LIFETIME = 90 * 86400


@dataclass(frozen=True)
class TokenCall:
    """One request to the token endpoint: the tenant it names, the authenticated client, its
    form, and the base URL the client called (`https://login.microsoftonline.com`, say)."""

    tenant: Tenant
    app: FixtureApp
    form: dict[str, str]
    base_url: str = "https://login.microsoftonline.com"
    # Whether the client presented a credential (a secret or an assertion) that was right.
    authenticated: bool = False
    # The cloud whose login host was called issues the tokens (`iss`); the Graph the scope
    # names is their audience (`aud`: DoD's, from L4's shared login host).
    cloud: Cloud = GLOBAL
    audience: Cloud = GLOBAL
    # How the client proved who it is: 0 public client, 1 secret, 2 certificate (`appidacr`).
    appidacr: str = "0"


@dataclass(frozen=True)
class Requested:
    """A `scope` parameter, read: the resource (None: Graph), its scopes, OIDC scopes, and
    whether it asked for `.default`. `arm` is the audience asked for when the resource is Azure
    Resource Manager (`https://management.core.windows.net/`), else None."""

    scopes: tuple[str, ...]
    oidc: frozenset[str]
    default: bool
    resource: FixtureApp | None = None
    # How the client named that resource: an identifier URI or the app id, as written.
    named: str = ""
    arm: str | None = None

    @property
    def graph(self) -> tuple[str, ...]:
        return self.scopes if self.resource is None and self.arm is None else ()


@dataclass(frozen=True)
class Grant:
    """Who a user token is for: the scopes granted and the resource (None: Microsoft Graph),
    and the prefix the client wrote its Graph scopes with; `arm`: the audience of a token for
    Azure Resource Manager instead."""

    scopes: tuple[str, ...]
    oidc: frozenset[str]
    resource: FixtureApp | None = None
    prefix: str = ""
    # How the client named the resource (a v1.0 token's `aud`); empty: its first identifier URI.
    named: str = ""
    arm: str | None = None


@dataclass
class CodeGrant:
    client_id: str
    redirect_uri: str
    tenant_id: str
    user_id: str
    grant: Grant
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
    grant: Grant
    expires_at: float


@dataclass
class DeviceCode:
    """One device authorization: pending until a user approves or denies it, or it expires."""

    user_code: str
    device_code: str
    client_id: str
    app_name: str
    tenant_id: str
    requested: Requested
    app: FixtureApp
    issued_at: float
    expires_at: float
    interval: int
    status: str = "pending"  # pending, approved, denied, refused (consent)
    user_id: str | None = None
    grant: Grant | None = None
    # What the poll answers once the sign-in refused the code (AADSTS65001).
    refusal: Exception | None = None
    polls: int = 0
    last_poll: float | None = None
