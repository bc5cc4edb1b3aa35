"""The soak case (`--case soak`, not part of `make bench`): 200,000 mixed calls, sign-ins of
every flow included, against one server, its RSS sampled every 10 s; memory must stay flat.

The mix, 28 calls a round: presence reads and writes, getPresencesByUserId, a user list with
$filter; sign-ins by client credentials, by password with a refresh-token redemption, by
authorization code (the sign-in page, the chosen account, the code redeemed with PKCE, its
refresh token redeemed) and by device code (approved through the control plane, then polled);
an authorization code from the sign-in page (login_hint) never redeemed; a read of the journal's
newest calls, as a test harness reads it; and hostile calls (a URL past the limit, a nested
$batch, two Authorization headers). Eight client threads, each with kept-alive connections,
bound the driver's concurrency. Every figure is printed as Markdown for docs/performance.md.

The tenant's clock moves as a long-running emulator's does in CI (tests advance it): every
1,000 calls (`ADVANCE_EVERY`) the soak advances the virtual clock by `ADVANCE`, 4 days
(`POST /_mockgraph/clock {"advance": "P4D"}`), alone (no step in flight, so no flow straddles
it), then mints the reader's and writer's access tokens afresh (they last an hour). Refresh
tokens (90 days), authorization codes (10 minutes) and device codes (15 minutes) from earlier
rounds so expire and are pruned on the tenant's clock (mockgraph/identity/pruning.py): the
first refresh tokens expire after 23 advances, 23,000 calls, so by the first quarter (50,000)
the store holds a steady ~23 advances' worth. The journal is bounded by count and bytes.

Flat, precisely (`flatness`): after the first 25 % of the calls, the least-squares RSS slope is
below 0.2 MiB per 10,000 calls, and the last sample is within 5 % of the median of the second
half's samples. The soak prints PASS or FAIL against that beside the RSS series.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx

from benchmarks.harness.bench import Bench
from benchmarks.harness.flatness import FLAT_TARGET, Flatness, flatness, slope_per_10k
from benchmarks.harness.gate import Gate
from benchmarks.harness.report import Report, Row
from benchmarks.harness.servers import mockgraph_server, running
from benchmarks.harness.tenant import TENANT, token

CASE = "14. soak"
CALLS = 200_000
SAMPLE_EVERY = 10.0
DEADLINE = 1800.0  # the whole soak stops after 30 minutes, whatever it has sent
WORKERS = 8
ADVANCE_EVERY = 1_000  # calls between two advances of the clock
ADVANCE = "P4D"
ADVANCE_SECONDS = 4 * 86400
# Of the built-in seed (mockgraph/default_fixtures.json).
ADELE = "fa8bf3dc-eca7-46b7-bad1-db199b62afc3"
ADELE_UPN = "adele.vance@contoso.example"
ADELE_PASSWORD = "Adele-Pa55!"
BUSY_LIGHT = "4e6a8c0b-2d4f-4a6c-8e0a-2c4e6a8c0b13"
PRESENCE_SYNC = "7d3c6a52-3b8f-4d5e-9c1a-2f4e8b6d0a11"
PRESENCE_SYNC_SECRET = "presence-sync-secret"
PATTI = "5c7e9a1b-3d5f-4b7d-8e9f-1a3c5e7b9d21"
TOKEN_URL = f"/{TENANT}/oauth2/v2.0/token"
AUTHORIZE_URL = f"/{TENANT}/oauth2/v2.0/authorize"
DEVICECODE_URL = f"/{TENANT}/oauth2/v2.0/devicecode"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REDIRECT = "http://localhost"
VERIFIER = "soak-verifier-" + "v" * 40
# S256 (RFC 7636, section 4.2): base64url of the verifier's SHA-256, without padding.
CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).decode().rstrip("=")
)


@dataclass
class Soak:
    url: str
    reader: str
    writer: str
    limit: int
    advance_every: int = ADVANCE_EVERY
    sent: int = 0
    errors: int = 0  # 5xx or transport errors; a 4xx the mix asks for is expected
    sign_ins: int = 0  # tokens issued by Entra's token endpoint
    unauthorized: int = 0  # 401s on the presence calls: an access token the clock outran
    advances: int = 0
    next_advance: int = ADVANCE_EVERY
    clock_offset: timedelta = timedelta()  # how far the tenant's clock is ahead of real time
    samples: list[tuple[float, float, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    gate: Gate = field(default_factory=Gate)


# One step of the mix: its calls, in order (a sign-in flow is several).
Step = Callable[[httpx.Client], list[httpx.Response]]


def client_credentials(client: httpx.Client) -> list[httpx.Response]:
    form = {
        "grant_type": "client_credentials",
        "client_id": PRESENCE_SYNC,
        "client_secret": PRESENCE_SYNC_SECRET,
        "scope": "https://graph.microsoft.com/.default",
    }
    return [client.post(TOKEN_URL, data=form)]


def device_code(client: httpx.Client) -> list[httpx.Response]:
    scope = "Presence.Read openid profile offline_access"
    flow = client.post(DEVICECODE_URL, data={"client_id": BUSY_LIGHT, "scope": scope})
    user_code = flow.json()["user_code"]
    decision = {"userId": ADELE, "decision": "approve"}
    approved = client.post(f"/_mockgraph/device-codes/{user_code}", json=decision)
    form = {"grant_type": DEVICE_GRANT, "client_id": BUSY_LIGHT}
    form["device_code"] = flow.json()["device_code"]
    return [flow, approved, client.post(TOKEN_URL, data=form)]


def _sign_ins() -> list[Step]:
    """Every sign-in flow a client uses; each step's last answer is a token."""
    password = {
        "grant_type": "password",
        "client_id": BUSY_LIGHT,
        "username": ADELE_UPN,
        "password": ADELE_PASSWORD,
        "scope": "offline_access User.Read",
    }
    authorize = {
        "client_id": BUSY_LIGHT,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "offline_access Presence.Read openid",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    }

    def password_then_refresh(client: httpx.Client) -> list[httpx.Response]:
        first = client.post(TOKEN_URL, data=password)
        form = {**password, "grant_type": "refresh_token"}
        form["refresh_token"] = first.json()["refresh_token"]
        return [first, client.post(TOKEN_URL, data=form)]

    def authorization_code(client: httpx.Client) -> list[httpx.Response]:
        page = client.get(AUTHORIZE_URL, params=authorize)
        chosen = client.post(AUTHORIZE_URL, data={**authorize, "mockgraph_user": ADELE})
        code = parse_qs(urlsplit(chosen.headers["location"]).query)["code"][0]
        redeem = {
            "grant_type": "authorization_code",
            "client_id": BUSY_LIGHT,
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": VERIFIER,
        }
        tokens = client.post(TOKEN_URL, data=redeem)
        refresh = {
            "grant_type": "refresh_token",
            "client_id": BUSY_LIGHT,
            "refresh_token": tokens.json()["refresh_token"],
        }
        return [page, chosen, tokens, client.post(TOKEN_URL, data=refresh)]

    return [client_credentials, password_then_refresh, authorization_code, device_code]


