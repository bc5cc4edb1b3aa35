"""Consent: what users of a tenant granted an app at sign-in, on top of the admin's consent that
the fixture app's delegatedPermissions stand for (docs/fidelity.md, 'Scopes and consent')."""

from __future__ import annotations

from mockgraph.identity.firstparty import FIRST_PARTY, KNOWN_DELEGATED
from mockgraph.identity.models import Grant, Requested
from mockgraph.identity.scopes import grant, short
from mockgraph.state.fixtures import FixtureApp

# Graph's delegated permissions mockgraph knows that need no admin consent, so a user may
# consent to them at sign-in ("Admin consent required: No" in
# https://learn.microsoft.com/graph/permissions-reference).
USER_CONSENTABLE = frozenset(
    {"presence.read", "presence.read.all", "presence.readwrite", "user.read", "user.readbasic.all"}
)
_SPELLING = {p.lower(): p for p in KNOWN_DELEGATED}
# Users kept per tenant and app at most, so a loop of sign-ins cannot grow memory unbounded.
MAX_CONSENTS = 100_000


class Consents:
    """Each user's consent per tenant and app: the Graph permissions granted at sign-in."""

    def __init__(self) -> None:
        self.given: dict[tuple[str, str, str], dict[str, str]] = {}

    def forget(self, tenant_id: str | None) -> None:
        if tenant_id is None:
            self.given.clear()
        else:
            self.given = {k: v for k, v in self.given.items() if k[0] != tenant_id}

    def of(self, tenant_id: str, app: FixtureApp, user_id: str) -> tuple[str, ...]:
        return tuple(self.given.get((tenant_id, app.appId, user_id), {}).values())

    def sign_in(self, tenant_id: str, app: FixtureApp, user_id: str, requested: Requested) -> Grant:
        """A user signs in: the Graph permissions asked for that the user may consent to are
        consented (recorded for later requests); the grant, or AADSTS65001 for the rest."""
        key = (tenant_id, app.appId, user_id)
        given = self.given.get(key, {})
        if requested.resource is None and requested.arm is None:
            for scope in requested.scopes:
                name = short(scope)
                if consentable(app, name.lower()):
                    given.setdefault(name.lower(), _SPELLING.get(name.lower(), name))
        if given and key not in self.given:
            if len(self.given) >= MAX_CONSENTS:
                self.given.pop(next(iter(self.given)))
            self.given[key] = given
        return grant(app, requested, tuple(given.values()))


def consentable(app: FixtureApp, scope: str) -> bool:
    """Whether a user may consent to this Graph permission for this app: Microsoft's own apps
    take any, other apps those that need no admin consent."""
    return FIRST_PARTY.get(app.appId) is app or scope in USER_CONSENTABLE
