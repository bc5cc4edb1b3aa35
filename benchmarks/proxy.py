"""Case 13 of `make bench` (`--case proxy`): GET presence as https://graph.microsoft.com
through mockgraph's intercepting proxy (TLS, keep-alive), and one new TLS connection's cost.
wrk has no CONNECT, so benchmarks/harness/proxy_load.py drives it."""

from __future__ import annotations

import statistics
from pathlib import Path

import httpx

from benchmarks.harness import proxy_load
from benchmarks.harness.bench import Bench
from benchmarks.harness.report import CASE_1, Report, Row
from benchmarks.harness.servers import Server, free_port, mockgraph_server, running
from benchmarks.harness.tenant import PRESENCE_BODY_PATH, reader_token, user_id, write_fixtures

PROXY_CASE = "13. GET presence via the proxy (TLS)"
NEW_TLS_CASE = "13. one new TLS connection via the proxy"


def run_proxy(bench: Bench, with_case_1: bool) -> None:
    """Case 13, with case 1 measured on the same server for its ratio when the presence
    group did not run."""
    fixtures = bench.work / "users-proxy.json"
    write_fixtures(fixtures, 50 if bench.quick else 1000)
    get_path = PRESENCE_BODY_PATH.format(id=user_id(1))
    print("case 13: GET presence through the proxy, TLS, keep-alive", flush=True)
    server = mockgraph_server(fixtures)
    proxy_port = free_port()
    server.argv += ["--proxy-port", str(proxy_port)]
    with running(server):
        reader = reader_token(server.url)
        ca = bench.work / "proxy-ca.pem"
        ca.write_bytes(httpx.get(server.url + "/_mockgraph/ca.pem").content)
        if not with_case_1:
            bench.measure(
                CASE_1,
                server,
                server.url + get_path,
                headers=[f"Authorization: Bearer {reader}"],
            )
        row = _keep_alive(bench, server, proxy_port, ca, get_path, reader)
        handshake = proxy_load.new_connection_ms(
            proxy_port, str(ca), get_path, reader, 20 if bench.quick else 200
        )
        bench.report.rows.append(
            Row(
                NEW_TLS_CASE,
                server.name,
                p50_ms=handshake,
                note="median, CONNECT to the first byte of the first answer",
            )
        )
        print(
            f"  {PROXY_CASE:<34} {row.rps:>9.0f} req/s  p50 {row.p50_ms:6.2f} ms  "
            f"p99 {row.p99_ms:7.2f} ms  errors {row.errors}; new TLS connection "
            f"{handshake:.2f} ms",
            flush=True,
        )


def _keep_alive(
    bench: Bench, server: Server, proxy_port: int, ca: Path, get_path: str, reader: str
) -> Row:
    """GETs on 32 keep-alive tunnels: a warm-up unless quick, then the median of the runs."""
    idle = server.rss()
    if not bench.quick:
        proxy_load.load(proxy_port, str(ca), get_path, reader, 3)
    runs = [
        proxy_load.load(proxy_port, str(ca), get_path, reader, bench.seconds)
        for _ in range(bench.runs)
    ]
    row = Row(
        PROXY_CASE,
        server.name,
        statistics.median(r.rps for r in runs),
        statistics.median(r.p50_ms for r in runs),
        statistics.median(r.p99_ms for r in runs),
        server.startup_ms,
        idle,
        server.rss(),
        sum(r.requests for r in runs),
        sum(r.errors for r in runs),
        "32 keep-alive tunnels, asyncio client on uvloop",
    )
    bench.report.rows.append(row)
    return row


def evaluate_proxy(report: Report) -> None:
    """Through the proxy, at least half of case 1's throughput."""
    get1 = report.row(CASE_1, "mockgraph")
    proxied = report.row(PROXY_CASE, "mockgraph")
    if get1 and get1.rps and proxied and proxied.rps:
        report.target(
            "case 13 (proxy, TLS, keep-alive) >= 0.5x case 1",
            proxied.rps >= 0.5 * get1.rps,
            f"{proxied.rps / get1.rps:.2f}x",
        )
