"""The start-up banner: where mockgraph listens, what it was seeded with, and how to get a token."""

from __future__ import annotations

import ipaddress
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

from mockgraph import __version__
from mockgraph.logs import json_line
from mockgraph.runtime import Runtime
from mockgraph.settings import DEFAULT_URL, Settings
from mockgraph.state.fixtures import Fixtures

# Users listed by name; the rest are counted.
SHOWN_USERS = 20
TOKEN_SCOPES = "Presence.Read Presence.ReadWrite"


def print_banner(runtime: Runtime, settings: Settings) -> None:
    """The banner on stderr: text, or one JSON line with MOCKGRAPH_LOG_FORMAT=json."""
    facts = banner_facts(runtime.fixtures, settings)
    if settings.log_format == "json":
        print(json_line("mockgraph started", facts), file=sys.stderr, flush=True)
    else:
        print(banner_text(facts), file=sys.stderr, flush=True)


def exposure_warning(settings: Settings) -> str | None:
    """Why a server bound beyond loopback with no admin key is open to the network, or None."""
    if settings.admin_key:
        return None
    host = settings.host.strip("[]")
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback:
        return None
    return (
        f"WARNING: listening on {settings.host} with no admin key: anyone who can reach this "
        "port can mint tokens, read the journal and reset every tenant. Set "
        "MOCKGRAPH_ADMIN_KEY (--admin-key), or bind 127.0.0.1."
    )


def base_url(settings: Settings) -> str:
    """The URL a client on this machine uses (the wildcard addresses mean loopback)."""
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"{'https' if settings.https else 'http'}://{host}:{settings.port}"


def banner_facts(fixtures: Fixtures, settings: Settings) -> dict[str, Any]:
    url = base_url(settings)
    return {
        "version": __version__,
        "urls": {
            "api": f"{url}/v1.0",
            "docs": f"{url}/docs",
            "dashboard": f"{url}/_mockgraph/ui",
        },
        "fixtures": str(settings.fixtures),
        "tenant": fixtures.tenant_id,
        "users": [
            {"id": u.id, "displayName": u.profile.name} for u in fixtures.users[:SHOWN_USERS]
        ],
        "userCount": len(fixtures.users),
        "apps": [
            {
                "appId": a.appId,
                "displayName": a.displayName,
                "applicationPermissions": a.applicationPermissions,
                "delegatedPermissions": a.delegatedPermissions,
            }
            for a in fixtures.apps
        ],
        "tokenCommand": token_command(fixtures, url, settings),
        "warning": exposure_warning(settings),
    }


def banner_text(facts: dict[str, Any]) -> str:
    urls = facts["urls"]
    lines = [
        f"mockgraph {facts['version']}",
        f"  Graph API   {urls['api']}",
        f"  Swagger UI  {urls['docs']}",
        f"  Dashboard   {urls['dashboard']}",
        f"  Fixtures    {facts['fixtures']}",
        f"  Tenant      {facts['tenant']}",
        f"Users ({facts['userCount']}):",
    ]
    lines += [f"  {u['id']}  {u['displayName']}" for u in facts["users"]]
    if facts["userCount"] > len(facts["users"]):
        lines.append(f"  ... and {facts['userCount'] - len(facts['users'])} more")
    lines.append(f"Apps ({len(facts['apps'])}):")
    for app in facts["apps"]:
        granted = [
            f"{kind} {', '.join(app[key])}"
            for kind, key in (
                ("application", "applicationPermissions"),
                ("delegated", "delegatedPermissions"),
            )
            if app[key]
        ]
        lines.append(f"  {app['appId']}  {app['displayName'] or '(no name)'}")
        lines.append(f"    {'; '.join(granted) or 'no permissions'}")
    if facts["tokenCommand"]:
        lines += ["Mint a token:", f"  {facts['tokenCommand']}"]
    if facts.get("warning"):
        lines.append(facts["warning"])
    return "\n".join(lines)


def token_command(fixtures: Fixtures, url: str, settings: Settings) -> str | None:
    """One copy-paste command that mints a token from this server."""
    parts = [*_program()]
    if fixtures.users:
        parts += ["token", "--user", fixtures.users[0].id, "--scopes", TOKEN_SCOPES]
    elif fixtures.apps:
        app = fixtures.apps[0]
        roles = " ".join(app.applicationPermissions) or "Presence.Read.All"
        parts += ["token", "--app", app.appId, "--roles", roles]
    else:
        return None
    if url != DEFAULT_URL:
        parts += ["--url", url]
    command = " ".join(shlex.quote(p) for p in parts)
    if settings.admin_key:
        command += ' --admin-key "$MOCKGRAPH_ADMIN_KEY"'
    return command


def _program() -> list[str]:
    """How this mockgraph was started: `mockgraph` on PATH, `.venv/bin/mockgraph`, or
    `python -m mockgraph`."""
    started = Path(sys.argv[0])
    if started.name.startswith("mockgraph") and started.suffix != ".py":
        on_path = shutil.which("mockgraph")
        if on_path is not None and Path(on_path).resolve() == started.resolve():
            return ["mockgraph"]
        return [_relative(started)]
    return [_relative(Path(sys.executable)), "-m", "mockgraph"]


def _relative(path: Path) -> str:
    try:
        relative = path.absolute().relative_to(Path.cwd())
    except ValueError:
        return str(path)
    return str(relative) if relative.parts[0] != os.pardir else str(path)