def _call(
    method: str, path: str, headers: Callable[[], object] | None, options: dict[str, object]
) -> Step:
    """One call; its headers made at each call (an advance mints the access tokens afresh)."""

    def call(client: httpx.Client) -> list[httpx.Response]:
        extra = {"headers": headers()} if headers else {}
        return [client.request(method, path, **options, **extra)]  # type: ignore[arg-type]

    return call


def _mix(soak: Soak) -> list[Step]:
    """One round of the mix, 28 calls; every call is bounded by the client's timeout."""
    busy = {"sessionId": "soak", "availability": "Busy", "activity": "InACall"}
    hinted = {
        "client_id": BUSY_LIGHT,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "User.Read",
        "login_hint": ADELE_UPN,
    }
    nested = {"requests": [{"id": "1", "method": "POST", "url": "/$batch", "body": {}}]}
    presence = f"/v1.0/users/{PATTI}/presence"
    last_read = [datetime.now(UTC) + soak.clock_offset]

    def newest_calls(client: httpx.Client) -> list[httpx.Response]:
        # As a test harness reads the journal: what came since it last looked, by the tenant's
        # clock (the journal's times are the tenant's).
        now = datetime.now(UTC) + soak.clock_offset
        since, last_read[0] = max(last_read[0], now - timedelta(seconds=60)), now
        return [client.get("/_mockgraph/requests", params={"since": since.isoformat()})]

    # The access tokens are read at each call: an advance mints them afresh.
    def read() -> dict[str, str]:
        return {"Authorization": f"Bearer {soak.reader}"}

    def write() -> dict[str, str]:
        return {"Authorization": f"Bearer {soak.writer}"}

    def two() -> list[tuple[str, str]]:
        return [("Authorization", f"Bearer {soak.reader}"), ("Authorization", "Bearer x")]

    def get(path: str, headers: Callable[[], object] | None = None, **options: object) -> Step:
        return _call("GET", path, headers, options)

    def post(path: str, headers: Callable[[], object] | None = None, **options: object) -> Step:
        return _call("POST", path, headers, options)

    sign_ins = _sign_ins()
    return [
        *[get(presence, headers=read)] * 4,
        sign_ins[0],
        *[post(f"{presence}/setPresence", json=busy, headers=write)] * 3,
        sign_ins[1],
        post("/v1.0/communications/getPresencesByUserId", json={"ids": [PATTI]}, headers=read),
        get("/v1.0/users", params={"$filter": "startswith(displayName,'A')"}, headers=write),
        sign_ins[2],
        *[get(presence, headers=read)] * 4,
        get(AUTHORIZE_URL, params=hinted),
        sign_ins[3],
        newest_calls,
        get(presence, params={"x": "a" * 20_000}, headers=read),
        post("/v1.0/$batch", json=nested, headers=read),
        get(presence, headers=two),
    ]


