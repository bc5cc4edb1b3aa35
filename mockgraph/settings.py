"""Every setting declared once: its MOCKGRAPH_* variable, flag, default, parser and help.

The command line, the pytest plugin and the container's healthcheck all read settings
through these declarations. A leaf: it imports only other leaves (limits.py, hostports.py,
parsers.py).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any, Self, TypeVar

from mockgraph.hostports import parse_passthrough
from mockgraph.limits import Limit, parse_limit
from mockgraph.parsers import (
    CLOUD_NAMES,
    DEFAULT_FIXTURES,
    PHOTO_NOT_FOUND_CODES,
    at_least_one,
    bounded_int,
    one_of,
    parse_bool,
    parse_fixtures,
    parse_int,
    parse_optional_datetime,
    parse_optional_path,
    parse_optional_port,
    parse_optional_text,
    parse_origins,
    parse_photo_not_found_code,
    parse_speed,
    parse_url,
    seconds_at_least,
)

# CLOUD_NAMES, DEFAULT_FIXTURES and parse_bool live in parsers.py; re-exported only until
# tests/ import them from there.
__all__ = [
    "CLOUD_NAMES",
    "DEFAULT_FIXTURES",
    "DEFAULT_URL",
    "ClientSettings",
    "Declared",
    "Settings",
    "parse_bool",
]
DEFAULT_URL = "http://127.0.0.1:8000"
# MOCKGRAPH_CLOUD's values (clouds.py names them) and the codes of a missing photo's 404.
ENV_PREFIX = "MOCKGRAPH_"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Setting:
    """How one Settings field is read from a MOCKGRAPH_* variable or a flag."""

    help: str
    parse: Callable[[str], Any]
    # The default as a person reads it in --help and docs/configuration.md.
    shown: str
    choices: tuple[str, ...] | None = None
    aliases: tuple[str, ...] = ()

    def describe(self, env: str) -> str:
        return f"{self.help} ({env}; default {self.shown})"


def setting(
    default: T,
    help: str,
    parse: Callable[[str], Any],
    *,
    shown: str | None = None,
    choices: tuple[str, ...] | None = None,
    aliases: tuple[str, ...] = (),
) -> T:
    """A dataclass field that is also a declared setting."""
    shown = shown if shown is not None else str(default).lower()
    declared = Setting(help, parse, shown, choices, aliases)
    result: T = field(default=default, metadata={"setting": declared})
    return result


LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
LOG_FORMATS = ("text", "json")


@dataclass(frozen=True)
class Declared:
    """Reading a settings dataclass from MOCKGRAPH_* variables, by its declarations."""

    @classmethod
    def declared(cls) -> Iterator[tuple[str, Setting]]:
        """Each declared field's name and declaration, in order."""
        for item in fields(cls):
            declared = item.metadata.get("setting")
            if declared is not None:
                yield item.name, declared

    @staticmethod
    def env_name(name: str) -> str:
        return ENV_PREFIX + name.upper()

    @staticmethod
    def flag_name(name: str) -> str:
        return "--" + name.replace("_", "-")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], **given: Any) -> Self:
        """The settings the variables set (`given` values win); ValueError names the variable."""
        values: dict[str, Any] = {}
        for name, declared in cls.declared():
            env = cls.env_name(name)
            if name in given or env not in environ:
                continue
            try:
                values[name] = declared.parse(environ[env])
            except ValueError as exc:
                raise ValueError(f"{env}: {exc}") from None
        return cls(**values, **given)

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser, only: Sequence[str] = ()) -> None:
        """One flag per declared setting (or per one of `only`), parsed by its declaration.

        Only flags given on the command line land in the namespace, so that `from_args`
        takes the others from their variables, or the defaults.
        """
        for name, declared in cls.declared():
            if only and name not in only:
                continue
            options: dict[str, Any] = {"dest": name, "default": argparse.SUPPRESS}
            if declared.parse is parse_bool:
                options["action"] = argparse.BooleanOptionalAction
            else:
                options["type"] = _argument_type(declared.parse)
                options["metavar"] = name.rsplit("_", 1)[-1].upper()
            flags = (cls.flag_name(name), *declared.aliases)
            parser.add_argument(*flags, help=declared.describe(cls.env_name(name)), **options)

    @classmethod
    def from_args(
        cls,
        args: argparse.Namespace,
        environ: Mapping[str, str] | None = None,
        only: Sequence[str] = (),
    ) -> Self:
        """The flags given, then the variables, then the defaults (with `only`, the other
        settings keep their defaults)."""
        environ = os.environ if environ is None else environ
        if only:
            wanted = {cls.env_name(name) for name in only}
            environ = {k: v for k, v in environ.items() if k in wanted}
        given = {name: getattr(args, name) for name, _ in cls.declared() if hasattr(args, name)}
        return cls.from_environ(environ, **given)


