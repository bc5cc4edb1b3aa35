"""The OpenAPI document: the control plane from FastAPI, Graph operations from declarations."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from mockgraph.domain.presence import FIXTURE_SESSION_ID
from mockgraph.notifications.models import RenewalBody, SubscriptionBody
from mockgraph.openapi_examples import Examples
from mockgraph.openapi_security import SECURITY, security_schemes
from mockgraph.presence import models
from mockgraph.presence.operations import (
    CLEAR_PRESENCE,
    GET_PRESENCES_BY_USER_ID,
    PRESENCE_OPERATIONS,
    SET_PRESENCE,
    Operation,
)

DESCRIPTION = """
A faithful, stateful emulator of the Microsoft Graph **presence** API.

**Getting a token.** Every Graph call needs a bearer token signed by this server. The quickest
way: press **Authorize** and sign in through mockgraph's own Entra endpoints, either as a
fixture user (*authorizationCode*, with PKCE; the client id is filled in: pick a user, such as
Adele Vance, on the sign-in page) or as a fixture app (*clientCredentials*:
client id `7d3c6a52-3b8f-4d5e-9c1a-2f4e8b6d0a11`, secret `presence-sync-secret`).

Or mint one with `POST /_mockgraph/tokens` (under *mockgraph control plane* below). For a user:

    {"userId": "fa8bf3dc-eca7-46b7-bad1-db199b62afc3",
     "scopes": ["Presence.Read.All", "Presence.ReadWrite"]}

For an app:

    {"appId": "7d3c6a52-3b8f-4d5e-9c1a-2f4e8b6d0a11", "roles": ["Presence.ReadWrite.All"]}

 Copy `access_token`, press **Authorize** and paste it under *bearer*.

Each Graph operation is listed under its Graph name, at `/v1.0` and `/beta`. Every pre-filled
example runs as it stands against the bundled fixtures.
"""

_ADDRESSES = (
    ("me", "/me/presence", False),
    ("users", "/users/{id}/presence", True),
    ("communications", "/communications/presences/{id}", True),
)
_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "innerError"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "innerError": {
                    "type": "object",
                    "additionalProperties": True,
                    "properties": {
                        "date": {"type": "string"},
                        "request-id": {"type": "string"},
                        "client-request-id": {"type": "string"},
                    },
                },
            },
        }
    },
}
_PROPERTIES = (
    "id|availability|activity|statusMessage|outOfOfficeSettings|workLocation|sequenceNumber"
)
_SELECT_PATTERN = f"^({_PROPERTIES})(,({_PROPERTIES}))*$"
_ERRORS = {
    "400": "Bad request: the body, a value or the address is wrong.",
    "401": "No token, or one Graph would not accept.",
    "403": "The token lacks the permission this call needs.",
    "404": "No such user, or no such presence session.",
}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """Built once per app and cached, as FastAPI does."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    examples = Examples(app.state.runtime.fixtures)
    bodies: list[type[BaseModel]] = [
        SubscriptionBody,
        RenewalBody,
        *[op.body for op in (*PRESENCE_OPERATIONS, GET_PRESENCES_BY_USER_ID) if op.body],
    ]
    _, definitions = models_json_schema(
        [(m, "validation") for m in dict.fromkeys(bodies)]
        + [(models.Presence, "serialization"), (models.PresenceCollection, "serialization")],
        ref_template="#/components/schemas/{model}",
    )
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {}).update(definitions.get("$defs", {}))
    components["schemas"]["ODataError"] = _ERROR_SCHEMA
    components["securitySchemes"] = security_schemes(examples.fixtures)
    paths: dict[str, Any] = {}
    for version in ("v1.0", "beta"):
        for form, address, has_id in _ADDRESSES:
            for op in PRESENCE_OPERATIONS:
                if op.me_only and form != "me":
                    continue
                path = f"/{version}{address}" + (f"/{op.action}" if op.action else "")
                paths.setdefault(path, {})[op.method.lower()] = _operation(
                    op, f"{version}_{form}_{op.action or 'getPresence'}", has_id, examples
                )
        bulk = GET_PRESENCES_BY_USER_ID
        paths[f"/{version}/communications/getPresencesByUserId"] = {
            "post": _operation(bulk, f"{version}_getPresencesByUserId", False, examples)
        }
        paths.update(_subscriptions_and_batch(version, examples))
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            operation["responses"] = _non_graph_responses(path, operation["responses"])
            examples.add_to(path, method, operation)
    schema["paths"] = {**paths, **schema.get("paths", {})}
    app.openapi_schema = schema
    return schema


