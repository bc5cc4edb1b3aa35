"""A finding: what the report concludes about a client, with its evidence and its fix."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ERROR, WARNING, INFO = "error", "warning", "info"
# The journal entries a finding lists at most (the count says how many there were).
MAX_SEQUENCES = 50


@dataclass(frozen=True, slots=True)
class Finding:
    """One conclusion: `check` is the part of the report (permissions, throttling, polling,
    retries, hygiene), `kind` what was found, `title` it in one line, `fix` the fix in one."""

    check: str
    kind: str
    severity: str
    title: str
    fix: str
    sequences: tuple[int, ...]
    count: int = 0  # 0: as many as `sequences`
    details: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""  # the public page that states the rule

    def as_json(self) -> dict[str, Any]:
        count = self.count or len(self.sequences)
        return {
            "check": self.check,
            "kind": self.kind,
            "severity": self.severity,
            "title": self.title,
            "fix": self.fix,
            "evidence": {
                "count": count,
                "sequences": list(self.sequences[:MAX_SEQUENCES]),
                **self.details,
            },
            "learnMore": self.source,
        }


def sequences(entries: Iterable[Any]) -> tuple[int, ...]:
    """The sequence numbers of journal entries (or of calls, which carry their entry)."""
    return tuple(getattr(e, "entry", e).sequence for e in entries)


def plural(count: int, noun: str, many: str | None = None) -> str:
    return f"{count:,} " + (noun if count == 1 else many or noun + "s")
