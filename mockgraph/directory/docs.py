"""How the directory operations show in the OpenAPI: parameters, responses, real examples."""

from __future__ import annotations

from typing import Any

from mockgraph.gateway import GRAPH_ERRORS, Doc

_ROOT = "https://graph.microsoft.com/v1.0/$metadata#"
ADELE = "fa8bf3dc-eca7-46b7-bad1-db199b62afc3"
MARKETING = "02bd9fd6-8f93-4758-87c3-1fb73740a315"
_USER_EXAMPLE: dict[str, Any] = {
    "@odata.context": _ROOT + "users/$entity",
    "businessPhones": ["+1 425 555 0109"],
    "displayName": "Adele Vance",
    "givenName": "Adele",
    "jobTitle": "Retail Manager",
    "mail": "adele.vance@contoso.example",
    "mobilePhone": "+1 425 555 0109",
    "officeLocation": "18/2111",
    "preferredLanguage": "en-US",
    "surname": "Vance",
    "userPrincipalName": "adele.vance@contoso.example",
    "id": ADELE,
}
_PAGE_EXAMPLE: dict[str, Any] = {
    "@odata.context": _ROOT + "users(id,displayName,mail)",
    "@odata.nextLink": "http://localhost:8000/v1.0/users?$select=id,displayName,mail&$top=2"
    "&$skiptoken=RFNwdAAAAAIAbGxYcUl1Lks",
    "value": [
        {"id": ADELE, "displayName": "Adele Vance", "mail": "adele.vance@contoso.example"},
        {
            "id": "66825e03-7ef5-42da-9069-724602c31f6b",
            "displayName": "Alex Wilber",
            "mail": "alex.wilber@contoso.example",
        },
    ],
}
_PHOTO_EXAMPLE: dict[str, Any] = {
    "@odata.context": _ROOT + f"users('{ADELE}')/photo/$entity",
    "@odata.mediaContentType": "image/jpeg",
    "@odata.mediaEtag": '"5A1C3D2B"',
    "id": "240x240",
    "width": 240,
    "height": 240,
}
_GROUP_EXAMPLE: dict[str, Any] = {
    "@odata.context": _ROOT + "groups/$entity",
    "id": MARKETING,
    "displayName": "Marketing",
    "description": "Marketing department",
    "mail": "marketing@contoso.example",
}
_MEMBERS_EXAMPLE: dict[str, Any] = {
    "@odata.context": _ROOT + "directoryObjects(id,displayName)",
    "value": [
        {"@odata.type": "#microsoft.graph.user", "id": ADELE, "displayName": "Adele Vance"},
        {"@odata.type": "#microsoft.graph.group", "id": MARKETING, "displayName": "Marketing"},
    ],
}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


_KEY = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "The user's object id or userPrincipalName; /users('{key}') and "
    "/users(userPrincipalName='{upn}') work too.",
    "schema": {"type": "string"},
    "example": ADELE,
}
_GROUP = {**_KEY, "description": "The group's object id.", "example": MARKETING}
_SIZE = {
    "name": "size",
    "in": "path",
    "required": True,
    "description": "One of Exchange's nine sizes, 48x48 to 648x648.",
    "schema": {"type": "string", "enum": ["48x48", "64x64", "96x96", "120x120", "240x240"]},
    "example": "48x48",
}
_CONSISTENCY = {
    "name": "ConsistencyLevel",
    "in": "header",
    "required": False,
    "description": "`eventual` (with $count=true) turns on Graph's advanced queries.",
    "schema": {"type": "string", "enum": ["eventual"]},
}
_SELECT = _query("$select", "Comma-separated properties; exactly these come back.")
_LIST = (
    _SELECT,
    _query("$top", "Page size, 1 to 999 (default 100).", {"type": "integer"}),
    _query("$filter", "e.g. mail eq 'adele.vance@contoso.example'"),
    _query(
        "$count", "true adds @odata.count (with ConsistencyLevel: eventual).", {"type": "boolean"}
    ),
    _query("$search", 'e.g. "displayName:adele" (with ConsistencyLevel: eventual).'),
    _query("$orderby", "displayName or userPrincipalName, asc or desc."),
    _query("$skiptoken", "From @odata.nextLink; follow that link as it is."),
    _CONSISTENCY,
)
_ERRORS = {**GRAPH_ERRORS, "404": "No such user, group or photo."}


