"""Every shell and Python block of the README and docs/, run as written against a live server,
in an environment holding only what the block declares (docs/development.md, "The examples").

Each block runs in a fresh folder (its HOME too) holding `.venv`, a virtualenv with mockgraph
and the packages the block declares, and nothing else of this process's environment; in a
network namespace of its own (`unshare --net`), where the server it names (or the default one,
`mockgraph serve`) listens on the documented ports, so no example collides with another or with
anything else on this machine.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.examples import ROOT, Block, all_blocks, block_above, server_ports
from tests.source_tree import copy_source

BLOCKS = [b for b in all_blocks() if b.needs.not_run is None]
CACHE = Path.home() / ".cache" / "mockgraph-tests" / "examples"
# The tools every shell block may use without declaring them.
BASIC_TOOLS = (
    "bash sh cat echo printf sed grep head tail seq sleep env mkdir rm cp mv ls tr cut wc sort "
    "true false test dirname basename readlink"
).split()
INSTALL_SECONDS = 600
RUN_SECONDS = 180


def _pip(python: Path, *args: str) -> None:
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=INSTALL_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mockgraph's wheel from this tree, as `pip install /path/to/mockgraph` builds it."""
    out = tmp_path_factory.mktemp("wheel")
    # From a copy: the build's own build/ folder then races no other build of this tree.
    source = copy_source(tmp_path_factory.mktemp("tree"))
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (built,) = out.glob("mockgraph-*.whl")
    return built


@pytest.fixture(scope="module")
def venvs(wheel: Path) -> Iterator[dict[tuple[str, ...], Path]]:
    """A virtualenv per set of declared packages, cached across runs (keyed by the set and
    mockgraph's own requirements); mockgraph itself installed fresh from this tree's wheel."""
    CACHE.mkdir(parents=True, exist_ok=True)
    made: dict[tuple[str, ...], Path] = {}
    with (CACHE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for packages in sorted({tuple(sorted(b.needs.pip)) for b in BLOCKS}):
            made[packages] = _venv(packages, wheel)
        yield made


def _venv(packages: tuple[str, ...], wheel: Path) -> Path:
    project = (ROOT / "pyproject.toml").read_bytes()
    key = hashlib.sha256(json.dumps(packages).encode() + project).hexdigest()[:16]
    folder = CACHE / f"venv-{key}"
    python = folder / "bin" / "python"
    if not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=120)
        _pip(python, str(wheel), *packages)
        (folder / ".complete").touch()
    _pip(python, "--no-deps", "--force-reinstall", str(wheel))
    return folder


@pytest.fixture(scope="module")
def namespaces() -> None:
    """Blocks run in network namespaces of their own: skip, saying why, where there are none."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("the examples need unshare and ip (util-linux, iproute2)")
    probe = subprocess.run(
        [*_unshare(), "ip", "link", "set", "lo", "up"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip(f"no network namespace here: {probe.stderr.decode().strip()}")


def _unshare() -> list[str]:
    if os.geteuid() == 0:
        return ["unshare", "--net"]
    return ["unshare", "--user", "--map-root-user", "--net"]


def _tools(folder: Path, block: Block) -> Path:
    """A folder of the basic shell tools and those the block declares, for its PATH."""
    tools = folder / ".tools"
    tools.mkdir(exist_ok=True)
    for name in (*BASIC_TOOLS, *block.needs.tools):
        found = shutil.which(name)
        assert found is not None or name in BASIC_TOOLS, f"{block.name} needs {name}: not here"
        if found is not None and not (tools / name).exists():
            (tools / name).symlink_to(found)
    return tools


def script(block: Block, venv: Path, folder: Path) -> str:
    """The bash script run in the block's namespace: serve, wait for the ports, run the block,
    stop the server (by its PID)."""
    (folder / ".venv").unlink(missing_ok=True)
    (folder / ".venv").symlink_to(venv)
    path = f"{venv}/bin:{_tools(folder, block)}"
    env = {"PATH": path, "HOME": str(folder), "LANG": "C.UTF-8", "TMPDIR": str(folder)}
    env.update(dict(block.needs.env))
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    server = shlex.split(block.needs.server)
    ports = server_ports(block.needs.server)
    if block.is_test:
        (folder / "test_example.py").write_text(block.code)
        command = "python -m pytest -q -p no:cacheprovider test_example.py"
    elif block.is_python:
        (folder / "example.py").write_text(block.code)
        command = "python example.py"
    else:
        (folder / "example.sh").write_text(block.code)
        command = "bash -euo pipefail example.sh"
    waits = "\n".join(
        f"for _ in $(seq 300); do (echo > /dev/tcp/127.0.0.1/{port}) 2>/dev/null && break; "
        f"kill -0 $server || {{ cat server.log; exit 97; }}; sleep 0.1; done"
        for port in ports
    )
    return f"""
set -u
ip link set lo up
cd {shlex.quote(str(folder))}
env -i {assignments} {shlex.join([f"{venv}/bin/{server[0]}", *server[1:]])} --quiet \
    > server.log 2>&1 &
server=$!
{waits}
env -i {assignments} {command}
status=$?
kill $server 2>/dev/null
wait $server 2>/dev/null
exit $status
"""


def run(block: Block, venvs: dict[tuple[str, ...], Path], folder: Path) -> str:
    """Run the block (after the blocks above it that it names) and return its output."""
    if block.needs.block_above:
        run(block_above(block), venvs, folder)
    venv = venvs[tuple(sorted(block.needs.pip))]
    result = subprocess.run(
        [*_unshare(), "bash", "-c", script(block, venv, folder)],
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS,
        check=False,
    )
    log = folder / "server.log"
    assert result.returncode == 0, (
        f"{block.name} failed ({result.returncode}):\n{block.code}\n--- stdout\n"
        f"{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}\n--- server\n"
        f"{log.read_text()[-2000:] if log.exists() else ''}"
    )
    return result.stdout


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.name)
def test_example_runs_as_written(
    block: Block,
    namespaces: None,
    venvs: dict[tuple[str, ...], Path],
    tmp_path: Path,
) -> None:
    if block.needs.registry:
        pytest.skip("needs a registry (Docker Hub), which these tests never reach")
    if block.needs.docker:
        pytest.skip("needs docker: tests/test_container.py runs it")
    if block.needs.root and os.geteuid() != 0:
        pytest.skip("needs root: it binds port 443")
    run(block, venvs, tmp_path)


def test_the_curl_walk_through_prints_what_the_page_shows(
    namespaces: None, venvs: dict[tuple[str, ...], Path], tmp_path: Path
) -> None:
    page = ROOT / "docs" / "testing.md"
    (block,) = [b for b in BLOCKS if b.page == page and b.needs.tools == ("curl", "jq")]
    output = run(block, venvs, tmp_path)
    text = page.read_text()
    shown = text[text.index("```json", text.index(block.code)) + 8 :]
    shown = shown[: shown.index("```")]
    # The first GET prints the presence the page shows; then what the comments promise.
    first, end = json.JSONDecoder().raw_decode(output)
    assert first == json.loads(shown)
    rest = output[end:]
    assert re.fullmatch(r"\s*InACall\s*\{.*\}\s*Available\s*", rest, flags=re.DOTALL), rest
