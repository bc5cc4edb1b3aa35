"""Examples for the OpenAPI document that run as they stand against the fixtures.

Ids come from the fixtures the server runs (the bundled ones by default); responses are what
mockgraph itself answers; times that must lie ahead (a subscription's expiry) are filled in
each time the document is served.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from mockgraph.clock import Clock
from mockgraph.domain.presence import FIXTURE_SESSION_ID
from mockgraph.domain.rendering import OTHER, SELF, entity_dict
from mockgraph.state.fixtures import FixtureApp, Fixtures
from mockgraph.state.snapshot import export_tenant
from mockgraph.state.store import Tenant, UserTable, seed_user

WEBHOOK = "/_mockgraph/webhook"
# Stand-ins when the fixtures have no users or apps of a kind (the bundled ones have all).
_USER = "fa8bf3dc-eca7-46b7-bad1-db199b62afc3"
_OTHER_USER = "66825e03-7ef5-42da-9069-724602c31f6b"


class Examples:
    """The ids and bodies the document's examples use, derived from `fixtures` once."""

    def __init__(self, fixtures: Fixtures) -> None:
        self.fixtures = fixtures
        users = fixtures.users
        self.user = users[0].id if users else _USER
        self.other_user = users[1].id if len(users) > 1 else _OTHER_USER
        self.removable_user = users[-1].id if users else _USER
        self.upn = users[0].user_principal_name if users else "adele.vance@contoso.example"
        self.delegated_app = _first(fixtures.apps, lambda a: bool(a.delegatedPermissions))
        self.public_client = _first(
            fixtures.apps, lambda a: a.isPublicClient and bool(a.redirectUris)
        )
        # The app that may do the most: one that may write presence, if there is one.
        self.confidential_app = _first(
            fixtures.apps,
            lambda a: "Presence.ReadWrite.All" in a.applicationPermissions and bool(a.clientSecret),
        ) or _first(
            fixtures.apps, lambda a: bool(a.applicationPermissions) and bool(a.clientSecret)
        )
        self.tenant = self._sample_tenant()
        self._bodies: dict[tuple[str, str], Any] | None = None

    def _sample_tenant(self) -> Tenant:
        """The first three fixture users, freshly seeded."""
        tenant = Tenant(self.fixtures.tenant_id, Clock(), None)
        now = tenant.clock.timestamp()
        tenant.users = UserTable((u.id, seed_user(u, now)) for u in self.fixtures.users[:3])
        return tenant

    def parameters(self) -> dict[str, Any]:
        """An example value for each parameter name the document uses."""
        return {
            "tenant": self.fixtures.tenant_id,
            "user_id": self.removable_user,
            "username": self.upn,
            "validationToken": "Validation: Testing client application reachability",
        }

    def control_plane(self) -> dict[tuple[str, str], Any]:
        """Request bodies of the control plane, by (method, path)."""
        if self._bodies is None:
            self._bodies = self._control_plane()
        return self._bodies

    def _control_plane(self) -> dict[tuple[str, str], Any]:
        device_client = self.public_client or self.delegated_app
        state = export_tenant(self.tenant)
        state.pop("clock", None)
        wall = self.confidential_app
        return {
            ("post", "/_mockgraph/tokens"): {
                "userId": self.user,
                "scopes": ["Presence.Read", "Presence.Read.All", "Presence.ReadWrite"],
            },
            ("put", "/_mockgraph/state"): state,
            ("post", "/_mockgraph/users"): {
                "id": "0d6c5a38-3b2e-4f7a-9c1d-8e5f4a3b2c10",
                "userPrincipalName": "isaiah.langer@contoso.example",
                "displayName": "Isaiah Langer",
                "password": "Isaiah-Pa55!",
                "presence": {"availability": "Available", "activity": "Available"},
            },
            ("post", "/_mockgraph/faults"): {
                "method": "GET",
                "path": "/v1.0/users/*/presence",
                "status": 503,
                "times": 1,
                "retryAfter": 5,
            },
            ("post", "/_mockgraph/tenants"): {"tenantId": "0d5c0e4a-9b1f-4e77-8c2a-3f6b7d9e1a25"},
            ("post", "/_mockgraph/scenario"): {
                "action": "start",
                "profile": "office-day",
                "users": 12,
                "paused": True,
            },
            ("put", "/_mockgraph/throttling"): {"limit": 1500, "window": "PT30S"},
            ("post", "/_mockgraph/clock"): {"advance": "PT10M"},
            ("post", "/{tenant}/oauth2/v2.0/devicecode"): {
                "client_id": device_client.appId if device_client else "",
                "scope": "https://graph.microsoft.com/Presence.Read openid offline_access",
            },
            ("post", "/_mockgraph/device-codes/{user_code}"): {
                "userId": self.user,
                "decision": "approve",
            },
            ("post", "/{tenant}/oauth2/v2.0/token"): {
                "grant_type": "client_credentials",
                "client_id": wall.appId if wall else "",
                "client_secret": wall.clientSecret if wall else "",
                "scope": "https://graph.microsoft.com/.default",
            },
        }

    def authorize_parameters(self) -> list[dict[str, Any]]:
        """The authorize endpoint's query, which FastAPI cannot see (the route reads it raw)."""
        client = self.public_client or self.delegated_app
        values = {
            "client_id": client.appId if client else "",
            "response_type": "code",
            "redirect_uri": client.redirectUris[0] if client and client.redirectUris else "",
            "scope": "https://graph.microsoft.com/Presence.Read openid offline_access",
            "state": "12345",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        }
        return [
            {
                "name": name,
                "in": "query",
                "required": name in ("client_id", "response_type", "redirect_uri"),
                "schema": {"type": "string"},
                "example": value,
            }
            for name, value in values.items()
        ]

    def add_to(self, path: str, method: str, operation: dict[str, Any]) -> None:
        """Give a control-plane or Entra operation examples that run as they stand."""
        by_name = self.parameters()
        for parameter in operation.get("parameters", []):
            value = by_name.get(parameter["name"])
            if value is not None and "example" not in parameter:
                parameter["example"] = value
        body = self.control_plane().get((method, path))
        if path.endswith("/oauth2/v2.0/authorize") and method == "get":
            operation["parameters"] = [
                *operation.get("parameters", []),
                *self.authorize_parameters(),
            ]
        if body is None:
            return
        if path.endswith(("/oauth2/v2.0/token", "/oauth2/v2.0/devicecode")):
            form = {
                "schema": {"type": "object", "additionalProperties": {"type": "string"}},
                "example": body,
            }
            operation["requestBody"] = {
                "required": True,
                "content": {"application/x-www-form-urlencoded": form},
            }
            return
        for content in operation.get("requestBody", {}).get("content", {}).values():
            content["example"] = body

    def graph_parameter(self, path: str, parameter: Mapping[str, Any]) -> dict[str, Any]:
        """A Graph operation's parameter, naming a fixture user where it names a user."""
        if parameter.get("name") == "id" and "presence" in path:
            return {**parameter, "example": self.user}
        return dict(parameter)

    def graph_request(self, method: str, path: str, example: Any) -> Any:
        """A Graph operation's request body, with what exists in the fixtures: a session to
        clear, users to read, the server's own webhook to notify."""
        if path.endswith("/clearPresence"):
            return {"sessionId": FIXTURE_SESSION_ID}
        if path.endswith("/setPresence") and isinstance(example, dict) and self.delegated_app:
            return {**example, "sessionId": self.delegated_app.appId}
        if path.endswith("/getPresencesByUserId"):
            return {"ids": [self.user, self.other_user]}
        if path == "/subscriptions" and method == "POST":
            return {
                "changeType": "updated",
                # The server's own webhook and an expiry within the hour, set when served.
                "notificationUrl": f"http://127.0.0.1:8000{WEBHOOK}",
                "resource": f"/communications/presences/{self.user}",
                "expirationDateTime": "2026-12-01T10:00:00Z",
                "clientState": "secret",
            }
        if path == "/subscriptions/{id}" and method == "PATCH":
            return {"expirationDateTime": "2026-12-01T10:00:00Z"}
        return example

    def graph_response(self, method: str, path: str, version: str) -> Any:
        """What mockgraph answers a Graph operation, for its success response; None: no body."""
        if method == "GET" and (path.endswith("/presence") or "/presences/" in path):
            return self.presence(version)
        if path.endswith("/getPresencesByUserId"):
            return self.presences(version)
        if path == "/subscriptions" and method == "GET":
            one = self.subscription(version)
            del one["@odata.context"]
            context = f"https://graph.microsoft.com/{version}/$metadata#subscriptions"
            return {"@odata.context": context, "value": [one]}
        if path.startswith("/subscriptions") and method in ("POST", "GET", "PATCH"):
            return self.subscription(version)
        if path == "/$batch":
            return {
                "responses": [
                    {
                        "id": "1",
                        "status": 200,
                        "headers": {"Content-Type": "application/json"},
                        "body": self.presence(version),
                    }
                ]
            }
        return None

    def presence(self, version: str, reader: str = SELF) -> dict[str, Any]:
        """GET presence as mockgraph answers it for the first fixture user."""
        user = self.tenant.user(self.user)
        context = f"https://graph.microsoft.com/{version}/$metadata#users('{self.user}')"
        if user is None:
            return {"@odata.context": f"{context}/presence/$entity", "id": self.user}
        user.current(self.tenant.clock.timestamp())
        return {"@odata.context": f"{context}/presence/$entity", **entity_dict(user, reader)}

    def presences(self, version: str) -> dict[str, Any]:
        now = self.tenant.clock.timestamp()
        value = []
        for user in list(self.tenant.users.values())[:2]:
            user.current(now)
            value.append(entity_dict(user, OTHER))
        return {
            "@odata.context": f"https://graph.microsoft.com/{version}/$metadata"
            "#Collection(microsoft.graph.presence)",
            "value": value,
        }

    def subscription(self, version: str) -> dict[str, Any]:
        """A subscription as POST /subscriptions answers it."""
        return {
            "@odata.context": f"https://graph.microsoft.com/{version}/$metadata#subscriptions/$entity",
            "id": "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
            "resource": f"/communications/presences/{self.user}",
            "applicationId": self.delegated_app.appId if self.delegated_app else None,
            "changeType": "updated",
            "clientState": "secret",
            "notificationUrl": "http://127.0.0.1:8000/_mockgraph/webhook",
            "lifecycleNotificationUrl": None,
            "expirationDateTime": "2026-12-01T10:00:00Z",
            "creatorId": self.user,
            "includeResourceData": False,
            "latestSupportedTlsVersion": "v1_2",
            "encryptionCertificate": None,
            "encryptionCertificateId": None,
        }


def _first(apps: tuple[FixtureApp, ...], wanted: Any) -> FixtureApp | None:
    return next((a for a in apps if wanted(a)), None)


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def fresh(document: dict[str, Any], base_url: str, now: datetime) -> dict[str, Any]:
    """The document with the examples that depend on the time and the server's address filled
    in: a subscription's expiry within Graph's hour, the built-in webhook as its URL, and a
    status message that expires tomorrow."""
    document = copy.deepcopy(document)
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            example = content.get("application/json", {}).get("example")
            if not isinstance(example, dict):
                continue
            if path.endswith("/subscriptions") and method == "post":
                example["notificationUrl"] = base_url.rstrip("/") + WEBHOOK
                example["expirationDateTime"] = _at(now + timedelta(minutes=50))
            elif path.endswith("/subscriptions/{id}") and method == "patch":
                example["expirationDateTime"] = _at(now + timedelta(minutes=55))
            elif path.endswith("/setStatusMessage"):
                tomorrow = (now + timedelta(days=1)).astimezone(UTC).date()
                example["statusMessage"]["expiryDateTime"]["dateTime"] = (
                    f"{tomorrow.isoformat()}T17:05:33.2079781"
                )
    return document
