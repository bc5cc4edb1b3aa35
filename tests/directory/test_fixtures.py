"""The fixture format's directory part: profiles, photos and groups, from seed to export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockgraph.app import create_app
from mockgraph.settings import DEFAULT_FIXTURES, Settings
from mockgraph.state.fixtures import FixtureError, load_fixtures
from mockgraph.state.persistence import load, snapshot
from tests.client import Graph
from tests.constants import ADELE, ALEX, PATTI, PRESENCE_WALL

MARKETING = "02bd9fd6-8f93-4758-87c3-1fb73740a315"
NEW = "66666666-6666-4666-8666-666666666666"


def _seed(tmp_path: Path, document: dict[str, object]) -> Path:
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"users": [{"id": ADELE, "shoeSize": 42}]}, r"\$\.users\[0\]\.shoeSize: unknown key"),
        ({"users": [{"id": ADELE, "businessPhones": "+1"}]}, r"\$\.users\[0\]\.businessPhones"),
        ({"users": [{"id": ADELE, "accountEnabled": "yes"}]}, r"\$\.users\[0\]\.accountEnabled"),
        (
            {"users": [{"id": ADELE}], "groups": [{"id": MARKETING, "displayName": "M", "x": 1}]},
            r"\$\.groups\[0\]\.x: unknown key",
        ),
        (
            {"users": [], "groups": [{"id": MARKETING, "displayName": "M", "members": [ALEX]}]},
            r"\$\.groups\[0\]\.members\[0\]: '" + ALEX + "' is not the id of a user or group",
        ),
        (
            {"users": [], "groups": [{"id": MARKETING, "displayName": "M", "members": ["x"]}]},
            r"\$\.groups\[0\]\.members\[0\]",
        ),
    ],
)
def test_mistakes_stop_start_up_with_the_json_path(
    tmp_path: Path, document: dict[str, object], message: str
) -> None:
    with pytest.raises(FixtureError, match=message):
        load_fixtures(_seed(tmp_path, document))


def test_bundled_fixtures_have_profiles_photos_and_two_groups() -> None:
    fixtures = load_fixtures(DEFAULT_FIXTURES)

    with_photo = [u for u in fixtures.users if u.profile.photo is not None]
    assert len(with_photo) == 5
    assert all(Path(u.profile.photo or "").stat().st_size < 20_000 for u in with_photo)
    assert all(u.profile.mail and u.profile.jobTitle for u in fixtures.users)
    assert [g.displayName for g in fixtures.groups] == ["Marketing", "Leadership Team"]


def test_control_plane_add_user_carries_the_profile(graph: Graph) -> None:
    photo = str(Path(DEFAULT_FIXTURES).resolve().parent / "photos" / "lee.jpg")
    added = graph.admin.post(
        "/_mockgraph/users",
        json={
            "id": NEW,
            "userPrincipalName": "new.user@contoso.example",
            "mail": "new.user@contoso.example",
            "jobTitle": "Analyst",
            "businessPhones": ["+1 555 0100"],
            "accountEnabled": False,
            "photo": photo,
        },
    )
    assert added.status_code in (200, 201), added.text
    reader = graph.as_app(PRESENCE_WALL, "User.Read.All", "ProfilePhoto.Read.All")

    body = reader.get(f"/beta/users/{NEW}").json()
    assert (body["jobTitle"], body["accountEnabled"]) == ("Analyst", False)
    assert body["businessPhones"] == ["+1 555 0100"]
    assert reader.get(f"/v1.0/users/{NEW}/photo/$value").status_code == 200
    missing = graph.admin.post(
        "/_mockgraph/users", json={"id": ALEX.replace("6", "7"), "photo": "/nowhere.jpg"}
    )
    assert missing.status_code == 400


def test_a_user_removed_then_another_added_is_seen_at_once(graph: Graph) -> None:
    """The table keeps its size: every lookup built over it must still see the change."""
    reader = graph.as_app(PRESENCE_WALL, "User.Read.All", "Presence.Read.All")
    patti_upn = "patti.fernandez@contoso.example"
    assert reader.get("/v1.0/users", params={"$select": "id"}).status_code == 200
    assert reader.get(f"/v1.0/users/{patti_upn}").status_code == 200

    graph.admin.delete(f"/_mockgraph/users/{PATTI}").raise_for_status()
    user = {
        "id": NEW,
        "userPrincipalName": "new.user@contoso.example",
        "mail": "new@contoso.example",
    }
    graph.admin.post("/_mockgraph/users", json=user).raise_for_status()

    listed = [u["id"] for u in reader.get("/v1.0/users", params={"$select": "id"}).json()["value"]]
    assert PATTI not in listed
    assert NEW in listed
    found = reader.get("/v1.0/users", params={"$filter": "mail eq 'new@contoso.example'"})
    assert [u["id"] for u in found.json()["value"]] == [NEW]
    assert reader.get(f"/v1.0/users/{patti_upn}").status_code == 404
    assert reader.get(f"/v1.0/users/{PATTI}/presence").status_code == 404
    assert reader.get("/v1.0/users/new.user@contoso.example").status_code == 200
    assert reader.get(f"/v1.0/users/{NEW}/presence").status_code == 200


def test_state_export_and_import_keep_profiles_and_groups(graph: Graph) -> None:
    exported = graph.admin.get("/_mockgraph/state").json()
    adele = next(u for u in exported["users"] if u["id"] == ADELE)
    assert adele["jobTitle"] == "Retail Manager"
    assert adele["photo"].endswith("adele.jpg")
    assert [g["displayName"] for g in exported["groups"]] == ["Marketing", "Leadership Team"]

    adele["jobTitle"] = "Store Manager"
    exported["groups"] = exported["groups"][:1]
    assert graph.admin.put("/_mockgraph/state", json=exported).status_code in (200, 204)

    reader = graph.as_app(PRESENCE_WALL, "User.Read.All", "GroupMember.Read.All")
    assert reader.get(f"/v1.0/users/{ADELE}").json()["jobTitle"] == "Store Manager"
    assert reader.get(f"/v1.0/groups/{MARKETING}").status_code == 200
    gone = reader.get("/v1.0/groups/c43a7cc9-2d95-44b6-bf6a-6392e41949b4")
    assert gone.status_code == 404


def test_state_file_carries_the_directory(tmp_path: Path) -> None:
    first = create_app(Settings())
    saved = snapshot(first.state.runtime.store)
    state = tmp_path / "state.json"
    state.write_bytes(saved)

    second = create_app(Settings())
    load(second.state.runtime.store, state)
    tenant = second.state.runtime.store.tenant(second.state.runtime.fixtures.tenant_id)
    assert tenant.users[ADELE].profile.jobTitle == "Retail Manager"
    assert set(tenant.groups) == {MARKETING, "c43a7cc9-2d95-44b6-bf6a-6392e41949b4"}
