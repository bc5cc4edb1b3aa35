"""Every block's declaration reads, blocks that do not run still parse, and the servers the
examples name never share a port (tests/e2e/test_examples.py runs the blocks)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from mockgraph.state.fixtures import parse_fixtures
from tests.docs.examples import (
    DEFAULT_SERVER,
    FENCE,
    ROOT,
    all_blocks,
    block_above,
    parse_needs,
    server_ports,
)

BLOCKS = all_blocks()


def test_there_are_examples_of_every_kind() -> None:
    assert any(b.needs.servers for b in BLOCKS)
    assert any(b.is_test for b in BLOCKS)
    assert any(b.language == "sh" for b in BLOCKS)


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.name)
def test_each_block_parses(block: object) -> None:
    from tests.docs.examples import Block

    assert isinstance(block, Block)
    if block.is_python:
        compile(block.code, block.name, "exec")
    elif shutil.which("bash"):
        checked = subprocess.run(
            ["bash", "-n"], input=block.code, capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, checked.stderr
    if block.needs.block_above:
        assert block_above(block).page == block.page


def test_no_two_servers_share_a_port() -> None:
    servers = {b.needs.server for b in BLOCKS if b.needs.not_run is None and not b.needs.docker}
    owner: dict[int, str] = {}
    for server in sorted(servers):
        for port in server_ports(server):
            assert owner.setdefault(port, server) == server, (
                f"port {port}: both `{owner[port]}` and `{server}`"
            )
    assert DEFAULT_SERVER in servers


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("# needs: mockgraph serve; mockgraph serve --port 1", "one server"),
        ("# needs: env lower=1", "NAME=VALUE"),
        ("# needs: Something Vague", "does not read"),
        ("# not run: because", "takes one of"),
        ("# need: curl", "does not read"),
    ],
)
def test_a_declaration_that_does_not_read_is_refused(line: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_needs(line)


def test_the_clients_page_has_an_example_for_each_flow() -> None:
    text = "\n".join(b.code for b in BLOCKS if b.page.name == "clients.md")
    for call in (
        "acquire_token_for_client",
        "acquire_token_by_username_password",
        "initiate_device_flow",
        "DeviceCodeCredential(",
        "CertificateCredential(",
        '"public_certificate"',
        "acquire_token_on_behalf_of",
        "GraphServiceClient(",
    ):
        assert call in text


def test_the_fixture_format_example_is_a_valid_seed() -> None:
    page = (ROOT / "docs" / "fixtures.md").read_text()
    example = next(m.group(2) for m in FENCE.finditer(page) if m.group(1) == "json")
    fixtures = parse_fixtures(example, "docs/fixtures.md")
    assert fixtures.users[0].presence is not None
