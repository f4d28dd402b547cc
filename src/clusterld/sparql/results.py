"""Query results as bytes: SPARQL results JSON, XML, CSV and TSV, and RDF for graph results.

These run inside the worker processes, next to the engine, so that the CPU spent on
serialising a large answer is spent outside the web server's process.  Every writer stops
after ``max_rows`` rows or triples and says whether more were left: the caller tells the
client (``X-SPARQL-MaxRows``), so a cut answer is never silently short.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QuerySolutions,
    RdfFormat,
    Triple,
    serialize,
)

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RESULTS_NS = "http://www.w3.org/2005/sparql-results#"

Term = NamedNode | BlankNode | Literal | Triple
Row = Sequence[Term | None]
T = TypeVar("T")


@dataclass(frozen=True)
class Rendered:
    """A serialised answer: the body, how many rows or triples it holds, whether it was cut."""

    body: bytes
    count: int | None
    truncated: bool


DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class AnswerTooLarge(Exception):
    """The serialised answer would be larger than ``max_bytes``: it is not sent at all."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"the answer is larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


def take(
    items: Iterable[T],
    max_rows: int,
    max_bytes: int | None = None,
    size: Callable[[T], int] | None = None,
) -> tuple[list[T], bool]:
    """At most ``max_rows`` items, and whether at least one more was left behind.

    With ``max_bytes``, the estimated ``size`` of the items kept is added up as they are
    taken, so that an answer of a few huge rows is refused before it is all in memory.

    :raises AnswerTooLarge: the items taken add up to more than ``max_bytes``.
    """
    iterator = iter(items)
    if max_bytes is None or size is None:
        kept = list(islice(iterator, max_rows))
    else:
        kept, total = [], 0
        for item in islice(iterator, max_rows):
            total += size(item)
            if total > max_bytes:
                raise AnswerTooLarge(max_bytes)
            kept.append(item)
    return kept, next(iterator, None) is not None


def term_size(term: Term | None) -> int:
    """About how many bytes a term takes in any results format (a lower bound, roughly)."""
    if term is None:
        return 0
    if type(term) is Triple:
        return len(str(term))
    return len(term.value) + 2


def _checked(body: bytes, max_bytes: int | None) -> bytes:
    if max_bytes is not None and len(body) > max_bytes:
        raise AnswerTooLarge(max_bytes)
    return body


def render_solutions(
    solutions: QuerySolutions, media_type: str, max_rows: int, max_bytes: int | None = None
) -> Rendered:
    """Serialise SELECT solutions in one of the four SPARQL results formats.

    :raises AnswerTooLarge: the answer would be larger than ``max_bytes``.
    """
    names = [variable.value for variable in solutions.variables]
    rows, truncated = take(
        (tuple(solution) for solution in solutions),
        max_rows,
        max_bytes,
        lambda row: sum(map(term_size, row)),
    )
    writer = SOLUTION_WRITERS[media_type]
    return Rendered(_checked(writer(names, rows), max_bytes), len(rows), truncated)


def render_boolean(value: bool, media_type: str) -> Rendered:
    """Serialise an ASK answer; CSV and TSV carry the bare word, as pyoxigraph writes it."""
    word = "true" if value else "false"
    if media_type == "application/sparql-results+json":
        body = json.dumps({"head": {}, "boolean": value}).encode()
    elif media_type == "application/sparql-results+xml":
        body = (
            f'<?xml version="1.0"?>\n<sparql xmlns="{RESULTS_NS}">\n<head/>\n'
            f"<boolean>{word}</boolean>\n</sparql>\n"
        ).encode()
    else:
        body = word.encode()
    return Rendered(body, None, False)


def render_triples(
    triples: Iterable[Triple],
    media_type: str,
    max_rows: int,
    prefixes: dict[str, str],
    max_bytes: int | None = None,
) -> Rendered:
    """Serialise CONSTRUCT or DESCRIBE triples as Turtle, JSON-LD, N-Triples or RDF/XML.

    :raises AnswerTooLarge: the answer would be larger than ``max_bytes``.
    """
    kept, truncated = take(triples, max_rows, max_bytes, term_size)
    rdf_format = RdfFormat.from_media_type(media_type)
    if rdf_format is None:
        raise ValueError(f"no RDF serialisation for {media_type}")
    used = prefixes if rdf_format in (RdfFormat.TURTLE, RdfFormat.RDF_XML) else None
    body = serialize(kept, format=rdf_format, prefixes=used)
    return Rendered(_checked(body or b"", max_bytes), len(kept), truncated)


