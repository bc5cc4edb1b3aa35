"""Graph's $filter rules for users (reference §3.2, §3.6) and the compiled predicate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mockgraph.directory.exceptions import (
    AuthorizationRequestDenied,
    RequestUnsupportedQuery,
    insufficient_privileges,
    invalid_filter,
    needs_advanced,
    unsupported_clause,
)
from mockgraph.directory.filter import Both, Compare, In, Literal, Node, Not
from mockgraph.directory.properties import BASIC, USER_PROPERTIES, DirectoryUser, user_value

D, A = "default", "advanced"
_STRING = {"eq": D, "ne": A, "in": D, "startswith": D, "ge": D, "le": D, "null": A}
# Property -> operator -> D (works as is) or A (needs ConsistencyLevel: eventual + $count=true).
# An operator missing from a property's row is not supported for it at all.
SUPPORT: dict[str, dict[str, str]] = {
    "id": {"eq": D, "ne": A, "in": D},
    "userPrincipalName": {
        "eq": D,
        "ne": A,
        "in": D,
        "startswith": D,
        "endswith": A,
        "le": D,
        "ge": A,
    },
    "mail": {**_STRING, "endswith": A},
    "displayName": {**_STRING, "ge": A, "le": A},
    "givenName": dict(_STRING),
    "surname": dict(_STRING),
    "accountEnabled": {"eq": D, "ne": A, "in": D, "ge": A, "le": A},
    "jobTitle": {"eq": D, "ne": A, "in": D, "startswith": D, "null": A},
    "department": {"eq": A, "ne": A, "in": A, "startswith": A, "null": A},
    "officeLocation": {"eq": A, "ne": A, "in": A, "startswith": A, "null": A},
    "mobilePhone": {"eq": D, "ne": A, "in": D, "startswith": D, "null": A},
    "preferredLanguage": {"eq": D, "ne": A, "in": D, "null": A},
    "userType": {"eq": D, "ne": A, "in": D},
    # The lambda forms, e.g. proxyAddresses/any(p:p eq 'smtp:…').
    "proxyAddresses": {"eq": D, "startswith": D, "endswith": A, "ne": A},
    "businessPhones": {"eq": D, "ne": A},
}
COLLECTION_FILTERS = frozenset({"proxyAddresses", "businessPhones"})
BOOLEANS = frozenset({"accountEnabled"})
# Clauses joined by `or` (an `in` list counts each value) allowed without advanced query.
MAX_OR_CLAUSES = 15
INDEXED = frozenset({"id", "mail", "userPrincipalName"})

Predicate = Callable[[DirectoryUser], bool]


@dataclass(frozen=True, slots=True)
class CompiledFilter:
    predicate: Predicate
    # The (property, lower-cased values) an indexed eq/in pins the result to; None: scan.
    keys: tuple[str, tuple[str, ...]] | None
    # The filter is that eq/in alone: the index's answer is the filter's, with nothing to check.
    exact: bool = False


def _property(written: str) -> str:
    name = USER_PROPERTIES.get(written.lower())
    if name is None:
        raise invalid_filter(
            f"Could not find a property named '{written}' on type 'microsoft.graph.user'."
        )
    return name


class _Checker:
    def __init__(self, advanced: bool, basic_only: bool) -> None:
        self.advanced = advanced
        self.basic_only = basic_only

    def allow(self, prop: str, operator: str, shown: str) -> None:
        level = SUPPORT.get(prop, {}).get(operator)
        if level is None:
            raise unsupported_clause(prop)
        if level == A:
            if not self.advanced:
                raise needs_advanced(shown)
        if self.basic_only and prop not in BASIC:
            raise insufficient_privileges()

    def compile(self, node: Node) -> Predicate:
        if isinstance(node, Both):
            self.count_or(node)
            parts = [self.compile(n) for n in node.operands]
            if node.all:
                return lambda u: all(p(u) for p in parts)
            return lambda u: any(p(u) for p in parts)
        if isinstance(node, Not):
            if not self.advanced:
                raise needs_advanced("not")
            inner = self.compile(node.operand)
            return lambda u: not inner(u)
        if isinstance(node, In):
            prop = _property(node.prop)
            if len(node.values) > MAX_OR_CLAUSES and not self.advanced:
                raise _too_many(len(node.values))
            self.allow(prop, "in", "in")
            wanted = {_value(prop, v) for v in node.values}
            return lambda u: _norm(user_value(u, prop, False)) in wanted
        return self.compare(node)

    def count_or(self, node: Both) -> None:
        if node.all or self.advanced:
            return
        count = sum(len(n.values) if isinstance(n, In) else 1 for n in node.operands)
        if count > MAX_OR_CLAUSES:
            raise _too_many(count)

    def compare(self, node: Compare) -> Predicate:
        prop = _property(node.prop)
        if node.any_of != (prop in COLLECTION_FILTERS):
            raise unsupported_clause(prop)
        op = node.op
        if node.value.value is None and op in ("eq", "ne"):
            self.allow(prop, "null", op)
            return (
                (lambda u: user_value(u, prop, False) is None)
                if op == "eq"
                else (lambda u: user_value(u, prop, False) is not None)
            )
        shown = {"startswith": "startsWith", "endswith": "endsWith"}.get(op, op)
        self.allow(prop, op, shown)
        wanted = _value(prop, node.value)
        test = _TESTS[op]
        if node.any_of:
            return lambda u: any(test(_norm(v), wanted) for v in user_value(u, prop, False))
        return lambda u: test(_norm(user_value(u, prop, False)), wanted)


def _value(prop: str, literal: Literal) -> str | bool:
    """A literal of the property's type, lower-cased (directory matching ignores case)."""
    value = literal.value
    if prop in BOOLEANS:
        if not isinstance(value, bool):
            raise invalid_filter()
        return value
    if not isinstance(value, str):
        raise invalid_filter()
    return value.lower()


