"""The formats ClusterLD speaks, and content negotiation over them (no Flask imports).

Rules: an explicit suffix wins over ``Accept``; no ``Accept`` or ``*/*`` gives the first
offered format (Turtle for RDF); q-values and wildcards decide otherwise; nothing acceptable
gives ``None`` (the caller answers 406).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    suffix: str
    label: str
    rdflib_format: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value, with a charset for text formats."""
        if self.media_type == "application/n-triples":
            return self.media_type  # N-Triples is UTF-8 by definition; no charset parameter
        return f"{self.media_type}; charset=utf-8"


TURTLE = Format("turtle", "text/turtle", "ttl", "Turtle", "turtle", ("application/x-turtle",))
JSON_LD = Format("json-ld", "application/ld+json", "jsonld", "JSON-LD", "json-ld")
N_TRIPLES = Format("n-triples", "application/n-triples", "nt", "N-Triples", "nt")
RDF_XML = Format("rdf-xml", "application/rdf+xml", "rdf", "RDF/XML", "xml")
HTML = Format("html", "text/html", "html", "HTML", None, ("application/xhtml+xml",))

RDF_FORMATS: tuple[Format, ...] = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)

DOCUMENT_ALIASES: dict[str, Format] = {"application/json": JSON_LD, "text/plain": N_TRIPLES}
"""On documents, plain JSON clients get JSON-LD (it is JSON), and ``text/plain`` clients get
N-Triples (its media type before RDF 1.1; rdflib still asks for it with ``format="nt"``).
The server (render.py) and the static build's web-server configuration share this table."""
DOCUMENT_FORMATS: tuple[Format, ...] = (*RDF_FORMATS, HTML)

# SPARQL query results (SELECT and ASK), in our order of preference: JSON first.
SPARQL_JSON = Format(
    "sparql-json",
    "application/sparql-results+json",
    "srj",
    "SPARQL results JSON",
    None,
    ("application/json",),
)
SPARQL_XML = Format("sparql-xml", "application/sparql-results+xml", "srx", "SPARQL results XML")
CSV = Format("csv", "text/csv", "csv", "CSV")
TSV = Format("tsv", "text/tab-separated-values", "tsv", "TSV")

RESULT_FORMATS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)


def by_suffix(suffix: str, offered: Sequence[Format] = DOCUMENT_FORMATS) -> Format | None:
    """The format whose URL suffix is ``suffix`` (without the dot), if offered."""
    return next((f for f in offered if f.suffix == suffix), None)


def negotiate(
    accept_header: str | None,
    offered: Sequence[Format] = DOCUMENT_FORMATS,
    *,
    extra_aliases: dict[str, Format] | None = None,
) -> Format | None:
    """Pick the format that best satisfies an ``Accept`` header, in our order of preference.

    Each format's quality is that of the most specific range matching its media type
    (``type/subtype`` over ``type/*`` over ``*/*``; ``q=0`` refuses it).  Aliases (and
    ``extra_aliases``, e.g. ``application/json`` for JSON-LD on documents) count only when
    the client names them: a wildcard never reaches a format through an alias.  Ties go to
    the earlier offered format.
    """
    if not accept_header or not accept_header.strip():
        return offered[0]
    ranges = _accept_ranges(accept_header)
    best: Format | None = None
    best_quality = 0.0
    for fmt in offered:
        names = (*fmt.aliases, *(m for m, f in (extra_aliases or {}).items() if f is fmt))
        quality = max((_quality(fmt.media_type, ranges), *(ranges.get(n, 0.0) for n in names)))
        if quality > best_quality:
            best, best_quality = fmt, quality
    return best


def _accept_ranges(accept_header: str) -> dict[str, float]:
    """Media ranges of an ``Accept`` header, lower-cased, without parameters: quality."""
    ranges: dict[str, float] = {}
    for value, quality in parse_accept_header(accept_header, MIMEAccept):
        media_range = value.split(";", 1)[0].strip().lower()
        ranges[media_range] = max(quality, ranges.get(media_range, 0.0))
    return ranges


def _quality(media_type: str, ranges: dict[str, float]) -> float:
    """The quality the most specific matching range gives ``media_type`` (0 if none)."""
    main_type = media_type.split("/", 1)[0]
    for media_range in (media_type, f"{main_type}/*", "*/*"):
        if media_range in ranges:
            return ranges[media_range]
    return 0.0
