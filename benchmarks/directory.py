"""Cases 9 to 12 of `make bench` (issue 13; `--case directory`): paging, lookup, photos.

Each case loads a mockgraph started on a seed of N users with profiles.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from benchmarks.harness.bench import Bench
from benchmarks.harness.report import CASE_1, Report, Row
from benchmarks.harness.servers import ROOT, mockgraph_server, running
from benchmarks.harness.tenant import token
from benchmarks.harness.wrk import lua, rotate

PAGE_CASE = "9. GET /users $top=999 paging, 100,000 users"
FILTER_CASE = "10. GET /users $filter=mail eq, 100,000 users"
# Case 10's reference: case 1's call (GET presence) driven as case 10 is, over the same users.
FILTER_REFERENCE = "10r. GET presence, case 10's users and rotation"
LOOKUPS = 500  # case 10 rotates over this many mails, spread over the directory
PHOTO_CASE = "11. GET /users/{id}/photo/$value"
STARTUP_CASE = "12. start-up, 100,000 users with profiles"
SELECT = "$select=id,displayName,mail&$top=999"


def user_id(index: int) -> str:
    return str(uuid.UUID(int=0x20000000_0000_4000_8000_000000000000 + index))


def mail(index: int) -> str:
    return f"user.{index}@contoso.example"


def write_profiles(path: Path, users: int, photo: Path) -> None:
    """A seed of `users` users with whole profiles; every tenth has a photo."""
    (path.parent / "photo.jpg").write_bytes(photo.read_bytes())
    entries = []
    for index in range(users):
        entry: dict[str, Any] = {
            "id": user_id(index),
            "userPrincipalName": mail(index),
            "displayName": f"User {index:06d}",
            "mail": mail(index),
            "givenName": "User",
            "surname": f"{index:06d}",
            "jobTitle": ("Engineer", "Designer", "Director")[index % 3],
            "department": ("R&D", "Marketing", "Sales")[index % 3],
            "officeLocation": f"{index % 40}/{index % 1000}",
            "businessPhones": [f"+1 425 555 {index % 10000:04d}"],
            "preferredLanguage": "en-US",
            "proxyAddresses": [f"SMTP:{mail(index)}"],
        }
        if index % 10 == 0:
            entry["photo"] = "photo.jpg"
        entries.append(entry)
    apps = [{"appId": APP, "applicationPermissions": ROLES}]
    path.write_text(json.dumps({"users": entries, "apps": apps}))


APP = "6b1c0d3e-5f7a-4b9c-8d1e-2f3a4b5c6d7e"
ROLES = ["User.Read.All", "ProfilePhoto.Read.All", "Presence.Read.All"]


def run_directory(bench: Bench) -> None:
    many = 2_000 if bench.quick else 100_000
    seed = bench.work / "directory" / "users-profiles.json"
    seed.parent.mkdir(exist_ok=True)
    write_profiles(seed, many, ROOT / "mockgraph" / "photos" / "adele.jpg")
    print("cases 9 to 12: the directory", flush=True)
    with running(mockgraph_server(seed)) as server:
        rss = server.rss()
        bench.report.rows.append(
            Row(STARTUP_CASE, "mockgraph", startup_ms=server.startup_ms, rss_after_mib=rss)
        )
        print(f"  start-up {server.startup_ms:.0f} ms, RSS {rss:.0f} MiB", flush=True)
        bearer = token(server.url, appId=APP, roles=ROLES)
        auth = f"Authorization: Bearer {bearer}"
        # Every page's address, found by following nextLink once; wrk then rotates over them.
        pages, url = [], f"/v1.0/users?{SELECT}"
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {bearer}"}, timeout=60
        ) as client:
            while url:
                pages.append(url)
                link = client.get(url).raise_for_status().json().get("@odata.nextLink")
                url = link.removeprefix(server.url) if link else ""
        paging = lua(bench.work / "pages.lua", rotate(pages))
        bench.measure(
            PAGE_CASE,
            server,
            server.url,
            script=paging,
            headers=[auth],
            note=f"{len(pages)} pages of up to 999",
        )
        # The lookups rotate over mails spread over the directory (a static URL would read
        # one user, cache-hot). Case 1 reads one user with a static URL: the target compares
        # case 10 with case 1's GET driven the same way, over the same users, just before.
        chosen = range(0, many, max(1, many // LOOKUPS))
        lookups = [f"/v1.0/users?$filter=mail%20eq%20'{mail(i)}'" for i in chosen]
        reads = [f"/v1.0/users/{user_id(i)}/presence" for i in chosen]
        read = lua(bench.work / "presence-rotated.lua", rotate(reads))
        bench.measure(FILTER_REFERENCE, server, server.url, script=read, headers=[auth])
        lookup = lua(bench.work / "lookup.lua", rotate(lookups))
        bench.measure(FILTER_CASE, server, server.url, script=lookup, headers=[auth])
        photo = f"/v1.0/users/{user_id(0)}/photo/$value"
        bench.measure(PHOTO_CASE, server, server.url + photo, headers=[auth])


def evaluate_directory(report: Report) -> None:
    """The issue's targets for the directory cases."""
    # The issue's target: a mail lookup's p99 at most 2x case 1's (GET presence), both driven
    # alike: rotating over the same users of the same directory, through the same wrk script.
    reference = report.row(FILTER_REFERENCE, "mockgraph")
    lookup = report.row(FILTER_CASE, "mockgraph")
    get1 = report.row(CASE_1, "mockgraph")
    if reference and lookup and reference.p99_ms and lookup.p99_ms:
        plain = ""
        if get1 and get1.p99_ms:
            plain = f"; {lookup.p99_ms / get1.p99_ms:.2f}x case 1's static URL"
        report.target(
            "case 10 p99 <= 2x case 1's GET, driven alike (10r)",
            lookup.p99_ms <= 2 * reference.p99_ms,
            f"{lookup.p99_ms:.2f} ms vs {reference.p99_ms:.2f} ms "
            f"({lookup.p99_ms / reference.p99_ms:.2f}x{plain})",
        )
    start = report.row(STARTUP_CASE, "mockgraph")
    if start and start.startup_ms and start.rss_after_mib:
        report.target(
            "start-up with 100,000 profiles < 3 s",
            start.startup_ms < 3000,
            f"{start.startup_ms:.0f} ms",
        )
        report.target(
            "RSS with 100,000 profiles < 400 MiB",
            start.rss_after_mib < 400,
            f"{start.rss_after_mib:.0f} MiB",
        )