def _operation(
    op: Operation, operation_id: str, has_id: bool, examples: Examples
) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = []
    if has_id:
        parameters.append(
            {
                "name": "id",
                "in": "path",
                "required": True,
                "description": "The user's object id (a GUID).",
                "schema": {"type": "string", "format": "uuid"},
                "example": examples.user,
            }
        )
    if op.method == "GET":
        parameters.append(
            {
                "name": "$select",
                "in": "query",
                "required": False,
                "description": "Comma-separated presence properties.",
                "schema": {"type": "string", "pattern": _SELECT_PATTERN},
            }
        )
    responses: dict[str, Any] = {}
    if op.method == "GET" or op is GET_PRESENCES_BY_USER_ID:
        bulk = op is GET_PRESENCES_BY_USER_ID
        model = "PresenceCollection" if bulk else "Presence"
        version = operation_id.split("_", 1)[0]
        answer = examples.presences(version) if bulk else examples.presence(version)
        responses["200"] = {
            "description": "OK",
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{model}"},
                    "example": answer,
                }
            },
        }
    else:
        # A write links to the read of the same presence, for stateful testing.
        target = (operation_id[: -len(op.action or "")] + "getPresence").replace(".", "_")
        responses["200"] = {
            "description": "OK, with an empty body (as the live service).",
            "links": {
                "GetPresence": {
                    "operationId": target,
                    "parameters": {"id": "$request.path.id"} if has_id else {},
                }
            },
        }
    for status, text in _ERRORS.items():
        responses[status] = {
            "description": text,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ODataError"}}
            },
        }
    operation: dict[str, Any] = {
        "tags": [op.name],
        "summary": op.name,
        "description": op.summary,
        "operationId": operation_id.replace(".", "_"),
        "parameters": parameters,
        "responses": responses,
        "security": SECURITY,
    }
    if op.body is not None:
        content: dict[str, Any] = {"schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}}
        example = _request_example(op, examples)
        if example is not None:
            content["example"] = example
        operation["requestBody"] = {
            "required": op.body is not models.Empty,
            "content": {"application/json": content},
        }
    return operation


def _request_example(op: Operation, examples: Examples) -> dict[str, Any] | None:
    """The operation's example, with ids the fixtures have: a session that exists to clear."""
    if op is CLEAR_PRESENCE:
        return {"sessionId": FIXTURE_SESSION_ID}
    if op is SET_PRESENCE and op.example is not None and examples.delegated_app is not None:
        return {**op.example, "sessionId": examples.delegated_app.appId}
    if op is GET_PRESENCES_BY_USER_ID:
        return {"ids": [examples.user, examples.other_user]}
    return op.example


_ENTRA_ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["error", "error_description", "error_codes"],
    "properties": {
        "error": {"type": "string"},
        "error_description": {"type": "string"},
        "error_codes": {"type": "array", "items": {"type": "integer"}},
    },
}


def _graph_error(text: str) -> dict[str, Any]:
    return {
        "description": text,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ODataError"}}},
    }


