"""The documented examples, read from cases/*.json (one file per Microsoft Graph page)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
CASES = HERE / "cases"


@dataclass(frozen=True)
class Page:
    """One learn.microsoft.com page, as read on a given day."""

    slug: str  # the case file's name, e.g. "v1.0-presence-get"
    url: str
    title: str
    version: str  # "v1.0", "beta" or "concept"
    read: str  # the date read, ISO 8601
    source: dict[str, str]  # the page's Markdown: repository, path and commit


@dataclass(frozen=True)
class Example:
    """One documented request and its documented response, with how to replay it here."""

    page: Page
    id: str
    title: str
    data: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.page.slug}::{self.id}"

    @property
    def request(self) -> dict[str, Any]:
        value: dict[str, Any] = self.data["request"]
        return value

    @property
    def response(self) -> dict[str, Any]:
        value: dict[str, Any] = self.data["response"]
        return value

    @property
    def known(self) -> dict[str, str] | None:
        value: dict[str, str] | None = self.data.get("known")
        return value

    @property
    def decision(self) -> dict[str, Any] | None:
        value: dict[str, Any] | None = self.data.get("decision")
        return value


def _page(slug: str, data: dict[str, Any]) -> Page:
    return Page(slug, data["url"], data["title"], data["version"], data["read"], data["source"])


@cache
def load() -> tuple[Example, ...]:
    """Every example of every case file, pages in file-name order, examples as on the page."""
    examples: list[Example] = []
    for path in sorted(CASES.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        page = _page(path.stem, document["page"])
        defaults = {k: v for k, v in document.items() if k not in ("page", "examples")}
        for given in document["examples"]:
            data = {**defaults, **given}
            examples.append(Example(page, given["id"], given["title"], data))
    return tuple(examples)
