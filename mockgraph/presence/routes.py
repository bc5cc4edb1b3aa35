"""Presence's Graph operations, registered with the gateway: thin handlers over the service."""

from __future__ import annotations

import json

from mockgraph.domain.keys import parse_user_key
from mockgraph.domain.presence import UserState
from mockgraph.gateway import GraphRequest, Handler, Operation, Reply, Routes, signed_in_user
from mockgraph.presence import service
from mockgraph.presence.docs import bulk_doc, presence_doc
from mockgraph.presence.operations import GET_PRESENCES_BY_USER_ID, PRESENCE_OPERATIONS, Action

ME, USERS, COMMUNICATIONS = "me", "users", "communications"
# The three addresses of a presence entity.
ADDRESSES = (
    (ME, "/me/presence"),
    (USERS, "/users/{id}/presence"),
    (COMMUNICATIONS, "/communications/presences/{id}"),
)
_DONE = Reply(200, b"")


def register(routes: Routes) -> None:
    """Every presence operation at each of its addresses, and getPresencesByUserId."""
    for form, address in ADDRESSES:
        subject = {ME: signed_in_user, USERS: user_in_path, COMMUNICATIONS: _presence_id}[form]
        for action in PRESENCE_OPERATIONS:
            path = address + (f"/{action.action}" if action.action else "")
            if action.me_only and form != ME:
                routes.add(
                    Operation(
                        action.method,
                        path,
                        _only_at_me(action),
                        subject=subject,
                        qualified=True,
                    )
                )
                continue
            routes.add(
                Operation(
                    action.method,
                    path,
                    _get_presence(form) if action.apply is None else _write(action),
                    name=action.action or "",
                    access=action.access,
                    subject=subject,
                    body=action.body,
                    doc=presence_doc(action, form, has_id=form != ME),
                    qualified=action.action is not None,
                )
            )
        routes.add(Operation("*", f"{address}/{{action}}", _unknown_action))
    bulk = GET_PRESENCES_BY_USER_ID
    routes.add(
        Operation(
            bulk.method,
            "/communications/getPresencesByUserId",
            get_presences_by_user_id,
            name=bulk.action or "",
            access=bulk.access,
            body=bulk.body,
            doc=bulk_doc(),
            qualified=True,
        )
    )


def user_in_path(request: GraphRequest) -> str:
    """The user of /users/{key}/…: any key form Graph takes reaches the same user."""
    param = request.params["id"]
    # The common case, a known user's object id as sent: one look-up, nothing to parse.
    if len(param) == 36:
        known = request.tenant.user(param)
        if known is not None:
            return known.id
    key = parse_user_key(param, request.raw_path())
    user = request.tenant.find_user(key)
    if user is not None:
        return user.id
    if key.guid is not None:
        return key.guid  # unknown: the permission check first, then the handler's 404
    raise service.unknown_user(key.text)


def _presence_id(request: GraphRequest) -> str:
    """A presence entity's key is its user's object id (communications/presences/{id})."""
    return service.checked_user_id(request.params["id"])


def _user(request: GraphRequest) -> UserState:
    user_id = request.target
    assert user_id is not None
    user = request.tenant.user(user_id)
    if user is None:
        raise service.unknown_user(user_id)
    return user


def _get_presence(form: str) -> Handler:
    def get_presence(request: GraphRequest) -> Reply:
        """presence: get, with $select."""
        user = _user(request)
        kind = service.reader(request.principal.user_id, user.id)
        select = request.query().get("$select") if request.scope["query_string"] else None
        if select:
            fields = service.checked_select(select)
            document = {
                "@odata.context": context_url(request, form, user.id, fields),
                **service.selected(user, request.now, kind, fields),
            }
            return Reply(200, json.dumps(document, separators=(",", ":")).encode())
        entity = service.entity(user, request.now, kind)
        prefix = f'{{"@odata.context":"{context_url(request, form, user.id, [])}",'
        return Reply(200, prefix.encode() + entity[1:])

    return get_presence


def _write(action: Action) -> Handler:
    apply = action.apply
    assert apply is not None

    def write(request: GraphRequest) -> Reply:
        user = _user(request)
        principal, now = request.principal, request.now
        strict = request.gateway.settings.strict_session_id
        apply(user, request.body(), service.Context(now, principal.app_id, strict))
        return _DONE

    write.__doc__ = action.name
    return write


def get_presences_by_user_id(request: GraphRequest) -> Reply:
    """cloudCommunications: getPresencesByUserId."""
    ids = service.checked_ids(request.body())
    entries = service.presences_by_user_id(
        request.tenant.users, ids, request.principal.user_id, request.now
    )
    context = f"{request.service_root}/{request.version}/$metadata#"
    head = f'{{"@odata.context":"{context}Collection(microsoft.graph.presence)","value":['
    return Reply(200, b"".join((head.encode(), b",".join(entries), b"]}")))


def _only_at_me(action: Action) -> Handler:
    name = action.action or ""

    def only_at_me(request: GraphRequest) -> Reply:
        raise service.only_at_me(name)

    return only_at_me


def _unknown_action(request: GraphRequest) -> Reply:
    raise service.unknown_action(request.params["action"])


def context_url(request: GraphRequest, form: str, user_id: str, select: list[str]) -> str:
    """@odata.context as Graph writes it, under the Graph host called; /me is resolved to the
    caller's id."""
    base = f"{request.service_root}/{request.version}/$metadata#"
    chosen = f"({','.join(select)})" if select else ""
    if form == COMMUNICATIONS:
        return f"{base}communications/presences{chosen}/$entity"
    return f"{base}users('{user_id}')/presence{chosen}/$entity"
