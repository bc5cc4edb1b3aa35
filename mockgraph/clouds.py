"""Graph's national clouds: each one's Graph host, Entra login hosts, issuers and audiences.

The one place that names Microsoft's hosts. A leaf: imports nothing of ours. Sources:
https://learn.microsoft.com/graph/deployments (Graph roots),
https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud (login
hosts), msal-common's `src/authority/AuthorityMetadata.ts` (aliases, issuers),
https://learn.microsoft.com/azure/azure-government/compare-azure-government-global-azure and
https://learn.microsoft.com/azure/china/resources-developer-guide (Azure Resource Manager's
hosts and token audiences); the choices are in docs/fidelity.md, 'Discovery and national
clouds (the proxy and DNS routes)' and 'Azure Resource Manager (for the Azure CLI)'.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Graph's own application id: some tokens carry it as `aud` instead of the Graph root.
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


@dataclass(frozen=True, slots=True)
class Cloud:
    """One national deployment of Graph and Entra ID.

    `name` is the value of MOCKGRAPH_CLOUD; `graph_host` serves /v1.0 and /beta and is the
    `aud` of the tokens issued for it; `login_hosts` are Entra's hosts for the cloud, the
    preferred one first (the others are aliases in the same instance-discovery group);
    `sts_host` is the v1 token issuer's host (`https://{sts_host}/{tid}/`);
    `management_host` serves Azure Resource Manager, and `arm_audiences` are the resources
    (ARM's own root and the classic management root) whose tokens it takes.
    """

    name: str
    graph_host: str
    login_hosts: tuple[str, ...]
    sts_host: str
    # OIDC's and user realm's `cloud_instance_name`; instance discovery's `preferred_cache`.
    instance_name: str = "microsoftonline.com"
    cache_host: str | None = None
    management_host: str = "management.azure.com"
    arm_audiences: tuple[str, ...] = (
        "https://management.core.windows.net/",
        "https://management.azure.com/",
    )
    # The service root, e.g. https://graph.microsoft.com (made once: every Graph call reads it).
    graph_root: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "graph_root", f"https://{self.graph_host}")

    @property
    def login_host(self) -> str:
        """The preferred Entra host, e.g. login.microsoftonline.com."""
        return self.login_hosts[0]

    def v1_issuer(self, tenant_id: str) -> str:
        return f"https://{self.sts_host}/{tenant_id}/"

    def v2_issuer(self, tenant_id: str, login_host: str | None = None) -> str:
        return f"https://{login_host or self.login_host}/{tenant_id}/v2.0"

    def accepts_audience(self, aud: str) -> bool:
        """Graph takes its root with or without a trailing slash, or its app id."""
        return aud.rstrip("/") == self.graph_root or aud == GRAPH_APP_ID

    def accepts_arm_audience(self, aud: str) -> bool:
        """ARM takes either of its resources, with or without the trailing slash."""
        return any(aud.rstrip("/") == a.rstrip("/") for a in self.arm_audiences)


GLOBAL = Cloud(
    "global",
    "graph.microsoft.com",
    ("login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"),
    "sts.windows.net",
    cache_host="login.windows.net",
)
# US Government L4 (GCC High) and L5 (DoD) share the login hosts; the scope asked for decides.
US_GOV = Cloud(
    "usgov",
    "graph.microsoft.us",
    ("login.microsoftonline.us", "login.usgovcloudapi.net"),
    "sts.windows.net",
    instance_name="microsoftonline.us",
    management_host="management.usgovcloudapi.net",
    arm_audiences=(
        "https://management.core.usgovcloudapi.net/",
        "https://management.usgovcloudapi.net/",
    ),
)
# Azure Government's one Resource Manager serves L4 and DoD alike.
US_DOD = Cloud(
    "dod",
    "dod-graph.microsoft.us",
    ("login.microsoftonline.us", "login.usgovcloudapi.net"),
    "sts.windows.net",
    instance_name="microsoftonline.us",
    management_host="management.usgovcloudapi.net",
    arm_audiences=(
        "https://management.core.usgovcloudapi.net/",
        "https://management.usgovcloudapi.net/",
    ),
)
# Entra's docs name login.partner.microsoftonline.cn, Graph's docs login.chinacloudapi.cn;
# both are aliases of one instance-discovery group (msal-common's AuthorityMetadata.ts).
CHINA = Cloud(
    "china",
    "microsoftgraph.chinacloudapi.cn",
    ("login.partner.microsoftonline.cn", "login.chinacloudapi.cn"),
    "sts.chinacloudapi.cn",
    instance_name="partner.microsoftonline.cn",
    management_host="management.chinacloudapi.cn",
    arm_audiences=(
        "https://management.core.chinacloudapi.cn/",
        "https://management.chinacloudapi.cn/",
    ),
)

CLOUDS: tuple[Cloud, ...] = (GLOBAL, US_GOV, US_DOD, CHINA)
BY_NAME = {cloud.name: cloud for cloud in CLOUDS}
_BY_GRAPH_HOST = {cloud.graph_host: cloud for cloud in CLOUDS}
# L4 first: a login.microsoftonline.us host means L4 unless the scope names DoD's Graph.
_BY_LOGIN_HOST = {host: cloud for cloud in reversed(CLOUDS) for host in cloud.login_hosts}

# Instance discovery's groups beyond the four clouds: Entra still lists them (msal-common's
# AuthorityMetadata.ts mirrors the list), mockgraph does not answer as them.
OTHER_INSTANCE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("login.microsoftonline.de",),
    ("login-us.microsoftonline.com",),
)

GRAPH_HOSTS: frozenset[str] = frozenset(_BY_GRAPH_HOST)
LOGIN_HOSTS: frozenset[str] = frozenset(_BY_LOGIN_HOST)
# L4 first, as for the login hosts: Azure Government's one ARM host is L4's and DoD's.
_BY_MANAGEMENT_HOST = {cloud.management_host: cloud for cloud in reversed(CLOUDS)}
MANAGEMENT_HOSTS: frozenset[str] = frozenset(_BY_MANAGEMENT_HOST)
# Every host an unmodified client may contact, which mockgraph answers for.
INTERCEPTED_HOSTS: tuple[str, ...] = tuple(
    sorted(GRAPH_HOSTS | LOGIN_HOSTS | MANAGEMENT_HOSTS, key=lambda h: (h.split(".")[-1], h))
)
# ARM's resources as a scope names them (no scheme case, no trailing slash): the cloud.
_BY_ARM_RESOURCE = {
    a.rstrip("/").removeprefix("https://"): cloud
    for cloud in reversed(CLOUDS)
    for a in cloud.arm_audiences
}


def _bare(host: str) -> str:
    """A Host header's name alone: lower case, no port, no trailing dot."""
    host = host.strip().lower()
    if host.startswith("["):
        return host
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


def parse_cloud(name: str) -> Cloud:
    """MOCKGRAPH_CLOUD's value; ValueError names the choices."""
    try:
        return BY_NAME[name.strip().lower()]
    except KeyError:
        choices = ", ".join(BY_NAME)
        raise ValueError(f"unknown cloud {name!r}; choose one of {choices}") from None


def cloud_for_graph_host(host: str) -> Cloud | None:
    """The cloud whose Graph host this is, or None (mockgraph's own address)."""
    return _BY_GRAPH_HOST.get(_bare(host))


def cloud_for_login_host(host: str) -> Cloud | None:
    """The cloud whose Entra host this is (L4 for the shared US host), or None."""
    return _BY_LOGIN_HOST.get(_bare(host))


def same_login_hosts(a: Cloud, b: Cloud) -> bool:
    """Whether one Entra instance issues for both (US Gov L4 and DoD)."""
    return a.login_hosts == b.login_hosts


def cloud_for_resource(resource: str) -> Cloud | None:
    """The cloud whose Graph a scope or resource names, e.g. https://graph.microsoft.us/.default."""
    text = resource.strip().lower()
    for prefix in ("https://", "http://"):
        text = text.removeprefix(prefix)
    return _BY_GRAPH_HOST.get(text.split("/", 1)[0])


def cloud_for_management_host(host: str) -> Cloud | None:
    """The cloud whose Azure Resource Manager host this is (L4 for Azure Government), or None."""
    return _BY_MANAGEMENT_HOST.get(_bare(host))


def arm_resource(resource: str) -> tuple[Cloud, str] | None:
    """(the cloud, the token's `aud`) of a scope's resource that names Azure Resource Manager,
    e.g. `https://management.core.windows.net/`; `aud` is the resource as written, in lower case
    (with its trailing slash or without), as Entra issues it; None for any other resource."""
    text = resource.strip().lower()
    if not text.startswith("https://"):
        return None
    cloud = _BY_ARM_RESOURCE.get(text.removeprefix("https://").rstrip("/"))
    return None if cloud is None else (cloud, text)
