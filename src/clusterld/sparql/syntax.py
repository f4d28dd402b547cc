"""What a SPARQL request is, found by scanning its tokens, before any engine sees it.

The real parser runs in a worker process (pyoxigraph).  This scan runs first, in the server,
so that a refusal (an update, a ``SERVICE`` call) never reaches the engine and the response
format can be negotiated before the query runs.  Where it is unsure it refuses: a query that
only *might* call ``SERVICE`` is treated as one that does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)

# One alternative per token kind; the first that matches at a position wins.  Strings, IRIs,
# comments, variables, language tags and prefixed names are consumed whole, so that a keyword
# inside them ("SERVICE" in a label, ex:SERVICE, ?service, @service) is never taken for one.
_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\r\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
               |\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\r\n]|\\.)*'
               |"(?:[^"\\\r\n]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<pname>(?:[^\W\d][\w.\-\u00b7\u0300-\u036f\u203f-\u2040]*)?:
                (?:[\w.\-:%\u00b7\u0300-\u036f\u203f-\u2040]|\\[_~.\-!$&'()*+,;=/?\#@%])*)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class QueryShape:
    """The facts about a request text that decide how, and whether, to run it."""

    form: str | None
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``; None if the text is no query."""
    is_update: bool
    """The text starts like a SPARQL Update (INSERT, DELETE, LOAD, CLEAR, ...)."""
    calls_service: bool
    """The text contains the ``SERVICE`` keyword (a federated query)."""
    names_dataset: bool
    """The text has ``FROM`` or ``FROM NAMED`` clauses of its own."""
    depth: int = 0
    """How deeply groups, expressions, lists and blank nodes nest: ``{``, ``(`` and ``[``.

    The engine's parser recurses once per level and a few thousand levels overflow its stack,
    killing the worker process; the service refuses a query nested deeper than its limit."""


def keywords(text: str) -> list[str]:
    """The bare keywords of a SPARQL text, upper-cased, in order (nothing from inside terms)."""
    return _tokens(text)[0]


def nesting_depth(text: str) -> int:
    """The deepest nesting of ``{``, ``(`` and ``[`` in a SPARQL text (none inside terms)."""
    return _tokens(text)[1]


def _tokens(text: str) -> tuple[list[str], int]:
    """The keywords of a text and its deepest nesting of brackets, in one pass."""
    words: list[str] = []
    depth = deepest = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "word":
            words.append(match.group().upper())
        elif kind == "other":
            char = match.group()
            if char in "{([":
                depth += 1
                deepest = max(deepest, depth)
            elif char in "})]" and depth:
                depth -= 1
    return words, deepest


XSD = "http://www.w3.org/2001/XMLSchema#"


def called_functions(text: str) -> list[str]:
    """The functions a query calls by IRI (``<iri>(`` or ``prefix:name(``), as full IRIs
    where the query declares the prefix: SPARQL's own functions are keywords, so these are
    casts (``xsd:``) or a store's extensions (Virtuoso's ``bif:`` can reach the network)."""
    prefixes: dict[str, str] = {}
    called: list[str] = []
    tokens = [m for m in _TOKEN.finditer(text) if m.lastgroup != "comment"]
    for i, match in enumerate(tokens):
        kind, value = match.lastgroup, match.group()
        following = tokens[i + 1].group() if i + 1 < len(tokens) else ""
        if kind == "word" and value.upper() == "PREFIX" and i + 2 < len(tokens):
            name, iri = tokens[i + 1].group(), tokens[i + 2].group()
            if name.endswith(":") and iri.startswith("<"):
                prefixes[name[:-1]] = iri[1:-1]
        elif kind in ("iri", "pname") and following == "(":
            if kind == "iri":
                called.append(value[1:-1])
            else:
                prefix, _, local = value.partition(":")
                called.append(prefixes[prefix] + local if prefix in prefixes else value)
    return called


STORE_EXTENSIONS = ("http://www.openlinksw.com/", "https://www.openlinksw.com/")
"""Virtuoso's built-ins by their full IRIs (``bif:`` and ``sql:`` are short for them)."""


def extension_functions(text: str) -> list[str]:
    """The store extensions a query calls: a function IRI that is not an XML Schema cast and
    is not an http(s) IRI (``bif:http_get``), or is Virtuoso's by its full IRI.  An http IRI
    followed by ``(`` may also be a predicate before a collection, so it is let through."""
    return [
        name
        for name in called_functions(text)
        if not name.startswith(XSD)
        and (_has_scheme(name) and not name.startswith(("http://", "https://")))
        or name.startswith(STORE_EXTENSIONS)
    ]


