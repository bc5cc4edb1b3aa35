"""The banner warns when the server is bound beyond loopback with no admin key."""

from __future__ import annotations

import pytest

from mockgraph.cli.banner import banner_facts, banner_text, exposure_warning
from mockgraph.settings import Settings
from mockgraph.state.fixtures import load_fixtures


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "mockgraph.lan"])
def test_a_non_loopback_bind_without_an_admin_key_is_warned_about(host: str) -> None:
    settings = Settings(host=host)
    text = banner_text(banner_facts(load_fixtures(settings.fixtures), settings))
    warning = exposure_warning(settings)
    assert warning is not None
    assert warning in text.splitlines()
    assert "MOCKGRAPH_ADMIN_KEY" in warning


@pytest.mark.parametrize(
    "settings",
    [
        Settings(host="127.0.0.1"),
        Settings(host="::1"),
        Settings(host="localhost"),
        Settings(host="0.0.0.0", admin_key="k"),
    ],
)
def test_loopback_or_a_key_is_not_warned_about(settings: Settings) -> None:
    assert exposure_warning(settings) is None
    assert "WARNING" not in banner_text(banner_facts(load_fixtures(settings.fixtures), settings))
