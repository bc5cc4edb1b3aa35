"""Which directory operation an address names (before the gateway's registration takes over)."""

from __future__ import annotations

from mockgraph.directory.keys import Address, UserKey, segment_not_found
from mockgraph.directory.service import Answer, Call, DirectoryService
from mockgraph.errors import GraphError, MethodNotAllowed

CAST = "microsoft.graph.user"
# The segments after a user or group that the directory serves; others are not emulated.
SEGMENTS = frozenset({"photo", "photos", "memberof", "members", "$count"})


def dispatch(service: DirectoryService, call: Call, address: Address, method: str) -> Answer | None:
    """The answer of a directory call, or None when the address is not the directory's."""
    tail = address.tail
    if tail and tail[0] not in SEGMENTS:
        return None
    if method != "GET":
        raise MethodNotAllowed(
            f"The method {method} is not allowed here; this address takes GET.",
            headers={"Allow": "GET"},
        )
    if address.root == "groups":
        return _group(service, call, address)
    if address.root == "users" and address.key is None:
        return service.count_users(call) if tail == ("$count",) else service.list_users(call)
    return _user(service, call, address.key, tail)


def _user(
    service: DirectoryService, call: Call, key: UserKey | None, tail: tuple[str, ...]
) -> Answer:
    if not tail:
        return service.get_user(call, key)
    head, rest = tail[0], tail[1:]
    if head == "memberof" and not rest:
        return service.member_of(call, key)
    if head == "photo":
        if not rest:
            return service.photo_metadata(call, key, None)
        if rest == ("$value",):
            return service.photo_value(call, key, None)
        raise segment_not_found(rest[0])
    if head == "photos":
        if not rest:
            return service.list_photos(call, key)
        if len(rest) == 1:
            return service.photo_metadata(call, key, rest[0])
        if rest[1:] == ("$value",):
            return service.photo_value(call, key, rest[0])
    raise segment_not_found(tail[-1])


def _group(service: DirectoryService, call: Call, address: Address) -> Answer:
    if address.key is None:
        raise GraphError("mockgraph serves single groups only: GET /groups/{id}.", status=400)
    group_id, tail = address.key.text, address.tail
    if not tail:
        return service.get_group(call, group_id)
    if tail[0] == "members":
        rest = tail[1:]
        users_only = rest[:1] == (CAST,)
        if users_only:
            rest = rest[1:]
        if rest in ((), ("$count",)):
            return service.list_members(call, group_id, users_only, count=bool(rest))
    raise segment_not_found(tail[-1])
