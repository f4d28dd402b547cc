"""Content negotiation: formats.negotiate on real clients' Accept headers, and on documents."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clusterld.formats import (
    DOCUMENT_ALIASES,
    DOCUMENT_FORMATS,
    HTML,
    JSON_LD,
    N_TRIPLES,
    RDF_XML,
    TURTLE,
    negotiate,
)

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
SAFARI = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RDFLIB_DEFAULT = (  # rdflib 7 Graph().parse(url) without format: every parser's media type
    "application/rdf+xml, text/rdf+n3, text/n3, text/turtle, application/n-triples, "
    "application/ld+json, application/n-quads, application/trix, application/trig, "
    "application/hext"
)
JENA = (
    "text/turtle,application/n-triples;q=0.9,application/ld+json;q=0.8,"
    "application/rdf+xml;q=0.7,*/*;q=0.5"
)
COMUNICA = (
    "application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,"
    "application/n-triples;q=0.8,text/turtle;q=0.6,application/rdf+xml;q=0.5,text/n3;q=0.35,"
    "application/xml;q=0.3,image/svg+xml;q=0.3,text/xml;q=0.3,text/html;q=0.2,"
    "application/xhtml+xml;q=0.18"
)


@pytest.fixture(scope="module")
def app(any_app: Flask) -> Flask:
    """Every test here runs over each backend (embedded, Oxigraph server, Virtuoso): its
    answers must not depend on where the triples are."""
    return any_app


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, TURTLE),  # no header: our first choice
        ("", TURTLE),
        ("*/*", TURTLE),  # curl
        (FIREFOX, HTML),
        (CHROME, HTML),
        (SAFARI, HTML),
        (RDFLIB_DEFAULT, TURTLE),  # all at q=1: the tie goes to our preference
        ("application/rdf+xml, */*;q=0.1", RDF_XML),  # rdflib format="xml"
        ("text/turtle, application/x-turtle, */*;q=0.1", TURTLE),  # rdflib format="turtle"
        ("application/ld+json, application/json;q=0.9, */*;q=0.1", JSON_LD),  # rdflib json-ld
        ("text/plain, */*;q=0.1", N_TRIPLES),  # rdflib format="nt"
        (JENA, TURTLE),
        (COMUNICA, JSON_LD),  # N-Quads and TriG are not offered; JSON-LD is next
        ("application/json", JSON_LD),  # alias on documents
        ("application/x-turtle", TURTLE),
        ("text/turtle;q=0, */*", JSON_LD),  # q=0 excludes, even when */* matches
        ("text/turtle;q=0, text/*", HTML),  # the more specific range wins
        ("*/*;q=0, text/html", HTML),
        ("application/*", JSON_LD),  # not Turtle through its alias application/x-turtle
        ("text/*;q=0.5, application/n-triples", N_TRIPLES),
        ("application/rdf+xml;q=0.5, text/html;q=0.4", RDF_XML),
        ("TEXT/TURTLE", TURTLE),  # media types are case-insensitive
        ("text/turtle; charset=utf-8", TURTLE),
        ('application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"', JSON_LD),
        ("text/html;level=1;q=0.1, application/rdf+xml;q=0.2", RDF_XML),
        ("text/turtle;q=0.5, text/turtle;q=0.9", TURTLE),
        ("image/png", None),
        ("text/turtle;q=0", None),
    ],
)
def test_negotiate(accept: str | None, expected: object) -> None:
    assert negotiate(accept, DOCUMENT_FORMATS, extra_aliases=DOCUMENT_ALIASES) is expected


def test_application_json_is_not_json_ld_without_the_alias() -> None:
    assert negotiate("application/json", DOCUMENT_FORMATS) is None


DOC = "/doc/cluster/industrial"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("text/html", "text/html"),
        (FIREFOX, "text/html"),
        ("*/*", "text/turtle"),
        ("application/json", "application/ld+json"),
    ],
)
def test_document_negotiates(client: FlaskClient, accept: str, media_type: str) -> None:
    response = client.get(DOC, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    suffix = {f.media_type: f.suffix for f in DOCUMENT_FORMATS}[media_type]
    assert response.headers["Content-Location"] == f"{DOC}.{suffix}"


@pytest.mark.parametrize("fmt", DOCUMENT_FORMATS, ids=lambda f: f.suffix)
def test_suffix_wins_over_accept(client: FlaskClient, fmt: object) -> None:
    response = client.get(f"{DOC}.{fmt.suffix}", headers={"Accept": "image/png"})  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert response.mimetype == fmt.media_type  # type: ignore[attr-defined]
    assert "Content-Location" not in response.headers


@pytest.mark.parametrize(
    ("media_type", "content_type"),
    [
        ("text/turtle", "text/turtle; charset=utf-8"),
        ("application/ld+json", "application/ld+json; charset=utf-8"),
        ("application/n-triples", "application/n-triples"),  # UTF-8 by definition
        ("application/rdf+xml", "application/rdf+xml; charset=utf-8"),
        ("text/html", "text/html; charset=utf-8"),
    ],
)
def test_content_type_has_charset(client: FlaskClient, media_type: str, content_type: str) -> None:
    response = client.get(DOC, headers={"Accept": media_type})
    assert response.headers["Content-Type"] == content_type


def test_link_header_lists_every_other_format(client: FlaskClient) -> None:
    response = client.get(DOC, headers={"Accept": "text/turtle"})
    links = response.headers["Link"]
    for fmt in DOCUMENT_FORMATS:
        entry = f'<{DOC}.{fmt.suffix}>; rel="alternate"; type="{fmt.media_type}"'
        assert (entry in links) is (fmt is not TURTLE)


def test_unknown_suffix_is_404(client: FlaskClient) -> None:
    assert client.get(f"{DOC}.xyz").status_code == 404
    assert client.get("/ontology.xyz").status_code == 404


def test_not_acceptable_lists_what_is_available(client: FlaskClient) -> None:
    response = client.get(DOC, headers={"Accept": "image/png"})
    assert response.status_code == 406
    for fmt in DOCUMENT_FORMATS:
        assert fmt.media_type in response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", [DOC, "/ontology", "/shapes", "/", "/class/org/Membership"])
def test_every_document_negotiates_and_varies(client: FlaskClient, path: str) -> None:
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    html = client.get(path, headers={"Accept": FIREFOX})
    assert (turtle.mimetype, html.mimetype) == ("text/turtle", "text/html")
    assert turtle.headers["Vary"] == html.headers["Vary"] == "Accept, Accept-Language"


def test_head_matches_get_without_body(client: FlaskClient) -> None:
    get = client.get(DOC, headers={"Accept": "text/turtle"})
    head = client.head(DOC, headers={"Accept": "text/turtle"})
    assert head.status_code == 200
    assert head.data == b""
    for name in ("Content-Type", "ETag", "Link", "Vary", "Content-Length"):
        assert head.headers[name] == get.headers[name]
