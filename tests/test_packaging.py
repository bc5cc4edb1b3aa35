"""One seed file in the repository, shipped in the package; the wheel and sdist build cleanly."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from mockgraph.settings import DEFAULT_FIXTURES
from mockgraph.state.fixtures import load_fixtures
from tests.source_tree import copy_source

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_SEED = ROOT / "fixtures" / "default.json"
PACKAGED_SEED = "mockgraph/default_fixtures.json"
# The seed's photos, and the silhouettes a scenario's drawn users get (scenarios/cast.py).
PHOTOS = ("adele", "alex", "megan", "lee", "nestor", *(f"person-{n}" for n in range(1, 6)))


def test_the_public_seed_path_reads_the_packaged_file() -> None:
    assert PUBLIC_SEED.read_bytes() == DEFAULT_FIXTURES.read_bytes()
    assert load_fixtures(PUBLIC_SEED) == load_fixtures(DEFAULT_FIXTURES)


def test_git_holds_the_seed_once() -> None:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-s", "fixtures/default.json", PACKAGED_SEED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    modes = {line.split("\t")[1]: line.split()[0] for line in listed.splitlines()}
    # The package holds the file; the public path is a symbolic link to it.
    assert modes == {PACKAGED_SEED: "100644", "fixtures/default.json": "120000"}
    assert PUBLIC_SEED.is_symlink()
    assert PUBLIC_SEED.readlink() == Path("../mockgraph/default_fixtures.json")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The wheel and sdist `make dist` builds, from a copy of the tree, and what it printed."""
    source = copy_source(tmp_path_factory.mktemp("tree"))
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return out, result.stdout + result.stderr


def test_the_wheel_ships_the_seed_file(built: tuple[Path, str]) -> None:
    out, _ = built
    (wheel,) = out.glob("mockgraph-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read(PACKAGED_SEED) == DEFAULT_FIXTURES.read_bytes()
        assert "mockgraph/py.typed" in archive.namelist()
        # The seed's photos, relative to it, ship beside it, and the drawn users' too.
        photos = {n for n in archive.namelist() if n.startswith("mockgraph/photos/")}
        assert photos == {f"mockgraph/photos/{name}.jpg" for name in PHOTOS}
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        assert "License-Expression: MIT" in archive.read(metadata).decode()


def test_the_sdist_ships_the_seed_file(built: tuple[Path, str]) -> None:
    out, _ = built
    (sdist,) = out.glob("mockgraph-*.tar.gz")
    with tarfile.open(sdist) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith(PACKAGED_SEED))
        extracted = archive.extractfile(member)
        assert extracted is not None
        assert extracted.read() == DEFAULT_FIXTURES.read_bytes()


def test_the_build_prints_no_deprecation_warning_of_ours(built: tuple[Path, str]) -> None:
    _, output = built
    assert "deprecated" not in output.lower(), output


def make_plan(target: str, tmp_path: Path) -> str:
    """What `make -n TARGET` would run from a fresh state (no venvs yet)."""
    if shutil.which("make") is None:
        pytest.skip("no make")
    result = subprocess.run(
        # --no-print-directory: under a make of its own (make unit), make would say where it is.
        [
            "make",
            "--no-print-directory",
            "-n",
            target,
            f"VENV={tmp_path}/venv",
            f"BUILD_VENV={tmp_path}/build-venv",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout


def test_make_dist_needs_the_build_only(tmp_path: Path) -> None:
    plan = make_plan("dist", tmp_path)
    assert "-m build --no-isolation --outdir dist" in plan
    # Neither the test toolchain nor the serve venv: a build venv of its own.
    assert "requirements-test.lock" not in plan
    assert f"{tmp_path}/venv" not in plan


def test_make_image_builds_offline_as_the_tests_do(tmp_path: Path) -> None:
    plan = make_plan("image", tmp_path)
    assert plan.strip() == "bash tests/container/build-image.sh mockgraph:latest"