# --- SPARQL 1.1 Query Results JSON ------------------------------------------------------


def json_term(term: Term) -> dict[str, object]:
    """One RDF term as a SPARQL results JSON object (RDF-star triples included)."""
    kind = type(term)
    if kind is NamedNode:
        return {"type": "uri", "value": term.value}  # type: ignore[union-attr]
    if kind is Literal:
        literal: Literal = term  # type: ignore[assignment]
        if literal.language:
            return {"type": "literal", "value": literal.value, "xml:lang": literal.language}
        datatype = literal.datatype.value
        if datatype == XSD_STRING:
            return {"type": "literal", "value": literal.value}
        return {"type": "literal", "value": literal.value, "datatype": datatype}
    if kind is BlankNode:
        return {"type": "bnode", "value": term.value}  # type: ignore[union-attr]
    triple: Triple = term  # type: ignore[assignment]
    return {
        "type": "triple",
        "value": {
            "subject": json_term(triple.subject),
            "predicate": json_term(triple.predicate),
            "object": json_term(triple.object),
        },
    }


def write_json(names: list[str], rows: Sequence[Row]) -> bytes:
    bindings = [
        {name: json_term(term) for name, term in zip(names, row, strict=True) if term is not None}
        for row in rows
    ]
    document = {"head": {"vars": names}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


# --- SPARQL Query Results XML -----------------------------------------------------------


def xml_term(term: Term) -> str:
    """One RDF term as a SPARQL results XML element."""
    kind = type(term)
    if kind is NamedNode:
        return f"<uri>{escape(term.value)}</uri>"  # type: ignore[union-attr]
    if kind is Literal:
        literal: Literal = term  # type: ignore[assignment]
        if literal.language:
            lang = quoteattr(literal.language)
            return f"<literal xml:lang={lang}>{escape(literal.value)}</literal>"
        datatype = literal.datatype.value
        if datatype == XSD_STRING:
            return f"<literal>{escape(literal.value)}</literal>"
        return f"<literal datatype={quoteattr(datatype)}>{escape(literal.value)}</literal>"
    if kind is BlankNode:
        return f"<bnode>{escape(term.value)}</bnode>"  # type: ignore[union-attr]
    triple: Triple = term  # type: ignore[assignment]
    return (
        f"<triple><subject>{xml_term(triple.subject)}</subject>"
        f"<predicate>{xml_term(triple.predicate)}</predicate>"
        f"<object>{xml_term(triple.object)}</object></triple>"
    )


def write_xml(names: list[str], rows: Sequence[Row]) -> bytes:
    parts = [f'<?xml version="1.0"?>\n<sparql xmlns="{RESULTS_NS}">\n<head>']
    parts.extend(f"<variable name={quoteattr(name)}/>" for name in names)
    parts.append("</head>\n<results>\n")
    for row in rows:
        parts.append("<result>")
        parts.extend(
            f"<binding name={quoteattr(name)}>{xml_term(value)}</binding>"
            for name, value in zip(names, row, strict=True)
            if value is not None
        )
        parts.append("</result>\n")
    parts.append("</results>\n</sparql>\n")
    return "".join(parts).encode()


# --- SPARQL 1.1 Query Results CSV and TSV -----------------------------------------------


def csv_value(term: Term | None) -> str:
    """A term as CSV writes it: IRIs and literals bare (tags and datatypes dropped)."""
    if term is None:
        return ""
    kind = type(term)
    if kind is NamedNode or kind is Literal:
        return term.value  # type: ignore[union-attr]
    if kind is BlankNode:
        return f"_:{term.value}"  # type: ignore[union-attr]
    return str(term)


def write_csv(names: list[str], rows: Sequence[Row]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    writer.writerows([csv_value(value) for value in row] for row in rows)
    return buffer.getvalue().encode()


def write_tsv(names: list[str], rows: Sequence[Row]) -> bytes:
    # pyoxigraph writes terms in N-Triples syntax, escaping tabs and line breaks in literals.
    lines = ["\t".join(f"?{name}" for name in names)]
    lines.extend("\t".join("" if value is None else str(value) for value in row) for row in rows)
    return ("\n".join(lines) + "\n").encode()


SOLUTION_WRITERS: dict[str, Callable[[list[str], Sequence[Row]], bytes]] = {
    "application/sparql-results+json": write_json,
    "application/sparql-results+xml": write_xml,
    "text/csv": write_csv,
    "text/tab-separated-values": write_tsv,
}
