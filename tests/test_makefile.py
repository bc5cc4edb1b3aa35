"""`make help` (make's default goal) lists every target the Makefile documents."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")
@pytest.mark.parametrize("argv", [["make"], ["make", "help"]], ids=" ".join)
def test_make_help_lists_every_documented_target(argv: list[str]) -> None:
    documented = re.findall(r"^([a-z-]+):.*## ", (ROOT / "Makefile").read_text(), re.MULTILINE)
    result = subprocess.run(
        [*argv, "--no-print-directory"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    listed = [line.split()[1] for line in result.stdout.splitlines()]
    assert listed == documented
    assert {"help", "serve", "test", "install"} <= set(listed)
