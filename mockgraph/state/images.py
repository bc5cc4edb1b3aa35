"""Photo files as Pillow reads them: a file it refuses (not an image, or a decompression bomb
past Image.MAX_IMAGE_PIXELS) is named at start-up and is no photo at request time
(docs/reliability.md, "Limits")."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterable, Iterator

# The photos that come with mockgraph are known to load; start-up need not open them.
BUNDLED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "photos")


@contextlib.contextmanager
def no_bombs() -> Iterator[None]:
    """Pillow's warning for an image past MAX_IMAGE_PIXELS (it would still be decoded, at
    hundreds of MiB) raised, as its error is past twice that."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def refused(path: str) -> str | None:
    """Why Pillow refuses the image at `path`, or None when it reads its header."""
    from PIL import Image, UnidentifiedImageError

    try:
        with no_bombs(), Image.open(path):
            return None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        return f"the photo '{path}' is refused as a decompression bomb ({exc})"
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        return f"the photo '{path}' is not an image mockgraph can read ({exc})"


def first_refused(paths: Iterable[str | None]) -> str | None:
    """Why the first refused photo of `paths` is refused (each file opened once, mockgraph's
    own photos not at all), or None."""
    for path in sorted({p for p in paths if p and os.path.dirname(p) != BUNDLED}):
        why = refused(path)
        if why is not None:
            return why
    return None