def replace_iris(text: str, replace: Callable[[str], str | None], base: str = "") -> str:
    """The query with every IRI token (``<…>``, relative ones resolved against ``base``, and
    ``prefix:name`` of a declared prefix) that ``replace`` maps to another IRI written as
    ``<that IRI>``; strings, comments and everything else are kept as they are."""
    prefixes: dict[str, str] = {}
    tokens = list(_TOKEN.finditer(text))
    parts, end = [], 0
    for i, match in enumerate(tokens):
        kind, value = match.lastgroup, match.group()
        if kind == "word" and value.upper() == "PREFIX":
            following = [t for t in tokens[i + 1 : i + 4] if t.lastgroup != "comment"]
            if len(following) >= 2 and following[1].lastgroup == "iri":
                prefixes[following[0].group().rstrip(":")] = following[1].group()[1:-1]
            continue
        if kind == "iri":
            full = urljoin(base, value[1:-1]) if base else value[1:-1]
        elif kind == "pname":
            prefix, _, local = value.partition(":")
            full = prefixes[prefix] + local if prefix in prefixes else ""
        else:
            continue
        target = replace(full) if full else None
        if target is not None:
            parts.append(text[end : match.start()])
            parts.append(f"<{target}>")
            end = match.end()
    parts.append(text[end:])
    return "".join(parts)


def without_dataset(text: str) -> str:
    """The query without its ``FROM`` and ``FROM NAMED`` clauses (comments dropped too), for
    a store given the dataset by the protocol: Virtuoso would read both and merge them."""
    tokens = [m for m in _TOKEN.finditer(text) if m.lastgroup != "comment"]
    drop: set[int] = set()
    for i, match in enumerate(tokens):
        if match.lastgroup == "word" and match.group().upper() == "FROM":
            j = i + 1
            if j < len(tokens) and tokens[j].group().upper() == "NAMED":
                j += 1
            if j < len(tokens) and tokens[j].lastgroup in ("iri", "pname"):
                drop.update(range(i, j + 1))
    parts, end = [], 0
    for i, match in enumerate(tokens):
        if i in drop:
            parts.append(text[end : match.start()])
            end = match.end()
    parts.append(text[end:])
    return "".join(parts)


def _has_scheme(iri: str) -> bool:
    scheme, colon, _ = iri.partition(":")
    return bool(colon) and scheme[:1].isalpha() and all(c.isalnum() or c in "+-." for c in scheme)


def unescape_codepoints(text: str) -> str:
    r"""Apply SPARQL's ``\uXXXX``/``\UXXXXXXXX`` escapes, which may be read before parsing."""

    def replace(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group()

    return _CODEPOINT.sub(replace, text)


def scan(text: str) -> QueryShape:
    """Classify a request text without parsing it.

    Both the text as sent and the text with codepoint escapes applied are scanned, because
    engines differ in whether they apply the escapes first; a keyword seen in either counts.
    """
    variants = [text] if "\\" not in text else [text, unescape_codepoints(text)]
    scanned = [_tokens(variant) for variant in variants]
    words = [w for w, _ in scanned]
    first = _first_operation_keyword(words[0])
    return QueryShape(
        form=first if first in QUERY_FORMS else None,
        is_update=any(_first_operation_keyword(w) in UPDATE_KEYWORDS for w in words),
        calls_service=any("SERVICE" in w for w in words),
        names_dataset=any("FROM" in w for w in words),
        depth=max(depth for _, depth in scanned),
    )


def _first_operation_keyword(words: list[str]) -> str | None:
    """The first keyword after the prologue (``BASE`` and ``PREFIX`` declarations)."""
    return next((word for word in words if word not in ("BASE", "PREFIX")), None)


def normalise(text: str) -> str:
    """The query with comments dropped and each run of whitespace (and comments) between two
    tokens written as one space; tokens themselves, strings included, are kept as they are.

    Two texts with the same normal form are the same query, token for token (a gap is kept
    where there was one, so nothing that was two tokens becomes one): the result cache and the
    ``ETag`` of an answer use it, so that re-indenting a query still finds its answer.
    """
    parts: list[str] = []
    end = 0
    for match in _TOKEN.finditer(text):
        if match.lastgroup == "comment":
            continue
        if parts and match.start() > end:
            parts.append(" ")
        parts.append(match.group())
        end = match.end()
    return "".join(parts)