def _json(example: Any, description: str = "OK") -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"type": "object"}, "example": example}},
    }


_JPEG = {
    "description": "The photo's JPEG bytes, with its ETag.",
    "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
}
_COUNT = {
    "description": "The number, as text.",
    "content": {"text/plain": {"schema": {"type": "string"}, "example": "6"}},
}
# operation id suffix -> (tag, summary, response, parameters)
_KINDS: dict[str, tuple[str, str, dict[str, Any], tuple[dict[str, Any], ...]]] = {
    "get": (
        "user",
        "Get a user (the default property set, or $select)",
        _json(_USER_EXAMPLE),
        (_SELECT,),
    ),
    "memberOf": (
        "user",
        "List the groups the user is a direct member of",
        _json(_MEMBERS_EXAMPLE),
        _LIST[:3] + _LIST[6:],
    ),
    "getPhoto": (
        "profilePhoto",
        "Get the photo's metadata (the largest size)",
        _json(_PHOTO_EXAMPLE),
        (),
    ),
    "getPhotoContent": ("profilePhoto", "Get the photo's bytes", _JPEG, ()),
    "photos": (
        "profilePhoto",
        "List the sizes the photo comes in",
        _json({"value": [_PHOTO_EXAMPLE]}),
        (),
    ),
    "getPhotoSize": ("profilePhoto", "Get one size's metadata", _json(_PHOTO_EXAMPLE), (_SIZE,)),
    "getPhotoSizeContent": ("profilePhoto", "Get one size's bytes", _JPEG, (_SIZE,)),
    "getPhotoSizeSingular": (
        "profilePhoto",
        "Get one size's metadata (the singular form)",
        _json(_PHOTO_EXAMPLE),
        (_SIZE,),
    ),
    "getPhotoSizeSingularContent": (
        "profilePhoto",
        "Get one size's bytes (the singular form)",
        _JPEG,
        (_SIZE,),
    ),
    "listUsers": ("user", "List users, page by page", _json(_PAGE_EXAMPLE), _LIST),
    "countUsers": (
        "user",
        "Count users (needs ConsistencyLevel: eventual)",
        _COUNT,
        (_query("$filter", "As for the list."), {**_CONSISTENCY, "example": "eventual"}),
    ),
    "getGroup": ("group", "Get a group", _json(_GROUP_EXAMPLE), (_SELECT,)),
    "listMembers": (
        "group",
        "List a group's direct members",
        _json(_MEMBERS_EXAMPLE),
        _LIST[:3] + _LIST[6:] + (_LIST[3],),
    ),
}


_RELATIONS = {
    "members": "a group's direct members",
    "transitiveMembers": "a group's members, through nested groups too",
    "memberOf": "the groups the user is a direct member of",
    "transitiveMemberOf": "the groups the user is a member of, through nested groups too",
}


def _relation_summary(operation_id: str, relation: str, cast: str) -> str:
    what = _RELATIONS[relation] + (f" (only the {cast}s)" if cast else "")
    if operation_id.endswith("_count"):
        return f"Count {what} (needs ConsistencyLevel: eventual)"
    return f"List {what}"


def directory_doc(path: str, operation_id: str, relation: str = "", cast: str = "") -> Doc:
    """The OpenAPI entry of one directory operation at `path` (a relationship's: `relation`,
    with its `cast`)."""
    kind = operation_id.split("_", 1)[-1] if "_" in operation_id else operation_id
    if relation:
        kind = "memberOf" if relation.lower().endswith("memberof") else "listMembers"
    if relation and operation_id.endswith("_count"):
        tag, _, response, parameters = _KINDS["countUsers"]
        tag = _KINDS[kind][0]
    else:
        tag, _, response, parameters = _KINDS[kind]
    summary = _KINDS[kind][1] if not relation else _relation_summary(operation_id, relation, cast)
    path_parameters: tuple[dict[str, Any], ...] = ()
    if "{id}" in path:
        path_parameters = (_GROUP,) if path.startswith("/groups") else (_KEY,)
    errors = dict(_ERRORS)
    if kind == "listUsers":
        errors["501"] = "A SharePoint-backed property was selected on the collection."
    return Doc(
        operation_id=operation_id,
        tag=tag,
        summary=summary,
        parameters=path_parameters + tuple(p for p in parameters if p not in path_parameters),
        responses={"200": response},
        errors=errors,
    )
