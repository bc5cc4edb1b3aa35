"""The OpenAPI document: the control plane from FastAPI, Graph operations from their declarations
with the gateway."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from mockgraph.gateway import VERSIONS, Operation, Routes
from mockgraph.openapi.examples import Examples
from mockgraph.openapi.security import SECURITY, security_schemes

DESCRIPTION = """
A faithful, stateful emulator of the Microsoft Graph **presence** API, and of the directory
calls presence clients make around it (users, profile photos, groups).

**Getting a token.** Every Graph call needs a bearer token signed by this server. The quickest
way: press **Authorize** and sign in through mockgraph's own Entra endpoints, either as a
fixture user (*authorizationCode*, with PKCE; the client id is filled in: pick a user, such as
Adele Vance, on the sign-in page) or as a fixture app (*clientCredentials*: client id
`7d3c6a52-3b8f-4d5e-9c1a-2f4e8b6d0a11`, secret `presence-sync-secret`).

Or mint one with `POST /_mockgraph/tokens` (under *mockgraph control plane* below). For a user:

    {"userId": "fa8bf3dc-eca7-46b7-bad1-db199b62afc3",
     "scopes": ["Presence.Read.All", "Presence.ReadWrite", "User.Read.All",
                "ProfilePhoto.Read.All", "GroupMember.Read.All"]}

For an app:

    {"appId": "7d3c6a52-3b8f-4d5e-9c1a-2f4e8b6d0a11", "roles": ["Presence.ReadWrite.All"]}

 Copy `access_token`, press **Authorize** and paste it under *bearer*.

Each Graph operation is listed under its Graph name, at `/v1.0` and `/beta`. Every pre-filled
example runs as it stands against the bundled fixtures.
"""

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


def build_openapi(app: FastAPI, routes: Routes) -> dict[str, Any]:
    """Built once per app and cached, as FastAPI does."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    shown = [op for op in routes.operations if op.doc is not None]
    bodies = [op.body for op in shown if op.body is not None]
    results = [model for op in shown if op.doc is not None for model in op.doc.schemas]
    _, definitions = models_json_schema(
        [(m, "validation") for m in dict.fromkeys(bodies)]
        + [(m, "serialization") for m in dict.fromkeys(results)],
        ref_template="#/components/schemas/{model}",
    )
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {}).update(definitions.get("$defs", {}))
    components["schemas"]["ODataError"] = _ERROR_SCHEMA
    examples = Examples(app.state.runtime.fixtures)
    components["securitySchemes"] = security_schemes(examples.fixtures)
    paths: dict[str, Any] = {}
    for version in VERSIONS:
        for op in shown:
            paths.setdefault(f"/{version}{op.path}", {})[op.method.lower()] = _operation(
                op, version, examples
            )
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            operation["responses"] = _non_graph_responses(path, operation["responses"])
            examples.add_to(path, method, operation)
    schema["paths"] = {**paths, **schema.get("paths", {})}
    app.openapi_schema = schema
    return schema


def _operation_id(version: str, name: str) -> str:
    return f"{version}_{name}".replace(".", "_")


def _operation(op: Operation, version: str, examples: Examples) -> dict[str, Any]:
    """One operation's OpenAPI, from its declaration."""
    doc = op.doc
    assert doc is not None
    responses: dict[str, Any] = {}
    for status, response in doc.responses.items():
        links = {
            name: {**link, "operationId": _operation_id(version, link["operationId"])}
            for name, link in response.get("links", {}).items()
        }
        responses[status] = {**response, "links": links} if links else dict(response)
        answer = examples.graph_response(op.method, op.path, version)
        shown = responses[status].get("content", {}).get("application/json")
        if answer is not None and shown is not None and status.startswith("2"):
            responses[status]["content"] = {"application/json": {**shown, "example": answer}}
    for status, text in doc.errors.items():
        responses[status] = _graph_error(text)
    operation: dict[str, Any] = {"tags": [doc.tag], "summary": doc.summary}
    if doc.description is not None:
        operation["description"] = doc.description
    operation["operationId"] = _operation_id(version, doc.operation_id)
    if doc.parameters:
        operation["parameters"] = [examples.graph_parameter(op.path, p) for p in doc.parameters]
    operation["responses"] = responses
    operation["security"] = SECURITY
    body_schema = (
        {"$ref": f"#/components/schemas/{op.body.__name__}"}
        if op.body is not None
        else doc.body_schema
    )
    if body_schema is not None:
        content: dict[str, Any] = {"schema": dict(body_schema)}
        example = examples.graph_request(op.method, op.path, doc.example)
        if example is not None:
            content["example"] = example
        operation["requestBody"] = {
            "required": doc.body_required,
            "content": {"application/json": content},
        }
    return operation


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
    if path == "/devicelogin":
        page = {"text/html": {"schema": {"type": "string"}}}
        return {
            "200": {
                "description": "The page where a person types a device's code",
                "content": page,
            },
            "400": {
                "description": "The page again, saying the tenant is not a GUID",
                "content": page,
            },
        }
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
    if "/oauth2/v2.0/" in path or path.startswith(("/{tenant}/", "/common/")):
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
