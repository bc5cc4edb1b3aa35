"""$filter for /users: a small, complete parser of the OData subset Graph takes for users.

Parse errors carry Graph's message with the 0-based position of the offending token, as
Graph's OData parser (ODL) reports it. The parsed tree is checked against Graph's operator
table (https://learn.microsoft.com/graph/aad-advanced-queries) and compiled once into a
predicate; an `eq`/`in` on id, mail or userPrincipalName also names the keys to look up, so
such filters never scan every user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from mockgraph.directory.exceptions import invalid_filter, syntax_error

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<open>'[^']*$)|(?P<punct>[(),:])"
    # Edm.Guid, unquoted (assignedLicenses/any(u:u/skuId eq cbdc14ab-…)).
    r"|(?P<guid>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b)"
    # Edm.DateTimeOffset, unquoted (createdDateTime ge 2024-01-01T00:00:00Z).
    r"|(?P<datetime>\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d))"
    # A word may be a path, its last segment $count (assignedLicenses/$count eq 0).
    r"|(?P<number>-?\d+(?:\.\d+)?)|(?P<word>[A-Za-z_][A-Za-z0-9_./]*(?<!/)(?:/\$count)?))"
)
COMPARISONS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
FUNCTIONS = frozenset({"startswith", "endswith", "contains"})


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # string, punct, number, word, end
    text: str
    position: int

    @property
    def value(self) -> str:
        return self.text[1:-1].replace("''", "'") if self.kind == "string" else self.text


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant: str, bool, None (null), a number or a DateTimeOffset."""

    value: str | bool | float | datetime | None
    position: int
    guid: bool = False  # an unquoted Edm.Guid, its text in `value`


@dataclass(frozen=True, slots=True)
class Compare:
    """`prop op literal`, `startswith(prop,'x')`, or either inside `coll/any(p:p ...)`."""

    prop: str  # as written
    op: str  # eq ne gt ge lt le startswith endswith contains
    value: Literal
    position: int
    any_of: bool = False  # the lambda form over a collection property
    member: bool = False  # `prop` is `collection/member`, read from one element of it


@dataclass(frozen=True, slots=True)
class AnyOf:
    """`coll/any(c:c/member eq 'x' and c/other eq 'y')`: one element meets the whole body,
    whose clauses are `member=True` Compares."""

    collection: str  # as written
    body: Node
    position: int


@dataclass(frozen=True, slots=True)
class In:
    prop: str
    values: tuple[Literal, ...]
    position: int


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    position: int


@dataclass(frozen=True, slots=True)
class Both:
    """`and` (all=True) or `or` (all=False) of two or more clauses."""

    all: bool
    operands: tuple[Node, ...]


Node = Compare | In | Not | Both | AnyOf


