"""Graph's $filter rules for users and the compiled predicate.

Source: https://learn.microsoft.com/graph/aad-advanced-queries (its $filter table for users,
and its errors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mockgraph.directory.exceptions import (
    RequestUnsupportedQuery,
    insufficient_privileges,
    invalid_filter,
    needs_advanced,
    unsupported_clause,
)
from mockgraph.directory.filter import AnyOf, Both, Compare, In, Literal, Node, Not
from mockgraph.directory.properties import BASIC, USER_PROPERTIES, user_value

D, A = "default", "advanced"
_LEVELS = {"D": D, "A": A, "-": None}


def matrix_row(cells: str, *, ne: bool = True) -> dict[str, str]:
    """One row of the matrix: `eq startsWith ge/le null` as D, A or - (blank or not
    supported). `in` goes with `eq`; `ne` (and `not`) needs advanced query wherever `eq` works."""
    eq, starts, ordered, null = (_LEVELS[c] for c in cells.split())
    row = {"eq": eq, "in": eq, "startswith": starts, "ge": ordered, "le": ordered, "null": null}
    if ne and eq is not None:
        row["ne"] = A
    return {op: level for op, level in row.items() if level is not None}


# The user rows of the $filter matrix of https://learn.microsoft.com/graph/aad-advanced-queries
# (its include concepts/includes/filter-directory-objects.md), property by property; a property
# mockgraph does not store reads as null (or an empty collection) and so matches nothing.
_SIGN_IN_TIMES = (
    "lastSignInDateTime",
    "lastNonInteractiveSignInDateTime",
    "lastSuccessfulSignInDateTime",
)
_MATRIX = {
    "id": "D - - -",  # not in the matrix; the user resource: eq, ne, not, in
    "accountEnabled": "D - - -",
    "ageGroup": "D - - -",
    "city": "D D - A",
    "companyName": "A A - A",
    "consentProvidedForMinor": "D - - -",
    "country": "D D - A",
    "createdDateTime": "D - D A",
    "creationType": "D - - -",
    "department": "D D - A",
    "displayName": "D D A A",  # ge/le blank: advanced (docs/fidelity.md)
    "employeeHireDate": "A - A -",
    "employeeId": "D - - A",
    "employeeOrgData/costCenter": "A - - -",
    "employeeOrgData/division": "A - - -",
    "employeeType": "A - - -",
    "externalUserState": "D - - -",
    "faxNumber": "A A - A",
    "givenName": "D D D A",
    "isResourceAccount": "D - - -",
    "jobTitle": "D D - A",
    "mail": "D D D A",
    "mailNickname": "D D - A",
    "mobilePhone": "A A - A",
    "officeLocation": "A A - A",
    "onPremisesImmutableId": "D - - -",
    "onPremisesLastSyncDateTime": "D - D -",
    "onPremisesSamAccountName": "A A - -",
    "onPremisesSecurityIdentifier": "D - - A",
    "onPremisesSyncEnabled": "D - - A",
    "passwordPolicies": "- - - A",
    "passwordProfile/forceChangePasswordNextSignIn": "A - - A",
    "postalCode": "A A - A",
    "preferredLanguage": "A A - A",
    "showInAddressList": "A - - -",
    "state": "D - - A",
    "streetAddress": "A A - A",
    "surname": "D D D A",
    "usageLocation": "D D - A",
    "userPrincipalName": "D D - -",
    "userType": "D - - A",
    # The lambda forms, e.g. proxyAddresses/any(p:p eq 'smtp:…').
    "proxyAddresses": "D D - -",
    "imAddresses": "D D - -",
    "otherMails": "D D - -",
    "businessPhones": "A A - -",
    **{f"onPremisesExtensionAttributes/extensionAttribute{n}": "A - - A" for n in range(1, 16)},
    # Members of one element, inside coll/any(c:c/member eq …): identities/any(i:i/issuer),
    # assignedLicenses/any(a:a/skuId); issuerAssignedId with issuer, as List users' example 2
    # and https://learn.microsoft.com/graph/api/resources/objectidentity filter them.
    "identities/issuer": "D - - -",
    "identities/issuerAssignedId": "D - - -",
    "assignedLicenses/skuId": "D - - -",
    # Members of a complex property read as stored: signInActivity's times, which List users
    # (beta) filters with eq, ne, not, ge and le (https://learn.microsoft.com/graph/api/user-list).
    **{f"signInActivity/{name}": "D - D -" for name in _SIGN_IN_TIMES},
}
SUPPORT: dict[str, dict[str, str]] = {name: matrix_row(cells) for name, cells in _MATRIX.items()}
# endsWith: advanced only, on mail and userPrincipalName (and inside proxyAddresses/any, as
# the page's own example does); userPrincipalName's ge/le as an earlier matrix had them.
for _name in ("mail", "userPrincipalName", "proxyAddresses"):
    SUPPORT[_name]["endswith"] = A
SUPPORT["userPrincipalName"].update(le=D, ge=A)
# Collections whose $count a filter may compare with 0 (advanced only).
for _name in ("assignedLicenses", "onPremisesProvisioningErrors", "otherMails", "proxyAddresses"):
    SUPPORT[f"{_name}/$count"] = {"eq": A, "ne": A}
COLLECTION_FILTERS = frozenset({"proxyAddresses", "businessPhones", "imAddresses", "otherMails"})
BOOLEANS = frozenset(
    {
        "accountEnabled",
        "isResourceAccount",
        "onPremisesSyncEnabled",
        "showInAddressList",
        "passwordProfile/forceChangePasswordNextSignIn",
    }
)
_DATES = ("createdDateTime", "employeeHireDate", "onPremisesLastSyncDateTime")
DATES = frozenset({*_DATES, *(f"signInActivity/{name}" for name in _SIGN_IN_TIMES)})
_ATTRIBUTES = "customsecurityattributes/"
# Complex properties whose members a filter reads from the stored object.
_COMPLEX = frozenset({"signInActivity"})
# Cells whose advanced mark is the property's (it is indexed in the advanced store only): the
# service names the property, as for one it cannot filter at all
# (microsoftgraph/microsoft-graph-docs-contrib#9135, onPremisesSamAccountName eq, 2024).
_PROPERTY_LEVEL = frozenset({"eq", "in", "startswith"})
_FILTERABLE = {name.lower(): name for name in SUPPORT}
# Clauses joined by `or` (an `in` list counts each value) allowed without advanced query.
MAX_OR_CLAUSES = 15
INDEXED = frozenset({"id", "mail", "userPrincipalName"})
# Collections of objects, filtered on their members inside any(…).
_ELEMENTS = frozenset({"identities", "assignedLicenses"})
_GUIDS = frozenset({"assignedLicenses/skuId"})

Predicate = Callable[[Any], bool]


@dataclass(frozen=True, slots=True)
class Schema:
    """What a $filter may name on one directory type, and how it reads a record."""

    resource: str  # as Graph's messages name it: "User", "Group"
    type_name: str  # "user", "group"
    support: dict[str, dict[str, str]]  # property -> operator -> D or A
    names: dict[str, str]  # lower-case -> Graph's spelling: filterable, then the type's others
    read: Callable[[Any, str], Any]
    collections: frozenset[str]  # filtered through the lambda form, coll/any(p:p …)
    booleans: frozenset[str]
    dates: frozenset[str]
    basic: frozenset[str] | None = None  # what User.ReadBasic.All may filter on


USERS = Schema(
    "User",
    "user",
    SUPPORT,
    {**USER_PROPERTIES, **_FILTERABLE},
    lambda user, name: user_value(user, name, False),
    COLLECTION_FILTERS,
    BOOLEANS,
    DATES,
    BASIC,
)


@dataclass(frozen=True, slots=True)
class CompiledFilter:
    predicate: Predicate
    # The (property, lower-cased values) an indexed eq/in pins the result to; None: scan.
    keys: tuple[str, tuple[str, ...]] | None
    # The filter is that eq/in alone: the index's answer is the filter's, with nothing to check.
    exact: bool = False


class _Checker:
    def __init__(self, schema: Schema, advanced: bool, basic_only: bool) -> None:
        self.schema = schema
        self.advanced = advanced
        self.basic_only = basic_only

    def property(self, written: str) -> str:
        name = self.schema.names.get(written.lower())
        if name is None:
            raise invalid_filter(
                f"Could not find a property named '{written}' on type "
                f"'microsoft.graph.{self.schema.type_name}'."
            )
        return name

    def allow(self, prop: str, operator: str, shown: str) -> None:
        level = self.schema.support.get(prop, {}).get(operator)
        if level is None:
            raise unsupported_clause(prop, self.schema.resource)
        if level == A and not self.advanced:
            if operator in _PROPERTY_LEVEL:
                raise unsupported_clause(prop, self.schema.resource)
            raise needs_advanced(shown)
        basic = self.schema.basic
        if self.basic_only and basic is not None and prop not in basic:
            raise insufficient_privileges()

    def reader(self, prop: str, member: bool = False) -> Callable[[Any], Any]:
        """How a filter reads `prop` of a record (of one element of a collection, for a
        `member`); `…/$count` is the collection's length."""
        if member:
            name = prop.rsplit("/", 1)[1]
            return lambda element: element.get(name)
        read = self.schema.read
        parent, _, name = prop.partition("/")
        if parent in _COMPLEX:
            date = prop in self.schema.dates
            return lambda r: _member(read(r, parent), name, date)
        if prop.endswith("/$count"):
            collection = prop.removesuffix("/$count")
            return lambda r: len(read(r, collection) or ())
        return lambda r: read(r, prop)

    def value(self, prop: str, literal: Literal) -> object:
        """A literal of the property's type, lower-cased (directory matching ignores case);
        an Edm.Guid for a GUID-typed member only, as OData types each operand."""
        value = literal.value
        if literal.guid != (prop in _GUIDS):
            raise invalid_filter()
        if prop in self.schema.booleans:
            expected: type = bool
        elif prop in self.schema.dates:
            expected = datetime
        elif prop.endswith("/$count"):
            # Only a count of 0 is supported (the matrix's "eq Count 1" column is not).
            if value != 0 or isinstance(value, bool):
                raise unsupported_clause(prop, self.schema.resource)
            return 0
        else:
            expected = str
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise invalid_filter()
        return value.lower() if isinstance(value, str) else value

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
        if isinstance(node, AnyOf):
            return self.any_of(node)
        if isinstance(node, In):
            prop = self.property(node.prop)
            if len(node.values) > MAX_OR_CLAUSES and not self.advanced:
                raise _too_many(len(node.values))
            self.allow(prop, "in", "in")
            wanted = {self.value(prop, v) for v in node.values}
            read = self.reader(prop)
            return lambda u: _norm(read(u)) in wanted
        return self.compare(node)

    def any_of(self, node: AnyOf) -> Predicate:
        """`coll/any(c:c/member …)`: the body's clauses read one element's members."""
        collection = self.property(node.collection)
        if not any(name.startswith(f"{collection}/") for name in self.schema.support):
            raise unsupported_clause(collection, self.schema.resource)
        body, read = self.compile(node.body), self.schema.read
        return lambda r: any(body(element) for element in read(r, collection) or ())

    def custom_attribute(self, node: Compare) -> Predicate:
        """`customSecurityAttributes/{set}/{attribute} eq|ne value`: advanced only; a collection
        attribute holds the value; values compare as written (case matters), as List users'
        (beta) example 13 and https://learn.microsoft.com/graph/custom-security-attributes-examples
        filter them."""
        parts = node.prop.split("/")
        wanted = node.value.value
        if len(parts) != 3 or not all(parts) or node.any_of or node.member:
            raise unsupported_clause(node.prop, self.schema.resource)
        if node.op not in ("eq", "ne") or wanted is None or isinstance(wanted, datetime):
            raise unsupported_clause(node.prop, self.schema.resource)
        if not self.advanced:
            raise unsupported_clause(node.prop, self.schema.resource)
        if self.basic_only:
            raise insufficient_privileges()
        _, group, name = parts
        read, equal = self.schema.read, node.op == "eq"

        def test(record: Any) -> bool:
            found = _member(read(record, "customSecurityAttributes"), group, False)
            value = found.get(name) if isinstance(found, dict) else None
            hit = wanted in value if isinstance(value, list) else value == wanted
            return hit if equal else not hit

        return test

    def count_or(self, node: Both) -> None:
        if node.all or self.advanced:
            return
        count = sum(len(n.values) if isinstance(n, In) else 1 for n in node.operands)
        if count > MAX_OR_CLAUSES:
            raise _too_many(count)

    def compare(self, node: Compare) -> Predicate:
        if self.schema.resource == "User" and node.prop.lower().startswith(_ATTRIBUTES):
            return self.custom_attribute(node)
        prop = self.property(node.prop)
        element = prop.split("/", 1)[0] in _ELEMENTS and not prop.endswith("/$count")
        if node.member != ("/" in prop and element):
            raise unsupported_clause(prop, self.schema.resource)
        if node.any_of != (prop in self.schema.collections):
            raise unsupported_clause(prop, self.schema.resource)
        op = node.op
        if node.value.value is None and op in ("eq", "ne"):
            self.allow(prop, "null", op)
            read = self.reader(prop, node.member)
            return (lambda u: read(u) is None) if op == "eq" else (lambda u: read(u) is not None)
        shown = {"startswith": "startsWith", "endswith": "endsWith"}.get(op, op)
        self.allow(prop, op, shown)
        wanted = self.value(prop, node.value)
        test, read = _TESTS[op], self.reader(prop, node.member)
        if node.any_of:
            return lambda u: any(test(_norm(v), wanted) for v in read(u))
        return lambda u: test(_norm(read(u)), wanted)


def _member(value: object, name: str, date: bool) -> object:
    """A member of a stored complex value (None when absent), a date-time as one."""
    found = value.get(name) if isinstance(value, dict) else None
    if date and isinstance(found, str):
        try:
            return datetime.fromisoformat(found.replace("Z", "+00:00"))
        except ValueError:
            return None
    return found


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


def compile_filter(
    node: Node, *, advanced: bool, basic_only: bool, schema: Schema = USERS
) -> CompiledFilter:
    """Check `node` against Graph's rules for the schema's type, in Graph's order, and compile
    it; the index keys only for users."""
    checker = _Checker(schema, advanced, basic_only)
    predicate = checker.compile(node)
    keys = _keys(node) if schema is USERS else None
    exact = keys is not None and isinstance(node, (Compare, In))
    return CompiledFilter(predicate, keys, exact)
