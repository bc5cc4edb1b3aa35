"""docs/configuration.md is what the Settings declarations write today, and lists every
setting's variable and flag."""

from __future__ import annotations

import pytest

from mockgraph.settings import ClientSettings, Declared, Settings
from tests.docs.configuration import DOC, NOTES, render

DECLARED = [(cls, name) for cls in (Settings, ClientSettings) for name, _ in cls.declared()]


def test_docs_configuration_md_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/configuration.md is stale: run `python -m tests.docs.configuration`"
    )


@pytest.mark.parametrize(("cls", "name"), DECLARED, ids=[f"{c.__name__}.{n}" for c, n in DECLARED])
def test_each_setting_has_its_row(cls: type[Declared], name: str) -> None:
    rows = [line for line in DOC.read_text().splitlines() if f"`{cls.env_name(name)}`" in line]
    assert any(f"`{cls.flag_name(name)}`" in row for row in rows), cls.env_name(name)


def test_every_note_is_for_a_declared_setting() -> None:
    assert set(NOTES) <= set(DECLARED)
