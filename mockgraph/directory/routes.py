"""The directory's Graph operations, registered with the gateway: thin handlers over the service."""

from __future__ import annotations

from collections.abc import Callable

from mockgraph.directory.docs import directory_doc
from mockgraph.directory.service import Answer, Call, DirectoryService
from mockgraph.domain.keys import UserKey, parse_user_key, segment_not_found
from mockgraph.gateway import GraphRequest, Operation, Reply, Routes

ME, USER = "/me", "/users/{id}"
CAST = "microsoft.graph.user"


def call_of(request: GraphRequest) -> Call:
    """What the directory needs of a request."""
    tenant = request.tenant
    path = request.raw_path() or request.scope["path"]
    consistency = request.headers.get(b"consistencylevel")  # kept by the gateway's header pass
    # Positional, in Call's field order: every directory call builds one.
    return Call(
        request.version,
        request.principal,
        tenant.id,
        tenant.users,
        tenant.users.version,
        tenant.groups,
        request.scope["query_string"].decode("latin-1"),
        consistency is not None and consistency.strip().lower() == b"eventual",
        request.cloud,
        request.base_url() + path,
    )


def _key(request: GraphRequest) -> UserKey | None:
    """The user a /users/{id} address names; None at /me."""
    if "id" not in request.params:
        return None
    return parse_user_key(request.params["id"], request.raw_path())


def _reply(answer: Answer) -> Reply:
    return Reply(answer.status, answer.body, answer.content_type, answer.headers)


Serve = Callable[[DirectoryService, GraphRequest], Answer]


def register(routes: Routes, service: DirectoryService) -> None:
    """Users, photos, groups and memberships, at /me and at /users/{id} in every key form."""

    def add(path: str, read: Serve, operation_id: str) -> None:
        def handler(request: GraphRequest) -> Reply:
            return _reply(read(service, request))

        handler.__doc__ = read.__doc__
        routes.add(Operation("GET", path, handler, doc=directory_doc(path, operation_id)))

    add("/users", lambda s, r: s.list_users(call_of(r)), "listUsers")
    add("/users/$count", lambda s, r: s.count_users(call_of(r)), "countUsers")
    for base, prefix in ((ME, "me"), (USER, "user")):
        add(base, lambda s, r: s.get_user(call_of(r), _key(r)), f"{prefix}_get")
        add(f"{base}/memberOf", lambda s, r: s.member_of(call_of(r), _key(r)), f"{prefix}_memberOf")
        add(f"{base}/photo", _photo(None, value=False), f"{prefix}_getPhoto")
        add(f"{base}/photo/$value", _photo(None, value=True), f"{prefix}_getPhotoContent")
        add(f"{base}/photos", lambda s, r: s.list_photos(call_of(r), _key(r)), f"{prefix}_photos")
        add(f"{base}/photos/{{size}}", _photo("size", value=False), f"{prefix}_getPhotoSize")
        add(
            f"{base}/photos/{{size}}/$value",
            _photo("size", value=True),
            f"{prefix}_getPhotoSizeContent",
        )
        for tail in ("/photo/{size}", "/photo/{size}/$value"):
            routes.add(Operation("GET", base + tail, _size_on_photo))
    add("/groups/{id}", lambda s, r: s.get_group(call_of(r), _group_id(r)), "getGroup")
    for tail, users_only, count in (
        ("", False, False),
        ("/$count", False, True),
        (f"/{CAST}", True, False),
        (f"/{CAST}/$count", True, True),
    ):
        add(
            f"/groups/{{id}}/members{tail}",
            _members(users_only, count),
            f"listMembers{'_users' if users_only else ''}{'_count' if count else ''}",
        )


def _photo(size: str | None, *, value: bool) -> Serve:
    def read(service: DirectoryService, request: GraphRequest) -> Answer:
        chosen = request.params[size] if size else None
        if value:
            return service.photo_value(call_of(request), _key(request), chosen)
        return service.photo_metadata(call_of(request), _key(request), chosen)

    return read


def _group_id(request: GraphRequest) -> str:
    """A group's id as given: /groups/{id} or /groups('{id}')."""
    return parse_user_key(request.params["id"], request.raw_path()).text


def _members(users_only: bool, count: bool) -> Serve:
    def read(service: DirectoryService, request: GraphRequest) -> Answer:
        group_id = _group_id(request)
        return service.list_members(call_of(request), group_id, users_only, count)

    return read


def _size_on_photo(request: GraphRequest) -> Reply:
    """A size belongs under /photos/{size}; Graph answers /photo/{size} as a routing error."""
    raise segment_not_found(request.params["size"])
