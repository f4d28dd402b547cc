"""Read an RDF document that a client sends for validation into a graph, safely.

Works without Flask: the view hands over bytes and a media type. The document is parsed
with the same loader as the dataset files (precise line and column on syntax errors) and
rebased like them, so a contributor can write IRIs under the source base or the published
one. JSON-LD is pre-checked so that the parser never fetches a remote ``@context``: the
server makes no outbound request on a client's behalf; only our own context is accepted,
and it is resolved locally.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from rdflib import Graph
from werkzeug.http import parse_options_header

from clusterld.dataset.loading import (
    FORMAT_BY_SUFFIX,
    TooManyTriples,
    load_json,
    parse_text,
    rebase,
)
from clusterld.errors import InputError, InputTooLarge, RDFSyntaxError, UnsupportedMediaType
from clusterld.formats import JSON_LD, N_TRIPLES, RDF_FORMATS, RDF_XML, TURTLE, Format

INPUT_ALIASES: dict[str, Format] = {"application/json": JSON_LD}
"""Further media types accepted as input: JSON-LD is often sent as plain JSON."""

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")

UTF8_NAMES = ("utf-8", "utf8", "us-ascii", "ascii")


class RemoteContextRefused(InputError):
    """A JSON-LD document names a context we would have to fetch from elsewhere."""

    title = "Remote JSON-LD context refused"


class DocumentTooLarge(InputTooLarge):
    """A document (or body) bigger than the validation service is configured to check."""

    title = "Document too large"


def limit_triples(graph: Graph, limit: int, *, source: str) -> None:
    """Refuse a parsed document of more than ``limit`` triples, before any validation.

    Validation time grows with the size of the document, so the service checks at most
    ``VALIDATE_MAX_TRIPLES`` triples; the CLI, run on one's own machine, has no limit.

    :raises DocumentTooLarge: the graph has more than ``limit`` triples.
    """
    found = len(graph)
    if found > limit:
        raise DocumentTooLarge(_too_many(source, f"{found} triples", limit))


def _too_many(source: str, found: str, limit: int) -> str:
    return (
        f"{source}: {found}; this service validates at most {limit} triples per document "
        "(setting VALIDATE_MAX_TRIPLES). Split the document into smaller ones, or validate it "
        "on your own machine with `clusterld validate`, which has no limit."
    )


def supported_media_types() -> list[str]:
    """Every media type that ``POST /validate`` accepts, for 415 answers and ``Accept-Post``."""
    rdf = [media for fmt in RDF_FORMATS for media in (fmt.media_type, *fmt.aliases)]
    return [*rdf, *INPUT_ALIASES, *FORM_TYPES]


def input_format(content_type: str | None) -> Format:
    """The RDF format of a request body, from its ``Content-Type``.

    :raises UnsupportedMediaType: no, or an unsupported, media type or charset.
    """
    media_type, options = parse_options_header(content_type or "")
    media_type = media_type.lower()
    fmt = INPUT_ALIASES.get(media_type) or next(
        (f for f in RDF_FORMATS if media_type in (f.media_type, *f.aliases)), None
    )
    if fmt is None:
        sent = f"'{media_type}'" if media_type else "no Content-Type"
        raise UnsupportedMediaType(
            f"Cannot validate {sent}. Send one of: " + ", ".join(supported_media_types()) + "."
        )
    charset = options.get("charset", "utf-8").lower()
    if charset not in UTF8_NAMES:
        raise UnsupportedMediaType(f"Cannot read charset '{charset}': send UTF-8.")
    return fmt


def format_named(name: str) -> Format:
    """A format chosen in the HTML form by its name (``turtle``, ``json-ld``, …) or suffix."""
    wanted = name.strip().lower()
    for fmt in RDF_FORMATS:
        if wanted in (fmt.name, fmt.suffix):
            return fmt
    names = ", ".join(fmt.name for fmt in RDF_FORMATS)
    raise UnsupportedMediaType(f"Unknown RDF format '{name}'; choose one of: {names}.")


def format_of_file(filename: str | None, content_type: str | None) -> Format | None:
    """Guess an uploaded file's format from its extension, else from its part's media type."""
    suffix = PurePath(filename or "").suffix.lower()
    by_rdflib = {TURTLE.rdflib_format: TURTLE, "nt": N_TRIPLES, "json-ld": JSON_LD, "xml": RDF_XML}
    if suffix in FORMAT_BY_SUFFIX:
        return by_rdflib[FORMAT_BY_SUFFIX[suffix]]
    try:
        return input_format(content_type)
    except UnsupportedMediaType:
        return None


def guess_format(text: str) -> Format:
    """The likely format of pasted text: JSON-LD and RDF/XML look unlike Turtle at once.

    RDF/XML declares its namespaces with ``xmlns``; N-Triples needs no guess, being Turtle.
    """
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    if head[:1] in ("{", "["):
        return JSON_LD
    if head.startswith("<?xml") or (head.startswith("<") and "xmlns" in head):
        return RDF_XML
    return TURTLE


def decode(body: bytes, *, source: str) -> str:
    """The body as text: RDF bodies are UTF-8 (a byte-order mark is tolerated)."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        raise RDFSyntaxError(source, "not UTF-8 text", line=line) from None