def advance_clock(soak: Soak, client: httpx.Client) -> None:
    """Every ADVANCE_EVERY calls: the tenant's clock `ADVANCE` on, with no step in flight, and fresh
    access tokens for the presence calls (the old ones have expired by the new clock)."""
    with soak.gate.alone():
        answer = client.post("/_mockgraph/clock", json={"advance": ADVANCE})
        answer.raise_for_status()
        now = datetime.fromisoformat(answer.json()["now"].replace("Z", "+00:00"))
        soak.clock_offset = now - datetime.now(UTC)
        roles = ["Presence.ReadWrite.All", "User.Read.All"]
        reader = token(soak.url, userId=ADELE, scopes=["Presence.Read.All"], appId=BUSY_LIGHT)
        soak.reader, soak.writer = reader, token(soak.url, appId=PRESENCE_SYNC, roles=roles)
        soak.advances += 1


def _worker(soak: Soak, stop: float, offset: int) -> None:
    steps = _mix(soak)
    steps = steps[offset:] + steps[:offset]
    with httpx.Client(base_url=soak.url, timeout=30, follow_redirects=False) as client:
        for index in range(soak.limit):
            with soak.lock:
                if soak.sent >= soak.limit or time.monotonic() > stop:
                    return
            try:
                with soak.gate.step():
                    answers = steps[index % len(steps)](client)
                failed = any(answer.status_code >= 500 for answer in answers)
                # A 401 on a Graph call with one bearer token: its token expired by the clock.
                expired = sum(
                    a.status_code == 401
                    and a.url.path.startswith("/v1.0/")
                    and len(a.request.headers.get_list("authorization")) == 1
                    for a in answers
                )
                issued = sum(
                    a.status_code == 200 and a.url.path == TOKEN_URL and "access_token" in a.text
                    for a in answers
                )
                calls = len(answers)
            except (httpx.TransportError, KeyError, ValueError):
                failed, issued, calls, expired = True, 0, 1, 0
            with soak.lock:
                soak.sent += calls
                soak.sign_ins += issued
                soak.errors += failed
                soak.unauthorized += expired
                due = soak.sent >= soak.next_advance and soak.sent < soak.limit
                if due:
                    soak.next_advance += soak.advance_every
            if due:
                try:
                    advance_clock(soak, client)
                except httpx.HTTPError:
                    with soak.lock:
                        soak.errors += 1


def _sample(soak: Soak, server_rss: Callable[[], float], done: threading.Event) -> None:
    started = time.monotonic()
    while True:
        soak.samples.append((time.monotonic() - started, server_rss(), soak.sent))
        if done.wait(SAMPLE_EVERY):
            soak.samples.append((time.monotonic() - started, server_rss(), soak.sent))
            return


