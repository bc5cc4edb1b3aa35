"""Profile photos: bytes, metadata, the nine sizes, the 404s and $batch (§4)."""

from __future__ import annotations

import asyncio
import base64
import io
import struct
import zlib
from pathlib import Path

import httpx
import pytest
from PIL import Image

from mockgraph.app import create_app
from mockgraph.settings import Settings
from mockgraph.testing import InProcessTransport
from tests.client import Graph
from tests.constants import ADELE, ALEX, PATTI, PRESENCE_WALL, TENANT, UNKNOWN

NOT_FOUND = (
    "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown."
)


def _size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        return image.size


def test_me_photo_value_is_raw_jpeg_with_an_etag(graph: Graph) -> None:
    response = graph.as_user(ADELE, "User.Read").get("/v1.0/me/photo/$value")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["etag"].startswith('"')
    assert len(response.headers["etag"]) == 10
    assert response.content[:3] == b"\xff\xd8\xff"
    assert _size(response.content) == (240, 240)


def test_photo_metadata(graph: Graph) -> None:
    body = graph.as_user(ADELE, "User.Read").get("/v1.0/me/photo").json()

    assert body == {
        "@odata.context": (
            f"https://graph.microsoft.com/v1.0/$metadata#users('{ADELE}')/photo/$entity"
        ),
        "@odata.id": f"https://graph.microsoft.com/v1.0/users('{ADELE}@{TENANT}')/photo",
        "@odata.mediaContentType": "image/jpeg",
        "@odata.mediaEtag": body["@odata.mediaEtag"],
        "id": "240x240",
        "width": 240,
        "height": 240,
    }


@pytest.mark.parametrize("size", [48, 64, 96, 120, 240])
def test_each_size_up_to_the_stored_one(graph: Graph, size: int) -> None:
    client = graph.as_app(PRESENCE_WALL, "ProfilePhoto.Read.All")
    value = client.get(f"/v1.0/users/{ALEX}/photos/{size}X{size}/$value")
    meta = client.get(f"/v1.0/users/{ALEX}/photos/{size}x{size}").json()

    assert _size(value.content) == (size, size)
    assert (meta["id"], meta["width"], meta["height"]) == (f"{size}x{size}", size, size)


def test_photos_lists_the_available_sizes(graph: Graph) -> None:
    body = graph.as_user(ADELE, "User.Read").get("/v1.0/me/photos").json()

    assert [p["id"] for p in body["value"]] == ["48x48", "64x64", "96x96", "120x120", "240x240"]


@pytest.mark.parametrize(
    "path",
    [
        f"/v1.0/users/{PATTI}/photo/$value",  # no photo
        f"/v1.0/users/{PATTI}/photo",
        f"/v1.0/users/{ADELE}/photos/360x360/$value",  # larger than stored
        f"/v1.0/users/{ADELE}/photos/50x50",  # not one of the nine
        f"/v1.0/users/{UNKNOWN}/photo/$value",  # no such user
    ],
)
def test_missing_photos_are_image_not_found(graph: Graph, path: str) -> None:
    response = graph.as_app(PRESENCE_WALL, "ProfilePhoto.Read.All").get(path)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "ImageNotFound"
    assert response.json()["error"]["message"] == NOT_FOUND


@pytest.mark.parametrize("base", ["/v1.0/me", f"/beta/users/{ADELE}"])
def test_a_size_on_the_singular_segment_is_served(graph: Graph, base: str) -> None:
    client = graph.as_user(ADELE, "User.Read")
    singular = client.get(f"{base}/photo/48x48/$value")

    assert singular.status_code == 200
    assert singular.headers["content-type"] == "image/jpeg"
    assert singular.content == client.get(f"{base}/photos/48X48/$value").content
    meta = client.get(f"{base}/photo/48x48").json()
    assert (meta["id"], meta["width"]) == ("48x48", 48)
    assert client.get(f"{base}/photo/50x50/$value").status_code == 404


def test_photo_entity_carries_its_odata_id(graph: Graph) -> None:
    client = graph.as_user(ADELE, "User.Read")
    root = f"https://graph.microsoft.com/v1.0/users('{ADELE}@{TENANT}')"

    assert client.get("/v1.0/me/photo").json()["@odata.id"] == f"{root}/photo"
    sized = client.get(f"/v1.0/users/{ADELE}/photos/96x96").json()
    assert sized["@odata.id"] == f"{root}/photos('96x96')"


def test_not_found_code_can_be_the_current_services() -> None:
    app = create_app(Settings(photo_not_found_code="ErrorEntityNotFound"))
    with InProcessTransport(app) as transport:
        graph = Graph(transport, "http://mockgraph.test")
        response = graph.as_user(PATTI, "User.Read").get("/v1.0/me/photo/$value")
        graph.close()

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ErrorEntityNotFound"


