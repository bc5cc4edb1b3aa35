"""The README's examples, run as written against a real server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from mockgraph.state.fixtures import parse_fixtures
from tests.client import Graph

README = (Path(__file__).parents[2] / "README.md").read_text()
DOCUMENTED_BASE = "http://127.0.0.1:8000"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_curl_examples(live: Graph) -> None:
    script = "set -euo pipefail\n" + "\n".join(blocks("bash"))
    result = subprocess.run(
        ["bash", "-c", script.replace(DOCUMENTED_BASE, live.base_url)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    # The first GET prints the presence shown in the README's JSON block.
    first, end = json.JSONDecoder().raw_decode(result.stdout)
    assert first == json.loads(blocks("json")[0])
    # Then what the comments promise: in a call, then available once the session has ended.
    rest = result.stdout[end:]
    assert re.fullmatch(r"\s*InACall\s*\{.*\}\s*Available\s*", rest, flags=re.DOTALL), rest


def test_python_examples(live: Graph) -> None:
    for code in blocks("python"):
        if "def test_" in code:
            continue  # a pytest example: test_pytest_examples runs those
        if "https://localhost" in code:
            continue  # a real-client example over TLS: tests/e2e/test_real_clients.py runs it
        live.admin.post("/_mockgraph/reset")
        result = subprocess.run(
            [sys.executable, "-c", code.replace(DOCUMENTED_BASE, live.base_url)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, f"{code}\n{result.stderr}"


def test_pytest_examples(tmp_path: Path) -> None:
    examples = [code for code in blocks("python") if "def test_" in code]
    assert examples
    for index, code in enumerate(examples):
        (tmp_path / f"test_readme_{index}.py").write_text(code)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(examples)} passed" in result.stdout


def test_fixture_example_is_valid() -> None:
    example = next(b for b in blocks("json") if '"users"' in b)
    fixtures = parse_fixtures(example, "README")
    assert fixtures.users[0].presence is not None
