"""Replays one documented example against a fresh in-process mockgraph seeded with tenant.json.

Each example gets its own app, clock and seed file, so examples never see each other's state.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from mockgraph.app import create_app
from mockgraph.clock import Clock
from mockgraph.settings import Settings
from mockgraph.testing import InProcessTransport, WebhookReceiver, decrypt_notification
from tests.conformance.cases import HERE, Example
from tests.conformance.certificate import certificate_text, private_key
from tests.conformance.compare import Rules, differences

TENANT = HERE / "tenant.json"
GRAPH = "https://graph.microsoft.com"
# The control plane is reached on the same in-process app under another host.
CONTROL = "http://mockgraph.test"
# The project's usual virtual "now" (tests/conftest.py's START); an example may set its own.
START = "2026-03-02T09:00:00Z"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass
class Outcome:
    """What replaying an example showed: the answer, and each way it departs from the page."""

    status: int
    differences: list[str] = field(default_factory=list)
    # The departures from the answer a recorded decision (docs/fidelity.md) says mockgraph
    # gives instead: empty when mockgraph answers as decided; None without a decision.
    from_decision: list[str] | None = None

    @property
    def result(self) -> str:
        """One of "matches", "decided" (differs as docs/fidelity.md records), "differs"."""
        if not self.differences:
            return "matches"
        return "decided" if self.from_decision == [] else "differs"


def tenant_ids() -> frozenset[str]:
    """Every user, group and app id of the fixture tenant."""
    data = json.loads(TENANT.read_text(encoding="utf-8"))
    ids = {u["id"] for u in data["users"]} | {g["id"] for g in data["groups"]}
    return frozenset(ids | {a["appId"] for a in data["apps"]} | {data["tenantId"]})


def seed_file(given: dict[str, Any], folder: Path) -> Path:
    """tenant.json with the example's `given` user properties merged in, photos made absolute."""
    data = json.loads(TENANT.read_text(encoding="utf-8"))
    changes = given.get("users", {})
    for user in data["users"]:
        user.update(changes.get(user["id"], {}))
        if user.get("photo"):
            user["photo"] = str((HERE / user["photo"]).resolve())
    path = folder / "tenant.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class Replay:
    """A fresh mockgraph for one example, and the callers the example needs."""

    def __init__(self, example: Example, stack: ExitStack) -> None:
        self.example = example
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        settings = Settings(fixtures=seed_file(example.data.get("given", {}), folder))
        clock = Clock(start=_instant(example.data.get("clock", START)), frozen=True)
        loop = stack.enter_context(running_loop())
        transport = InProcessTransport(create_app(settings, clock=clock), loop=loop)
        self.client = stack.enter_context(httpx.Client(transport=transport, timeout=30))
        self.webhook: WebhookReceiver | None = None
        if example.data.get("webhook"):
            self.webhook = stack.enter_context(WebhookReceiver())
        self.values: dict[str, str] = {}

    def token(self, caller: dict[str, Any]) -> str:
        if "app" in caller:
            body = {"appId": caller["app"], "roles": caller.get("roles", [])}
        else:
            body = {"userId": caller["user"], "scopes": caller.get("scopes", [])}
        answer = self.client.post(f"{CONTROL}/_mockgraph/tokens", json=body)
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token

    def send(self, request: dict[str, Any], caller: dict[str, Any] | None) -> httpx.Response:
        url = self.fill(request["url"])
        # A caller of null sends no token (the error examples).
        auth = {} if caller is None else {"Authorization": f"Bearer {self.token(caller)}"}
        headers = {**auth, **request.get("headers", {})}
        body = request.get("body")
        content: bytes | None = None
        if body is not None:
            content = json.dumps(self._substituted(self.fill(body))).encode()
        elif "text" in request:
            content = request["text"].encode()
        return self.client.request(request["method"], url, headers=headers, content=content)

    def fill(self, value: Any) -> Any:
        """`value` with the example's stand-ins replaced: text the page leaves to the reader
        (`{id}`, `{encryption certificate}`) and generated ids the page shows as literals."""
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if not isinstance(value, str):
            return value
        stand_ins = self.example.data.get("stand-ins", {})
        # Longest first, so that a stand-in for a phrase wins over one for a word in it.
        for text in sorted(stand_ins, key=len, reverse=True):
            name = stand_ins[text]
            value = value.replace(text, self._stand_in(name))
        return PLACEHOLDER.sub(lambda m: self.values.get(m[1], m[0]), value)

    def _stand_in(self, name: str) -> str:
        if name == "$certificate":
            return certificate_text()
        return self.values.get(name, name)

    def _substituted(self, body: Any) -> Any:
        """The body, with the URLs the example points at a webhook pointed at ours."""
        if self.webhook is None or not isinstance(body, dict):
            return body
        urls = ("notificationUrl", "lifecycleNotificationUrl")
        return {k: self.webhook.url if k in urls and v else v for k, v in body.items()}

    def notification(self, decrypted: bool) -> Any:
        """The first notification the webhook received (its first item's resource data,
        decrypted, when `decrypted`)."""
        assert self.webhook is not None
        flushed = self.client.post(f"{CONTROL}/_mockgraph/notifications/flush")
        assert flushed.status_code == 200, flushed.text
        if not self.webhook.notifications:
            return None
        if decrypted:
            return decrypt_notification(self.webhook.items()[0], private_key())
        return self.webhook.notifications[0]

    def prepare(self) -> None:
        """The example's earlier steps (an earlier example of the page, a created subscription),
        each with a value it can capture for the documented URL's placeholder."""
        for step in self.example.data.get("before", []):
            caller = step.get("caller", self.example.data["caller"])
            answer = self.send(step, caller)
            assert answer.is_success, f"step {step['method']} {step['url']}: {answer.text}"
            for name, pointer in step.get("capture", {}).items():
                value: Any = answer.json()
                for part in pointer.strip("/").split("/"):
                    value = value[int(part)] if isinstance(value, list) else value[part]
                self.values[name] = str(value)