def run_soak(bench: Bench) -> None:
    print("case 14: soak", flush=True)
    calls = 2_000 if bench.quick else CALLS
    # The quick run advances more often, so that its clock passes 90 days too.
    every = 40 if bench.quick else ADVANCE_EVERY
    with running(mockgraph_server()) as server:
        roles = ["Presence.ReadWrite.All", "User.Read.All"]
        soak = Soak(
            server.url,
            token(server.url, userId=ADELE, scopes=["Presence.Read.All"], appId=BUSY_LIGHT),
            token(server.url, appId=PRESENCE_SYNC, roles=roles),
            calls,
            advance_every=every,
            next_advance=every,
        )
        done = threading.Event()
        sampler = threading.Thread(target=_sample, args=(soak, server.rss, done), daemon=True)
        sampler.start()
        stop = time.monotonic() + DEADLINE
        # Each thread starts at its own place in the mix, so the sign-ins are spread out.
        threads = [
            threading.Thread(target=_worker, args=(soak, stop, i * 3)) for i in range(WORKERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        sampler.join()
    _report(bench.report, soak)


def _report(report: Report, soak: Soak) -> None:
    # The baseline: once a quarter of the calls are in, the journal is full, every cache warm
    # and the first refresh tokens have expired (23 advances); from there on RSS should stay flat.
    warm_at = next(i for i, (_, _, sent) in enumerate(soak.samples) if sent >= soak.sent // 4)
    warm = soak.samples[warm_at][1]
    peak = max(rss for _, rss, _ in soak.samples)
    seconds = soak.samples[-1][0]
    verdict = flatness(soak.samples)
    days = soak.advances * ADVANCE_SECONDS / 86400
    report.rows.append(
        Row(
            f"{CASE}, {soak.sent:,} mixed calls",
            "mockgraph",
            rps=soak.sent / seconds if seconds else None,
            rss_idle_mib=warm,
            rss_after_mib=soak.samples[-1][1],
            requests=soak.sent,
            errors=soak.errors,
            note=(
                f"{soak.sign_ins:,} sign-ins; {soak.advances} clock advances of {ADVANCE} "
                f"({days:,.0f} virtual days); {soak.unauthorized} expired-token 401s; RSS every "
                f"{SAMPLE_EVERY:g} s: first {soak.samples[0][1]:.0f}, peak {peak:.0f} MiB, "
                f"{verdict.slope:+.2f} MiB per 10,000 calls from a quarter on; flat: "
                f"{'PASS' if verdict.flat else 'FAIL'}; before: at a quarter; {seconds:.0f} s"
            ),
        )
    )
    print("\n| seconds | calls sent | RSS (MiB) |\n|---:|---:|---:|")
    for at, rss, sent in soak.samples:
        print(f"| {at:.0f} | {sent:,} | {rss:.1f} |")
    print(
        f"\n{soak.sent:,} calls in {seconds:.0f} s ({soak.sent / max(seconds, 1e-9):,.0f}/s), "
        f"{soak.sign_ins:,} sign-ins, {soak.errors} errors, {soak.unauthorized} expired-token "
        f"401s; {soak.advances} clock advances of {ADVANCE} ({days:,.0f} virtual days); RSS "
        f"first {soak.samples[0][1]:.1f}, at a quarter {warm:.1f}, last "
        f"{soak.samples[-1][1]:.1f}, peak {peak:.1f} MiB; slope {verdict.slope:+.3f} MiB per "
        f"10,000 calls from a quarter on ({slope_per_10k(soak.samples):+.3f} over the whole "
        f"run)\nflat: {verdict.verdict()}",
        flush=True,
    )
    report.figures[FLATNESS] = {
        "slope_mib_per_10k": verdict.slope,
        "last_mib": verdict.last,
        "second_half_median_mib": verdict.median,
        "flat": float(verdict.flat),
        "clock_advances": float(soak.advances),
        "expired_token_401s": float(soak.unauthorized),
    }


FLATNESS = "soak flatness"


def evaluate_soak(report: Report) -> None:
    """Flat memory, as `flatness` defines it; no 5xx; no access token the clock outran."""
    row = report.first(CASE)
    figures = report.figures.get(FLATNESS)
    if row is None or figures is None:
        return
    verdict = Flatness(
        figures["slope_mib_per_10k"],
        figures["last_mib"],
        figures["second_half_median_mib"],
        bool(figures["flat"]),
    )
    report.target(
        FLAT_TARGET,
        verdict.flat,
        verdict.verdict(),
    )
    report.target("soak: no 5xx", row.errors == 0, f"{row.errors} errors")
