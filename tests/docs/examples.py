"""The shell and Python blocks of the README and docs/, and what each declares it needs.

The convention (docs/development.md, "The examples"): fences `sh`, `bash`, `shell`, `python` and
`py` run; a first line `# pip install ...`, `# needs: ITEM; ITEM` or `# not run: REASON (...)`
says what else a block needs. tests/e2e/test_examples.py runs them; tests/docs/test_examples.py
checks that each declaration reads.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
SHELL = ("sh", "bash", "shell")
PYTHON = ("python", "py")
# Why a block may not run at all; anything else is a need the runner meets.
NOT_RUN_REASONS = ("sketch", "fragment")
# The server a block gets when it names none: what `make serve` runs.
DEFAULT_SERVER = "mockgraph serve"
DEFAULT_PORT = 8000
FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Needs:
    """What a block's first line declares."""

    servers: tuple[str, ...] = ()
    pip: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    tools: tuple[str, ...] = ()
    block_above: bool = False
    docker: bool = False
    registry: bool = False
    root: bool = False
    not_run: str | None = None

    @property
    def server(self) -> str:
        """The one server the block runs against."""
        return self.servers[0] if self.servers else DEFAULT_SERVER


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    code: str
    needs: Needs = field(default_factory=Needs)

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def is_python(self) -> bool:
        return self.language in PYTHON

    @property
    def is_test(self) -> bool:
        """A Python block of pytest tests, run as a test file."""
        return self.is_python and re.search(r"^def test_", self.code, re.MULTILINE) is not None


def parse_needs(first_line: str) -> Needs:
    """The declaration on a block's first line; ValueError says what does not read."""
    line = first_line.strip()
    if line.startswith("# pip install "):
        return Needs(pip=tuple(shlex.split(line.removeprefix("# pip install "))))
    if line.startswith("# not run:"):
        reason = line.removeprefix("# not run:").strip()
        word = reason.split(" ", 1)[0]
        if word not in NOT_RUN_REASONS or "(" not in reason:
            raise ValueError(f"'# not run: {word} (why)' takes one of {NOT_RUN_REASONS}")
        return Needs(not_run=word)
    if not line.startswith("# needs:"):
        if re.match(r"#\s*(needs?|pip|not run)\b", line, re.IGNORECASE):
            raise ValueError(f"a declaration that does not read: {line!r}")
        return Needs()
    servers: list[str] = []
    pip: list[str] = []
    env: list[tuple[str, str]] = []
    tools: list[str] = []
    flags = {"block_above": False, "docker": False, "registry": False, "root": False}
    for item in (part.strip() for part in line.removeprefix("# needs:").split(";")):
        if item.startswith("mockgraph serve"):
            servers.append(item)
        elif item.startswith("pip install "):
            pip += shlex.split(item.removeprefix("pip install "))
        elif item.startswith("env "):
            for pair in shlex.split(item.removeprefix("env ")):
                name, equals, value = pair.partition("=")
                if not equals or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", name):
                    raise ValueError(f"env takes NAME=VALUE, not {pair!r}")
                env.append((name, value))
        elif item == "the block above":
            flags["block_above"] = True
        elif item in ("docker", "registry", "root"):
            flags[item] = True
        elif re.fullmatch(r"[a-z][a-z0-9.+-]*", item):
            tools.append(item)
        else:
            raise ValueError(f"an item of '# needs:' that does not read: {item!r}")
    if len(servers) > 1:
        raise ValueError("a block runs against one server")
    return Needs(
        tuple(servers),
        tuple(pip),
        tuple(env),
        tuple(tools),
        block_above=flags["block_above"],
        docker=flags["docker"],
        registry=flags["registry"],
        root=flags["root"],
    )


def server_ports(command: str) -> tuple[int, ...]:
    """The ports a `mockgraph serve ...` line listens on: --port (default 8000), --proxy-port."""
    words = shlex.split(command)
    ports = [DEFAULT_PORT]
    for flag, value in pairwise(words):
        if flag == "--port":
            ports[0] = int(value)
        elif flag == "--proxy-port":
            ports.append(int(value))
    return tuple(ports)


def blocks_of(page: Path) -> list[Block]:
    """The page's runnable blocks, in order."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        language, code = match.group(1), match.group(2)
        if language not in SHELL + PYTHON:
            continue
        line = text.count("\n", 0, match.start()) + 1
        first = code.split("\n", 1)[0]
        found.append(Block(page, line, language, code, parse_needs(first)))
    return found


def all_blocks() -> list[Block]:
    return [block for page in PAGES for block in blocks_of(page)]


def block_above(block: Block) -> Block:
    """The runnable block before this one on its page."""
    page = blocks_of(block.page)
    index = next(i for i, b in enumerate(page) if b.line == block.line)
    if index == 0:
        raise ValueError(f"{block.name} names the block above, but it is the page's first")
    return page[index - 1]
