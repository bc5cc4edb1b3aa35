"""Presence's Graph operations, registered with the gateway: thin handlers over the service."""

from __future__ import annotations

import json

from mockgraph.domain.keys import parse_user_key
from mockgraph.domain.presence import UserState
from mockgraph.gateway import ANY, GraphRequest, Handler, Operation, Reply, Routes, signed_in_user
from mockgraph.presence import models, service
from mockgraph.presence.docs import bulk_doc, presence_doc
from mockgraph.presence.operations import (
    CLEAR_AUTOMATIC_LOCATION,
    CLEAR_LOCATION,
    CLEAR_PRESENCE,
    CLEAR_USER_PREFERRED_PRESENCE,
    GET_PRESENCE,
    GET_PRESENCES_BY_USER_ID,
    SET_AUTOMATIC_LOCATION,
    SET_MANUAL_LOCATION,
    SET_PRESENCE,
    SET_STATUS_MESSAGE,
    SET_USER_PREFERRED_PRESENCE,
    Action,
)

ME, USERS, COMMUNICATIONS = "me", "users", "communications"
# The three addresses of a presence entity.
ADDRESSES = (
    (ME, "/me/presence"),
    (USERS, "/users/{id}/presence"),
    (COMMUNICATIONS, "/communications/presences/{id}"),
)
_DONE = Reply(200, b"")


class PresenceHandlers:
    """One handler per Graph presence operation, over the tenant the gateway resolved."""

    def __init__(self, *, strict_session_id: bool = False) -> None:
        # Graph's docs ask for the calling app's id as sessionId; the live service takes any.
        self.strict_session_id = strict_session_id

    # GET /me/presence, /users/{id}/presence, /communications/presences/{id}:
    # https://learn.microsoft.com/graph/api/presence-get
    def get_presence(self, request: GraphRequest) -> Reply:
        """presence: get, with $select."""
        user = _user(request)
        kind = service.reader(request.principal.user_id, user.id)
        select = request.query().get("$select") if request.scope["query_string"] else None
        if select:
            fields = service.checked_select(select)
            document = {
                "@odata.context": context_url(request, user.id, fields),
                **service.selected(user, request.now, kind, fields),
            }
            return Reply(200, json.dumps(document, separators=(",", ":")).encode())
        entity = service.entity(user, request.now, kind)
        prefix = f'{{"@odata.context":"{context_url(request, user.id, [])}",'
        return Reply(200, prefix.encode() + entity[1:])

    # POST …/setPresence: https://learn.microsoft.com/graph/api/presence-setpresence
    def set_presence(self, request: GraphRequest) -> Reply:
        """presence: setPresence."""
        user = _user(request)
        body: models.SetPresence = request.body()
        service.set_presence(user, body, self._context(request))
        return _DONE

    # POST …/clearPresence: https://learn.microsoft.com/graph/api/presence-clearpresence
    def clear_presence(self, request: GraphRequest) -> Reply:
        """presence: clearPresence."""
        user = _user(request)
        service.clear_presence(user, request.body(), self._context(request))
        return _DONE

    # POST …/setUserPreferredPresence:
    # https://learn.microsoft.com/graph/api/presence-setuserpreferredpresence
    def set_user_preferred_presence(self, request: GraphRequest) -> Reply:
        """presence: setUserPreferredPresence."""
        user = _user(request)
        service.set_user_preferred_presence(user, request.body(), self._context(request))
        return _DONE

    # POST …/clearUserPreferredPresence:
    # https://learn.microsoft.com/graph/api/presence-clearuserpreferredpresence
    def clear_user_preferred_presence(self, request: GraphRequest) -> Reply:
        """presence: clearUserPreferredPresence."""
        user = _user(request)
        service.clear_user_preferred_presence(user, request.body(), self._context(request))
        return _DONE

    # POST …/setStatusMessage: https://learn.microsoft.com/graph/api/presence-setstatusmessage
    def set_status_message(self, request: GraphRequest) -> Reply:
        """presence: setStatusMessage."""
        user = _user(request)
        service.set_status_message(user, request.body(), self._context(request))
        return _DONE

    # POST /me/presence/setManualLocation:
    # https://learn.microsoft.com/graph/api/presence-setmanuallocation
    def set_manual_location(self, request: GraphRequest) -> Reply:
        """presence: setManualLocation."""
        user = _user(request)
        service.set_manual_location(user, request.body(), self._context(request))
        return _DONE

    # POST /me/presence/setAutomaticLocation:
    # https://learn.microsoft.com/graph/api/presence-setautomaticlocation
    def set_automatic_location(self, request: GraphRequest) -> Reply:
        """presence: setAutomaticLocation."""
        user = _user(request)
        service.set_automatic_location(user, request.body(), self._context(request))
        return _DONE

    # POST /me/presence/clearAutomaticLocation:
    # https://learn.microsoft.com/graph/api/presence-clearautomaticlocation
    def clear_automatic_location(self, request: GraphRequest) -> Reply:
        """presence: clearAutomaticLocation."""
        user = _user(request)
        service.clear_automatic_location(user, request.body(), self._context(request))
        return _DONE

    # POST /me/presence/clearLocation: https://learn.microsoft.com/graph/api/presence-clearlocation
    def clear_location(self, request: GraphRequest) -> Reply:
        """presence: clearLocation."""
        user = _user(request)
        service.clear_location(user, request.body(), self._context(request))
        return _DONE

    # POST /communications/getPresencesByUserId:
    # https://learn.microsoft.com/graph/api/cloudcommunications-getpresencesbyuserid
    def get_presences_by_user_id(self, request: GraphRequest) -> Reply:
        """cloudCommunications: getPresencesByUserId."""
        ids = service.checked_ids(request.body())
        entries = service.presences_by_user_id(
            request.tenant.users, ids, request.principal.user_id, request.now
        )
        context = f"{request.service_root}/{request.version}/$metadata#"
        head = f'{{"@odata.context":"{context}Collection(microsoft.graph.presence)","value":['
        return Reply(200, b"".join((head.encode(), b",".join(entries), b"]}")))

    def _context(self, request: GraphRequest) -> service.Context:
        return service.Context(request.now, request.principal.app_id, self.strict_session_id)


