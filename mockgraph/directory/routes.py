"""The directory's Graph operations, registered with the gateway: the handlers are the
service's (directory/service.py)."""

from __future__ import annotations

from mockgraph.directory.docs import directory_doc
from mockgraph.directory.service import CAST, DirectoryService
from mockgraph.domain.keys import segment_not_found
from mockgraph.gateway import GraphRequest, Handler, Operation, Reply, Routes

ME, USER = "/me", "/users/{id}"


def register(routes: Routes, service: DirectoryService) -> None:
    """Users, photos, groups and memberships, at /me and at /users/{id} in every key form."""

    def add(path: str, handler: Handler, operation_id: str, form: str = "") -> None:
        doc = directory_doc(path, operation_id)
        routes.add(Operation("GET", path, handler, doc=doc, form=form))

    add("/users", service.list_users, "listUsers")
    add("/users/$count", service.count_users, "countUsers")
    for base, prefix in ((ME, "me"), (USER, "user")):
        add(base, service.get_user, f"{prefix}_get")
        add(f"{base}/memberOf", service.list_member_of, f"{prefix}_memberOf")
        add(f"{base}/photo", service.get_photo, f"{prefix}_getPhoto")
        add(f"{base}/photo/$value", service.get_photo_content, f"{prefix}_getPhotoContent")
        add(f"{base}/photos", service.list_photos, f"{prefix}_photos")
        add(f"{base}/photos/{{size}}", service.get_photo, f"{prefix}_getPhotoSize")
        add(
            f"{base}/photos/{{size}}/$value",
            service.get_photo_content,
            f"{prefix}_getPhotoSizeContent",
        )
        for tail in ("/photo/{size}", "/photo/{size}/$value"):
            routes.add(Operation("GET", base + tail, size_on_photo))
    add("/groups/{id}", service.get_group, "getGroup")
    members = "/groups/{id}/members"
    add(members, service.list_group_members, "listMembers")
    add(f"{members}/$count", service.count_group_members, "listMembers_count")
    add(f"{members}/{CAST}", service.list_group_members, "listMembers_users", CAST)
    add(f"{members}/{CAST}/$count", service.count_group_members, "listMembers_users_count", CAST)


def size_on_photo(request: GraphRequest) -> Reply:
    """A size belongs under /photos/{size}; Graph answers /photo/{size} as a routing error."""
    raise segment_not_found(request.params["size"])
