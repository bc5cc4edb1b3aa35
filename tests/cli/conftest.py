"""The CLI modules' shared fixture: a mockgraph in this process for the commands to drive."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from mockgraph.app import create_app
from mockgraph.server import ServerThread


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    """A mockgraph on a free loopback port, one per module. Its request log is held at WARNING:
    it would share stderr with the command under test."""
    request_log = logging.getLogger("mockgraph.requests")
    level = request_log.level
    request_log.setLevel(logging.WARNING)
    with ServerThread(create_app()) as running:
        yield running
    request_log.setLevel(level)
