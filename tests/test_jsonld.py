"""JSON-LD: compact keys through the published context, and the same triples as Turtle.

The context is fetched through the test client and handed to the processors, so neither
rdflib nor pyld ever reaches for the network.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS, SKOS, XSD

from clusterld.dataset.store import get_store
from clusterld.web.jsonld import from_graph

BASE = "http://localhost/"
CONTEXT_URL = f"{BASE}context.jsonld"

# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
DOCUMENTS = [
    "/doc/cluster/industrial",
    "/doc/org/tomsk-economic-industrial-college",
    "/doc/membership/industrial/elesy",
    "/doc/scheme/industry",
    "/doc/dataset",
    "/doc/source/cluster-policy-2021-03-31",
    "/ontology",
    "/shapes",  # blank nodes and RDF lists
    "/class/org/Membership",
    "/",
]


@pytest.fixture(scope="module")
def context(app: Flask) -> dict[str, Any]:
    with app.test_client() as client:
        response = client.get("/context.jsonld")
    assert response.status_code == 200
    return response.get_json()  # type: ignore[no-any-return]


def get_json(client: FlaskClient, path: str) -> dict[str, Any]:
    response = client.get(path, headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    return json.loads(response.get_data(as_text=True))  # type: ignore[no-any-return]


def with_local_context(document: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    assert document["@context"] == CONTEXT_URL
    return {**document, "@context": context["@context"]}


def turtle_graph(client: FlaskClient, path: str) -> Graph:
    text = client.get(path, headers={"Accept": "text/turtle"}).get_data(as_text=True)
    return Graph().parse(data=text, format="turtle")


@pytest.mark.parametrize("path", DOCUMENTS)
def test_rdflib_expands_to_the_turtle_triples(
    client: FlaskClient, context: dict[str, Any], path: str
) -> None:
    document = with_local_context(get_json(client, path), context)
    parsed = Graph().parse(data=json.dumps(document), format="json-ld")
    expected = turtle_graph(client, path)
    assert len(parsed) == len(expected) > 0
    assert isomorphic(parsed, expected)


@pytest.mark.parametrize("path", DOCUMENTS)
def test_pyld_expands_to_the_turtle_triples(
    client: FlaskClient, context: dict[str, Any], path: str
) -> None:
    def loader(url: str, options: object = None) -> dict[str, Any]:
        assert url == CONTEXT_URL, f"pyld tried to load {url}"
        return {"contextUrl": None, "documentUrl": url, "document": context}

    document = get_json(client, path)
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": loader})
    parsed = Graph().parse(data=nquads, format="nt")
    assert isomorphic(parsed, turtle_graph(client, path))


def test_keys_are_short_and_labels_are_language_maps(client: FlaskClient) -> None:
    document = get_json(client, "/doc/cluster/industrial")
    cluster = document["@graph"][0]  # the primary topic comes first
    assert cluster["id"] == f"{BASE}id/cluster/industrial"
    assert "EducationIndustryCluster" in cluster["type"]
    assert cluster["prefLabel"] == {"en": "Industrial Cluster", "ru": "Промышленный кластер"}
    assert cluster["industry"] == f"{BASE}id/concept/industry/industry"
    assert f"{BASE}id/org/elesy" in cluster["hasMember"]
    assert cluster["notation"] == "4"


def test_context_is_cacheable_and_open_to_every_origin(client: FlaskClient) -> None:
    response = client.get("/context.jsonld")
    assert response.mimetype == "application/ld+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Type"] == "application/ld+json; charset=utf-8"
    assert "max-age=86400" in response.headers["Cache-Control"]
    assert "immutable" not in response.headers["Cache-Control"]  # its address has no version
    assert (
        client.get(
            "/context.jsonld", headers={"If-None-Match": response.headers["ETag"]}
        ).status_code
        == 304
    )
    context = response.get_json()["@context"]
    assert context["@version"] == 1.1
    assert context["cld"] == "https://w3id.org/clusterld/ontology#"  # the same for every base
    assert context["label"] == {"@id": "rdfs:label", "@container": "@language"}


@pytest.mark.parametrize(
    "value",
    [
        Literal("untagged"),  # cannot go into a language map
        Literal("2021-03-31", datatype=XSD.date),
        Literal("007", datatype=XSD.integer),  # lexical form kept (no JSON number)
        Literal("x", datatype=XSD.string),
        Literal("en-GB", lang="en-gb"),
        URIRef("http://example.org/elsewhere"),  # an IRI where a literal is usual
    ],
)
def test_values_that_do_not_fit_a_term_still_round_trip(
    app: Flask, context: dict[str, Any], value: Literal | URIRef
) -> None:
    with app.app_context():
        prefixes = {p: str(ns) for p, ns in get_store().iris.prefixes().items()}
    graph = Graph()
    subject = URIRef(f"{BASE}id/test/thing")
    graph.add((subject, RDFS.label, value))
    graph.add((subject, SKOS.notation, Literal("n1")))
    document = from_graph(graph, context_url=CONTEXT_URL, prefixes=prefixes)
    parsed = Graph().parse(data=json.dumps(with_local_context(document, context)), format="json-ld")
    assert isomorphic(parsed, graph)


def test_html_embeds_the_same_json_ld(client: FlaskClient, context: dict[str, Any]) -> None:
    page = client.get("/doc/org/elesy", headers={"Accept": "text/html"}).get_data(as_text=True)
    start = page.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    embedded = json.loads(page[start : page.index("</script>", start)])
    parsed = Graph().parse(data=json.dumps(with_local_context(embedded, context)), format="json-ld")
    assert isomorphic(parsed, turtle_graph(client, "/doc/org/elesy"))
