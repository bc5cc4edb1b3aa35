"""A scenario from a profile or a file, with the seed, cast size and start the caller gives."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mockgraph.errors import BadRequest, describe_validation_error
from mockgraph.runtime import Runtime
from mockgraph.scenarios.control import Scenarios
from mockgraph.scenarios.model import MAX_USERS, Scenario, ScenarioFile
from mockgraph.scenarios.profiles import PROFILES, default_start

# A scenario file is read whole: 64 MiB holds a week of 10,000 users.
MAX_FILE_BYTES = 64 * 1024 * 1024
SCHEMA_PATH = Path(__file__).with_name("schema.json")


def schema() -> dict[str, Any]:
    """The scenario file's JSON Schema (shipped as scenarios/schema.json)."""
    return ScenarioFile.model_json_schema()


def from_profile(
    profile: str, users: int, seed: int, start: datetime | None, today: datetime
) -> Scenario:
    """A bundled profile's scenario; 400 for an unknown profile or a cast out of bounds."""
    make = PROFILES.get(profile)
    if make is None:
        raise BadRequest(
            f"There is no profile '{profile}'; the profiles are {', '.join(sorted(PROFILES))}."
        )
    if not 1 <= users <= MAX_USERS:
        raise BadRequest(f"users must be between 1 and {MAX_USERS}; it is {users}.")
    return make(users, seed, start or default_start(profile, today))


def from_document(document: Any) -> Scenario:
    """A scenario file's JSON, checked; 400 says what is wrong."""
    try:
        given = ScenarioFile.model_validate(document)
    except ValidationError as exc:
        raise BadRequest(describe_validation_error(exc.errors()[0], "scenario")) from None
    return given.scenario()


def read_file(path: Path) -> Scenario:
    """A scenario file from disk; ValueError names what is wrong."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
        document = json.loads(path.read_bytes())
        return from_document(document)
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    except BadRequest as exc:
        raise ValueError(f"{path}: {exc.message}") from None


def named(name: str, users: int, seed: int, start: datetime | None, today: datetime) -> Scenario:
    """`mockgraph serve --scenario NAME`: a profile's name, or a scenario file's path."""
    if name in PROFILES:
        return from_profile(name, users, seed, start, today)
    scenario = read_file(Path(name))
    if start is not None:
        scenario.start = start
    if scenario.start is None:
        scenario.start = default_start(name, today)
    return scenario


def start_from_settings(scenarios: Scenarios, runtime: Runtime) -> None:
    """`serve --scenario`: load it now (a bad file stops start-up: ValueError), play it once
    the server's loop runs (Scenarios.start_pending)."""
    settings = runtime.settings
    if settings.scenario is None:
        return
    tenant_id = runtime.fixtures.tenant_id
    today = runtime.store.tenant(tenant_id).clock.now()
    try:
        scenario = named(
            settings.scenario,
            settings.scenario_users,
            settings.scenario_seed,
            settings.scenario_start,
            today,
        )
    except BadRequest as exc:
        raise ValueError(f"--scenario: {exc.message}") from None
    scenarios.start(scenario, tenant_id, settings.scenario_speed, paused=True)
    scenarios.pending = scenarios.resume
