"""Every answer format, read back by independent clients and compared with rdflib's own answer.

The expected bindings come from rdflib's SPARQL engine over the same graphs (not from
pyoxigraph); the answers are read by rdflib's result parsers and by SPARQLWrapper talking
HTTP to a real server (waitress on a loopback port).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from clusterld.dataset.store import Store, get_store
from clusterld.metadata import published_graphs
from sparql_support import parse_graph, parse_result

# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

SELECT = """
PREFIX cld: <https://w3id.org/clusterld/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?cluster ?label ?notation ?length ?issued WHERE {{
  ?cluster a cld:EducationIndustryCluster ; skos:prefLabel ?label ; skos:notation ?notation .
  OPTIONAL {{ ?cluster dcterms:issued ?issued }}
  BIND(STRLEN(?label) AS ?length)
}}
"""
DATED = """
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?source ?issued ?tab WHERE {{
  ?source dcterms:issued ?issued .
  BIND("a\\tb \\"quoted\\"\\nline" AS ?tab)
}}
"""
ASK = """
PREFIX cld: <https://w3id.org/clusterld/ontology#>
ASK {{ ?c a cld:EducationIndustryCluster }}
"""
CONSTRUCT = """
PREFIX cld: <https://w3id.org/clusterld/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT {{ ?c rdfs:label ?l ; a cld:EducationIndustryCluster }}
WHERE {{ ?c a cld:EducationIndustryCluster ; rdfs:label ?l }}
"""
DESCRIBE = "DESCRIBE <{base}id/cluster/industrial>"


@pytest.fixture(scope="module")
def store(app: Flask) -> Store:
    with app.app_context():
        return get_store()


@pytest.fixture(scope="module")
def union(app: Flask, store: Store) -> Graph:
    """Every graph the endpoint publishes, merged: what its default graph holds."""
    merged = Graph()
    for graph in published_graphs(app.config)(store).values():
        merged += graph
    return merged


def expected(union: Graph, store: Store, template: str) -> set[tuple[object, ...]]:
    """The rows rdflib's own engine finds over the union of the graphs."""
    result = union.query(template.format(base=store.base))
    return {tuple(row) for row in result}


def rows(result: Result) -> set[tuple[object, ...]]:
    return {tuple(row[var] for var in result.vars) for row in result}


def query(client: FlaskClient, store: Store, template: str, **headers: str) -> object:
    return client.get(
        "/sparql", query_string={"query": template.format(base=store.base)}, headers=headers
    )


@pytest.mark.parametrize("template", [SELECT, DATED])
@pytest.mark.parametrize(
    "accept", ["application/sparql-results+json", "application/sparql-results+xml"]
)
def test_select_json_and_xml_carry_every_term_exactly(
    union: Graph, client: FlaskClient, store: Store, template: str, accept: str
) -> None:
    response = query(client, store, template, Accept=accept)
    assert response.mimetype == accept  # type: ignore[attr-defined]
    assert rows(parse_result(response)) == expected(union, store, template)  # type: ignore[arg-type]


def test_select_tsv_carries_every_term_exactly(
    union: Graph, client: FlaskClient, store: Store
) -> None:
    for template in (SELECT, DATED):
        response = query(client, store, template, Accept="text/tab-separated-values")
        body = response.get_data(as_text=True)  # type: ignore[attr-defined]
        assert body.splitlines()[0].startswith("?")
        assert rows(parse_result(response)) == expected(union, store, template)  # type: ignore[arg-type]


def test_select_csv_carries_the_values_as_strings(
    union: Graph, client: FlaskClient, store: Store
) -> None:
    response = query(client, store, DATED, Accept="text/csv")
    body = response.get_data()  # type: ignore[attr-defined]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # type: ignore[attr-defined]
    assert body.startswith(b"source,issued,tab\r\n")
    as_strings = {
        tuple("" if v is None else str(v) for v in row) for row in expected(union, store, DATED)
    }
    parsed = parse_result(response)  # type: ignore[arg-type]
    assert {tuple("" if v is None else str(v) for v in row) for row in rows(parsed)} == as_strings


def test_cyrillic_labels_round_trip_in_every_format(
    union: Graph, client: FlaskClient, store: Store
) -> None:
    selected = expected(union, store, SELECT)
    wanted = {row[1] for row in selected if row[1].language == "ru"}  # type: ignore[union-attr]
    assert any("кластер" in str(label).lower() for label in wanted)
    for accept in ("application/sparql-results+json", "application/sparql-results+xml"):
        labels = {row[1] for row in rows(parse_result(query(client, store, SELECT, Accept=accept)))}  # type: ignore[arg-type]
        assert wanted <= labels


