"""Whether a path glob (a fault's) can match a call the gateway would put it to.

Faults are met after the token and before routing (docs/architecture.md, step 4), on the
path as the gateway routes it (`//` and a trailing `/` gone), and never by the public
operations ($batch, $metadata), which skip those checks. A glob that matches no path of a
served operation can never fire: the control plane refuses it rather than keep a rule that
waits forever on a typo (/users/*/presence without its version, /v1.0/usres/*).

The glob's language (fnmatch's `*`, `?` and `[...]`, case-insensitive, `*` crossing `/`) is
run against an automaton of the routed paths, character by character: a set of states per
glob token, so the cost is the glob's length times the routes' size, once per fault added.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator
from fnmatch import translate

from mockgraph.gateway.operation import Operation
from mockgraph.gateway.routing import ANY, KEYED_SETS, NAMESPACE, VERSIONS, Routes

_STAR = "*"
_ONE = "?"
# Stands for "a character no literal segment starts with" inside a {param}.
_OTHER = "\x00"
_SAMPLE = frozenset(string.printable) - {"/"}


class _Node:
    """A routed address: its literal segments, its {param} segment, its operations."""

    __slots__ = ("any_path", "literals", "methods", "param", "served")

    def __init__(self) -> None:
        self.literals: dict[str, _Node] = {}
        self.param: _Node | None = None
        self.methods: set[str] = set()
        self.served = False  # an operation here meets faults (it is not public)
        self.any_path = False

    def accepts(self, method: str | None) -> bool:
        if self.any_path:
            return True
        if not self.served:
            return False
        return method in (None, ANY) or method in self.methods or ANY in self.methods


def _tree(operations: Iterable[Operation]) -> _Node:
    """/ then a version, then the operations' segments (an action also namespace-qualified)."""
    root = _Node()
    top = _Node()
    for version in VERSIONS:
        root.literals[version] = top
    for operation in operations:
        node = top
        segments = operation.path.strip("/").split("/")
        for index, segment in enumerate(segments):
            if segment.startswith("{"):
                node.param = node = node.param or _Node()
                continue
            key = segment.lower()
            child = node.literals.setdefault(key, _Node())
            if operation.qualified and index == len(segments) - 1:
                node.literals[NAMESPACE + key] = child
            node = child
        node.methods.add(operation.method)
        node.served = node.served or not operation.public
    return root


def _any_graph_path() -> _Node:
    """Every path under a version: what faults are ever matched against."""
    root, top, rest = _Node(), _Node(), _Node()
    for version in VERSIONS:
        root.literals[version] = top
    top.param = rest
    rest.param = rest
    rest.any_path = True
    return root


# The automaton's states: "I" before the first "/"; "S" at the start of a segment of `node`;
# "L" some characters into a literal segment of `node`; "P" in the {param} segment `node`;
# "K" in a key's parentheses, users('...'), "C" just after its ")".
State = tuple[str, _Node, str, int]  # kind, node, the literal being read, characters read


def _step(state: State, char: str) -> Iterator[State]:
    kind, node, word, done = state
    if kind == "I":
        if char == "/":
            yield ("S", node, "", 0)
    elif kind == "S":
        if char == "/":
            return
        if node.param is not None:
            yield ("P", node.param, "", 0)
        for key in node.literals:
            if key[0] == char.lower():
                yield ("L", node, key, 1)
    elif kind == "L":
        if done < len(word):
            if word[done] == char.lower():
                yield ("L", node, word, done + 1)
            return
        child = node.literals[word]
        if char == "/":
            yield ("S", child, "", 0)
        elif char == "(" and word in KEYED_SETS and child.param is not None:
            yield ("K", child.param, "", 0)
    elif char == "/":
        if kind in ("P", "C"):
            yield ("S", node, "", 0)
    else:
        yield ("P" if kind == "P" else "K", node, "", 0)
        if kind != "P" and char == ")":
            yield ("C", node, "", 0)


def _chars(state: State) -> set[str]:
    """The characters that lead somewhere from `state`, _OTHER standing for the rest."""
    kind, node, word, done = state
    if kind == "I":
        return {"/"}
    if kind == "S":
        return {key[0] for key in node.literals} | ({_OTHER} if node.param else set())
    if kind == "L":
        return {word[done]} if done < len(word) else {"/", "("}
    return {"/", ")", _OTHER}


def _wild(state: State) -> bool:
    """Whether any character but "/" goes on from `state` (a {param} or a key)."""
    kind, node = state[0], state[1]
    return kind in ("P", "K", "C") or (kind == "S" and node.param is not None)


def _tokens(glob: str) -> list[str | re.Pattern[str]]:
    """fnmatch's reading of a glob: "*", "?", a [...] set (compiled), else one character."""
    tokens: list[str | re.Pattern[str]] = []
    i, n = 0, len(glob)
    while i < n:
        char = glob[i]
        i += 1
        if char == "[":
            j = i + 1 if i < n and glob[i] == "!" else i
            j = j + 1 if j < n and glob[j] == "]" else j
            while j < n and glob[j] != "]":
                j += 1
            if j < n:
                tokens.append(re.compile(translate(glob[i - 1 : j + 1]), re.IGNORECASE))
                i = j + 1
                continue
        if char == _STAR and tokens and tokens[-1] == _STAR:
            continue
        tokens.append(char)
    return tokens


def _next(states: set[State], token: str | re.Pattern[str]) -> set[State]:
    found: set[State] = set()
    for state in states:
        if isinstance(token, re.Pattern):
            pattern = token
            sample = _SAMPLE | set(pattern.pattern) if _wild(state) else set()
            candidates = {c for c in _chars(state) | sample if pattern.match(c)}
        elif token == _ONE:
            candidates = _chars(state)
        else:
            candidates = {token}
        for char in candidates:
            found.update(_step(state, char))
    return found


def _closure(states: set[State]) -> set[State]:
    """Every state some string (the empty one included) leads to: a "*"."""
    seen = set(states)
    todo = list(states)
    while todo:
        for state in _next({todo.pop()}, _ONE):
            if state not in seen:
                seen.add(state)
                todo.append(state)
    return seen


def _matches_some(root: _Node, glob: str, method: str | None) -> bool:
    states: set[State] = {("I", root, "", 0)}
    for token in _tokens(glob):
        states = _closure(states) if token == _STAR else _next(states, token)
        if not states:
            return False
    for kind, node, word, done in states:
        if kind == "L" and done == len(word) and node.literals[word].accepts(method):
            return True
        if kind in ("P", "C") and node.accepts(method):
            return True
    return False


def unreachable(routes: Routes, glob: str, method: str | None) -> str | None:
    """Why a fault's path glob can never match a call `method` (None or "*": any) makes to
    an operation mockgraph serves; None when it can."""
    if not _matches_some(_any_graph_path(), glob, None):
        return (
            f"The path '{glob}' matches no Graph call: faults apply to Graph's calls only, "
            "whose paths start with /v1.0/ or /beta/ (such as /v1.0/users/*/presence) and are "
            "matched as routed, with no trailing / or //; not to Entra's endpoints or the "
            "control plane."
        )
    if not _matches_some(_tree(routes.operations), glob, method):
        verb = f"{method} " if method not in (None, ANY) else ""
        return (
            f"The path '{glob}' matches no {verb}operation mockgraph serves, so the fault "
            "could never apply ($batch and $metadata meet no faults); /docs lists the paths "
            "(such as /v1.0/users/*/presence, /v1.0/me/presence/setPresence, /v1.0/users)."
        )
    return None