def _non_graph_responses(path: str, responses: dict[str, Any]) -> dict[str, Any]:
    """The control plane and the Entra endpoints answer as mockgraph does, not as FastAPI's
    defaults say: errors are 400 (never 422) in Graph's envelope, or in Entra's shape."""
    ok = responses.get("200", {"description": "OK"})
    if path.endswith("/oauth2/v2.0/authorize"):
        html = {"text/html": {"schema": {"type": "string"}}}
        return {
            "200": {"description": "The sign-in page", "content": html},
            "302": {"description": "Back to the redirect URI with code and state"},
            "400": {
                "description": "An error page (or Entra's error for a malformed URL)",
                "content": {**html, "application/json": {"schema": _ENTRA_ERROR}},
            },
        }
    if "/oauth2/v2.0/" in path or path.startswith("/{tenant}/"):
        entra = {"application/json": {"schema": _ENTRA_ERROR}}
        return {
            "200": {
                "description": "OK",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "400": {"description": "Entra's error", "content": entra},
            "401": {"description": "Entra's error (client authentication)", "content": entra},
        }
    if path == "/_mockgraph/ca.pem":
        return {
            "200": {
                "description": "The CA certificate",
                "content": {"application/x-pem-file": {"schema": {"type": "string"}}},
            },
            "404": _graph_error("mockgraph is not serving HTTPS with its own CA"),
        }
    accepted = {k: v for k, v in responses.items() if k.startswith("2") and k != "200"}
    return {
        "200": ok,
        **accepted,
        "400": _graph_error("A bad request: the body, a value or a glob"),
        "401": _graph_error("The admin key is missing or wrong (MOCKGRAPH_ADMIN_KEY)"),
        "403": _graph_error("Past the tenant limit (MOCKGRAPH_MAX_TENANTS)"),
        "404": _graph_error("No such user, fault or subscription"),
        "409": _graph_error("The user already exists"),
    }


def _json_body(ref: str | None, example: dict[str, Any] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"$ref": f"#/components/schemas/{ref}"} if ref else {"type": "object"}
    content: dict[str, Any] = {"schema": schema}
    if example is not None:
        content["example"] = example
    return {"required": True, "content": {"application/json": content}}


def _subscriptions_and_batch(version: str, examples: Examples) -> dict[str, Any]:
    """Change notifications (reference §5) and JSON batching (§9)."""
    errors = {
        status: {
            "description": text,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ODataError"}}
            },
        }
        for status, text in {**_ERRORS, "409": "One subscription per user per app."}.items()
    }
    ok = {
        "description": "The subscription",
        "content": {
            "application/json": {
                "schema": {"type": "object"},
                "example": examples.subscription(version),
            }
        },
    }
    subscription_id = {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }
    tag = "subscriptions (presence change notifications)"
    example = {
        "changeType": "updated",
        # The server's own webhook and an expiry within the hour, filled in when served.
        "notificationUrl": "http://127.0.0.1:8000/_mockgraph/webhook",
        "resource": f"/communications/presences/{examples.user}",
        "expirationDateTime": "2026-12-01T10:00:00Z",
        "clientState": "secret",
    }

    def operation(
        name: str, summary: str, responses: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        return {
            "tags": [tag],
            "summary": summary,
            "operationId": f"{version}_{name}".replace(".", "_"),
            "security": SECURITY,
            "responses": {**responses, **errors},
            **extra,
        }

    batch = {
        "post": {
            "tags": ["json batching"],
            "summary": "Run up to 20 requests in one call",
            "operationId": f"{version}_batch".replace(".", "_"),
            "security": SECURITY,
            "requestBody": _json_body(
                None, {"requests": [{"id": "1", "method": "GET", "url": "/me/presence"}]}
            ),
            "responses": {
                "200": {
                    "description": "Each request's status, headers and body",
                    "content": {
                        "application/json": {
                            "schema": {"type": "object"},
                            "example": {
                                "responses": [
                                    {
                                        "id": "1",
                                        "status": 200,
                                        "headers": {"Content-Type": "application/json"},
                                        "body": examples.presence(version),
                                    }
                                ]
                            },
                        }
                    },
                },
                **errors,
            },
        }
    }
    return {
        f"/{version}/subscriptions": {
            "post": operation(
                "createSubscription",
                "Subscribe to presence changes",
                {"201": ok},
                requestBody=_json_body("SubscriptionBody", example),
            ),
            "get": operation("listSubscriptions", "The calling app's subscriptions", {"200": ok}),
        },
        f"/{version}/subscriptions/{{id}}": {
            "get": operation(
                "getSubscription", "A subscription", {"200": ok}, parameters=[subscription_id]
            ),
            "patch": operation(
                "renewSubscription",
                "Renew a subscription",
                {"200": ok},
                parameters=[subscription_id],
                requestBody=_json_body(
                    "RenewalBody", {"expirationDateTime": "2026-12-01T10:00:00Z"}
                ),
            ),
            "delete": operation(
                "deleteSubscription",
                "Delete a subscription",
                {"204": {"description": "Deleted"}},
                parameters=[subscription_id],
            ),
        },
        f"/{version}/$batch": batch,
    }
