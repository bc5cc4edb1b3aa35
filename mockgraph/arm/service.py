"""Who calls ARM (the bearer token, checked as ARM checks it) and what ARM lists for them:
the caller's tenant, and the subscriptions the fixtures give it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mockgraph.arm.errors import (
    AuthenticationFailed,
    ExpiredAuthenticationToken,
    InvalidApiVersionParameter,
    InvalidAuthenticationToken,
    InvalidAuthenticationTokenAudience,
    InvalidSubscriptionId,
    MissingApiVersionParameter,
    SubscriptionNotFound,
)
from mockgraph.auth.tokens import NOT_BEFORE_SKEW, TokenAuthority
from mockgraph.clouds import Cloud
from mockgraph.domain.guid import is_guid
from mockgraph.state.fixtures import Fixtures
from mockgraph.state.models import FixtureSubscription
from mockgraph.state.store import Store, Tenant

INVALID = "The access token is invalid."
# ARM's api-version is a date, with -preview for previews (docs/fidelity.md, 'Azure Resource
# Manager (for the Azure CLI)': any such date is taken).
_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
# What a subscription of the fixtures shows of itself beyond its id, name and state
# (https://learn.microsoft.com/rest/api/resources/subscriptions/list).
_POLICIES = {
    "locationPlacementId": "Public_2014-09-01",
    "quotaId": "PayAsYouGo_2014-09-01",
    "spendingLimit": "Off",
}


@dataclass(frozen=True)
class ArmCaller:
    """The principal of a bearer token ARM took: its tenant, and the user or the app."""

    tenant: Tenant
    object_id: str | None


def api_version(query: dict[str, str]) -> str:
    """The `api-version` every ARM call carries: 400 without it or with one not a date."""
    version = query.get("api-version")
    if version is None or not version.strip():
        raise MissingApiVersionParameter(
            "The api-version query parameter (?api-version=) is required for all requests."
        )
    if not _API_VERSION.match(version):
        raise InvalidApiVersionParameter(
            f"The api-version '{version[:64]}' is invalid. mockgraph takes an api-version of "
            "the form YYYY-MM-DD or YYYY-MM-DD-preview, such as '2022-12-01'."
        )
    return version


def _arm_time(timestamp: float) -> str:
    """ARM's token-time wording: '12/4/2026 7:00:00 PM' (UTC)."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    hour = moment.hour % 12 or 12
    return (
        f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment:%M:%S} "
        f"{'AM' if moment.hour < 12 else 'PM'}"
    )


