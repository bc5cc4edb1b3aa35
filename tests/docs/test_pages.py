"""The README is a landing page that reaches every page of the manual, and every relative link
in the README and docs/ lands on a file, and on a heading when it names one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
# The bound (issue 24): a landing page, not a reference.
README_LINES = 250
LINK = re.compile(r"\]\(([^)\s]+)\)")


def prose(text: str) -> str:
    """The text outside code blocks and code spans, where links and headings live."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)
    return re.sub(r"`[^`\n]*`", "", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading's anchor in a page, duplicates numbered as GitHub numbers them."""
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.DOTALL | re.MULTILINE)
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> list[str]:
    return LINK.findall(prose(path.read_text()))


def test_the_readme_is_a_landing_page() -> None:
    lines = README.read_text().count("\n")
    assert lines <= README_LINES, f"README.md has {lines} lines, more than {README_LINES}"


def test_the_readme_links_every_page_of_the_manual() -> None:
    linked = {link.split("#")[0] for link in links(README)}
    missing = [p.name for p in PAGES if f"docs/{p.name}" not in linked]
    assert not missing, f"link these pages from the README: {missing}"


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for link in links(page):
        if re.match(r"[a-z]+:", link):
            continue  # http:, https:, mailto:
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        if not path.exists():
            broken.append(f"{link}: no file {path.relative_to(ROOT)}")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{link}: no heading '{anchor}' in {path.name}")
    assert not broken, broken


def test_the_known_to_work_table_names_tests_that_exist() -> None:
    page = (ROOT / "docs" / "clients.md").read_text()
    table = page.split("## Known to work", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(test_\w+\.py)`", table))
    assert named
    missing = [n for n in named if not list((ROOT / "tests").rglob(n))]
    assert not missing, missing
