"""$search for directory objects: "property:text" clauses, AND/OR, parentheses.

Source: https://learn.microsoft.com/graph/search-query-parameter (directory objects).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mockgraph.directory.exceptions import RequestUnsupportedQuery, unsupported_clause
from mockgraph.directory.properties import (
    GROUP_PROPERTIES,
    USER_PROPERTIES,
    group_value,
    user_value,
)
from mockgraph.errors import GraphError

# A user (or, in a members list, a group) matches.
Match = Callable[[Any], bool]
# Words of a display name: letter runs split where lower case turns upper, digit runs, and
# each symbol alone (spaces separate).
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+|[^\sA-Za-z\d]")
# Properties that $search may name besides displayName: they match like startsWith.
_PREFIX_SEARCHABLE = frozenset(
    {"mail", "userPrincipalName", "givenName", "surname", "jobTitle", "mobilePhone", "department"}
)


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _syntax(character: str, position: int, text: str) -> GraphError:
    return GraphError(
        f"Syntax error: character '{character}' is not valid at position {position} in '{text}'."
    )


# Nesting and clauses a $search may hold: past them, Graph's 400 rather than a recursion
# Python cannot finish (docs/reliability.md, "Limits").
MAX_DEPTH = 100
MAX_CLAUSES = 500


class _Parser:
    def __init__(self, text: str, groups: bool = False) -> None:
        self.text = text
        self.at = 0
        self.groups = groups
        self.depth = 0
        self.clauses = 0

    def skip(self) -> None:
        while self.at < len(self.text) and self.text[self.at] == " ":
            self.at += 1

    def expression(self) -> Match:
        terms = [self.term()]
        joins: list[str] = []
        self.skip()
        while self.text.startswith(("AND", "OR"), self.at):
            join = "AND" if self.text.startswith("AND", self.at) else "OR"
            self.at += len(join)
            joins.append(join)
            terms.append(self.term())
            self.skip()
        return _chain(terms[0], list(zip(joins, terms[1:], strict=True)))

    def term(self) -> Match:
        self.skip()
        if self.at < len(self.text) and self.text[self.at] == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise RequestUnsupportedQuery(
                    f"The $search query is nested more than {MAX_DEPTH} levels deep."
                )
            self.at += 1
            inner = self.expression()
            self.skip()
            if self.at >= len(self.text) or self.text[self.at] != ")":
                raise self.bad()
            self.at += 1
            self.depth -= 1
            return inner
        if self.at >= len(self.text) or self.text[self.at] != '"':
            raise self.bad()
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise RequestUnsupportedQuery(f"The $search query has more than {MAX_CLAUSES} clauses.")
        return self.clause()

    def clause(self) -> Match:
        self.at += 1
        chars: list[str] = []
        while self.at < len(self.text) and self.text[self.at] != '"':
            if self.text[self.at] == "\\" and self.at + 1 < len(self.text):
                self.at += 1
            chars.append(self.text[self.at])
            self.at += 1
        if self.at >= len(self.text):
            raise _syntax('"', self.text.rfind('"'), self.text)
        self.at += 1
        prop, colon, value = "".join(chars).partition(":")
        if not colon:
            raise RequestUnsupportedQuery(
                f"The $search clause '{''.join(chars)}' must name a property: \"property:text\"."
            )
        return (_group_clause if self.groups else _clause)(prop.strip(), value)

    def bad(self) -> GraphError:
        """An unquoted clause: Graph names its first character that may not stand there."""
        rest = self.text[self.at :]
        found = re.search(r"[^A-Za-z0-9 ]", rest)
        if found is None:
            return _syntax(rest[:1] or " ", self.at, self.text)
        return _syntax(found.group(), self.at + found.start(), self.text)


def _chain(first: Match, rest: list[tuple[str, Match]]) -> Match:
    """AND and OR read left to right, in a loop: a long chain nests no calls."""
    if not rest:
        return first

    def match(user: Any) -> bool:
        result = first(user)
        for join, term in rest:
            if join == "AND":
                result = result and term(user)
            else:
                result = result or term(user)
        return result

    return match


def _clause(written: str, text: str) -> Match:
    prop = USER_PROPERTIES.get(written.lower())
    if prop == "displayName":
        wanted = words(text)
        return lambda u: _words_match(wanted, words(u.display_name))
    if prop not in _PREFIX_SEARCHABLE:
        raise unsupported_clause(written)
    prefix = text.lower()
    return lambda u: str(user_value(u, prop, False) or "").lower().startswith(prefix)


# Groups, as they turn up in members and memberOf lists: displayName by words, the rest by
# prefix (https://learn.microsoft.com/graph/search-query-parameter).
_GROUP_PREFIX_SEARCHABLE = frozenset({"mail", "mailNickname", "description"})


def _group_clause(written: str, text: str) -> Match:
    prop = GROUP_PROPERTIES.get(written.lower())
    if prop == "displayName":
        wanted = words(text)
        return lambda g: _words_match(wanted, words(g.displayName))
    if prop not in _GROUP_PREFIX_SEARCHABLE:
        raise unsupported_clause(written, "Group")
    prefix = text.lower()
    return lambda g: str(group_value(g, prop, True) or "").lower().startswith(prefix)


def _words_match(wanted: list[str], have: list[str]) -> bool:
    """Every searched word starts some word of the name, in any order (not "contains")."""
    return all(any(h.startswith(w) for h in have) for w in wanted)


def parse_search(text: str, *, groups: bool = False) -> Match:
    """A predicate for a $search value (over groups: `groups`), or Graph's 400 for a malformed
    one."""
    parser = _Parser(text.strip(), groups)
    match = parser.expression()
    parser.skip()
    if parser.at != len(parser.text):
        raise parser.bad()
    return match
