"""A copy of what `pip install` and `python -m build` read from this tree, for tests that build
mockgraph's wheel: a build writes `build/` beside its source, and two builds of one tree at
once (pytest's workers) would race there."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGED = ("pyproject.toml", "README.md", "mockgraph", "fixtures")


def copy_source(into: Path) -> Path:
    """`into`, holding a copy of the packaged files (no bytecode, no egg-info); returned."""
    for name in PACKAGED:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(
                path,
                into / name,
                symlinks=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
            )
        else:
            shutil.copy(path, into / name)
    return into