class ResourceManager:
    """ARM's checks on a caller, and its tenant and subscription lists."""

    def __init__(self, store: Store, tokens: TokenAuthority, fixtures: Fixtures) -> None:
        self.store = store
        self.tokens = tokens
        self.fixtures = fixtures

    def caller(self, authorization: str | None, cloud: Cloud) -> ArmCaller:
        """The caller of a request to `cloud`'s ARM host, or ARM's 401: no or malformed header,
        a token ARM cannot read or did not sign, another audience, expired."""
        if authorization is None:
            raise AuthenticationFailed(
                "Authentication failed. The 'Authorization' header is missing."
            )
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed(
                "Authentication failed. The 'Authorization' header is provided in an invalid "
                "format."
            )
        claims = self.tokens.signed_claims(token.strip())
        if claims is None:
            raise InvalidAuthenticationToken(INVALID)
        self._check_audience(claims.get("aud"), cloud)
        tenant = self._tenant(claims, cloud)
        self._check_lifetime(claims, tenant.clock.timestamp())
        oid = claims.get("oid")
        return ArmCaller(tenant, oid if isinstance(oid, str) else None)

    @staticmethod
    def _check_audience(aud: object, cloud: Cloud) -> None:
        if isinstance(aud, str) and cloud.accepts_arm_audience(aud):
            return
        allowed = ",".join(f"'{a}','{a.rstrip('/')}'" for a in cloud.arm_audiences)
        shown = aud[:200] if isinstance(aud, str) else ""
        raise InvalidAuthenticationTokenAudience(
            f"The access token has been obtained for wrong audience or resource '{shown}'. It "
            f"should exactly match with one of the allowed audiences {allowed}."
        )

    def _tenant(self, claims: dict[str, Any], cloud: Cloud) -> Tenant:
        tenant_id = claims.get("tid")
        if not isinstance(tenant_id, str) or not is_guid(tenant_id):
            raise InvalidAuthenticationToken(INVALID)
        issuers = {
            cloud.v1_issuer(tenant_id),
            *(cloud.v2_issuer(tenant_id, h) for h in cloud.login_hosts),
        }
        if claims.get("iss") not in issuers:
            raise InvalidAuthenticationToken(INVALID)
        tenant = self.store.existing(tenant_id)
        if tenant is None:
            raise InvalidAuthenticationToken(
                f"{INVALID} mockgraph has no tenant '{tenant_id}' (POST /_mockgraph/tenants)."
            )
        return tenant

    @staticmethod
    def _check_lifetime(claims: dict[str, Any], now: float) -> None:
        exp, nbf = claims.get("exp"), claims.get("nbf", claims.get("iat"))
        if not isinstance(exp, int | float) or not isinstance(nbf, int | float):
            raise InvalidAuthenticationToken(INVALID)
        if now >= exp:
            raise ExpiredAuthenticationToken(
                f"The access token expiry UTC time '{_arm_time(exp)}' is earlier than current "
                f"UTC time '{_arm_time(now)}'."
            )
        if now < nbf - NOT_BEFORE_SKEW:
            raise InvalidAuthenticationToken(
                f"The access token is not yet valid: its validity starts at UTC time "
                f"'{_arm_time(nbf)}', after the current UTC time '{_arm_time(now)}'."
            )

    # --- what ARM lists ------------------------------------------------------------------

    def tenant_entry(self, tenant: Tenant) -> dict[str, Any]:
        """One `TenantIdDescription` (https://learn.microsoft.com/rest/api/resources/tenants/list):
        the fixtures' tenant with its domains, any other with none."""
        entry: dict[str, Any] = {"id": f"/tenants/{tenant.id}", "tenantId": tenant.id}
        domains: list[str] = []
        if tenant.id == self.fixtures.tenant_id:
            given = [d.lower() for d in self.fixtures.domains or ()]
            domains = [*given, *sorted(self.fixtures.verified_domains - set(given))]
        default = domains[0] if domains else None
        entry.update(
            countryCode="US",
            displayName=default.split(".")[0].capitalize() if default else None,
            domains=domains,
            defaultDomain=default,
            tenantCategory="Home",
            tenantType="AAD",
        )
        return entry

    def subscriptions(self, tenant: Tenant) -> tuple[FixtureSubscription, ...]:
        """The fixtures' subscriptions belong to the fixtures' tenant; other tenants have none."""
        return self.fixtures.subscriptions if tenant.id == self.fixtures.tenant_id else ()

    def subscription(self, tenant: Tenant, subscription_id: str) -> FixtureSubscription:
        """One subscription of the caller's tenant: 400 for an id not a GUID, else 404."""
        if not is_guid(subscription_id):
            raise InvalidSubscriptionId(
                f"The provided subscription identifier '{subscription_id[:64]}' is malformed or "
                "invalid."
            )
        wanted = subscription_id.lower()
        for subscription in self.subscriptions(tenant):
            if subscription.id == wanted:
                return subscription
        raise SubscriptionNotFound(f"The subscription '{subscription_id}' could not be found.")

    @staticmethod
    def subscription_entry(tenant: Tenant, subscription: FixtureSubscription) -> dict[str, Any]:
        """One `Subscription` as Subscriptions - List and Get show it (2022-12-01)."""
        return {
            "id": f"/subscriptions/{subscription.id}",
            "authorizationSource": "RoleBased",
            "managedByTenants": [],
            "subscriptionId": subscription.id,
            "tenantId": tenant.id,
            "displayName": subscription.displayName,
            "state": subscription.state,
            "subscriptionPolicies": dict(_POLICIES),
        }
