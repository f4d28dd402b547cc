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
DOCUMENT_FORMATS: tuple[Format, ...] = (*RDF_FORMATS, HTML)


def by_suffix(suffix: str, offered: Sequence[Format] = DOCUMENT_FORMATS) -> Format | None:
    """The format whose URL suffix is ``suffix`` (without the dot), if offered."""
    return next((f for f in offered if f.suffix == suffix), None)


def by_media_type(media_type: str, offered: Sequence[Format] = DOCUMENT_FORMATS) -> Format | None:
    """The format for a media type (or one of its aliases), ignoring parameters and case."""
    wanted = media_type.split(";", 1)[0].strip().lower()
    return next((f for f in offered if wanted in (f.media_type, *f.aliases)), None)


def negotiate(
    accept_header: str | None,
    offered: Sequence[Format] = DOCUMENT_FORMATS,
    *,
    extra_aliases: dict[str, Format] | None = None,
) -> Format | None:
    """Pick the format that best satisfies an ``Accept`` header, in our order of preference.

    ``extra_aliases`` maps further media types to offered formats (e.g. ``application/json``
    to JSON-LD on resource documents).
    """
    if not accept_header or not accept_header.strip():
        return offered[0]
    accept = parse_accept_header(accept_header, MIMEAccept)
    candidates: dict[str, Format] = {}
    for fmt in offered:
        for media_type in (fmt.media_type, *fmt.aliases):
            candidates.setdefault(media_type, fmt)
    for media_type, fmt in (extra_aliases or {}).items():
        candidates.setdefault(media_type, fmt)
    best = accept.best_match(list(candidates))
    return candidates[best] if best else None