def test_photos_in_a_batch_are_base64(graph: Graph) -> None:
    requests = [
        {"id": str(i), "method": "GET", "url": f"/users/{user}/photo/$value"}
        for i, user in enumerate([ADELE, ALEX, PATTI])
    ]
    client = graph.as_app(PRESENCE_WALL, "ProfilePhoto.Read.All")
    answer = client.post("/v1.0/$batch", json={"requests": requests}).json()["responses"]

    assert [r["status"] for r in answer] == [200, 200, 404]
    assert answer[0]["headers"]["Content-Type"] == "image/jpeg"
    assert answer[0]["headers"]["ETag"].startswith('"')
    assert answer[0]["body"].startswith("/9j/")
    assert _size(base64.b64decode(answer[1]["body"])) == (240, 240)
    assert answer[2]["body"]["error"]["code"] == "ImageNotFound"


def test_an_unreadable_photo_file_is_a_404_not_a_500(tmp_path: Path) -> None:
    photo = tmp_path / "broken.jpg"
    photo.write_bytes(BUNDLED_ADELE.read_bytes())
    fixture = tmp_path / "fixtures.json"
    fixture.write_text(
        '{"users": [{"id": "' + ADELE + '", "photo": "broken.jpg"}]}', encoding="utf-8"
    )
    app = create_app(Settings(fixtures=fixture))
    # Broken after start-up, which checked it.
    photo.write_bytes(b"not a jpeg at all")
    with InProcessTransport(app) as transport:
        graph = Graph(transport, "http://mockgraph.test")
        response = graph.as_user(ADELE, "User.Read").get("/v1.0/me/photo/$value")
        graph.close()

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ImageNotFound"


def test_a_missing_photo_file_stops_start_up(tmp_path: Path) -> None:
    from mockgraph.state.fixtures import FixtureError, load_fixtures

    fixture = tmp_path / "fixtures.json"
    fixture.write_text('{"users": [{"id": "' + ADELE + '", "photo": "gone.jpg"}]}')

    with pytest.raises(FixtureError, match=r"\$\.users\[0\]\.photo: no such file"):
        load_fixtures(fixture)


def test_reading_photos_needs_a_photo_permission(graph: Graph) -> None:
    client = graph.as_app(PRESENCE_WALL, "Presence.Read.All")
    response = client.get(f"/v1.0/users/{ADELE}/photo/$value")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "Authorization_RequestDenied"


BUNDLED_ADELE = Path(__file__).parents[2] / "mockgraph" / "photos" / "adele.jpg"


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` pixels and holds almost none: a bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )  # fmt: skip

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )  # fmt: skip


# Past Pillow's limit (about 89 M pixels: a warning) and past twice it (an error).
@pytest.mark.parametrize("side", [10_000, 20_000])
def test_a_decompression_bomb_is_a_404_on_every_photo_route(tmp_path: Path, side: int) -> None:
    photo = tmp_path / "bomb.png"
    photo.write_bytes(BUNDLED_ADELE.read_bytes())
    fixture = tmp_path / "fixtures.json"
    fixture.write_text('{"users": [{"id": "' + ADELE + '", "photo": "bomb.png"}]}')
    app = create_app(Settings(fixtures=fixture))
    photo.write_bytes(_png_header(side, side))  # swapped for a bomb after start-up
    with InProcessTransport(app) as transport:
        graph = Graph(transport, "http://mockgraph.test")
        client = graph.as_user(ADELE, "User.Read")
        for path in ("/me/photo/$value", "/me/photo", "/me/photos", "/me/photos/48x48/$value"):
            response = client.get(f"/v1.0{path}")
            assert response.status_code == 404, (path, response.text)
            assert response.json()["error"]["code"] == "ImageNotFound"
        graph.close()


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"not an image", "not an image"), (_png_header(20_000, 20_000), "decompression bomb")],
)
def test_a_photo_pillow_refuses_stops_start_up_naming_the_file(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    from mockgraph.state.fixtures import FixtureError, load_fixtures

    (tmp_path / "bad.png").write_bytes(content)
    fixture = tmp_path / "fixtures.json"
    fixture.write_text('{"users": [{"id": "' + ADELE + '", "photo": "bad.png"}]}')
    with pytest.raises(FixtureError) as refused:
        load_fixtures(fixture)
    assert str(tmp_path / "bad.png") in str(refused.value)
    assert reason in str(refused.value)


def test_resizing_a_large_photo_does_not_hold_up_the_event_loop(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (2500, 2500), (10, 200, 30)).save(tmp_path / "large.jpg", "JPEG")
    fixture = tmp_path / "fixtures.json"
    fixture.write_text('{"users": [{"id": "' + ADELE + '", "photo": "large.jpg"}]}')
    app = create_app(Settings(fixtures=fixture))
    with InProcessTransport(app) as transport:
        graph = Graph(transport, "http://mockgraph.test")
        token = graph.token(userId=ADELE, scopes=["User.Read"])
        graph.close()

    async def scenario() -> int:
        ticks = 0
        asgi = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=asgi, base_url="http://mockgraph.test") as client:
            answer = asyncio.ensure_future(
                client.get(
                    "/v1.0/me/photos/48x48/$value", headers={"Authorization": f"Bearer {token}"}
                )
            )
            while not answer.done():
                await asyncio.sleep(0.002)
                ticks += 1
            assert (await answer).status_code == 200
        return ticks

    # Decoding and resizing 6 M pixels takes far longer than 20 ticks of 2 ms; on the loop,
    # the ticker would not run at all meanwhile.
    assert asyncio.run(scenario()) >= 20
