"""identity/errors.py: each Entra error named once, rendered in Entra's envelope."""

from __future__ import annotations

import inspect
import re
import string

from mockgraph.identity import errors
from mockgraph.identity.errors import EntraError
from tests.client import Graph
from tests.constants import BUSY_LIGHT, TENANT
from tests.identity.entra import assert_entra_error, password_form
from tests.identity.test_identity import authorize_params, follow_sign_in, pkce, post_token

CLASSES = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, EntraError) and cls is not EntraError
]


def test_each_aadsts_code_is_named_once() -> None:
    codes = [cls.code for cls in CLASSES if cls.code is not None]
    assert len(codes) == len(set(codes)), sorted(codes)


def test_every_template_fills_from_its_named_fields() -> None:
    for cls in CLASSES:
        names = {name for _, name, _, _ in string.Formatter().parse(cls.template) if name}
        if cls is errors.MalformedRequest:
            error: EntraError = errors.MalformedRequest(status=404, detail="x")
        else:
            error = cls(**dict.fromkeys(names, "x"))
        assert error.aadsts.startswith(f"AADSTS{cls.code}: " if cls.code else "")
        assert "{" not in error.description


def test_the_envelope_as_entra_writes_it(graph: Graph) -> None:
    response = graph.admin.post(
        f"/{TENANT}/oauth2/v2.0/token",
        data={"grant_type": "client_credentials"},
        headers={"client-request-id": "3c1f0f8a-0000-4000-8000-000000000001"},
    )

    assert response.status_code == 400
    assert response.headers["cache-control"] == "no-store, no-cache"
    assert (response.headers["pragma"], response.headers["expires"]) == ("no-cache", "-1")
    body = response.json()
    assert list(body) == [
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
        "error_uri",
    ]
    assert body["correlation_id"] == "3c1f0f8a-0000-4000-8000-000000000001"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", body["timestamp"])
    assert body["error_description"] == (
        "AADSTS900144: The request body must contain the following parameter: 'client_id'."
        f"\r\nTrace ID: {body['trace_id']}\r\nCorrelation ID: {body['correlation_id']}"
        f"\r\nTimestamp: {body['timestamp']}"
    )
    assert body["error_uri"] == "https://login.microsoftonline.com/error?code=900144"


def test_routing_errors_on_entra_paths_are_entras(graph: Graph) -> None:
    unknown = graph.admin.get(f"/{TENANT}/oauth2/v2.0/nothing-here")
    assert unknown.json()["error_codes"] == [90002]
    bad_tenant = graph.admin.post("/not%20a%20tenant/oauth2/v2.0/token")
    assert bad_tenant.status_code == 400
    assert bad_tenant.json()["error"] == "invalid_request"


def test_an_entra_error_shows_its_status_error_and_aadsts_code() -> None:
    error = errors.MissingParameter(name="grant_type")

    assert repr(error) == (
        "MissingParameter(400, 'invalid_request', \"AADSTS900144: The request body must contain "
        "the following parameter: 'grant_type'.\")"
    )


# --- rows whose `error` or number was fixed against Entra's answers (docs/fidelity.md,
# "Entra's error fields") -----------------------------------------------------------------


def test_a_scope_an_api_does_not_expose_is_invalid_client_650053(graph: Graph) -> None:
    dashboard = "9a1c3e5b-7d9f-4b1d-a3c5-e7a9c1e3b5d7"
    response = graph.admin.post(
        f"/{TENANT}/oauth2/v2.0/token",
        data=password_form(scope=f"api://{dashboard}/write_everything"),
    )
    assert_entra_error(response, 400, "invalid_client", 650053)


def test_a_redirect_uri_other_than_the_authorization_requests_is_500112(graph: Graph) -> None:
    verifier, challenge = pkce("S256")
    params = authorize_params(challenge, "S256")
    code = follow_sign_in(graph, params)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "client_id": BUSY_LIGHT,
        "code": code,
        "redirect_uri": "https://localhost/busy-light/callback",
        "code_verifier": verifier,
    }
    assert_entra_error(post_token(graph, form), 400, "invalid_grant", 500112)
