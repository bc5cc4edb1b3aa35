"""The README's table of contents lists every section, and each of its links lands on one."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def headings(level: str) -> list[str]:
    # Headings inside code blocks (shell comments) are not sections.
    prose = re.sub(r"```.*?```", "", README, flags=re.DOTALL)
    return re.findall(rf"^{level} (.+)$", prose, flags=re.MULTILINE)


def contents() -> str:
    return README.split("## Contents", 1)[1].split("\n## ", 1)[0]


def test_every_section_is_in_the_contents() -> None:
    listed = set(re.findall(r"\]\(#([^)]+)\)", contents()))
    missing = [h for h in headings("##") if h != "Contents" and slug(h) not in listed]
    assert not missing, f"add these sections to the README's contents: {missing}"


def test_every_link_of_the_contents_lands_on_a_heading() -> None:
    anchors = {slug(h) for h in headings("##") + headings("###")}
    broken = [a for a in re.findall(r"\]\(#([^)]+)\)", contents()) if a not in anchors]
    assert not broken, broken
