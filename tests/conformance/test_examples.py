"""One test per documented example (issue 20): mockgraph answers as the page shows, or as a
recorded decision says, or the example is a known difference, marked xfail(strict)."""

from __future__ import annotations

import pytest

from tests.conformance.cases import Example, load
from tests.conformance.harness import run


def _param(example: Example) -> object:
    known = example.known
    marks = []
    if known is not None:
        reason = f"known difference ({known['kind']}): {known['detail']}"
        marks.append(pytest.mark.xfail(strict=True, reason=reason))
    return pytest.param(example, id=example.key, marks=marks)


@pytest.mark.parametrize("example", [_param(e) for e in load()])
def test_example(example: Example) -> None:
    outcome = run(example)
    if example.decision is not None:
        # The page is contradicted by itself or by the live service: mockgraph answers as the
        # decision records, and the example must still differ from the page in that way.
        assert outcome.differences, "matches the page: the decision may be dropped"
        assert outcome.from_decision == [], "\n".join(outcome.from_decision or [])
    else:
        assert not outcome.differences, "\n".join(outcome.differences)
