"""The real Azure CLI (pinned, from PyPI) signs in to mockgraph through its proxy and calls
Graph presence: `az login` asks Entra for an Azure Resource Manager token and lists tenants
and subscriptions on management.azure.com before anything else, so `az rest` and
`az account get-access-token --resource-type ms-graph` work only if that does."""

from __future__ import annotations

import json
import re
import ssl
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from mockgraph.testing.pytest_intercept import Intercept
from mockgraph.testing.pytest_plugin import MockGraph
from tests.constants import ADELE, ADELE_UPN, PRESENCE_SYNC, TENANT
from tests.e2e.azure_cli import az_environment, azure_cli

SECRET = "presence-sync-secret"
GRAPH = "https://graph.microsoft.com/v1.0"
SUBSCRIPTION = "9b4c1f2e-6d3a-4e8b-a5c7-0f1e2d3c4b5a"
FIXTURES = Path(__file__).parent / "azure_cli_fixtures.json"
# How long one az command may take at most (a cold start of az is a second or two).
AZ_TIMEOUT = 120


class Az:
    """`az` with its own configuration folder, through mockgraph's proxy."""

    def __init__(self, tmp_path: Path, intercept: Intercept) -> None:
        self.binary = str(azure_cli())
        self.env = az_environment(tmp_path / "azure", intercept.env)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [self.binary, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=AZ_TIMEOUT,
            check=False,
        )
        if check:
            assert done.returncode == 0, f"az {' '.join(args)}: {done.stderr}"
        return done

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--output", "json").stdout)

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [self.binary, *args, "--output", "json"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


@pytest.fixture
def az(tmp_path: Path, mockgraph: MockGraph, mockgraph_intercept: Intercept) -> Az:
    return Az(tmp_path, mockgraph_intercept)


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def service_principal_login(az: Az, *extra: str) -> Any:
    return az.json(
        "login",
        "--service-principal",
        "--username",
        PRESENCE_SYNC,
        "--password",
        SECRET,
        "--tenant",
        TENANT,
        *extra,
    )


def test_service_principal_login_then_az_rest_on_presence(az: Az, mockgraph: MockGraph) -> None:
    accounts = service_principal_login(az, "--allow-no-subscriptions")

    assert [(a["id"], a["tenantId"], a["user"]) for a in accounts] == [
        (TENANT, TENANT, {"name": PRESENCE_SYNC, "type": "servicePrincipal"})
    ]
    token = az.json("account", "get-access-token", "--resource-type", "ms-graph")
    graph = claims(token["accessToken"])
    assert (graph["aud"], graph["ver"], graph["appid"]) == (
        "https://graph.microsoft.com",
        "1.0",
        PRESENCE_SYNC,
    )
    assert "Presence.ReadWrite.All" in graph["roles"]
    arm = claims(az.json("account", "get-access-token")["accessToken"])
    assert arm["aud"] == "https://management.core.windows.net/"
    session = {"sessionId": PRESENCE_SYNC, "availability": "Busy", "activity": "InACall"}
    az.run(
        "rest",
        "--method",
        "post",
        "--url",
        f"{GRAPH}/users/{ADELE}/presence/setPresence",
        "--body",
        json.dumps({**session, "expirationDuration": "PT1H"}),
    )
    presence = az.json("rest", "--url", f"{GRAPH}/users/{ADELE}/presence")
    assert (presence["id"], presence["availability"], presence["activity"]) == (
        ADELE,
        "Busy",
        "InACall",
    )
    mockgraph.requests.assert_called("POST", f"/v1.0/users/{ADELE}/presence/setPresence")


def test_az_contacts_only_the_hosts_mockgraph_answers_for(az: Az) -> None:
    # --debug logs each connection urllib3 opens (through the proxy: the CONNECT's host).
    login = az.run(
        "login",
        "--service-principal",
        "--username",
        PRESENCE_SYNC,
        "--password",
        SECRET,
        "--tenant",
        TENANT,
        "--allow-no-subscriptions",
        "--debug",
    )
    rest = az.run("rest", "--url", f"{GRAPH}/users/{ADELE}/presence", "--debug")

    opened = re.findall(
        r"Starting new HTTPS connection \(\d+\): ([\w.-]+):443", login.stderr + rest.stderr
    )
    assert set(opened) == {
        "login.microsoftonline.com",
        "management.azure.com",
        "graph.microsoft.com",
    }


def test_a_login_that_finds_no_subscription_fails_as_azure_does(az: Az) -> None:
    done = az.run(
        "login",
        "--service-principal",
        "--username",
        PRESENCE_SYNC,
        "--password",
        SECRET,
        "--tenant",
        TENANT,
        check=False,
    )

    assert done.returncode != 0
    assert f"No subscriptions found for {PRESENCE_SYNC}" in done.stderr


def test_device_code_login_then_me_presence(
    az: Az, mockgraph_intercept: Intercept, mockgraph: MockGraph
) -> None:
    login = az.start("login", "--use-device-code", "--allow-no-subscriptions")
    try:
        url, code = _device_code_prompt(login)
        # A person opens the page az names (through the proxy) and picks Adele.
        with httpx.Client(
            proxy=mockgraph_intercept.proxy_url,
            verify=ssl.create_default_context(cafile=mockgraph_intercept.ca),
            timeout=10,
        ) as browser:
            page = browser.post(url, data={"otc": code, "mockgraph_user": ADELE})
        assert page.status_code == 200, page.text
        out, err = login.communicate(timeout=AZ_TIMEOUT)
    finally:
        if login.poll() is None:
            login.kill()
            login.communicate()
    assert login.returncode == 0, err

    assert [a["user"] for a in json.loads(out)] == [{"name": ADELE_UPN, "type": "user"}]
    graph = claims(
        az.json("account", "get-access-token", "--resource-type", "ms-graph")["accessToken"]
    )
    assert (graph["aud"], graph["ver"], graph["upn"]) == (
        "https://graph.microsoft.com",
        "1.0",
        ADELE_UPN,
    )
    assert "Presence.Read" in graph["scp"].split()
    arm = claims(az.json("account", "get-access-token")["accessToken"])
    assert (arm["aud"], arm["scp"]) == (
        "https://management.core.windows.net/",
        "user_impersonation",
    )
    me = az.json("rest", "--url", f"{GRAPH}/me/presence")
    assert (me["id"], me["availability"]) == (ADELE, "Available")


def _device_code_prompt(login: subprocess.Popen[str]) -> tuple[str, str]:
    """The page and code `az login --use-device-code` prints on stderr (within 60 s)."""
    assert login.stderr is not None
    deadline = time.monotonic() + 60
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = login.stderr.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(r"open the page (\S+) and enter the code (\S+) ", line)
        if found:
            return found[1], found[2]
    raise AssertionError(f"az printed no device code: {''.join(lines)[-800:]}")


@pytest.mark.mockgraph(fixtures=FIXTURES)
def test_the_fixtures_subscriptions_are_azs_subscriptions(az: Az) -> None:
    accounts = service_principal_login(az)

    assert [(a["id"], a["name"], a["state"], a["tenantId"]) for a in accounts] == [
        (SUBSCRIPTION, "Contoso Presence Dev", "Enabled", TENANT)
    ]
    assert az.json("account", "show")["id"] == SUBSCRIPTION
    got = az.json(
        "rest",
        "--url",
        f"https://management.azure.com/subscriptions/{SUBSCRIPTION}?api-version=2022-12-01",
    )
    assert got["displayName"] == "Contoso Presence Dev"


def test_what_mockgraph_does_not_emulate_is_a_clear_error(az: Az) -> None:
    service_principal_login(az, "--allow-no-subscriptions")

    resources = az.run(
        "rest",
        "--url",
        "https://management.azure.com/providers?api-version=2021-04-01",
        check=False,
    )
    assert resources.returncode != 0
    assert "mockgraph emulates only" in resources.stderr
    unknown = az.run(
        "login",
        "--service-principal",
        "--username",
        PRESENCE_SYNC,
        "--password",
        SECRET,
        "--tenant",
        "no-such-tenant.example",
        check=False,
    )
    assert unknown.returncode != 0
    assert "AADSTS90002" in unknown.stderr


@pytest.mark.parametrize(
    ("cloud", "graph", "management"),
    [
        (
            "AzureUSGovernment",
            "https://graph.microsoft.us",
            "https://management.core.usgovcloudapi.net/",
        ),
        (
            "AzureChinaCloud",
            "https://microsoftgraph.chinacloudapi.cn",
            "https://management.core.chinacloudapi.cn/",
        ),
    ],
)
def test_national_clouds_sign_in_at_their_own_hosts(
    az: Az, cloud: str, graph: str, management: str
) -> None:
    az.run("cloud", "set", "--name", cloud)
    service_principal_login(az, "--allow-no-subscriptions")

    arm = claims(az.json("account", "get-access-token")["accessToken"])
    assert arm["aud"] == management
    token = claims(
        az.json("account", "get-access-token", "--resource-type", "ms-graph")["accessToken"]
    )
    assert token["aud"] == graph
    presence = az.json("rest", "--url", f"{graph}/v1.0/users/{ADELE}/presence")
    assert presence["@odata.context"].startswith(f"{graph}/v1.0/$metadata#users(")
