"""Crawl the site from the home page like a Linked Data client and like a browser.

Every IRI of the base met in any document, and every link of a page into the Linked Data
part of the site (/id/, /doc/, /ontology, /shapes, /class and home), must answer 200 after
redirects in every format; the RDF formats of a document must parse to isomorphic graphs,
and every page (in Russian and English) must be well-formed HTML.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from html_check import check_html

BASE = "http://localhost/"
FOLLOWED = ("/id/", "/doc/", "/ontology", "/shapes", "/class/")
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SUFFIXES = {
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
    ".html": "text/html",
}

# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


def local(url: str, current: str = "/") -> str | None:
    """The path (and query) on this server that ``url`` names, if it is one.

    The ``lang`` parameter is dropped: every page is fetched in both languages anyway.
    """
    parts = urlsplit(urljoin(f"http://localhost{current}", url))
    if parts.netloc != "localhost":
        return None
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "lang"])
    return parts.path + (f"?{query}" if query else "")


def followed(path: str) -> bool:
    return path.split("?")[0] == "/" or path.startswith(FOLLOWED)


def document_of(client: FlaskClient, path: str) -> str:
    """The document an address stands for: things redirect (303) to theirs."""
    if not path.startswith("/id/"):
        return split_variant(client, path)
    response = client.get(path)
    assert response.status_code == 303, path
    return document_of(client, response.headers["Location"])


def split_variant(client: FlaskClient, path: str) -> str:
    """For a format's own URL (``x.ttl``): check it answers in that format; return ``x``."""
    address, _, query = path.partition("?")
    for suffix, media_type in SUFFIXES.items():
        if address.endswith(suffix):
            response = client.get(path, headers={"Accept": "image/png"})  # the suffix wins
            assert (response.status_code, response.mimetype) == (200, media_type), path
            stem = address[: -len(suffix)] or "/"
            return stem.replace("/index", "/") + (f"?{query}" if query else "")
    return path


def parse(text: str, media_type: str, context: dict[str, Any]) -> Graph:
    if media_type == "application/ld+json":
        document = json.loads(text)
        assert document["@context"] == f"{BASE}context.jsonld"
        text = json.dumps({**document, "@context": context["@context"]})
    return Graph().parse(data=text, format=RDF_TYPES[media_type])


def fetch(client: FlaskClient, path: str, accept: str, language: str = "en") -> str:
    response = client.get(
        path, headers={"Accept": accept, "Accept-Language": language}, follow_redirects=True
    )
    assert response.status_code == 200, f"{path} ({accept}): {response.status_code}"
    assert response.mimetype == (accept if accept in RDF_TYPES else "text/html"), path
    return response.get_data(as_text=True)


def visit(client: FlaskClient, path: str, context: dict[str, Any]) -> set[str]:
    """Check one address in every format; return the addresses it links to."""
    graphs = [parse(fetch(client, path, t), t, context) for t in RDF_TYPES]
    turtle = graphs[0]
    for other, media_type in zip(graphs[1:], list(RDF_TYPES)[1:], strict=True):
        assert isomorphic(turtle, other), f"{path}: {media_type} differs from Turtle"
    found = {
        str(term)
        for triple in turtle
        for term in triple
        if isinstance(term, URIRef) and str(term).startswith(BASE)
    }
    links = {local(iri) or iri for iri in found}
    for language in ("en", "ru"):
        page = check_html(fetch(client, path, BROWSER, language))
        links |= {found for href in page.hrefs if (found := local(href, path))}
    return {link.split("#")[0] for link in links if link}


def test_crawl_everything_reachable_from_home(client: FlaskClient) -> None:
    context = client.get("/context.jsonld").get_json()
    seen: set[str] = {"/"}  # addresses met (things, documents, format variants)
    documents: set[str] = {"/"}
    queue = deque(["/"])
    other_routes: set[str] = set()
    while queue:
        path = queue.popleft()
        for link in visit(client, path, context) - seen:
            seen.add(link)
            if not followed(link):
                other_routes.add(link)
                continue
            document = document_of(client, link)
            if document not in documents:
                documents.add(document)
                queue.append(document)
    assert len([p for p in seen if p.startswith("/id/")]) > 100
    assert len(documents) > 100
    assert {"/ontology", "/shapes", "/class/cld/EducationIndustryCluster"} <= seen
    assert any("?incoming=all" in p for p in seen)
    # links to routes of other parts (SPARQL, validation, metadata) are not crawled, but
    # those of this part that a page uses must work
    for path in other_routes & {"/static/style.css", "/context.jsonld"}:
        with client.get(path) as response:
            assert response.status_code == 200, path