def _argument_type(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


@dataclass(frozen=True)
class Settings(Declared):
    """How one mockgraph server runs."""

    host: str = setting("127.0.0.1", "address to listen on", str)
    port: int = setting(8000, "port to listen on", parse_int)
    fixtures: Path = setting(
        DEFAULT_FIXTURES, "the seed file", parse_fixtures, shown="the bundled fixtures"
    )
    # A PEM RSA private key to sign tokens with; None generates one at start.
    signing_key: Path | None = setting(
        None,
        "PEM RSA key to sign tokens with",
        parse_optional_path,
        shown="one generated at start",
    )
    # Graph's docs ask for the calling app's id as sessionId; the live service accepts any.
    strict_session_id: bool = setting(
        False, "setPresence's sessionId must be the caller's app id", parse_bool
    )
    max_body_bytes: int = setting(
        1024 * 1024, "requests with a larger body are refused with 413", at_least_one
    )
    # Graph's nextLinks pass 8,000 characters; HTTP.sys, in front of Graph, refuses a request
    # head past its limits (docs/reliability.md, "Limits").
    max_url_bytes: int = setting(
        16 * 1024, "requests with a longer path and query are refused with 414", at_least_one
    )
    max_header_bytes: int = setting(
        64 * 1024,
        "requests with a longer request line and headers are refused with 400",
        at_least_one,
    )
    log_level: str = setting(
        "info",
        "critical, error, warning, info (a line per call) or debug (uvicorn's access lines too)",
        one_of(*LOG_LEVELS),
        choices=LOG_LEVELS,
    )
    log_format: str = setting(
        "text",
        "text (coloured on a terminal) or json (one object per line)",
        one_of(*LOG_FORMATS),
        choices=LOG_FORMATS,
    )
    quiet: bool = setting(False, "leave out the start-up banner", parse_bool)
    # When set, every /_mockgraph call but health and the CA certificate needs it as a bearer.
    admin_key: str | None = setting(
        None, "require this bearer key on /_mockgraph calls", parse_optional_text, shown="none"
    )
    journal_size: int = setting(10_000, "Graph calls the request journal keeps", at_least_one)
    throttle: Limit | None = setting(
        None,
        "off, graph (1500 per 30 s per app per tenant) or N/Ss such as 100/10s",
        parse_limit,
        shown="off",
    )
    max_tenants: int = setting(
        1000, "tenants kept at most; a token for one more gets 403", at_least_one
    )
    # Which tenant ids Entra's endpoints and Graph take: the fixtures' and those the control
    # plane made ("known", as Entra answers AADSTS90002 for any other), or any id ("any").
    tenants: str = setting(
        "known",
        "which tenants exist: the fixtures' and those the control plane made (known), or any "
        "tenant id (any)",
        one_of("known", "any"),
        choices=("known", "any"),
    )
    webhook_https_only: bool = setting(
        False, "notification URLs must be https, as in Graph", parse_bool
    )
    # Delivery attempts per notification (then it is given up), the first retry's delay in
    # seconds (doubling each time), and how long an endpoint may take to answer.
    webhook_attempts: int = setting(
        5, "delivery attempts per notification before it is given up", at_least_one
    )
    webhook_backoff: float = setting(
        0.2, "seconds before the first retry, doubling after", seconds_at_least(0.0)
    )
    webhook_timeout: float = setting(
        3.0, "seconds a webhook may take to answer", seconds_at_least(0.1), shown="3"
    )
    # Where the whole state is saved (atomically) at shutdown and every interval, and loaded
    # from at start; None keeps it in memory only.
    state_file: Path | None = setting(
        None,
        "save the whole state here at shutdown and every interval, and load it at start",
        parse_optional_path,
        shown="none",
    )
    state_save_interval: float = setting(
        10.0,
        "seconds between saves of the state file; 0 saves at shutdown only",
        seconds_at_least(0.0),
        shown="10",
    )
    cors_origins: tuple[str, ...] = setting(
        ("*",),
        "origins browsers may call from: *, none, or a comma-separated list",
        parse_origins,
        shown="*",
    )
    # Names the control plane answers to besides IP addresses, localhost and one-label names
    # (steps/origin_gate.py): a guard against DNS rebinding.
    allowed_hosts: tuple[str, ...] = setting(
        (),
        "dotted host names the control plane answers to: a comma-separated list, or *",
        parse_origins,
        shown="IP addresses, localhost and one-label names",
    )
    device_code_user: str | None = setting(
        None,
        "approve every new device code as this user (object id or UPN) after one polling "
        "interval, for clients that run unattended",
        parse_optional_text,
        shown="none: a person or a test decides",
    )
    # msal-node treats slow_down as fatal, so it is off unless asked for (RFC 8628 strict).
    device_code_slow_down: bool = setting(
        False, "answer slow_down to a device-code poll sooner than its interval", parse_bool
    )
    tls: bool = setting(
        False,
        "serve HTTPS with a certificate for localhost signed by a CA mockgraph makes",
        parse_bool,
    )
    tls_cert: Path | None = setting(
        None, "serve HTTPS with this PEM certificate", parse_optional_path, shown="none"
    )
    tls_key: Path | None = setting(
        None, "the PEM key of the certificate", parse_optional_path, shown="none"
    )
    tls_ca_file: Path | None = setting(
        None,
        "where --tls writes its CA certificate",
        parse_optional_path,
        shown="a new temporary folder, named at start",
    )
    tls_ca_cert: Path | None = setting(
        None,
        "sign the server's and the proxy's certificate with this CA (from `mockgraph ca create`)",
        parse_optional_path,
        shown="a new CA each run",
    )
    tls_ca_key: Path | None = setting(
        None, "the PEM key of --tls-ca-cert", parse_optional_path, shown="none"
    )
    # The proxy route (issue 12): clients with HTTPS_PROXY reach mockgraph as Graph and Entra.
    proxy_port: int | None = setting(
        None,
        "also listen on this port of --host as an HTTP proxy (HTTPS_PROXY) that answers as "
        "Graph's and Entra's own hosts",
        parse_optional_port,
        shown="no proxy",
    )
    proxy_passthrough: tuple[tuple[str, int], ...] = setting(
        (),
        "HOST[:PORT],... the proxy tunnels unchanged; any other host not Graph's or Entra's "
        "gets 403",
        parse_passthrough,
        shown="none",
    )
    cloud: str = setting(
        "global",
        "the national cloud mockgraph's own address answers as; Graph's and Entra's own hosts "
        "decide for themselves",
        one_of(*CLOUD_NAMES),
        choices=CLOUD_NAMES,
    )
    photo_not_found_code: str = setting(
        "ImageNotFound",
        "the code of a missing photo's 404: ImageNotFound (documented) or "
        "ErrorEntityNotFound (what Graph sends today)",
        parse_photo_not_found_code,
        shown="ImageNotFound",
        choices=PHOTO_NOT_FOUND_CODES,
    )
    # Scenarios (mockgraph/scenarios/, docs/scenarios.md): a profile or a file, played at start.
    scenario: str | None = setting(
        None,
        "play a scenario from the start: a profile (office-day, contact-centre, all-hands, "
        "flaky-network) or a scenario file",
        parse_optional_text,
        shown="none",
    )
    scenario_users: int = setting(
        20,
        "users in the scenario's cast (made up when the fixtures have fewer)",
        bounded_int(1, 100_000),
        aliases=("--users",),
    )
    scenario_speed: float = setting(
        1.0, "virtual seconds per real second; 1 follows wall time", parse_speed, shown="1",
        aliases=("--speed",),
    )  # fmt: skip
    scenario_seed: int = setting(1, "the seed a profile draws from", bounded_int(0, 2**31))
    scenario_start: datetime | None = setting(
        None,
        "the scenario's virtual start, an ISO date-time",
        parse_optional_datetime,
        shown="08:00 today in the profile's first time zone",
    )
    # The CA certificate clients should trust when mockgraph serves HTTPS with its own CA;
    # served at /_mockgraph/ca.pem. Set by the server at start, not by a variable.
    tls_ca: Path | None = None

    @property
    def https(self) -> bool:
        """Whether the server serves HTTPS (its own CA, or a given certificate)."""
        return self.tls or self.tls_cert is not None


@dataclass(frozen=True)
class ClientSettings(Declared):
    """Where the client commands and the pytest plugin find a running server."""

    url: str | None = setting(None, "a running server", parse_url, shown=DEFAULT_URL)
    admin_key: str | None = setting(
        None, "the server's admin key, if it has one", parse_optional_text, shown="none"
    )

    @property
    def base_url(self) -> str:
        return self.url or DEFAULT_URL
