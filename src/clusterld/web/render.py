"""Documents to responses: serialise, negotiate, and add the headers every document carries.

Every document answers in Turtle, JSON-LD, N-Triples, RDF/XML and HTML, with ``Vary``,
``Link: rel="alternate"`` to each other format, ``Content-Location`` when negotiated,
``ETag``/``Last-Modified`` from the store's version (``304`` on a conditional request) and
``Access-Control-Allow-Origin: *`` (app-wide, see clusterld.web.cors).  Bodies are cached per store
version: the most recently used of them (``Store.recent``), so that a crawler walking every
document does not keep them all in memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Response, request
from pyoxigraph import RdfFormat, Triple, serialize
from rdflib import BNode, Graph, URIRef

from clusterld import __version__
from clusterld.dataset.store import Store, get_store
from clusterld.dataset.terms import to_ox
from clusterld.errors import NotAcceptable, NotFound
from clusterld.formats import (
    DOCUMENT_ALIASES,
    DOCUMENT_FORMATS,
    HTML,
    JSON_LD,
    N_TRIPLES,
    RDF_XML,
    TURTLE,
    Format,
    by_suffix,
    negotiate,
)
from clusterld.metadata.dumps import canonical_graph
from clusterld.metadata.statistics import namespace_of
from clusterld.web.addresses import Address
from clusterld.web.conformance import link_header
from clusterld.web.jsonld import context_iri, from_graph
from clusterld.web.language import choose_language, language_is_explicit

DOCUMENT_CACHE = "public, max-age=300"
# A day, then revalidation by ETag: long enough to spare clients, not ``immutable``, since the
# context's address has no version and a new term must reach clients that cached the old one.
CONTEXT_CACHE = "public, max-age=86400"


@dataclass(frozen=True)
class Document:
    """A document this server publishes: its content as a graph, and its HTML page."""

    key: str
    address: Address
    build: Callable[[], Graph]
    page: Callable[[Graph, str], str]
    topic: URIRef | None = None
    formats: tuple[Format, ...] = DOCUMENT_FORMATS
    prefixes: Mapping[str, str] = field(default_factory=dict)
    """Prefixes of the document's own vocabularies, besides the dataset's (e.g. ``spdx:`` for
    the catalog), so that Turtle and RDF/XML do not invent ``ns1:``."""

    def graph(self, store: Store) -> Graph:
        """The document's graph, built once per store version."""
        graph: Graph = cached(store, ("graph", self.key), self.build)
        return graph


PER_DOCUMENT = ("description", "graph", "body")
"""Keys whose number grows with the dataset: kept while recently used, not for ever."""


def cached(store: Store, key: tuple[str, ...], make: Callable[[], Any]) -> Any:
    """``make()``, remembered in the store (so a reload starts afresh); per-document values
    only while they are recently used (:meth:`Store.recent`)."""
    if key[0] in PER_DOCUMENT:
        return store.recent(("render", *key), make)
    return store.cached("render|" + "|".join(key), make)


def choose_format(ext: str | None, formats: tuple[Format, ...] = DOCUMENT_FORMATS) -> Format:
    """The format named by a URL suffix, else the best for ``Accept``.

    :raises NotFound: the suffix names no format of this document.
    :raises NotAcceptable: no format satisfies ``Accept``.
    """
    if ext is not None:
        fmt = by_suffix(ext, formats)
        if fmt is None:
            raise NotFound(f"There is no .{ext} variant of this document.")
        return fmt
    fmt = negotiate(request.headers.get("Accept"), formats, extra_aliases=DOCUMENT_ALIASES)
    if fmt is None:
        available = ", ".join(f.media_type for f in formats)
        raise NotAcceptable(f"This document is available as: {available}.")
    return fmt


def render(document: Document, ext: str | None) -> Response:
    """The response for ``document`` in the format the URL or the request asks for."""
    store = get_store()
    fmt = choose_format(ext, document.formats)
    lang = choose_language() if fmt is HTML else ""
    # Pages chosen with ?lang= keep it in their links; others do not: two variants.
    variant = f"{lang}{'=' if language_is_explicit() else ''}" if lang else ""
    body = cached(
        store, ("body", document.key, fmt.name, variant), lambda: serialise(document, fmt, lang)
    )
    response = Response(body, content_type=fmt.content_type)
    response.headers["Vary"] = ", ".join(_vary(document, ext))
    response.headers["Link"] = alternates_header(document, fmt)
    described_by = link_header(str(document.topic)) if document.topic is not None else None
    if described_by:  # the resource's own SHACL validation report
        response.headers["Link"] = ", ".join(filter(None, (response.headers["Link"], described_by)))
    if ext is None:
        response.headers["Content-Location"] = document.address.url(fmt)
    if fmt is HTML:
        response.headers["Content-Language"] = lang
    add_caching(response, store, document.key, fmt.name, variant)
    response.make_conditional(request)
    return response


