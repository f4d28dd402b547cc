"""The SPARQL 1.1 Service Description at GET /sparql: what it says is what the endpoint does.

The three tests of the W3C service-description manifest are here by name: returns-rdf
(``test_every_rdf_format_says_the_same``), has-endpoint-triple
(``test_the_service_names_the_endpoint_that_was_dereferenced``) and conforms-to-schema
(``test_the_description_conforms_to_the_vocabulary``, with shapes written from SD §3).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, VOID

from clusterld.shacl.engine import validate
from sparql_support import parse_result, sparql_app

# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENDPOINT = URIRef("http://localhost/sparql")
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


def description(client: FlaskClient, accept: str = "text/turtle") -> Graph:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    return Graph().parse(data=response.get_data(), format=RDF_TYPES[accept])


def count(client: FlaskClient, query: str) -> int:
    result = parse_result(client.get("/sparql", query_string={"query": query}))
    return int(next(iter(result))[0])


def test_without_accept_the_description_is_turtle(client: FlaskClient) -> None:
    response = client.get("/sparql")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert "Accept" in response.vary


def test_the_service_names_the_endpoint_that_was_dereferenced(client: FlaskClient) -> None:
    graph = description(client)
    services = set(graph.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    assert (services.pop(), SD.endpoint, ENDPOINT) in graph


@pytest.mark.parametrize("accept", ["text/turtle", "text/html"])
def test_the_description_links_to_the_catalog_and_void(client: FlaskClient, accept: str) -> None:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    catalog = "http://localhost/catalog"
    assert response.headers["Link"] == f'<{catalog}>; rel="describedby"; type="text/turtle"'
    if accept == "text/turtle":
        graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
        (service,) = graph.subjects(RDF.type, SD.Service)
        see_also = {URIRef(catalog), URIRef("http://localhost/.well-known/void")}
        assert set(graph.objects(service, RDFS.seeAlso)) == see_also
        for iri in see_also:
            assert client.get(iri.removeprefix("http://localhost")).status_code == 200


def test_the_links_carry_a_proxy_base_path(make_app: Callable[..., Flask]) -> None:
    client = make_app(BASE_URI="https://data.example.org/tomsk/").test_client()
    response = client.get("/tomsk/sparql", headers={"Accept": "text/turtle"})
    catalog = "https://data.example.org/tomsk/catalog"
    assert response.headers["Link"].startswith(f"<{catalog}>")
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    (service,) = graph.subjects(RDF.type, SD.Service)
    assert set(graph.objects(service, RDFS.seeAlso)) == {
        URIRef(catalog),
        URIRef("https://data.example.org/tomsk/.well-known/void"),
    }


def test_query_language_formats_and_features(client: FlaskClient) -> None:
    graph = description(client)
    (service,) = graph.subjects(RDF.type, SD.Service)
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
    assert set(graph.objects(service, SD.resultFormat)) == {
        FORMATS[name]
        for name in (
            "SPARQL_Results_JSON",
            "SPARQL_Results_XML",
            "SPARQL_Results_CSV",
            "SPARQL_Results_TSV",
            "Turtle",
            "JSON-LD",
            "N-Triples",
            "RDF_XML",
        )
    }
    assert set(graph.objects(service, SD.feature)) == {SD.UnionDefaultGraph}


@pytest.mark.parametrize("accept", sorted(RDF_TYPES))
def test_every_rdf_format_says_the_same(client: FlaskClient, accept: str) -> None:
    assert isomorphic(description(client, accept), description(client))


def test_the_union_default_graph_is_what_it_claims(client: FlaskClient) -> None:
    query = "ASK { GRAPH ?g { ?s ?p ?o } FILTER NOT EXISTS { ?s ?p ?o } }"
    assert parse_result(client.get("/sparql", query_string={"query": query})).askAnswer is False


def test_void_statistics_match_the_endpoint(client: FlaskClient) -> None:
    graph = description(client)
    (dataset,) = graph.subjects(RDF.type, SD.Dataset)
    default = graph.value(dataset, SD.defaultGraph)
    assert graph.value(default, VOID.triples) == Literal(
        count(client, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    )
    assert graph.value(default, VOID.distinctSubjects) == Literal(
        count(client, "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o }")
    )
    assert graph.value(default, VOID.classes) == Literal(
        count(client, "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?s a ?c }")
    )
    named = list(graph.objects(dataset, SD.namedGraph))
    assert len(named) >= 3
    for node in named:
        name = graph.value(node, SD.name)
        assert name is not None, "every named graph has sd:name"
        triples = graph.value(graph.value(node, SD.graph), VOID.triples)
        query = f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
        assert triples == Literal(count(client, query))


def test_the_limits_are_stated(client: FlaskClient) -> None:
    graph = description(client)
    here = Namespace(f"{ENDPOINT}#")
    (service,) = graph.subjects(RDF.type, SD.Service)
    assert float(graph.value(service, here.queryTimeout)) == 10.0  # type: ignore[arg-type]
    assert int(graph.value(service, here.maxResultRows)) == 10_000  # type: ignore[arg-type]
    assert int(graph.value(service, here.maxQueryLength)) == 50_000  # type: ignore[arg-type]
    assert int(graph.value(service, here.workerMemory)) == 2048  # type: ignore[arg-type]
    for term in (here.queryTimeout, here.maxResultRows, here.maxQueryLength, here.workerMemory):
        languages = {label.language for label in graph.objects(term, RDFS.label)}  # type: ignore[attr-defined]
        assert languages == {"en", "ru"}
    comments = {str(comment) for comment in graph.objects(service, RDFS.comment)}
    assert any("SERVICE is refused" in comment for comment in comments)


def test_the_format_parameter_and_406(client: FlaskClient) -> None:
    assert client.get("/sparql?format=nt").mimetype == "application/n-triples"
    assert client.get("/sparql", headers={"Accept": "image/png"}).status_code == 406


def test_federated_query_is_advertised_only_when_allowed(make_app: Callable[..., Flask]) -> None:
    with sparql_app(make_app, allow_service=True) as app:
        graph = description(app.test_client())
    (service,) = graph.subjects(RDF.type, SD.Service)
    assert SD.BasicFederatedQuery in set(graph.objects(service, SD.feature))


# How SPARQL 1.1 Service Description §3 says its terms are used, as SHACL shapes.
SD_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix void: <http://rdfs.org/ns/void#> .

[] a sh:NodeShape ; sh:targetClass sd:Service ;
  sh:property [ sh:path sd:endpoint ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ,
    [ sh:path sd:supportedLanguage ; sh:minCount 1 ;
      sh:in ( sd:SPARQL10Query sd:SPARQL11Query sd:SPARQL11Update ) ] ,
    [ sh:path sd:feature ; sh:nodeKind sh:IRI ] ,
    [ sh:path sd:resultFormat ; sh:nodeKind sh:IRI ] ,
    [ sh:path sd:defaultDataset ; sh:class sd:Dataset ] .
[] a sh:NodeShape ; sh:targetClass sd:Dataset ;
  sh:property [ sh:path sd:defaultGraph ; sh:maxCount 1 ; sh:class sd:Graph ] ,
    [ sh:path sd:namedGraph ; sh:class sd:NamedGraph ] .
[] a sh:NodeShape ; sh:targetClass sd:NamedGraph ;
  sh:property [ sh:path sd:name ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ,
    [ sh:path sd:graph ; sh:maxCount 1 ; sh:class sd:Graph ] .
[] a sh:NodeShape ; sh:targetClass sd:Graph ;
  sh:property [ sh:path void:triples ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:integer ] .
"""


def test_the_description_conforms_to_the_vocabulary(client: FlaskClient) -> None:
    shapes = Graph().parse(data=SD_SHAPES, format="turtle")
    graph = description(client)
    report = validate(graph, shapes)
    assert report.conforms, report.text
    graph.remove((next(graph.subjects(RDF.type, SD.NamedGraph)), SD.name, None))
    assert not validate(graph, shapes).conforms, "the shapes do catch a named graph without a name"
