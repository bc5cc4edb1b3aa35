from __future__ import annotations

import pytest

from mockgraph.state.throttle import Limit, parse_limit


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("off", None),
        ("", None),
        ("graph", Limit(1500, 30.0)),
        ("100/10s", Limit(100, 10.0)),
        ("5/0.5s", Limit(5, 0.5)),
        ("7 / 60", Limit(7, 60.0)),
    ],
)
def test_parse_limit(text: str, limit: Limit | None) -> None:
    assert parse_limit(text) == limit


@pytest.mark.parametrize("text", ["5", "0/10s", "ten/10s", "5/0s", "graph!"])
def test_parse_limit_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="not a throttling limit"):
        parse_limit(text)