def read_graph(
    text: str,
    fmt: Format,
    *,
    source: str,
    base: str,
    source_base: str,
    contexts: Mapping[str, Any] | None = None,
    max_triples: int | None = None,
) -> Graph:
    """Parse ``text`` as ``fmt`` with ``base`` for relative IRIs, then rebase it like the data.

    ``contexts`` maps the IRIs of the JSON-LD contexts we publish to their content (the
    value of their ``@context``); any other context named by IRI is refused.

    :raises RDFSyntaxError: the text is not valid ``fmt`` (with line and column).
    :raises RemoteContextRefused: a JSON-LD document names a remote context.
    :raises DocumentTooLarge: more than ``max_triples`` triples (``VALIDATE_MAX_TRIPLES``);
        parsing stops at the first triple over the limit.
    """
    assert fmt.rdflib_format is not None
    if fmt is JSON_LD:
        text = inline_contexts(text, contexts or {}, source=source)
    try:
        graph = parse_text(
            text, fmt.rdflib_format, source=source, public_id=base, max_triples=max_triples
        )
    except TooManyTriples as error:
        raise DocumentTooLarge(
            _too_many(source, f"more than {error.limit} triples", error.limit)
        ) from None
    except (AttributeError, NameError) as error:  # rdflib's JSON-LD parser on odd input
        raise RDFSyntaxError(source, f"not valid {fmt.label}: {error}") from None
    return rebase(graph, source_base, base)


def inline_contexts(text: str, contexts: Mapping[str, Any], *, source: str) -> str:
    """Replace references to our own contexts by their content; refuse any other reference."""
    document = load_json(text, source)  # refuses JSON nested too deeply to walk
    if not isinstance(document, dict | list):
        raise RDFSyntaxError(source, "a JSON-LD document is a JSON object or array")
    return json.dumps(_walk(document, contexts, source))


def _walk(value: Any, contexts: Mapping[str, Any], source: str) -> Any:
    """Copy a JSON value, resolving every ``@context`` in it (contexts also nest in terms)."""
    if isinstance(value, list):
        return [_walk(item, contexts, source) for item in value]
    if isinstance(value, dict):
        return {
            key: _context(item, contexts, source)
            if key == "@context"
            else _walk(item, contexts, source)
            for key, item in value.items()
        }
    return value


def _context(value: Any, contexts: Mapping[str, Any], source: str) -> Any:
    """One ``@context`` value: null, an IRI, an object, or an array of these."""
    if value is None:
        return None
    if isinstance(value, str):
        if value in contexts:
            return contexts[value]
        raise RemoteContextRefused(
            f"{source}: the JSON-LD context '{value}' would have to be fetched, and this server "
            "never fetches anything on a client's behalf. Embed the context in the document"
            + (f" or use {', '.join(contexts)}." if contexts else ".")
        )
    if isinstance(value, list):
        return [_context(item, contexts, source) for item in value]
    if isinstance(value, dict):
        if "@import" in value:
            imported = _context(value["@import"], contexts, source)
            rest = {key: item for key, item in value.items() if key != "@import"}
            if not isinstance(imported, dict):
                raise RDFSyntaxError(source, "@import must name a context")
            return {**imported, **_walk(rest, contexts, source)}
        return _walk(value, contexts, source)
    raise RDFSyntaxError(source, f"invalid @context value: {json.dumps(value)}")