def _tokens(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None or match.lastgroup == "open":
            # ODL reads tokens as it parses: a bad character (or an unterminated literal)
            # is reported only if the parser gets that far.
            start = len(text) - len(text[position:].lstrip())
            tokens.append(Token("bad", text[start:], start))
            break
        kind = match.lastgroup
        start = match.start(kind)
        tokens.append(Token(kind, match.group(kind), start))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# Nesting (parentheses and `not`) and clauses a $filter may hold: past them, Graph's 400
# rather than a recursion Python cannot finish (docs/reliability.md, "Limits").
MAX_DEPTH = 100
MAX_CLAUSES = 500


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0
        self.depth = 0
        self.clauses = 0
        # Inside `coll/any(c: …)` over elements with members: ("c/", "coll/").
        self.element: tuple[str, str] | None = None

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(self, token: Token | None = None) -> Exception:
        return syntax_error((token or self.current).position, self.text)

    def expect(self, text: str) -> Token:
        token = self.current
        if token.text.lower() != text:
            raise self.fail()
        return self.take()

    def word(self, text: str) -> bool:
        return self.current.kind == "word" and self.current.text.lower() == text

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise self.fail()
        node = self.or_()
        if self.current.kind != "end":
            raise self.fail()
        return node

    def or_(self) -> Node:
        operands = [self.and_()]
        while self.word("or"):
            self.take()
            operands.append(self.and_())
        return operands[0] if len(operands) == 1 else Both(False, tuple(operands))

    def and_(self) -> Node:
        operands = [self.unary()]
        while self.word("and"):
            self.take()
            operands.append(self.unary())
        return operands[0] if len(operands) == 1 else Both(True, tuple(operands))

    def unary(self) -> Node:
        if self.word("not") or self.current.text == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise invalid_filter(
                    f"The query is nested more than {MAX_DEPTH} levels deep "
                    "(parentheses and 'not' together)."
                )
            node = self._nested()
            self.depth -= 1
            return node
        return self.clause()

    def _nested(self) -> Node:
        if self.word("not"):
            token = self.take()
            return Not(self.unary(), token.position)
        self.take()
        node = self.or_()
        self.expect(")")
        return node

    def clause(self) -> Node:
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise invalid_filter(f"The query has more than {MAX_CLAUSES} clauses.")
        token = self.current
        if token.kind != "word" or token.text.lower() in ("and", "or", "not"):
            raise self.fail()
        self.take()
        name = token.text
        member = self.element is not None and name.startswith(self.element[0])
        if self.element is not None and member:
            name = self.element[1] + name[len(self.element[0]) :]
        if name.lower() in FUNCTIONS and self.current.text == "(":
            return self.function(name.lower(), token.position)
        if name.rsplit("/", 1)[-1].lower() in ("any", "all"):
            return self.lambda_(name, token)
        operator = self.current
        if operator.kind == "word" and operator.text.lower() == "in":
            self.take()
            return In(name, self.literal_list(), token.position)
        if operator.kind != "word" or operator.text.lower() not in COMPARISONS:
            raise self.fail()
        self.take()
        return Compare(name, operator.text.lower(), self.literal(), token.position, member=member)

    def function(self, name: str, position: int, variable: str | None = None) -> Compare:
        self.expect("(")
        prop = self.current
        if prop.kind != "word" or (variable is not None and prop.text != variable):
            raise self.fail()
        self.take()
        self.expect(",")
        value = self.literal()
        self.expect(")")
        return Compare(prop.text, name, value, position)

    def lambda_(self, name: str, token: Token) -> Node:
        """`proxyAddresses/any(p:p eq 'x')` or `…/any(p:startswith(p,'x'))`."""
        prop, _, operator = name.partition("/")
        if operator.lower() != "any" or self.current.text != "(":
            raise self.fail(token)
        self.take()
        variable = self.current
        if variable.kind != "word":
            raise self.fail()
        self.take()
        self.expect(":")
        inner = self.current
        if inner.kind != "word":
            raise self.fail()
        if inner.text.startswith(f"{variable.text}/") and self.element is None:
            return self._any_of(prop, variable.text, token)
        self.take()
        if inner.text.lower() in FUNCTIONS and self.current.text == "(":
            found = self.function(inner.text.lower(), inner.position, variable.text)
        elif inner.text == variable.text and self.current.text.lower() in COMPARISONS:
            found = Compare(prop, self.take().text.lower(), self.literal(), inner.position)
        else:
            raise self.fail(inner)
        self.expect(")")
        return Compare(prop, found.op, found.value, token.position, any_of=True)

    def _any_of(self, prop: str, variable: str, token: Token) -> AnyOf:
        """The body of `coll/any(c: c/member …)`, up to its closing parenthesis."""
        self.element = (f"{variable}/", f"{prop}/")
        body = self.or_()
        self.element = None
        self.expect(")")
        return AnyOf(prop, body, token.position)

    def literal(self) -> Literal:
        token = self.current
        if token.kind == "string":
            self.take()
            return Literal(token.value, token.position)
        if token.kind == "guid":
            self.take()
            return Literal(token.text, token.position, guid=True)
        if token.kind == "number":
            self.take()
            return Literal(float(token.text), token.position)
        if token.kind == "datetime":
            self.take()
            instant = datetime.fromisoformat(token.text.replace("Z", "+00:00"))
            return Literal(instant, token.position)
        if token.kind == "word" and token.text.lower() in ("true", "false", "null"):
            self.take()
            lowered = token.text.lower()
            return Literal(None if lowered == "null" else lowered == "true", token.position)
        raise self.fail()

    def literal_list(self) -> tuple[Literal, ...]:
        self.expect("(")
        values = [self.literal()]
        while self.current.text == ",":
            self.take()
            values.append(self.literal())
        self.expect(")")
        return tuple(values)


def parse_filter(text: str) -> Node:
    """The tree of a $filter, or Graph's 400 "Invalid filter clause: Syntax error at …"."""
    if len(text) > 8000:
        raise invalid_filter()
    return _Parser(text).parse()
