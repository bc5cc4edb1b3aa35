"""Certificate credentials (private_key_jwt): the fixture format and every check of Entra's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from mockgraph.app import create_app
from mockgraph.clock import Clock
from mockgraph.settings import Settings
from mockgraph.state.fixtures import FixtureError, load_fixtures
from mockgraph.testing import InProcessTransport
from tests.certificates import (
    Certificate,
    assertion,
    fixtures_with,
    make_certificate,
    padded,
)
from tests.client import Graph
from tests.constants import ADELE, PRESENCE_SYNC, START, TENANT
from tests.identity.entra import assert_entra_error

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
GRAPH_DEFAULT = "https://graph.microsoft.com/.default"
TOKEN = f"/{TENANT}/oauth2/v2.0/token"
AUDIENCE = f"http://mockgraph.test/{TENANT}/oauth2/v2.0/token"
NOW = START.timestamp()


@pytest.fixture(scope="module")
def certificate() -> Certificate:
    return make_certificate()


@pytest.fixture
def signed(tmp_path: Path, certificate: Certificate) -> Iterator[Graph]:
    """The bundled fixtures, with Presence Sync holding a certificate (a relative path)."""
    certificate.write(tmp_path / "certs" / "sync.pem")
    fixtures = fixtures_with(
        tmp_path / "fixtures.json", {PRESENCE_SYNC: {"certificates": ["certs/sync.pem"]}}
    )
    app = create_app(Settings(fixtures=fixtures), clock=Clock(start=START, frozen=True))
    transport = InProcessTransport(app)
    graph = Graph(transport, "http://mockgraph.test")
    yield graph
    graph.close()
    transport.close()


def request(graph: Graph, client_assertion: str, **extra: str) -> httpx.Response:
    form = {
        "grant_type": "client_credentials",
        "client_id": PRESENCE_SYNC,
        "scope": GRAPH_DEFAULT,
        "client_assertion_type": JWT_BEARER,
        "client_assertion": client_assertion,
        **extra,
    }
    return graph.admin.post(TOKEN, data=form)


@pytest.mark.parametrize("kind", ["x5t", "x5t#S256"])
@pytest.mark.parametrize(
    "audience",
    [
        AUDIENCE,
        AUDIENCE + "/",
        AUDIENCE.upper(),
        "http://mockgraph.test/contoso.example/oauth2/v2.0/token",
    ],
)
def test_both_thumbprint_kinds_and_every_name_of_the_endpoint(
    signed: Graph, certificate: Certificate, kind: str, audience: str
) -> None:
    response = request(signed, assertion(certificate, PRESENCE_SYNC, audience, NOW, kind=kind))
    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert (claims["appid"], claims["appidacr"]) == (PRESENCE_SYNC, "2")
    assert "Presence.ReadWrite.All" in claims["roles"]


def test_on_a_login_host_its_aliases_are_the_same_endpoint(
    signed: Graph, certificate: Certificate
) -> None:
    alias = f"https://login.windows.net/{TENANT}/oauth2/v2.0/token"
    token = assertion(certificate, PRESENCE_SYNC, alias, NOW, kind="x5t#S256")
    via_login_host = signed.admin.post(
        f"https://login.microsoftonline.com{TOKEN}",
        data={
            "grant_type": "client_credentials",
            "client_id": PRESENCE_SYNC,
            "scope": GRAPH_DEFAULT,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": token,
        },
    )
    assert via_login_host.status_code == 200, via_login_host.text
    assert_entra_error(request(signed, token), 401, "invalid_client", 700023)


def test_padding_and_missing_nbf_or_iat_are_tolerated(
    signed: Graph, certificate: Certificate
) -> None:
    no_nbf = assertion(certificate, PRESENCE_SYNC, AUDIENCE, NOW, claims={"nbf": None})
    no_iat = assertion(
        certificate, PRESENCE_SYNC, AUDIENCE, NOW, kind="x5t#S256", claims={"iat": None}
    )
    for token in (no_nbf, padded(no_iat)):
        assert request(signed, token).status_code == 200, token


def test_the_secret_still_works_beside_a_certificate(signed: Graph) -> None:
    response = signed.admin.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": PRESENCE_SYNC,
            "client_secret": "presence-sync-secret",
            "scope": GRAPH_DEFAULT,
        },
    )
    assert response.status_code == 200


def test_lifetime_allows_five_minutes_of_skew(signed: Graph, certificate: Certificate) -> None:
    stale = assertion(certificate, PRESENCE_SYNC, AUDIENCE, NOW - 600 - 299)
    assert request(signed, stale).status_code == 200
    early = assertion(certificate, PRESENCE_SYNC, AUDIENCE, NOW + 299)
    assert request(signed, early).status_code == 200


def errors(certificate: Certificate, other: Certificate) -> list[Any]:
    good: dict[str, Any] = {"audience": AUDIENCE, "now": NOW}
    return [
        ("unregistered key", dict(good, cert=other), 401, "invalid_client", 700027),
        ("no thumbprint", dict(good, header={}), 401, "invalid_client", 700027),
        ("expired", dict(good, now=NOW - 600 - 301), 401, "invalid_client", 700024),
        ("not yet valid", dict(good, now=NOW + 301), 401, "invalid_client", 700024),
        ("bad signature", dict(good, tamper=True), 401, "invalid_client", 50013),
        (
            "two audiences",
            dict(good, audience=[AUDIENCE, AUDIENCE]),
            401,
            "invalid_client",
            5002741,
        ),
        (
            "another tenant",
            dict(good, audience=AUDIENCE.replace(TENANT, "0d7e9f1a-2b3c-4d5e-8f90-a1b2c3d4e5f6")),
            401,
            "invalid_client",
            700023,
        ),
        (
            "another app",
            dict(good, claims={"iss": ADELE, "sub": ADELE}),
            401,
            "invalid_client",
            700021,
        ),
        ("not a JWT", dict(good, raw="not-a-jwt"), 400, "invalid_request", 50027),
    ]


@pytest.mark.parametrize("row", range(9))
def test_every_assertion_error(signed: Graph, certificate: Certificate, row: int) -> None:
    _name, case, status, error, code = errors(certificate, make_certificate("other"))[row]
    token = case.get("raw") or assertion(
        case.get("cert", certificate),
        PRESENCE_SYNC,
        case["audience"],
        case["now"],
        claims=case.get("claims"),
    )
    if "header" in case:
        head, body, signature = token.split(".")
        token = ".".join([jwt.utils.base64url_encode(b'{"alg":"RS256"}').decode(), body, signature])
    if case.get("tamper"):
        head, body, signature = token.split(".")
        token = ".".join(
            [head, body, signature[:-6] + ("AAAAAA" if signature[-6:] != "AAAAAA" else "BBBBBB")]
        )
    assert_entra_error(request(signed, token), status, error, code)


def test_wrong_secret_and_no_credential(signed: Graph) -> None:
    form = {"grant_type": "client_credentials", "client_id": PRESENCE_SYNC, "scope": GRAPH_DEFAULT}
    wrong = signed.admin.post(TOKEN, data={**form, "client_secret": "wrong"})
    assert_entra_error(wrong, 401, "invalid_client", 7000215)
    assert_entra_error(signed.admin.post(TOKEN, data=form), 401, "invalid_client", 7000218)


def test_an_assertion_for_an_app_without_certificates(
    graph: Graph, certificate: Certificate
) -> None:
    token = assertion(certificate, PRESENCE_SYNC, AUDIENCE, NOW)
    assert_entra_error(request(graph, token), 401, "invalid_client", 700027)


def test_inline_pem_certificates(tmp_path: Path, certificate: Certificate) -> None:
    path = fixtures_with(
        tmp_path / "inline.json", {PRESENCE_SYNC: {"certificates": [certificate.cert_pem]}}
    )
    fixtures = load_fixtures(path)
    [registered] = fixtures.certificates[PRESENCE_SYNC]
    assert registered.x5t == certificate.thumbprint("sha1")
    assert registered.x5t_s256 == certificate.thumbprint("sha256")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("missing.pem", "$.apps[3].certificates[0]: cannot read the certificate file"),
        ("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----", "not a PEM certificate"),
    ],
)
def test_a_bad_certificate_is_one_line_naming_its_json_path(
    tmp_path: Path, entry: str, message: str
) -> None:
    document = json.loads(fixtures_with(tmp_path / "f.json", {}).read_text())
    index = next(i for i, a in enumerate(document["apps"]) if a["appId"] == PRESENCE_SYNC)
    document["apps"][index]["certificates"] = [entry]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(FixtureError) as raised:
        load_fixtures(path)
    text = str(raised.value)
    assert "\n" not in text
    assert text.startswith(f"{path}: $.apps[{index}].certificates[0]: ")
    assert message.split(": ", 1)[-1] in text