def register(routes: Routes, handlers: PresenceHandlers) -> None:
    """Every presence operation at each of its addresses, and getPresencesByUserId."""
    bound: tuple[tuple[Action, Handler], ...] = (
        (GET_PRESENCE, handlers.get_presence),
        (SET_PRESENCE, handlers.set_presence),
        (CLEAR_PRESENCE, handlers.clear_presence),
        (SET_USER_PREFERRED_PRESENCE, handlers.set_user_preferred_presence),
        (CLEAR_USER_PREFERRED_PRESENCE, handlers.clear_user_preferred_presence),
        (SET_STATUS_MESSAGE, handlers.set_status_message),
        (SET_MANUAL_LOCATION, handlers.set_manual_location),
        (SET_AUTOMATIC_LOCATION, handlers.set_automatic_location),
        (CLEAR_AUTOMATIC_LOCATION, handlers.clear_automatic_location),
        (CLEAR_LOCATION, handlers.clear_location),
    )
    for form, address in ADDRESSES:
        subject = {ME: signed_in_user, USERS: user_in_path, COMMUNICATIONS: _presence_id}[form]
        for action, handler in bound:
            path = address + (f"/{action.action}" if action.action else "")
            if action.me_only and form != ME:
                handler, doc = only_at_me, None
            else:
                doc = presence_doc(action, form, has_id=form != ME)
            routes.add(
                Operation(
                    action.method,
                    path,
                    handler,
                    name=action.action or "",
                    access=None if doc is None else action.access,
                    subject=subject,
                    body=None if doc is None else action.body,
                    doc=doc,
                    qualified=action.action is not None,
                    form=form,
                )
            )
        routes.add(Operation(ANY, f"{address}/{{action}}", unknown_action))
    bulk = GET_PRESENCES_BY_USER_ID
    routes.add(
        Operation(
            bulk.method,
            "/communications/getPresencesByUserId",
            handlers.get_presences_by_user_id,
            name=bulk.action or "",
            access=bulk.access,
            body=bulk.body,
            doc=bulk_doc(),
            qualified=True,
        )
    )


def user_in_path(request: GraphRequest) -> str:
    """The user of /users/{id}/…: the object id, as a path segment or in users('{id}').

    Presence takes no userPrincipalName (docs/fidelity.md, "Requests and addresses").
    """
    param = request.params["id"]
    # The common case, a known user's object id as sent: one look-up, nothing to parse.
    if len(param) == 36:
        known = request.tenant.user(param)
        if known is not None:
            return known.id
    user_id = _presence_id(request)
    known = request.tenant.user(user_id)
    # An unknown id: the permission check first, then the handler's 404.
    return known.id if known is not None else user_id


def _presence_id(request: GraphRequest) -> str:
    """A presence entity's key is its user's object id (communications/presences/{id} or
    presences('{id}')); a userPrincipalName, in any key form, is Graph's 400."""
    key = parse_user_key(request.params["id"], request.raw_path())
    if key.by == "upn":
        return service.checked_user_id(f"userPrincipalName='{key.text}'")
    return service.checked_user_id(key.text)


def _user(request: GraphRequest) -> UserState:
    user_id = request.target
    assert user_id is not None
    user = request.tenant.user(user_id)
    if user is None:
        raise service.unknown_user(user_id)
    return user


def only_at_me(request: GraphRequest) -> Reply:
    """A work-location action at /users/{id}/presence or /communications/presences/{id}."""
    raise service.only_at_me(request.operation.name)


def unknown_action(request: GraphRequest) -> Reply:
    """Any other segment after a presence address."""
    raise service.unknown_action(request.params["action"])


def context_url(request: GraphRequest, user_id: str, select: list[str]) -> str:
    """@odata.context as Graph writes it, under the Graph host called; /me is resolved to the
    caller's id."""
    base = f"{request.service_root}/{request.version}/$metadata#"
    chosen = f"({','.join(select)})" if select else ""
    if request.operation.form == COMMUNICATIONS:
        return f"{base}communications/presences{chosen}/$entity"
    return f"{base}users('{user_id}')/presence{chosen}/$entity"