def _norm(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _ordered(a: object, b: object, ge: bool) -> bool:
    if a is None or type(a) is not type(b):
        return False
    return bool(a >= b) if ge else bool(a <= b)  # type: ignore[operator]


_TESTS: dict[str, Callable[[object, object], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "ge": lambda a, b: _ordered(a, b, True),
    "le": lambda a, b: _ordered(a, b, False),
    "gt": lambda a, b: False,
    "lt": lambda a, b: False,
    "startswith": lambda a, b: isinstance(a, str) and isinstance(b, str) and a.startswith(b),
    "endswith": lambda a, b: isinstance(a, str) and isinstance(b, str) and a.endswith(b),
    "contains": lambda a, b: False,
}


def _too_many(count: int) -> RequestUnsupportedQuery:
    return RequestUnsupportedQuery(
        "Too many child clauses specified in search filter expression containing 'OR' "
        f"operators: {count}. Max allowed: {MAX_OR_CLAUSES}"
    )


def _keys(node: Node) -> tuple[str, tuple[str, ...]] | None:
    """The index lookup an eq/in on id, mail or UPN (alone or and-ed with others) allows."""
    if isinstance(node, Compare) and node.op == "eq" and not node.any_of:
        prop = USER_PROPERTIES.get(node.prop.lower())
        if prop in INDEXED and isinstance(node.value.value, str):
            return prop, (node.value.value.lower(),)
    if isinstance(node, In):
        prop = USER_PROPERTIES.get(node.prop.lower())
        if prop in INDEXED and all(isinstance(v.value, str) for v in node.values):
            return prop, tuple(str(v.value).lower() for v in node.values)
    if isinstance(node, Both) and node.all:
        return next((k for k in map(_keys, node.operands) if k is not None), None)
    return None


def compile_filter(node: Node, *, advanced: bool, basic_only: bool) -> CompiledFilter:
    """Check `node` against Graph's rules, in Graph's order (§3.6), and compile it."""
    checker = _Checker(advanced, basic_only)
    predicate = checker.compile(node)
    keys = _keys(node)
    exact = keys is not None and isinstance(node, (Compare, In))
    return CompiledFilter(predicate, keys, exact)


__all__ = ["AuthorizationRequestDenied", "CompiledFilter", "compile_filter"]
