"""Profile photos: the nine Exchange sizes, cut from the fixture's JPEG once.

Source: https://learn.microsoft.com/graph/api/profilephoto-get.
"""

from __future__ import annotations

import asyncio
import io
import zlib
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from mockgraph.directory.exceptions import image_not_found
from mockgraph.errors import GraphError
from mockgraph.state.images import no_bombs

SIZES: tuple[int, ...] = (48, 64, 96, 120, 240, 360, 432, 504, 648)


@dataclass(frozen=True, slots=True)
class Photo:
    """One size of a photo: JPEG bytes, their ETag, and the size's id (e.g. 240x240)."""

    id: str
    width: int
    height: int
    data: bytes
    etag: str

    def metadata(self) -> dict[str, Any]:
        return {
            "@odata.mediaContentType": "image/jpeg",
            "@odata.mediaEtag": self.etag,
            "id": self.id,
            "width": self.width,
            "height": self.height,
        }


def _etag(data: bytes) -> str:
    return f'"{zlib.crc32(data):08X}"'


def parse_size(text: str) -> int | None:
    """One of the nine size ids, in either case of x (48x48, 48X48); None otherwise."""
    width, sep, height = text.lower().partition("x")
    if not sep or width != height or not width.isdigit() or int(width) not in SIZES:
        return None
    return int(width)


class Photos:
    """Reads and resizes photo files on demand, keeping the most used results."""

    def __init__(self, not_found_code: str = "ImageNotFound", capacity: int = 512) -> None:
        self.not_found_code = not_found_code
        self.capacity = capacity
        self._cache: OrderedDict[tuple[str, int | None], Photo | None] = OrderedDict()
        self._decoder: ThreadPoolExecutor | None = None

    def missing(self) -> GraphError:
        return image_not_found(self.not_found_code)

    def get(self, path: str | None, size: int | None) -> Photo:
        """The photo at `size` (None: the largest available), or Graph's 404."""
        if path is None:
            raise self.missing()
        key = (path, size)
        if key in self._cache:
            self._cache.move_to_end(key)
            found = self._cache[key]
        else:
            found = self._load(path, size)
            self._keep(key, found)
        if found is None:
            raise self.missing()
        return found

    def available(self, path: str | None) -> list[Photo]:
        """Every size this photo comes in (GET /photos)."""
        original = self.get(path, None)
        return [self.get(path, s) for s in SIZES if s <= min(original.width, original.height)]

    async def fetch(self, path: str | None, size: int | None) -> Photo:
        """As `get`, with a photo not yet cached read and resized on a thread of its own, so
        that a large one does not hold up the event loop."""
        if path is not None and (path, size) not in self._cache:
            if self._decoder is None:
                # One thread: Pillow's warnings filter (no_bombs) is set on it alone.
                self._decoder = ThreadPoolExecutor(1, thread_name_prefix="mockgraph-photos")
            loop = asyncio.get_running_loop()
            found = await loop.run_in_executor(self._decoder, self._load, path, size)
            self._keep((path, size), found)
        return self.get(path, size)

    async def fetch_available(self, path: str | None) -> list[Photo]:
        """As `available`, each size read off the event loop."""
        original = await self.fetch(path, None)
        side = min(original.width, original.height)
        return [await self.fetch(path, s) for s in SIZES if s <= side]

    def _keep(self, key: tuple[str, int | None], found: Photo | None) -> None:
        self._cache[key] = found
        if len(self._cache) > self.capacity:
            self._cache.popitem(last=False)

    @staticmethod
    def _load(path: str, size: int | None) -> Photo | None:
        from PIL import Image, UnidentifiedImageError

        try:
            with no_bombs():
                image = Image.open(path)
            with image:
                image.load()
                width, height = image.size
                if size is None and image.format == "JPEG":
                    with open(path, "rb") as file:
                        data = file.read()
                    return Photo(f"{width}x{height}", width, height, data, _etag(data))
                if size is None:
                    buffer = io.BytesIO()
                    image.convert("RGB").save(buffer, "JPEG", quality=90)
                    data = buffer.getvalue()
                    return Photo(f"{width}x{height}", width, height, data, _etag(data))
                if size > min(width, height):
                    return None
                side = min(width, height)
                left, top = (width - side) // 2, (height - side) // 2
                square = image.convert("RGB").crop((left, top, left + side, top + side))
                resized = square.resize((size, size), Image.Resampling.LANCZOS)
                buffer = io.BytesIO()
                resized.save(buffer, "JPEG", quality=85)
        except (
            OSError,
            UnidentifiedImageError,
            ValueError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
        ):
            # An unreadable or non-image file, or one Pillow refuses as a decompression bomb
            # (more pixels than Image.MAX_IMAGE_PIXELS): the user has no photo Graph could serve.
            return None
        data = buffer.getvalue()
        return Photo(f"{size}x{size}", size, size, data, _etag(data))
