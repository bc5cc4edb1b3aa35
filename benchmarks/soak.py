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
"""

from __future__ import annotations

import base64
import hashlib
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx

from benchmarks.harness.bench import Bench
from benchmarks.harness.report import Report, Row
from benchmarks.harness.servers import mockgraph_server, running
from benchmarks.harness.tenant import TENANT, token

CASE = "14. soak"
CALLS = 200_000
SAMPLE_EVERY = 10.0
DEADLINE = 1800.0  # the whole soak stops after 30 minutes, whatever it has sent
WORKERS = 8
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
    sent: int = 0
    errors: int = 0  # 5xx or transport errors; a 4xx the mix asks for is expected
    sign_ins: int = 0  # tokens issued by Entra's token endpoint
    samples: list[tuple[float, float, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


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


def _mix(soak: Soak) -> list[Step]:
    """One round of the mix, 28 calls; every call is bounded by the client's timeout."""
    read = {"Authorization": f"Bearer {soak.reader}"}
    write = {"Authorization": f"Bearer {soak.writer}"}
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
    two = [("Authorization", read["Authorization"]), ("Authorization", "Bearer x")]
    last_read = [datetime.now(UTC)]

    def newest_calls(client: httpx.Client) -> list[httpx.Response]:
        # As a test harness reads the journal: what came since it last looked.
        since, last_read[0] = last_read[0], datetime.now(UTC)
        return [client.get("/_mockgraph/requests", params={"since": since.isoformat()})]

    def get(path: str, **options: object) -> Step:
        return lambda client: [client.get(path, **options)]  # type: ignore[arg-type]

    def post(path: str, **options: object) -> Step:
        return lambda client: [client.post(path, **options)]  # type: ignore[arg-type]

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


def _worker(soak: Soak, stop: float, offset: int) -> None:
    steps = _mix(soak)
    steps = steps[offset:] + steps[:offset]
    with httpx.Client(base_url=soak.url, timeout=30, follow_redirects=False) as client:
        for index in range(soak.limit):
            with soak.lock:
                if soak.sent >= soak.limit or time.monotonic() > stop:
                    return
            try:
                answers = steps[index % len(steps)](client)
                failed = any(answer.status_code >= 500 for answer in answers)
                issued = sum(
                    a.status_code == 200 and a.url.path == TOKEN_URL and "access_token" in a.text
                    for a in answers
                )
                calls = len(answers)
            except (httpx.TransportError, KeyError, ValueError):
                failed, issued, calls = True, 0, 1
            with soak.lock:
                soak.sent += calls
                soak.sign_ins += issued
                soak.errors += failed


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
    with running(mockgraph_server()) as server:
        roles = ["Presence.ReadWrite.All", "User.Read.All"]
        soak = Soak(
            server.url,
            token(server.url, userId=ADELE, scopes=["Presence.Read.All"], appId=BUSY_LIGHT),
            token(server.url, appId=PRESENCE_SYNC, roles=roles),
            calls,
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


def slope_per_10k(points: list[tuple[float, float, int]]) -> float:
    """The least-squares slope of RSS over calls sent, in MiB per 10,000 calls."""
    if len(points) < 2 or len({sent for _, _, sent in points}) < 2:
        return 0.0
    sent = [float(s) for _, _, s in points]
    rss = [r for _, r, _ in points]
    return statistics.linear_regression(sent, rss).slope * 10_000


def _report(report: Report, soak: Soak) -> None:
    # The baseline: once a quarter of the calls are in, the journal (10,000 calls) is full and
    # every cache warm; from there on RSS should stay flat.
    warm_at = next(i for i, (_, _, sent) in enumerate(soak.samples) if sent >= soak.sent // 4)
    warm = soak.samples[warm_at][1]
    peak = max(rss for _, rss, _ in soak.samples)
    seconds = soak.samples[-1][0]
    slope = slope_per_10k(soak.samples[warm_at:])
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
                f"{soak.sign_ins:,} sign-ins; RSS every {SAMPLE_EVERY:g} s: first "
                f"{soak.samples[0][1]:.0f}, peak {peak:.0f} MiB, {slope:+.2f} MiB per 10,000 "
                f"calls from a quarter on; before: at a quarter; {seconds:.0f} s"
            ),
        )
    )
    print("\n| seconds | calls sent | RSS (MiB) |\n|---:|---:|---:|")
    for at, rss, sent in soak.samples:
        print(f"| {at:.0f} | {sent:,} | {rss:.1f} |")
    print(
        f"\n{soak.sent:,} calls in {seconds:.0f} s ({soak.sent / max(seconds, 1e-9):,.0f}/s), "
        f"{soak.sign_ins:,} sign-ins, {soak.errors} errors; RSS first {soak.samples[0][1]:.1f}, "
        f"at a quarter {warm:.1f}, last {soak.samples[-1][1]:.1f}, peak {peak:.1f} MiB; "
        f"slope {slope:+.3f} MiB per 10,000 calls from a quarter on "
        f"({slope_per_10k(soak.samples):+.3f} over the whole run)",
        flush=True,
    )


def evaluate_soak(report: Report) -> None:
    """Flat memory: the end within 10 % (or 8 MiB) of the RSS at a quarter of the calls."""
    row = report.first(CASE)
    if row is None or row.rss_after_mib is None or row.rss_idle_mib is None:
        return
    allowed = max(row.rss_idle_mib * 1.1, row.rss_idle_mib + 8)
    report.target(
        "soak: RSS flat (end <= max(1.1x, +8 MiB) of the RSS at a quarter of the calls)",
        row.rss_after_mib <= allowed,
        f"{row.rss_after_mib:.0f} MiB vs {row.rss_idle_mib:.0f} MiB at a quarter",
    )
    report.target("soak: no 5xx", row.errors == 0, f"{row.errors} errors")
