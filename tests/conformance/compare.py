"""How an answer is held against a documented example: the shape, not the sample data.

The status; for JSON, every documented property name at every level and the JSON type of its
value; the values of the enumerations and of `@odata.context`; the ids the fixture tenant
holds. Generated values (ids, times, sequence numbers, skip tokens) are compared by type.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

# Properties whose documented value is compared as written when the example's state is
# reproduced by the fixture tenant (the brief of issue 20 names them).
ENUMS = frozenset(
    {"availability", "activity", "contentType", "workLocationType", "changeType", "@odata.type"}
)


BATCH_ITEM = re.compile(r"^/responses/\d+/(status|id)$")


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@dataclass(frozen=True)
class Rules:
    """What one example's comparison takes as written, and what by type only."""

    # Every answered property must be documented (the page's block is not marked truncated).
    complete: bool = False
    # The page's sample state is reproduced, so enumeration values must match.
    enums: bool = True
    # Ids of the fixture tenant: a documented one must come back as written.
    known_ids: Collection[str] = ()
    # JSON paths ("/value/0/changeType") compared by type only, each with its reason in the case.
    by_type: Collection[str] = ()
    # Arrays must hold as many items as documented.
    counts: bool = False
    ignore: Collection[str] = field(default_factory=tuple)
    # JSON paths the page says are left out of this answer.
    absent: Collection[str] = ()
    # A null on either side stands for any type: the page's sample items and the tenant's
    # users differ in which properties they leave blank.
    nullable: bool = False


def differences(documented: Any, answered: Any, rules: Rules, path: str = "") -> list[str]:
    """Each way `answered` departs from the `documented` body, one line each."""
    out: list[str] = []
    _compare(documented, answered, rules, path, out)
    for pointer in rules.absent:
        if _present(answered, pointer):
            out.append(f"{pointer}: documented as left out, answered")
    return out


def _present(document: Any, pointer: str) -> bool:
    for part in pointer.strip("/").split("/"):
        if not isinstance(document, dict) or part not in document:
            return False
        document = document[part]
    return True


def _compare(documented: Any, answered: Any, rules: Rules, path: str, out: list[str]) -> None:
    if path in rules.ignore:
        return
    kind, got = json_type(documented), json_type(answered)
    if rules.nullable and "null" in (kind, got):
        return
    if kind != got:
        out.append(f"{path or '/'}: documented {kind}, answered {got}")
        return
    if isinstance(documented, dict):
        for name, value in documented.items():
            if name not in answered:
                out.append(f"{path}/{name}: documented, not answered")
            else:
                _compare(value, answered[name], rules, f"{path}/{name}", out)
        if rules.complete:
            for name in answered:
                if name not in documented and not name.startswith("@"):
                    out.append(f"{path}/{name}: answered, not documented")
    elif isinstance(documented, list):
        if rules.counts and len(documented) != len(answered):
            out.append(f"{path}: documented {len(documented)} items, answered {len(answered)}")
        if documented:
            for index, item in enumerate(answered):
                model = documented[index] if index < len(documented) else documented[0]
                _compare(model, item, rules, f"{path}/{index}", out)
    elif isinstance(documented, str):
        _compare_text(documented, answered, rules, path, out)
    elif BATCH_ITEM.match(path) and documented != answered:
        # A $batch item's status and id are the answer itself, not sample data.
        out.append(f"{path}: documented {documented!r}, answered {answered!r}")


def _compare_text(documented: str, answered: str, rules: Rules, path: str, out: list[str]) -> None:
    if path in rules.by_type or documented == answered:
        return
    name = path.rsplit("/", 1)[-1]
    exact = (
        BATCH_ITEM.match(path)
        or (name in ENUMS and rules.enums)
        or name == "@odata.context"
        # An item's id is compared only where the page's list is reproduced item for item.
        or (
            name == "id"
            and documented in rules.known_ids
            and (rules.counts or "/value/" not in path)
        )
    )
    if exact:
        out.append(f"{path}: documented {documented!r}, answered {answered!r}")
