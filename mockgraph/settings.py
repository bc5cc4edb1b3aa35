"""Settings for one mockgraph app; built by the CLI or the test helpers, never at import."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mockgraph.limits import Limit

DEFAULT_FIXTURES = Path(__file__).with_name("default_fixtures.json")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    fixtures: Path = field(default=DEFAULT_FIXTURES)
    # A PEM RSA private key to sign tokens with; None generates one at start.
    signing_key: Path | None = None
    # Graph's docs ask for the calling app's id as sessionId; the live service accepts any.
    strict_session_id: bool = False
    # Requests with a larger body are refused with 413.
    max_body_bytes: int = 1024 * 1024
    log_level: str = "info"
    # When set, every /_mockgraph call but health and the CA certificate needs it as a bearer.
    admin_key: str | None = None
    # How many Graph calls the request journal keeps; older ones are dropped and counted.
    journal_size: int = 10_000
    # Requests per window per app per tenant; None: no throttling (see throttle.parse_limit).
    throttle: Limit | None = None
    # How many tenants the store keeps; a token for one more is refused with 403.
    max_tenants: int = 1000
    # The CA certificate clients should trust when mockgraph serves HTTPS with its own CA;
    # served at /_mockgraph/ca.pem.
    tls_ca: Path | None = None
    # Graph demands https notification URLs; a local test receiver rarely has it.
    webhook_https_only: bool = False
    # Delivery attempts per notification (then it is given up), the first retry's delay in
    # seconds (doubling each time), and how long an endpoint may take to answer.
    webhook_attempts: int = 5
    webhook_backoff: float = 0.2
    webhook_timeout: float = 3.0
    # Where the whole state is saved (atomically) at shutdown and every interval, and loaded
    # from at start; None keeps it in memory only.
    state_file: Path | None = None
    state_save_interval: float = 10.0
    # Origins a browser may call from ("*": any); () turns CORS off.
    cors_origins: tuple[str, ...] = ("*",)
    # The national cloud whose Graph root @odata.context names when the Host is none of
    # Graph's (clouds.py: global, usgov, dod, china).
    cloud: str = "global"
    # The code of a missing photo's 404: ImageNotFound (documented) or ErrorEntityNotFound
    # (what the service sends today, directory-reference.md §4.4).
    photo_not_found_code: str = "ImageNotFound"
