"""mockgraph.testing's report(), assert_least_privilege and assert_no_findings, and the
plugin's --mockgraph-report / MOCKGRAPH_REPORT=1."""

from __future__ import annotations

import pytest

from mockgraph.testing import Report
from tests.client import Graph
from tests.constants import ADELE, BUSY_LIGHT, PRESENCE_SYNC, PRESENCE_WALL
from tests.report.scenarios import request_id

pytest_plugins = ["pytester"]


def read_presence(graph: Graph, app_id: str, role: str) -> None:
    client = graph.as_app(app_id, role)
    assert client.get(f"/v1.0/users/{ADELE}/presence", headers=request_id()).status_code == 200


def test_assert_least_privilege_passes_for_a_least_privileged_client(graph: Graph) -> None:
    read_presence(graph, PRESENCE_WALL, "Presence.Read.All")
    report = graph.control.report()
    assert isinstance(report, Report)
    report.assert_least_privilege(PRESENCE_WALL, expected={"Presence.Read.All"})
    report.assert_no_findings(PRESENCE_WALL)


def test_assert_least_privilege_fails_for_an_over_privileged_client(graph: Graph) -> None:
    read_presence(graph, PRESENCE_SYNC, "Presence.ReadWrite.All")
    report = graph.control.report()
    with pytest.raises(AssertionError) as failed:
        report.assert_least_privilege(PRESENCE_SYNC, expected={"Presence.Read.All"})
    assert str(failed.value).splitlines() == [
        f"app {PRESENCE_SYNC} is not least-privileged as expected:",
        "  expected:         Presence.Read.All",
        "  held:             Presence.ReadWrite.All",
        "  least privileged: Presence.Read.All",
    ]
    with pytest.raises(AssertionError, match=r"Presence\.ReadWrite\.All held, only Presence\.Read"):
        report.assert_no_findings(PRESENCE_SYNC, severity="warning")


def test_a_client_that_made_no_call_is_named_with_those_that_did(graph: Graph) -> None:
    read_presence(graph, PRESENCE_WALL, "Presence.Read.All")
    with pytest.raises(AssertionError, match=f"No calls from app {BUSY_LIGHT}.*{PRESENCE_WALL}"):
        graph.control.report().client(BUSY_LIGHT)


def test_report_since(graph: Graph) -> None:
    read_presence(graph, PRESENCE_SYNC, "Presence.ReadWrite.All")
    mark = graph.control.report().data["lastSequence"]
    read_presence(graph, PRESENCE_WALL, "Presence.Read.All")
    assert [c["appId"] for c in graph.control.report(since=mark).clients] == [PRESENCE_WALL]


SUITE = f"""
def test_over_privileged_wall(mockgraph):
    token = mockgraph.app_token("{PRESENCE_SYNC}", roles=["Presence.ReadWrite.All"])
    answer = mockgraph.client(token).get("/v1.0/users/{ADELE}/presence")
    assert answer.status_code == 200

def test_no_calls(mockgraph):
    pass
"""


@pytest.mark.full_suite
def test_the_plugin_prints_each_tests_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_wall=SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--mockgraph-report")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*= mockgraph report =*",
            "test_wall.py::test_over_privileged_wall",
            "  mockgraph report: tenant *, 1 calls, 0 errors, 1 warning, 1 info",
            f"  app {PRESENCE_SYNC} (application): 1 calls, *",
            "*WARNING  permissions: Presence.ReadWrite.All held, only Presence.Read.All needed",
        ]
    )
    assert "test_no_calls" not in result.stdout.str()


@pytest.mark.full_suite
def test_the_environment_turns_it_on_and_nothing_prints_without(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_wall=SUITE)
    quiet = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert "mockgraph report" not in quiet.stdout.str()
    monkeypatch.setenv("MOCKGRAPH_REPORT", "1")
    loud = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    loud.stdout.fnmatch_lines(["*= mockgraph report =*", "*Presence.ReadWrite.All held*"])