@pytest.mark.parametrize(
    "accept",
    [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
)
def test_ask_in_every_results_format(client: FlaskClient, store: Store, accept: str) -> None:
    response = query(client, store, ASK, Accept=accept)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.mimetype == accept  # type: ignore[attr-defined]
    if accept.endswith(("json", "xml")):
        assert parse_result(response).askAnswer is True  # type: ignore[arg-type]
    else:
        assert response.get_data() == b"true"  # type: ignore[attr-defined]


def test_ask_json_is_exactly_as_the_spec_shows(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {}"})
    assert response.get_json() == {"head": {}, "boolean": True}


@pytest.mark.parametrize(
    "accept", ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"]
)
@pytest.mark.parametrize("template", [CONSTRUCT, DESCRIBE])
def test_graph_answers_in_every_rdf_format(
    client: FlaskClient, store: Store, accept: str, template: str
) -> None:
    response = query(client, store, template, Accept=accept)
    assert response.mimetype == accept  # type: ignore[attr-defined]
    graph = parse_graph(response)  # type: ignore[arg-type]
    if template is CONSTRUCT:
        assert isomorphic(graph, store.union.query(template.format(base=store.base)).graph)  # type: ignore[arg-type]
    else:
        subject = URIRef(f"{store.base}id/cluster/industrial")
        assert set(graph.triples((subject, None, None))) == set(
            store.union.triples((subject, None, None))
        )


# --- SPARQLWrapper over HTTP ------------------------------------------------------------


@pytest.fixture(scope="module")
def endpoint(app: Flask) -> Iterator[str]:
    """The session app served over real HTTP on a free loopback port.

    Werkzeug's threaded server, because it stops cleanly from another thread (``shutdown``);
    closing waitress under a running loop raced with its poller (EBADF at teardown).
    """
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sparql"
    server.shutdown()
    server.server_close()
    thread.join(5)


def wrapper(endpoint: str, query_text: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query_text)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client


def json_term(value: dict[str, str]) -> object:
    if value["type"] == "uri":
        return URIRef(value["value"])
    if value["type"] == "bnode":
        return BNode(value["value"])
    datatype = value.get("datatype")
    return Literal(value["value"], lang=value.get("xml:lang"), datatype=datatype)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_json(union: Graph, endpoint: str, store: Store, method: str) -> None:
    answer = wrapper(endpoint, SELECT.format(base=store.base), JSON, method).queryAndConvert()
    names = answer["head"]["vars"]  # type: ignore[index]
    found = {
        tuple(json_term(b[n]) if n in b else None for n in names)
        for b in answer["results"]["bindings"]  # type: ignore[index]
    }
    assert found == expected(union, store, SELECT)


def test_sparqlwrapper_xml(union: Graph, endpoint: str, store: Store) -> None:
    document = wrapper(endpoint, SELECT.format(base=store.base), XML).queryAndConvert()
    result = Result.parse(source=__import__("io").BytesIO(document.toxml().encode()), format="xml")  # type: ignore[union-attr]
    assert rows(result) == expected(union, store, SELECT)


@pytest.mark.parametrize("fmt", [CSV, TSV])
def test_sparqlwrapper_csv_and_tsv(endpoint: str, store: Store, fmt: str) -> None:
    body = wrapper(endpoint, DATED.format(base=store.base), fmt).queryAndConvert()
    header = body.splitlines()[0]  # type: ignore[union-attr]
    assert header == (b"source,issued,tab" if fmt == CSV else b"?source\t?issued\t?tab")


def test_sparqlwrapper_ask(endpoint: str, store: Store) -> None:
    assert wrapper(endpoint, ASK.format(base=store.base), JSON).queryAndConvert()["boolean"] is True  # type: ignore[index]


@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, JSONLD])
def test_sparqlwrapper_construct(endpoint: str, store: Store, fmt: str) -> None:
    graph = wrapper(endpoint, CONSTRUCT.format(base=store.base), fmt).queryAndConvert()
    assert isinstance(graph, Graph | bytes)
    if isinstance(graph, bytes):
        graph = Graph().parse(data=graph, format="turtle")
    assert isomorphic(graph, store.union.query(CONSTRUCT.format(base=store.base)).graph)  # type: ignore[arg-type]