@contextmanager
def running_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop on its own thread for the app (its webhook deliveries and presence scans
    run there in the background), with those tasks cancelled before the loop closes."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="conformance-loop", daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        asyncio.run_coroutine_threadsafe(_cancel_others(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()


async def _cancel_others() -> None:
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@contextmanager
def replay(example: Example) -> Iterator[Replay]:
    with ExitStack() as stack:
        yield Replay(example, stack)


def run(example: Example) -> Outcome:
    """Replay `example` and hold the answer against the page (and against any decision)."""
    with replay(example) as session:
        session.prepare()
        answer = session.send(example.request, example.data["caller"])
        observed = example.data.get("observe")
        notification = session.notification(observed == "decrypted") if observed else None
    outcome = Outcome(answer.status_code)
    outcome.differences = held_against(example.response, answer, rules(example))
    if observed:
        outcome.differences += notified(
            example.response["notification"], notification, rules(example)
        )
    decision = example.decision
    if decision is not None:
        expected = _decided(example.response, decision["answer"])
        outcome.from_decision = held_against(expected, answer, rules(example))
        if "corrected" in decision:
            outcome.from_decision += corrected(example, decision["corrected"])
    return outcome


def _decided(documented: dict[str, Any], decided: dict[str, Any]) -> dict[str, Any]:
    """The documented response with a decision's answer over it; another status replaces the
    documented answer whole."""
    if decided.get("status", documented["status"]) != documented["status"]:
        return {"truncated": documented.get("truncated", True), **decided}
    return {**documented, **decided}


def corrected(example: Example, given: dict[str, Any]) -> list[str]:
    """How the request the page means (a placeholder or typo put right, as the decision
    records) departs from the documented response (with the corrected answer over it)."""
    request = {**example.request, **given["request"]}
    with replay(example) as session:
        session.prepare()
        answer = session.send(request, example.data["caller"])
    expected = _decided(example.response, given.get("answer", {}))
    found = held_against(expected, answer, rules(example))
    return [f"corrected request: {line}" for line in found]


def rules(example: Example) -> Rules:
    given = example.data.get("rules", {})
    return Rules(
        complete=not example.response.get("truncated", True),
        enums=given.get("enums", True),
        known_ids=tenant_ids(),
        by_type=tuple(given.get("byType", ())),
        counts=given.get("counts", False),
        ignore=tuple(given.get("ignore", ())),
        absent=tuple(given.get("absent", ())),
        nullable=given.get("nullable", False),
    )


def held_against(documented: dict[str, Any], answer: httpx.Response, rules: Rules) -> list[str]:
    """Each way the answer departs from a documented response."""
    out: list[str] = []
    if answer.status_code != documented["status"]:
        out.append(f"status: documented {documented['status']}, answered {answer.status_code}")
        return out
    media = answer.headers.get("content-type", "").split(";")[0].strip()
    if "body" in documented:
        if media != "application/json":
            out.append(f"Content-Type: documented JSON, answered {media or 'none'}")
            return out
        out += differences(documented["body"], answer.json(), rules)
        code = documented["body"].get("error", {}).get("code")
        got = (answer.json().get("error") or {}).get("code")
        if (
            code is not None
            and got is not None
            and got != code
            and "/error/code" not in rules.by_type
        ):
            out.append(f"/error/code: documented {code!r}, answered {got!r}")
    elif "text" in documented:
        if media != "text/plain":
            out.append(f"Content-Type: documented text/plain, answered {media or 'none'}")
        elif not answer.text.strip().isdigit():
            out.append(f"body: documented a count, answered {answer.text[:40]!r}")
    elif "binary" in documented:
        if media != documented["binary"]:
            out.append(f"Content-Type: documented {documented['binary']}, answered {media}")
        elif not answer.content:
            out.append("body: documented image bytes, answered none")
    return out


def notified(documented: Any, received: Any, rules: Rules) -> list[str]:
    """Each way the first notification received departs from the documented one."""
    if received is None:
        return ["notification: documented, none received"]
    return [f"notification {line}" for line in differences(documented, received, rules)]
