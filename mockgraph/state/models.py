"""The seed file's app registrations, and the strictness every seed and state model shares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator

from mockgraph.domain.guid import guid_value


class StrictModel(BaseModel):
    """Seed and state files: unknown keys refused, types exact."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class FixtureApp(StrictModel):
    appId: str
    displayName: str | None = None
    clientSecret: str | None = None
    applicationPermissions: list[str] = []
    delegatedPermissions: list[str] = []
    redirectUris: list[str] = []
    isPublicClient: bool = False
    # PEM certificates (inline, or paths relative to the fixture file) whose keys may sign
    # client assertions (private_key_jwt).
    certificates: list[str] = []
    # The API the app exposes, for on-behalf-of: None means ["api://{appId}"].
    identifierUris: list[str] | None = None
    exposedScopes: list[str] = ["access_as_user"]
    # The shape of the tokens for that API, as the app manifest's accessTokenAcceptedVersion
    # (https://learn.microsoft.com/entra/identity-platform/reference-app-manifest): None or 1,
    # v1.0 tokens (a new registration's default); 2, v2.0 tokens.
    accessTokenAcceptedVersion: int | None = None

    _check_id = field_validator("appId")(guid_value)

    @field_validator("accessTokenAcceptedVersion")
    @classmethod
    def _known_version(cls, value: int | None) -> int | None:
        if value not in (None, 1, 2):
            raise ValueError("must be null, 1 or 2")
        return value

    @property
    def identifier_uris(self) -> list[str]:
        return [f"api://{self.appId}"] if self.identifierUris is None else self.identifierUris

    @property
    def name(self) -> str:
        return self.displayName or self.appId


# Azure Resource Manager's subscription states
# (https://learn.microsoft.com/rest/api/resources/subscriptions/list, SubscriptionState).
SUBSCRIPTION_STATES = ("Enabled", "Warned", "PastDue", "Disabled", "Deleted")


class FixtureSubscription(StrictModel):
    """An Azure subscription of the fixtures' tenant, as ARM's Subscriptions - List shows it."""

    id: str
    displayName: str
    state: str = "Enabled"

    _check_id = field_validator("id")(guid_value)

    @field_validator("state")
    @classmethod
    def _known_state(cls, value: str) -> str:
        if value not in SUBSCRIPTION_STATES:
            raise ValueError(
                f"'{value}' is not a subscription state ({', '.join(SUBSCRIPTION_STATES)})"
            )
        return value
