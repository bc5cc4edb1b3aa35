"""How the presence operations show in the OpenAPI: parameters, bodies, responses and links."""

from __future__ import annotations

from typing import Any

from mockgraph.domain.rendering import MEMBERS
from mockgraph.gateway import Doc
from mockgraph.presence import models
from mockgraph.presence.operations import GET_PRESENCES_BY_USER_ID, Action

_USER_ID: dict[str, Any] = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "The user's object id (a GUID).",
    "schema": {"type": "string", "format": "uuid"},
    "example": "fa8bf3dc-eca7-46b7-bad1-db199b62afc3",
}
_MEMBERS = "|".join(MEMBERS)
_SELECT: dict[str, Any] = {
    "name": "$select",
    "in": "query",
    "required": False,
    "description": "Comma-separated presence properties.",
    "schema": {"type": "string", "pattern": f"^({_MEMBERS})(,({_MEMBERS}))*$"},
}
_SCHEMAS = (models.Presence, models.PresenceCollection)


def _ok(model: str) -> dict[str, Any]:
    return {
        "description": "OK",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}},
    }


def presence_doc(action: Action, form: str, *, has_id: bool) -> Doc:
    """An operation on a presence entity, at one of its addresses."""
    parameters = [_USER_ID] if has_id else []
    if action.method == "GET":
        parameters.append(_SELECT)
        responses: dict[str, Any] = {"200": _ok("Presence")}
    else:
        # A write links to the read of the same presence, for stateful testing.
        responses = {
            "200": {
                "description": "OK, with an empty body (as the live service).",
                "links": {
                    "GetPresence": {
                        "operationId": f"{form}_getPresence",
                        "parameters": {"id": "$request.path.id"} if has_id else {},
                    }
                },
            }
        }
    return Doc(
        operation_id=f"{form}_{action.action or 'getPresence'}",
        tag=action.name,
        summary=action.name,
        description=action.summary,
        parameters=tuple(parameters),
        responses=responses,
        body_required=action.body is not models.Empty,
        example=action.example,
        schemas=_SCHEMAS,
    )


def bulk_doc() -> Doc:
    bulk = GET_PRESENCES_BY_USER_ID
    return Doc(
        operation_id="getPresencesByUserId",
        tag=bulk.name,
        summary=bulk.name,
        description=bulk.summary,
        responses={"200": _ok("PresenceCollection")},
        example=bulk.example,
        schemas=_SCHEMAS,
    )
