"""docs/conformance.md is what the harness writes today, and every decision a case cites is
recorded in docs/fidelity.md."""

from __future__ import annotations

import pytest

from tests.conformance.cases import load
from tests.conformance.report import DOC, render


@pytest.mark.full_suite
def test_docs_conformance_md_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/conformance.md is stale: run `python -m tests.conformance.report`"
    )


def test_decisions_cite_recorded_sections() -> None:
    fidelity = (DOC.parent / "fidelity.md").read_text(encoding="utf-8")
    for example in load():
        decision = example.decision
        if decision is not None:
            assert f"## {decision['section']}\n" in fidelity, example.key
            assert decision["topic"] in fidelity, example.key
