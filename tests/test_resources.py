"""Dereferencing: things 303 to documents, one canonical spelling, 404s, caching, CORS."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import FOAF, RDF, RDFS, SKOS, VOID

from clusterld.dataset.describe import describe
from clusterld.dataset.store import get_store
from clusterld.namespaces import CLD, ORG
from clusterld.web import documents

BASE = "http://localhost/"
INDUSTRIAL = URIRef(f"{BASE}id/cluster/industrial")
SOURCE = "source/cluster-policy-2021-03-31"


@pytest.fixture(scope="module")
def app(any_app: Flask) -> Flask:
    """Every test here runs over each backend (embedded, Oxigraph server, Virtuoso): its
    answers must not depend on where the triples are."""
    return any_app


def turtle(client: FlaskClient, path: str, **query: str) -> Graph:
    response = client.get(path, headers={"Accept": "text/turtle"}, query_string=query)
    assert response.status_code == 200, path
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


def id_paths(app: Flask) -> list[str]:
    with app.app_context():
        union = get_store().union
    prefix = f"{BASE}id/"
    return sorted({str(s)[len(prefix) :] for s in union.subjects() if str(s).startswith(prefix)})


@pytest.mark.parametrize(
    "path",
    [
        "cluster/industrial",
        "org/elesy",
        "membership/industrial/elesy",  # three segments
        "concept/industry/industry",
        "scheme/industry",  # a concept scheme
        "dataset",  # the dataset itself
        "council/coordination",
    ],
)
def test_thing_answers_303_to_its_document(client: FlaskClient, path: str) -> None:
    response = client.get(f"/id/{path}", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/doc/{path}"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    graph = turtle(client, response.headers["Location"])
    assert (URIRef(f"{BASE}id/{path}"), None, None) in graph


def test_every_thing_of_the_dataset_dereferences(app: Flask, client: FlaskClient) -> None:
    paths = id_paths(app)
    assert len(paths) > 100
    for path in paths:
        response = client.get(f"/id/{path}")
        assert response.status_code == 303, path
        assert client.get(response.headers["Location"]).status_code == 200, path


@pytest.mark.parametrize("accept", ["text/html", "application/ld+json", "*/*", "image/png"])
def test_thing_never_answers_200(client: FlaskClient, accept: str) -> None:
    assert client.get("/id/cluster/industrial", headers={"Accept": accept}).status_code == 303


def test_redirect_keeps_the_suffix_and_the_language(client: FlaskClient) -> None:
    assert client.get("/id/org/elesy.ttl").headers["Location"] == "/doc/org/elesy.ttl"
    location = client.get("/id/org/elesy?lang=ru").headers["Location"]
    assert location == "/doc/org/elesy?lang=ru"


def test_document_describes_its_thing_completely(client: FlaskClient) -> None:
    graph = turtle(client, "/doc/cluster/industrial")
    lead = URIRef(f"{BASE}id/org/tomsk-economic-industrial-college")
    assert (INDUSTRIAL, ORG.hasMember, URIRef(f"{BASE}id/org/elesy")) in graph  # outgoing
    membership = URIRef(f"{BASE}id/membership/industrial/elesy")
    assert (membership, ORG.organization, INDUSTRIAL) in graph  # incoming
    # labels of linked resources, in both languages, so no second request is needed
    assert {lit.language for lit in graph.objects(lead, SKOS.prefLabel)} == {"ru", "en"}
    assert graph.value(membership, RDFS.label) is not None
    doc = URIRef(f"{BASE}doc/cluster/industrial")
    assert (doc, FOAF.primaryTopic, INDUSTRIAL) in graph
    assert (doc, VOID.inDataset, URIRef(f"{BASE}id/dataset")) in graph


def test_document_holds_every_triple_of_its_subject(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        union = get_store().union
    graph = turtle(client, "/doc/org/employers-union-of-tomsk-oblast")
    subject = URIRef(f"{BASE}id/org/employers-union-of-tomsk-oblast")
    for triple in union.triples((subject, None, None)):
        assert triple in graph


def test_incoming_links_are_bounded_with_a_link_to_the_rest(
    make_app: Callable[..., Flask],
) -> None:
    small = make_app(MAX_INCOMING_LINKS=5).test_client()
    bounded = turtle(small, f"/doc/{SOURCE}")
    thing = URIRef(f"{BASE}id/{SOURCE}")
    links = {(s, p) for s, p in bounded.subject_predicates(thing) if p != FOAF.primaryTopic}
    assert len(links) == 5
    more = bounded.value(URIRef(f"{BASE}doc/{SOURCE}"), RDFS.seeAlso)
    assert more == URIRef(f"{BASE}doc/{SOURCE}?incoming=all")
    everything = turtle(small, f"/doc/{SOURCE}", incoming="all")
    assert len(set(everything.subject_predicates(thing))) > 100
    assert everything.value(URIRef(f"{BASE}doc/{SOURCE}?incoming=all"), RDFS.seeAlso) is None


def test_unbounded_document_has_no_link_to_the_rest(client: FlaskClient) -> None:
    graph = turtle(client, "/doc/org/elesy")
    assert graph.value(URIRef(f"{BASE}doc/org/elesy"), RDFS.seeAlso) is None


def test_describe_closes_blank_nodes_and_skips_blank_incoming() -> None:
    source = Graph()
    thing, other, inner, deeper = (URIRef("urn:x:thing"), URIRef("urn:x:other"), BNode(), BNode())
    source.add((thing, RDFS.seeAlso, inner))
    source.add((inner, RDFS.seeAlso, deeper))
    source.add((deeper, RDFS.label, Literal("deep")))
    source.add((deeper, RDFS.seeAlso, inner))  # a cycle must not loop
    source.add((BNode(), RDFS.seeAlso, thing))  # incoming from a blank node: not shown
    source.add((other, RDFS.seeAlso, thing))
    source.add((other, RDFS.label, Literal("other", lang="en")))
    description = describe(source, thing, max_incoming=None)
    assert (deeper, RDFS.label, Literal("deep")) in description.graph
    assert (other, RDFS.label, Literal("other", lang="en")) in description.graph
    assert description.incoming_total == 1
    assert len(description.graph) == 6


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/id/cluster/industrial/", "/id/cluster/industrial"),  # trailing slash
        ("/id/Cluster/Industrial", "/id/cluster/industrial"),  # case
        ("/doc/cluster/industrial/", "/doc/cluster/industrial"),
        ("/doc/ORG/ELESY.ttl", "/doc/org/elesy.ttl"),
        ("/ontology/", "/ontology"),
        ("/shapes/", "/shapes"),
        ("/class/skos/Concept/", "/class/skos/Concept"),
    ],
)
def test_other_spellings_redirect_permanently(
    client: FlaskClient, path: str, location: str
) -> None:
    response = client.get(path)
    assert response.status_code == 301
    assert response.headers["Location"] == location


def test_percent_encoding_resolves_to_the_same_thing(client: FlaskClient) -> None:
    response = client.get("/id/cluster/industri%61l")
    assert (response.status_code, response.headers["Location"]) == (303, "/doc/cluster/industrial")


@pytest.mark.parametrize(
    "path",
    [
        "/id/cluster/" + quote("промышленный"),  # percent-encoded Cyrillic
        "/id/cluster/промышленный",  # raw UTF-8
        "/id/cluster/does-not-exist",
        "/doc/cluster/does-not-exist",
        "/doc/cluster/industrial.exe",
        "/class/cld/NoSuchClass",
        "/class/nope/Thing",
        "/ontology/9.9.9",
    ],
)
def test_unknown_addresses_are_404(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_404_is_a_page_for_browsers(client: FlaskClient) -> None:
    response = client.get("/id/cluster/does-not-exist", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "404" in page and 'class="skip-link"' in page  # error.html extends base.html


def test_ontology_and_shapes_are_hash_namespaces(client: FlaskClient) -> None:
    ontology = turtle(client, "/ontology")
    term = CLD.EducationIndustryCluster
    assert {lit.language for lit in ontology.objects(term, RDFS.label)} == {"ru", "en"}
    shapes = turtle(client, "/shapes")
    assert (URIRef(f"{BASE}shapes#ClusterShape"), RDF.type, None) in shapes
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert response.status_code == 200  # a hash IRI's document answers directly
    assert response.headers["Content-Location"] == "/ontology.ttl"


def test_ontology_version_iri_redirects_to_the_ontology(client: FlaskClient) -> None:
    response = client.get("/ontology/2.0.0")
    assert (response.status_code, response.headers["Location"]) == (303, "/ontology")


def test_class_page_lists_the_instances(client: FlaskClient) -> None:
    graph = turtle(client, "/class/cld/EducationIndustryCluster")
    cls = CLD.EducationIndustryCluster
    assert len(set(graph.subjects(RDF.type, cls))) == 9
    assert graph.value(INDUSTRIAL, SKOS.prefLabel) is not None


@pytest.mark.parametrize(
    "path",
    ["/doc/org/elesy", "/ontology", "/shapes", "/", "/class/skos/Concept", "/context.jsonld"],
)
def test_validators_and_conditional_requests(client: FlaskClient, path: str) -> None:
    first = client.get(path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    not_modified = client.get(path, headers={"If-None-Match": etag})
    assert not_modified.headers["ETag"] == etag and not_modified.data == b""


def test_representations_have_distinct_etags(client: FlaskClient) -> None:
    tags = {
        client.get("/doc/org/elesy", headers={"Accept": a}).headers["ETag"]
        for a in ("text/turtle", "application/ld+json", "text/html")
    }
    tags.add(
        client.get(
            "/doc/org/elesy", headers={"Accept-Language": "ru", "Accept": "text/html"}
        ).headers["ETag"]
    )
    assert len(tags) == 4


def test_last_modified_is_when_the_store_was_loaded(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        loaded = get_store().loaded_at
    response = client.get("/doc/org/elesy")
    assert response.last_modified == loaded.replace(microsecond=0)


class StubStore:
    """Just what path resolution needs: a base, a graph, the things' paths and a cache."""

    def __init__(self, graph: Graph) -> None:
        self.base, self.union, self._cache = BASE, graph, {}
        prefix = f"{BASE}id/"
        self.thing_paths = tuple(sorted(str(s)[len(prefix) :] for s in graph.subjects()))

    def mentions(self, iri: URIRef) -> bool:
        return (iri, None, None) in self.union or (None, None, iri) in self.union

    def cached(self, key: object, compute: Callable[[], object]) -> object:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]


@pytest.mark.parametrize(
    ("asked", "canonical"),
    [
        ("place/томск", "place/томск"),  # a Cyrillic path, decoded from UTF-8 or %-escapes
        ("place/ТОМСК", "place/томск"),  # other case: redirected to the canonical spelling
        ("place/томск/", "place/томск"),
        ("place/tomsk", None),
    ],
)
def test_non_ascii_paths_resolve_consistently(asked: str, canonical: str | None) -> None:
    graph = Graph()
    graph.add((URIRef(f"{BASE}id/place/томск"), RDFS.label, Literal("Томск", lang="ru")))
    assert documents.canonical_path(StubStore(graph), asked) == canonical  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["data", "ontology", "shapes"])
def test_named_graphs_dereference(app: Flask, client: FlaskClient, name: str) -> None:
    with app.app_context():
        store = get_store()
        part = {"data": store.data, "ontology": store.ontology, "shapes": store.shapes}[name]
        assert store.graph_names[name] == URIRef(f"{BASE}graph/{name}")
    assert isomorphic(turtle(client, f"/graph/{name}"), part)
    assert client.get(f"/graph/{name}.html").status_code == 200
    assert client.get("/graph/other").status_code == 404
