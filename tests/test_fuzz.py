"""Schema fuzzing: schemathesis against mockgraph's own OpenAPI, with valid tokens, a fixed
seed and a bounded number of examples. No 5xx, every response as the schema says, every 4xx
in Graph's envelope (Entra's on the token endpoint)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mockgraph.app import create_app
from mockgraph.identity.routes import is_identity_path
from mockgraph.settings import Settings
from mockgraph.testing import InProcessTransport
from tests.constants import ADELE

# What the issue asks of every response: no 5xx, documented status and content type, a body
# and headers valid against the schema. (Graph's own rules reject some schema-valid bodies,
# such as an unsupported availability/activity pair, so positive-data acceptance is not one.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

APP = create_app(Settings())
# Subscriptions (and $batch, which may carry them) make the server call their notification
# URL: never fuzzed, so that no request leaves loopback. tests/e2e/test_notifications.py and
# tests/gateway/test_batch.py cover them.
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(
    path_regex=r"/(subscriptions|\$batch)"
)
_CLIENT = httpx.Client(transport=InProcessTransport(APP), base_url="http://fuzz")
TOKEN = _CLIENT.post(
    "/_mockgraph/tokens",
    json={
        "userId": ADELE,
        "scopes": ["Presence.Read", "Presence.Read.All", "Presence.ReadWrite"],
    },
).json()["access_token"]


def assert_envelope(body: Any) -> None:
    assert isinstance(body, dict), body
    error = body["error"]
    assert set(error) >= {"code", "message", "innerError"}, body
    assert {"date", "request-id", "client-request-id"} <= set(error["innerError"]), body


@schema.parametrize()
@settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation(case: Any) -> None:
    response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code < 500, response.text
    case.validate_response(response, checks=CHECKS)
    if 400 <= response.status_code < 500:
        content_type = response.headers.get("content-type", [""])[0]
        if case.path.endswith("/oauth2/v2.0/authorize") and "text/html" in content_type:
            assert "AADSTS" in response.text  # the sign-in error page, as Entra shows one
        elif case.path == "/devicelogin" and "text/html" in content_type:
            assert "class='error'" in response.text  # the code page again, saying what was wrong
        elif is_identity_path(case.formatted_path):
            assert {"error", "error_description", "error_codes"} <= set(response.json())
        else:
            assert_envelope(response.json())


def teardown_module() -> None:
    _CLIENT.close()


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# Stateful: sequences of calls that follow the OpenAPI links from each write to the read of the
# same presence (set, then get), with the same checks on every response.
Stateful = schema.as_state_machine()


class PresenceStateMachine(Stateful):  # type: ignore[misc, valid-type]
    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"headers": {"Authorization": f"Bearer {TOKEN}"}}

    def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
        assert response.status_code < 500, response.text
        case.validate_response(response, checks=CHECKS)


def test_stateful_links() -> None:
    PresenceStateMachine.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
