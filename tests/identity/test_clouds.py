"""The national clouds table: hosts name their cloud; audiences are checked as Graph does."""

from __future__ import annotations

import pytest

from mockgraph import clouds


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("graph.microsoft.com", "global"),
        ("GRAPH.microsoft.com:443", "global"),
        ("graph.microsoft.us", "usgov"),
        ("dod-graph.microsoft.us", "dod"),
        ("microsoftgraph.chinacloudapi.cn.", "china"),
    ],
)
def test_graph_hosts_name_their_cloud(host: str, name: str) -> None:
    cloud = clouds.cloud_for_graph_host(host)
    assert cloud is not None
    assert cloud.name == name


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("login.microsoftonline.com", "global"),
        ("login.windows.net", "global"),
        ("sts.windows.net", "global"),
        ("login.microsoftonline.us", "usgov"),
        ("login.usgovcloudapi.net", "usgov"),
        ("login.chinacloudapi.cn", "china"),
        ("login.partner.microsoftonline.cn", "china"),
    ],
)
def test_login_hosts_name_their_cloud(host: str, name: str) -> None:
    cloud = clouds.cloud_for_login_host(host)
    assert cloud is not None
    assert cloud.name == name


def test_other_hosts_are_no_cloud() -> None:
    assert clouds.cloud_for_graph_host("127.0.0.1:8000") is None
    assert clouds.cloud_for_login_host("localhost") is None
    assert clouds.cloud_for_graph_host("graph.microsoft.com.evil.example") is None


def test_audiences() -> None:
    assert clouds.GLOBAL.accepts_audience("https://graph.microsoft.com/")
    assert clouds.GLOBAL.accepts_audience(clouds.GRAPH_APP_ID)
    assert not clouds.GLOBAL.accepts_audience("https://graph.microsoft.us")
    assert clouds.US_DOD.accepts_audience("https://dod-graph.microsoft.us")


def test_resource_scopes_name_their_cloud() -> None:
    assert clouds.cloud_for_resource("https://dod-graph.microsoft.us/.default") is clouds.US_DOD
    assert clouds.cloud_for_resource("https://graph.microsoft.com/User.Read") is clouds.GLOBAL
    assert clouds.cloud_for_resource("User.Read") is None


def test_parse_cloud() -> None:
    assert clouds.parse_cloud("China") is clouds.CHINA
    with pytest.raises(ValueError, match="global, usgov, dod, china"):
        clouds.parse_cloud("germany")


def test_intercepted_hosts_cover_every_cloud() -> None:
    assert "graph.microsoft.com" in clouds.INTERCEPTED_HOSTS
    assert "login.microsoftonline.us" in clouds.INTERCEPTED_HOSTS
    assert "management.azure.com" in clouds.INTERCEPTED_HOSTS
    assert len(clouds.INTERCEPTED_HOSTS) == len(set(clouds.INTERCEPTED_HOSTS)) == 15
