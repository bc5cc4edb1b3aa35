"""The device code flow (RFC 8628 as Entra answers it): codes, polling, and the three ways a
code is decided (the /devicelogin page, the control plane, an automatic user).

Source: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from mockgraph.domain.presence import UserState
from mockgraph.errors import Conflict, NotFound
from mockgraph.identity.consent import Consents
from mockgraph.identity.errors import ConsentRequired, MissingParameter
from mockgraph.identity.flow_errors import (
    AuthorizationDeclined,
    AuthorizationPending,
    BadVerificationCode,
    DeviceCodeExpired,
    SlowDown,
)
from mockgraph.identity.grants import existing_user
from mockgraph.identity.issuing import Issuer
from mockgraph.identity.models import DeviceCode, TokenCall
from mockgraph.identity.scopes import ApiResolver, read_scopes
from mockgraph.state.store import Tenant

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
LIFETIME = 900
INTERVAL = 5
# Entra's user codes are upper-case letters and digits; these leave out the look-alikes.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
USER_CODE_LENGTH = 9
# Codes kept at most; past it the oldest go first, so a client looping on /devicecode cannot
# grow memory without bound.
MAX_CODES = 10_000
MESSAGE = (
    "To sign in, use a web browser to open the page {verification_uri} and enter the code "
    "{user_code} to authenticate."
)


def find_user(tenant: Tenant, id_or_upn: str) -> UserState | None:
    """A user of the tenant by object id or UPN (any case)."""
    wanted = id_or_upn.strip().lower()
    upns = (u for u in tenant.users.people() if u.user_principal_name.lower() == wanted)
    found = tenant.user(wanted) or next(upns, None)
    return tenant.user(found.id) if found is not None else None


class DeviceCodes:
    """Every tenant's outstanding device codes, by user code and by device code."""

    def __init__(
        self,
        issuer: Issuer,
        apis: ApiResolver,
        consents: Consents,
        tenant_of: Callable[[str], Tenant],
        *,
        auto_user: str | None = None,
        slow_down: bool = False,
    ) -> None:
        self.issuer = issuer
        self.apis = apis
        self.consents = consents
        self.tenant_of = tenant_of
        self.auto_user = auto_user
        self.slow_down = slow_down
        self.by_user_code: dict[str, DeviceCode] = {}
        self.by_device_code: dict[str, DeviceCode] = {}

    def forget(self, tenant_id: str | None) -> None:
        for code in list(self.by_user_code.values()):
            if tenant_id is None or code.tenant_id == tenant_id:
                self._drop(code)

    def _drop(self, code: DeviceCode) -> None:
        self.by_user_code.pop(code.user_code, None)
        self.by_device_code.pop(code.device_code, None)

    def start(self, call: TokenCall) -> dict[str, Any]:
        """POST /{tenant}/oauth2/v2.0/devicecode: a new code, and what to show the user."""
        tenant, app = call.tenant, call.app
        if "scope" not in call.form:
            raise MissingParameter(name="scope")
        # Consent is asked when the user signs in, not here (docs/fidelity.md, 'Scopes and
        # consent'); only the scope's form and resource are checked.
        requested = read_scopes(call.form["scope"], tenant.id, self.apis)
        now = tenant.clock.timestamp()
        self._purge()
        user_code = "".join(secrets.choice(ALPHABET) for _ in range(USER_CODE_LENGTH))
        while user_code in self.by_user_code:
            user_code = "".join(secrets.choice(ALPHABET) for _ in range(USER_CODE_LENGTH))
        code = DeviceCode(
            user_code=user_code,
            device_code=f"DAQABIQEAAAD{secrets.token_urlsafe(96)}",
            client_id=app.appId,
            app_name=app.name,
            tenant_id=tenant.id,
            requested=requested,
            app=app,
            issued_at=now,
            expires_at=now + LIFETIME,
            interval=INTERVAL,
        )
        self.by_user_code[user_code] = self.by_device_code[code.device_code] = code
        verification_uri = f"{call.base_url.rstrip('/')}/devicelogin"
        return {
            "user_code": user_code,
            "device_code": code.device_code,
            "verification_uri": verification_uri,
            "expires_in": LIFETIME,
            "interval": INTERVAL,
            "message": MESSAGE.format(verification_uri=verification_uri, user_code=user_code),
        }

    def _purge(self) -> None:
        """Drop codes expired for a while, and the oldest beyond MAX_CODES."""
        for code in list(self.by_user_code.values()):
            if self.tenant_of(code.tenant_id).clock.timestamp() > code.expires_at + LIFETIME:
                self._drop(code)
        while len(self.by_user_code) >= MAX_CODES:
            self._drop(next(iter(self.by_user_code.values())))

    def redeem(self, call: TokenCall) -> dict[str, Any]:
        """grant_type=urn:ietf:params:oauth:grant-type:device_code: a poll."""
        given = call.form.get("device_code") or call.form.get("code")
        if not given:
            raise MissingParameter(name="device_code")
        code = self.by_device_code.get(given)
        if code is None or code.client_id != call.app.appId or code.tenant_id != call.tenant.id:
            raise BadVerificationCode(reason="The device code was not recognized.")
        now = call.tenant.clock.timestamp()
        if now >= code.expires_at:
            raise DeviceCodeExpired()
        if code.status == "denied":
            raise AuthorizationDeclined()
        if code.status == "pending":
            self._still_pending(call.tenant, code, now)
        self._drop(code)
        if code.refusal is not None:
            raise code.refusal
        assert code.user_id is not None
        assert code.grant is not None
        return self.issuer.user_tokens(call, existing_user(call.tenant, code.user_id), code.grant)

    def _still_pending(self, tenant: Tenant, code: DeviceCode, now: float) -> None:
        """Approve automatically if MOCKGRAPH_DEVICE_CODE_USER says so, else raise."""
        too_soon = code.last_poll is not None and now - code.last_poll < code.interval
        code.polls += 1
        code.last_poll = now
        if self.slow_down and too_soon:
            raise SlowDown(interval=code.interval)
        # One interval after the code was issued, or from the second poll on (a frozen clock).
        waited = now >= code.issued_at + code.interval or code.polls > 1
        user = find_user(tenant, self.auto_user) if self.auto_user else None
        if user is None or not waited:
            raise AuthorizationPending()
        self._sign_in(tenant, code, user)

    # --- deciding (the /devicelogin page and the control plane) -------------------------

    def pending(self, user_code: str) -> DeviceCode:
        """A code a person may still decide; Graph-shaped 404/409 otherwise."""
        code = self.by_user_code.get(user_code.strip().upper().replace("-", ""))
        if code is None:
            raise NotFound(f"No device code has the user code '{user_code}'.")
        if self.tenant_of(code.tenant_id).clock.timestamp() >= code.expires_at:
            raise Conflict(
                f"The device code '{code.user_code}' has expired (by its tenant's clock); the "
                "client must start over."
            )
        if code.status != "pending":
            raise Conflict(f"The device code '{code.user_code}' was already {code.status}.")
        return code

    def decide(self, user_code: str, user_id: str | None, approve: bool) -> DeviceCode:
        """Approve as a user of the code's tenant (id or UPN), or deny."""
        code = self.pending(user_code)
        if approve:
            tenant = self.tenant_of(code.tenant_id)
            user = find_user(tenant, user_id or "")
            if user is None:
                raise NotFound(
                    f"The user '{user_id}' is not in the tenant '{tenant.id}' of this code."
                )
            self._sign_in(tenant, code, user)
        else:
            code.status = "denied"
        return code

    def _sign_in(self, tenant: Tenant, code: DeviceCode, user: UserState) -> None:
        """The user approves: consent is given now, or refused (the poll then answers it)."""
        code.user_id = user.id
        try:
            code.grant = self.consents.sign_in(tenant.id, code.app, user.id, code.requested)
            code.status = "approved"
        except ConsentRequired as refusal:
            code.status, code.refusal = "refused", refusal

    def listing(self, tenant_id: str | None) -> list[DeviceCode]:
        """Codes waiting for a decision (not yet expired), oldest first."""
        return [
            code
            for code in self.by_user_code.values()
            if code.status == "pending"
            and (tenant_id is None or code.tenant_id == tenant_id)
            and self.tenant_of(code.tenant_id).clock.timestamp() < code.expires_at
        ]
