"""The pytest plugin, driven through pytester as a user's suite would use it."""

from __future__ import annotations

import json
import socket

import pytest

pytest_plugins = ["pytester"]

CONFTEST_FREE_SUITE = """
import httpx
import pytest

ADELE = "fa8bf3dc-eca7-46b7-bad1-db199b62afc3"


def test_state_is_reset_between_tests_first(mockgraph):
    token = mockgraph.app_token("7d3c6a52-3b8f-4d5e-9c1a-2f4e8b6d0a11")
    response = httpx.post(
        f"{mockgraph.url}/v1.0/users/{ADELE}/presence/setPresence",
        headers={"Authorization": f"Bearer {token}"},
        json={"sessionId": "s", "availability": "Busy", "activity": "InACall"})
    assert response.status_code == 200
    mockgraph.requests.assert_called("POST", "/v1.0/users/*/presence/setPresence", count=1)


def test_state_is_reset_between_tests_second(mockgraph):
    client = mockgraph.client(mockgraph.token(ADELE, ["Presence.Read"]))
    assert client.get("/v1.0/me/presence").json()["availability"] == "Available"
    assert mockgraph.requests.list(method="POST") == []


def test_clock_and_faults(mockgraph):
    client = mockgraph.client(mockgraph.token(ADELE, ["Presence.Read"]))
    mockgraph.faults.throttle("/v1.0/me/presence", times=1, retry_after=2)
    first = client.get("/v1.0/me/presence")
    assert first.status_code == 429 and first.headers["Retry-After"] == "2"
    assert client.get("/v1.0/me/presence").status_code == 200
    mockgraph.clock.advance("PT2H")
    assert mockgraph.clock.now()["now"] > "2026"


def test_near_misses_are_listed(mockgraph):
    client = mockgraph.client(mockgraph.token(ADELE, ["Presence.Read"]))
    client.get("/v1.0/me/presence")
    with pytest.raises(AssertionError) as failure:
        mockgraph.requests.assert_called("GET", "/v1.0/me/presences")
    assert "Near misses" in str(failure.value)
    assert "GET /v1.0/me/presence -> 200" in str(failure.value)


@pytest.mark.mockgraph(fixtures="tiny.json")
def test_marker_picks_a_fixture_file(mockgraph):
    token = mockgraph.app_token("c1e3a5b7-d9f1-4b3d-8f5a-7c9e1a3c5e79", ["Presence.Read.All"])
    client = mockgraph.client(token)
    body = client.get("/v1.0/users/0b5e2d8c-4a1f-4c3e-9b7d-6e8f0a2c4e61/presence").json()
    assert body["availability"] == "DoNotDisturb"
    assert client.get(f"/v1.0/users/{ADELE}/presence").status_code == 404
"""

TINY_FIXTURES = {
    "users": [
        {
            "id": "0b5e2d8c-4a1f-4c3e-9b7d-6e8f0a2c4e61",
            "presence": {"availability": "DoNotDisturb", "activity": "Presenting"},
        }
    ],
    "apps": [{"appId": "c1e3a5b7-d9f1-4b3d-8f5a-7c9e1a3c5e79"}],
}


@pytest.mark.full_suite
def test_plugin_gives_each_test_a_fresh_server_state(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_client=CONFTEST_FREE_SUITE)
    (pytester.path / "tiny.json").write_text(json.dumps(TINY_FIXTURES))

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=5)


@pytest.mark.full_suite
def test_failing_assert_called_reads_well(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
def test_forgot_to_call(mockgraph):
    mockgraph.requests.assert_called("POST", "/v1.0/me/presence/setPresence", count=1)
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Expected 1 call(s) to POST /v1.0/me/presence/setPresence, got 0.*",
            "*No Graph calls were made.*",
        ]
    )


@pytest.mark.full_suite
def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["*@pytest.mark.mockgraph(fixtures=None)*"])


@pytest.mark.full_suite
def test_settings_fixture_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
import pytest
from mockgraph.settings import Settings
from mockgraph.state.throttle import Limit

@pytest.fixture(scope="session")
def mockgraph_settings():
    return Settings(throttle=Limit(1, 30))
""")
    pytester.makepyfile("""
def test_throttled(mockgraph):
    client = mockgraph.client(mockgraph.token("fa8bf3dc-eca7-46b7-bad1-db199b62afc3"))
    assert client.get("/v1.0/me/presence").status_code == 200
    assert client.get("/v1.0/me/presence").status_code == 429
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


# --- failures the plugin tells in one line -----------------------------------------------


def setup_error(result: pytest.RunResult) -> list[str]:
    """The lines pytest prints for the one test's setup error, between its header and the
    next section."""
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if "ERROR at setup of" in line)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith(("=", "_")))
    return [line for line in lines[start + 1 : end] if line.strip()]


PRESENCE_TEST = """
def test_presence(mockgraph):
    mockgraph.users()
"""


def test_an_unreachable_mockgraph_url_is_one_line_naming_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("MOCKGRAPH_URL", url)
    pytester.makepyfile(PRESENCE_TEST)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(errors=1)
    [line] = setup_error(result)
    assert line.startswith(f"mockgraph: MOCKGRAPH_URL={url}: nothing answers there (")
    assert line.endswith("start that server, or unset MOCKGRAPH_URL to run one in this process")


def test_a_mockgraph_url_that_is_no_url_is_one_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCKGRAPH_URL", "127.0.0.1:8000")
    pytester.makepyfile(PRESENCE_TEST)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(errors=1)
    assert setup_error(result) == [
        "mockgraph: MOCKGRAPH_URL: '127.0.0.1:8000' is not an http:// or https:// URL"
    ]


@pytest.mark.parametrize(
    ("content", "told"),
    [
        (None, "cannot read the fixture file: No such file or directory"),
        (json.dumps({"users": [{"id": "not-a-guid"}]}), "$.users[0].id"),
    ],
    ids=["missing", "bad user id"],
)
def test_a_bad_fixture_file_in_the_marker_is_one_line_naming_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, content: str | None, told: str
) -> None:
    monkeypatch.delenv("MOCKGRAPH_URL", raising=False)
    if content is not None:
        (pytester.path / "broken.json").write_text(content)
    pytester.makepyfile("""
import pytest

@pytest.mark.mockgraph(fixtures="broken.json")
def test_presence(mockgraph):
    mockgraph.users()
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(errors=1)
    [line] = setup_error(result)
    assert line.startswith(f"mockgraph: {pytester.path / 'broken.json'}: ")
    assert told in line
