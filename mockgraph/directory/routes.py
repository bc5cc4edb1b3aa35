"""The directory's Graph operations, registered with the gateway: the handlers are the
service's (directory/service.py)."""

from __future__ import annotations

from mockgraph.directory.docs import directory_doc
from mockgraph.directory.service import DirectoryService
from mockgraph.gateway import Handler, Operation, Routes

ME, USER = "/me", "/users/{id}"
# A relationship's OData casts: (the form's cast, the path's suffix).
CASTS = (("", ""), ("user", "/microsoft.graph.user"), ("group", "/microsoft.graph.group"))


def register(routes: Routes, service: DirectoryService) -> None:
    """Users, photos, groups and memberships, at /me and at /users/{id} in every key form."""

    def add(path: str, handler: Handler, operation_id: str, form: str = "") -> None:
        doc = directory_doc(path, operation_id, *form.partition("/")[::2])
        routes.add(Operation("GET", path, handler, doc=doc, form=form))

    add("/users", service.list_users, "listUsers")
    add("/users/$count", service.count_users, "countUsers")
    for base, prefix in ((ME, "me"), (USER, "user")):
        add(base, service.get_user, f"{prefix}_get")
        for relation in ("memberOf", "transitiveMemberOf"):
            for cast, suffix in CASTS:
                path, form = f"{base}/{relation}{suffix}", f"{relation}/{cast}"
                add(path, service.list_member_of, f"{prefix}_{relation}{cast}", form)
                add(
                    f"{path}/$count",
                    service.count_member_of,
                    f"{prefix}_{relation}{cast}_count",
                    form,
                )
        add(f"{base}/photo", service.get_photo, f"{prefix}_getPhoto")
        add(f"{base}/photo/$value", service.get_photo_content, f"{prefix}_getPhotoContent")
        add(f"{base}/photos", service.list_photos, f"{prefix}_photos")
        add(f"{base}/photos/{{size}}", service.get_photo, f"{prefix}_getPhotoSize")
        add(
            f"{base}/photos/{{size}}/$value",
            service.get_photo_content,
            f"{prefix}_getPhotoSizeContent",
        )
        # The singular form with a size, as the page's own example calls it (docs/fidelity.md).
        add(f"{base}/photo/{{size}}", service.get_photo, f"{prefix}_getPhotoSizeSingular")
        add(
            f"{base}/photo/{{size}}/$value",
            service.get_photo_content,
            f"{prefix}_getPhotoSizeSingularContent",
        )
    add("/groups/{id}", service.get_group, "getGroup")
    for relation in ("members", "transitiveMembers"):
        for cast, suffix in CASTS:
            path, form = f"/groups/{{id}}/{relation}{suffix}", f"{relation}/{cast}"
            name = f"list{relation[0].upper()}{relation[1:]}" + (f"_{cast}s" if cast else "")
            add(path, service.list_group_members, name, form)
            add(f"{path}/$count", service.count_group_members, f"{name}_count", form)