def serialise(document: Document, fmt: Format, lang: str) -> str:
    """The body of ``document`` in ``fmt`` (HTML pages in ``lang``)."""
    store = get_store()
    graph = document.graph(store)
    if fmt is HTML:
        return document.page(graph, lang)
    prefixes = {**{p: str(ns) for p, ns in store.iris.prefixes().items()}, **document.prefixes}
    if fmt is not JSON_LD and not has_blank_nodes(graph):
        return fast_serialise(graph, fmt, prefixes)
    # the same bytes in every process, so that ETags (from the content) match the bodies
    graph = canonical_graph(graph, store)
    bound = {str(namespace) for _, namespace in graph.namespaces()}
    for prefix, namespace in document.prefixes.items():
        if namespace not in bound:
            graph.bind(prefix, namespace, override=False)
    if fmt is JSON_LD:
        return jsonld_text(graph, store, first=document.topic)
    assert fmt.rdflib_format is not None
    return graph.serialize(format=fmt.rdflib_format)


OXIGRAPH_FORMATS = {
    TURTLE.name: RdfFormat.TURTLE,
    N_TRIPLES.name: RdfFormat.N_TRIPLES,
    RDF_XML.name: RdfFormat.RDF_XML,
}


def has_blank_nodes(graph: Graph) -> bool:
    return any(isinstance(term, BNode) for triple in graph for term in triple)


def fast_serialise(graph: Graph, fmt: Format, prefixes: Mapping[str, str]) -> str:
    """Turtle, N-Triples or RDF/XML written by Oxigraph (ten times faster than rdflib's
    serialisers), from the triples in sorted order: the same bytes in every process.

    Only for graphs without blank nodes, whose labels would differ between processes.
    """
    triples = sorted(graph, key=lambda triple: tuple(term.n3() for term in triple))
    used = {
        namespace_of(str(term)) for triple in triples for term in triple if isinstance(term, URIRef)
    }
    declared = {p: ns for p, ns in prefixes.items() if ns in used or p == "rdf"}
    body = serialize(
        [Triple(*(to_ox(term) for term in triple)) for triple in triples],
        format=OXIGRAPH_FORMATS[fmt.name],
        prefixes=declared if fmt is not N_TRIPLES else None,
    )
    assert body is not None
    return body.decode("utf-8")


def jsonld_text(graph: Graph, store: Store, *, first: URIRef | None = None) -> str:
    """``graph`` as JSON-LD text with the published context."""
    prefixes = {prefix: str(ns) for prefix, ns in store.iris.prefixes().items()}
    data = from_graph(graph, context_url=context_iri(store.base), prefixes=prefixes, first=first)
    return json.dumps(data, ensure_ascii=False, indent=2)


def alternates(document: Document, current: Format | None = None) -> list[tuple[Format, str]]:
    """Each format of ``document`` (except ``current``) with its URL."""
    return [(f, document.address.url(f)) for f in document.formats if f is not current]


def alternates_header(document: Document, current: Format) -> str:
    return ", ".join(
        f'<{url}>; rel="alternate"; type="{fmt.media_type}"'
        for fmt, url in alternates(document, current)
    )


def add_caching(response: Response, store: Store, *parts: str) -> None:
    """Validators from the store's version and load time (CORS is app-wide: clusterld.web.cors)."""
    digest = hashlib.sha256("|".join((store.version, __version__, *parts)).encode()).hexdigest()
    response.set_etag(digest[:24])
    response.last_modified = store.loaded_at.replace(microsecond=0)
    response.headers.setdefault("Cache-Control", DOCUMENT_CACHE)


def _vary(document: Document, ext: str | None) -> list[str]:
    vary = ["Accept"]
    if HTML in document.formats and ext in (None, HTML.suffix):
        vary.append("Accept-Language")
    return vary
