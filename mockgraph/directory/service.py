"""The directory's operations over a tenant's state: no HTTP, just Graph's rules and answers.

Each function takes a Call (what the route read from the request) and returns an Answer;
directory/routes.py registers them with the gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson

from mockgraph.auth.permissions import (
    Directory,
    Sight,
    authorize_directory,
    group_sight,
    reject_app_on_me,
    user_sight,
)
from mockgraph.auth.tokens import Principal
from mockgraph.clouds import Cloud
from mockgraph.directory import groups as group_ops
from mockgraph.directory import users as user_ops
from mockgraph.directory.exceptions import (
    RequestBadRequest,
    RequestResourceNotFound,
    resource_not_found,
)
from mockgraph.directory.index import Indexes, UserIndex
from mockgraph.directory.photos import Photo, Photos, parse_size
from mockgraph.directory.properties import DirectoryUser
from mockgraph.directory.query import parse_options
from mockgraph.domain.group import Group
from mockgraph.domain.keys import UserKey
from mockgraph.http import ODATA_JSON as JSON


class Answer(NamedTuple):
    status: int
    body: bytes
    content_type: bytes
    headers: list[tuple[bytes, bytes]]


class Call(NamedTuple):
    """A directory call as the route read it (a tuple: every directory call builds one)."""

    version: str
    principal: Principal
    tenant_id: str
    users: Mapping[str, DirectoryUser]
    users_version: int  # changes with every change to the user table (store.UserTable)
    groups: Mapping[str, Group]
    query: str  # the raw query string
    eventual: bool  # ConsistencyLevel: eventual
    cloud: Cloud  # the cloud of the Graph host called (its root begins @odata.context)
    address: str  # scheme://host[:port]/{version}/... as called, without the query


# Graph's directory answers carry these (directory-reference.md §7, §9).
DIRECTORY_HEADERS = [(b"cache-control", b"no-cache"), (b"x-ms-resource-unit", b"1")]


# orjson writes the same compact UTF-8 JSON as json.dumps(separators=(",", ":"),
# ensure_ascii=False), fifteen times faster: a page of 999 users in 0.03 ms instead of 0.5.
# Its bytes keep the buffer they were written in (about 4 KiB for a short answer), and the
# journal keeps answers: a copy of the exact size costs 0.1 µs and saves 35 MiB of RSS over
# the journal's 10,000 entries.


def _json(document: Mapping[str, Any]) -> Answer:
    body = memoryview(orjson.dumps(document)).tobytes()
    return Answer(200, body, JSON, [(b"odata-version", b"4.0"), *DIRECTORY_HEADERS])


class DirectoryService:
    """Users, photos and groups for every tenant of one app."""

    def __init__(self, photo_not_found_code: str = "ImageNotFound") -> None:
        self.indexes = Indexes()
        self.photos = Photos(photo_not_found_code)

    def _read(self, call: Call, basic_only: bool) -> user_ops.Read:
        return user_ops.Read(
            call.version,
            call.cloud.graph_root,
            call.address,
            parse_options(call.query, call.version),
            call.eventual,
            basic_only,
        )

    def index(self, call: Call) -> UserIndex:
        return self.indexes.of(call.tenant_id, call.users, call.users_version)

    def subject(self, call: Call, key: UserKey | None) -> tuple[DirectoryUser, bool]:
        """The user a call is about (None key: /me), and whether it is the caller."""
        if key is None:
            reject_app_on_me(call.principal)
            user = call.users.get(call.principal.user_id or "")
            if user is None:
                raise resource_not_found(call.principal.user_id or "me")
            return user, True
        user = user_ops.find_user(self.index(call), key)
        return user, call.principal.user_id == user.id

    # GET /me, GET /users/{key}
    def get_user(self, call: Call, key: UserKey | None) -> Answer:
        if key is not None:
            # A user another caller may not read is a 403 before it is a 404.
            authorize_directory(call.principal, Directory.USER, own=_names_caller(call, key))
        user, own = self.subject(call, key)
        authorize_directory(call.principal, Directory.USER, own=own)
        sight = user_sight(call.principal, own)
        return _json(user_ops.get_user(user, self._read(call, sight is Sight.BASIC)))

    # GET /users
    def list_users(self, call: Call) -> Answer:
        authorize_directory(call.principal, Directory.USERS, own=False)
        basic = user_sight(call.principal, False) is Sight.BASIC
        return _json(user_ops.list_users(self.index(call), self._read(call, basic)))

    # GET /users/$count
    def count_users(self, call: Call) -> Answer:
        authorize_directory(call.principal, Directory.USERS, own=False)
        basic = user_sight(call.principal, False) is Sight.BASIC
        count = user_ops.count_users(self.index(call), self._read(call, basic))
        return Answer(200, str(count).encode(), b"text/plain", DIRECTORY_HEADERS)

    def _photo_owner(self, call: Call, key: UserKey | None) -> DirectoryUser:
        if key is None:
            reject_app_on_me(call.principal)
        authorize_directory(call.principal, Directory.PHOTO, own=key is None)
        try:
            user, _ = self.subject(call, key)
        except RequestResourceNotFound:
            # Graph's photo service answers an unknown user as a missing photo (§4.4).
            raise self.photos.missing() from None
        return user

    # GET …/photo, …/photos/{size}
    def photo_metadata(self, call: Call, key: UserKey | None, size: str | None) -> Answer:
        user = self._photo_owner(call, key)
        photo = self.photos.get(user.profile.photo, self._size(size))
        root = self._read(call, False).context(f"users('{user.id}')", None, entity=False)
        segment = "photo" if size is None else "photos"
        return _json({"@odata.context": f"{root}/{segment}/$entity", **photo.metadata()})

    # GET …/photos
    def list_photos(self, call: Call, key: UserKey | None) -> Answer:
        user = self._photo_owner(call, key)
        root = self._read(call, False).context(f"users('{user.id}')", None, entity=False)
        photos = self.photos.available(user.profile.photo)
        return _json({"@odata.context": f"{root}/photos", "value": [p.metadata() for p in photos]})

    # GET …/photo/$value, …/photos/{size}/$value
    def photo_value(self, call: Call, key: UserKey | None, size: str | None) -> Answer:
        user = self._photo_owner(call, key)
        photo: Photo = self.photos.get(user.profile.photo, self._size(size))
        headers = [(b"etag", photo.etag.encode()), (b"cache-control", b"private")]
        return Answer(200, photo.data, b"image/jpeg", headers)

    def _size(self, size: str | None) -> int | None:
        if size is None:
            return None
        parsed = parse_size(size)
        if parsed is None:
            raise self.photos.missing()
        return parsed

    # GET /groups/{id}
    def get_group(self, call: Call, group_id: str) -> Answer:
        authorize_directory(call.principal, Directory.GROUP, own=False)
        group = group_ops.find_group(call.groups, group_id)
        sight = group_sight(call.principal)
        return _json(group_ops.get_group(group, self._read(call, False), sight))

    # GET /groups/{id}/members, …/members/microsoft.graph.user, …/$count
    def list_members(self, call: Call, group_id: str, users_only: bool, count: bool) -> Answer:
        authorize_directory(call.principal, Directory.MEMBERS, own=False)
        group = group_ops.find_group(call.groups, group_id)
        members = group_ops.members_of(group, call.users, call.groups)
        if users_only:
            members = [m for m in members if not isinstance(m, Group)]
        read = self._read(call, False)
        if count:
            if not call.eventual:
                raise RequestBadRequest("$count is not currently supported.")
            return Answer(200, str(len(members)).encode(), b"text/plain", [])
        sights = user_sight(call.principal, False), group_sight(call.principal)
        return _json(group_ops.page_of(members, read, *sights, users_only=users_only))

    # GET /me/memberOf, /users/{key}/memberOf
    def member_of(self, call: Call, key: UserKey | None) -> Answer:
        user, own = self.subject(call, key)
        authorize_directory(call.principal, Directory.MEMBER_OF, own=own)
        groups = group_ops.member_of(user.id, call.groups)
        sights = user_sight(call.principal, own), group_sight(call.principal)
        return _json(group_ops.page_of(groups, self._read(call, False), *sights))


def _names_caller(call: Call, key: UserKey) -> bool:
    """Whether a key is the caller's own id or UPN (before looking it up)."""
    if call.principal.user_id is None:
        return False
    own = call.users.get(call.principal.user_id)
    text = key.text.lower()
    return text == call.principal.user_id or (
        own is not None and text == own.user_principal_name.lower()
    )


__all__ = ["Answer", "Call", "DirectoryService"]
