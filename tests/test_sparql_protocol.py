"""SPARQL 1.1 Protocol details beyond the W3C suite: negotiation, request forms, errors, graphs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import URIRef

from clusterld.dataset.store import get_holder, get_store
from clusterld.metadata import published_graphs
from clusterld.sparql.service import get_service
from sparql_support import parse_graph, parse_result

SELECT = "SELECT ?s WHERE { ?s a ?class } LIMIT 1"
QUERIES = {
    "SELECT": SELECT,
    "ASK": "ASK {}",
    "CONSTRUCT": "CONSTRUCT WHERE { ?s a ?class } LIMIT 1",
    "DESCRIBE": "DESCRIBE ?s WHERE { ?s a ?class } LIMIT 1",
}
JSON_RESULTS, XML_RESULTS = "application/sparql-results+json", "application/sparql-results+xml"
JSONLD = "application/ld+json"


@pytest.fixture(scope="module")
def app(any_app: Flask) -> Flask:
    """Every test here runs over each backend (embedded, Oxigraph server, Virtuoso): its
    answers must not depend on where the triples are."""
    return any_app


@pytest.mark.parametrize(
    ("form", "accept", "status", "media_type"),
    [
        ("SELECT", None, 200, JSON_RESULTS),  # no Accept: the first results format
        ("SELECT", "*/*", 200, JSON_RESULTS),
        ("SELECT", XML_RESULTS, 200, XML_RESULTS),
        ("SELECT", "text/csv", 200, "text/csv"),
        ("SELECT", "text/tab-separated-values", 200, "text/tab-separated-values"),
        ("SELECT", "application/json", 200, JSON_RESULTS),  # plain JSON means results JSON
        ("SELECT", "text/csv;q=0.5, application/sparql-results+json", 200, JSON_RESULTS),
        ("SELECT", "application/*", 200, JSON_RESULTS),
        ("SELECT", "image/png", 406, None),
        ("SELECT", "text/turtle", 406, None),  # a graph format for a table
        ("ASK", None, 200, JSON_RESULTS),
        ("ASK", XML_RESULTS, 200, XML_RESULTS),
        ("CONSTRUCT", None, 200, "text/turtle"),
        ("CONSTRUCT", "*/*", 200, "text/turtle"),
        ("CONSTRUCT", "application/ld+json", 200, "application/ld+json"),
        ("CONSTRUCT", "application/json", 200, "application/ld+json"),
        ("CONSTRUCT", "application/n-triples", 200, "application/n-triples"),
        ("CONSTRUCT", "application/rdf+xml", 200, "application/rdf+xml"),
        ("CONSTRUCT", "text/n3", 200, "text/turtle"),  # Turtle is N3
        ("CONSTRUCT", JSON_RESULTS, 406, None),  # a table format for a graph
        ("DESCRIBE", None, 200, "text/turtle"),
        ("DESCRIBE", "application/rdf+xml", 200, "application/rdf+xml"),
        ("DESCRIBE", "image/png", 406, None),
    ],
)
def test_negotiation_by_query_form(
    client: FlaskClient, form: str, accept: str | None, status: int, media_type: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": QUERIES[form]}, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    if media_type:
        assert response.mimetype == media_type
        assert "Accept" in response.vary
    else:
        assert "application/sparql-results+json" in response.get_data(as_text=True) or (
            "text/turtle" in response.get_data(as_text=True)
        )


@pytest.mark.parametrize(
    ("form", "formats", "media_type"),
    [
        ("SELECT", ["csv"], "text/csv"),
        ("SELECT", ["tsv"], "text/tab-separated-values"),
        ("SELECT", ["xml"], XML_RESULTS),
        ("SELECT", ["text/csv"], "text/csv"),
        ("CONSTRUCT", ["jsonld"], "application/ld+json"),
        ("CONSTRUCT", ["xml"], "application/rdf+xml"),
        ("CONSTRUCT", ["nt"], "application/n-triples"),
        ("CONSTRUCT", ["rdf+xml", "application/rdf+xml"], "application/rdf+xml"),  # SPARQLWrapper
        ("CONSTRUCT", ["turtle", "text/turtle"], "text/turtle"),  # SPARQLWrapper
        ("CONSTRUCT", ["json-ld", "application/ld+json,application/x-json+ld"], JSONLD),
        ("SELECT", ["tsv", "text/tab-separated-values"], "text/tab-separated-values"),
        ("SELECT", ["json", ""], JSON_RESULTS),  # SPARQLWrapper sends "" for */*
        ("SELECT", ["turtle"], JSON_RESULTS),  # a known value for another form gives way
        ("SELECT", ["image/png"], JSON_RESULTS),  # so does any media type
    ],
)
def test_the_format_parameter_wins_over_accept(
    client: FlaskClient, form: str, formats: list[str], media_type: str
) -> None:
    response = client.get(
        "/sparql",
        query_string=[("query", QUERIES[form])] + [("format", f) for f in formats],
        headers={"Accept": "text/html,*/*;q=0.8"},
    )
    assert response.status_code == 200
    assert response.mimetype == media_type


@pytest.mark.parametrize("query", [QUERIES["SELECT"], QUERIES["CONSTRUCT"], None])
def test_an_unknown_format_parameter_is_400(client: FlaskClient, query: str | None) -> None:
    params = [("format", "bogus")] + ([("query", query)] if query else [])
    response = client.get("/sparql", query_string=params, headers={"Accept": "text/plain"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Unknown format 'bogus'" in text
    listed = text.split("one of ", 1)[1].split(", or a media type", 1)[0].split(", ")
    for value in ("json", "xml", "csv", "tsv", "turtle", "n3", "nt", "json-ld", "rdf+xml"):
        assert value in listed  # the values SPARQLWrapper sends


def test_ask_answers_exactly_as_in_the_protocol(client: FlaskClient) -> None:
    response = client.get(
        "/sparql?query=ASK+%7B%7D", headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    assert response.get_json() == {"head": {}, "boolean": True}


@pytest.mark.parametrize(
    "send",
    ["get", "form", "direct", "direct-utf8"],
)
def test_the_three_request_forms(client: FlaskClient, send: str) -> None:
    if send == "get":
        response = client.get("/sparql", query_string={"query": SELECT})
    elif send == "form":
        response = client.post("/sparql", data={"query": SELECT})
    else:
        charset = "; charset=UTF-8" if send == "direct-utf8" else ""
        response = client.post(
            "/sparql", data=SELECT.encode(), content_type=f"application/sparql-query{charset}"
        )
    assert response.status_code == 200
    assert len(list(parse_result(response))) == 1


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_not_allowed(client: FlaskClient, method: str) -> None:
    response = client.open("/sparql?query=ASK%20%7B%7D", method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_cors_preflight_and_answers(client: FlaskClient) -> None:
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()
    answer = client.get("/sparql", query_string={"query": "ASK {}"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    error = client.get("/sparql", query_string={"query": "ASK {"})
    assert error.headers["Access-Control-Allow-Origin"] == "*"


def test_head_mirrors_get(client: FlaskClient) -> None:
    get = client.get("/sparql", query_string={"query": SELECT})
    head = client.head("/sparql", query_string={"query": SELECT})
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]


@pytest.mark.parametrize(
    ("query_string", "message"),
    [
        ("foo=bar", "No 'query' parameter"),
        ("query=ASK%20%7B%7D&query=ASK%20%7B%7D", "exactly one"),
        ("query=%20", "empty"),
        ("query=ASK%20%7B%7D&default-graph-uri=not%20an%20iri", "absolute IRI"),
    ],
)
def test_malformed_requests_are_400(client: FlaskClient, query_string: str, message: str) -> None:
    response = client.get(f"/sparql?{query_string}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_query_both_in_url_and_body_is_400(client: FlaskClient) -> None:
    response = client.post(
        "/sparql?query=ASK%20%7B%7D", data=b"ASK {}", content_type="application/sparql-query"
    )
    assert response.status_code == 400


def test_a_body_that_is_not_utf8_is_415(client: FlaskClient) -> None:
    response = client.post(
        "/sparql", data="ASK {}".encode("utf-16"), content_type="application/sparql-query"
    )
    assert response.status_code == 415


@pytest.mark.parametrize(
    ("content_type", "advice"),
    [
        ("text/plain", "application/sparql-query (the query itself)"),
        ("application/sparql-query; charset=ISO-8859-1", "must be UTF-8"),
    ],
)
def test_a_body_the_protocol_excludes_is_the_one_415_with_protocol_words(
    client: FlaskClient, content_type: str, advice: str
) -> None:
    # The same error type as POST /validate's 415; the detail is the SPARQL protocol's.
    response = client.post(
        "/sparql",
        data=b"ASK {}",
        headers={"Content-Type": content_type, "Accept": "application/json"},
    )
    assert response.status_code == 415
    assert response.json is not None
    assert response.json["title"] == "Unsupported media type"
    assert advice in response.json["detail"]


def test_a_syntax_error_names_line_and_column(client: FlaskClient) -> None:
    query = "PREFIX ex: <http://example.org/>\nSELECT ?s\nWHERE { ?s ex:p ?o FILTER( }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "line 3, column" in text
    assert "WHERE { ?s ex:p ?o FILTER( }" in text and "^" in text


@pytest.mark.parametrize(
    ("query", "accept", "where"),
    [
        ("CONSTRUK WHERE {}", "text/turtle", "line 1, column 1"),
        # The form is recognised, and no format of it fits the Accept header: still a 400.
        ("SELECT * WHERE {\n ?s ?p }", "text/turtle", "line 2, column"),
        ("SELECT * WHERE { ?s ?p }", "text/turtle", "line 1, column"),
        ("SELECT * WHERE { ?s ?p }", "text/html", "line 1, column"),
        ("CONSTRUCT WHERE { ?s ?p }", "application/sparql-results+json", "line 1, column"),
    ],
)
def test_a_malformed_query_is_400_whatever_the_accept_header(
    client: FlaskClient, query: str, accept: str, where: str
) -> None:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 400
    assert where in response.get_data(as_text=True)


def test_a_wellformed_query_no_format_fits_is_still_406(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 406


def test_a_syntax_error_in_json_when_json_is_asked(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": "ASK {"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400 and "line 1, column" in body["detail"]


def test_relative_iris_resolve_against_the_endpoint(client: FlaskClient) -> None:
    response = client.post(
        "/sparql",
        data=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
        content_type="application/sparql-query",
        headers={"Accept": "application/n-triples"},
    )
    graph = parse_graph(response)
    assert set(graph.subjects()) == {URIRef("http://localhost/s")}
    assert set(graph.predicates()) == {URIRef("http://localhost/p")}


def test_a_russian_query_finds_russian_labels(client: FlaskClient) -> None:
    query = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s WHERE "
        '{ ?s rdfs:label ?l FILTER(lang(?l) = "ru" && CONTAINS(LCASE(?l), "кластер")) }'
    )
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200
    assert len(list(parse_result(response))) >= 9


def test_a_long_query_by_post(client: FlaskClient) -> None:
    query = "ASK {} #" + "x" * 20_000
    assert client.post("/sparql", data={"query": query}).status_code == 200


# --- graphs -----------------------------------------------------------------------------

GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
CLUSTER_CLASS_LABEL = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE {{ <{base}id/cluster/industrial> a ?class . ?class rdfs:label ?label .
  FILTER(lang(?label) = "en") }}
"""


def first_column(client: FlaskClient, query: str) -> set[str]:
    response = client.get("/sparql", query_string={"query": query})
    return {str(row[0]) for row in parse_result(response)}


def test_each_part_is_a_named_graph(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        names = set(published_graphs(app.config)(get_store()))
    found = {
        str(row[0]) for row in parse_result(client.get("/sparql", query_string={"query": GRAPHS}))
    }
    assert found == names
    assert {name.rsplit("/", 1)[1] for name in names} == {"data", "ontology", "shapes", "metadata"}


def test_the_default_graph_joins_instances_and_ontology_labels(client: FlaskClient) -> None:
    query = CLUSTER_CLASS_LABEL.format(base="http://localhost/")
    labels = {
        str(row[0]) for row in parse_result(client.get("/sparql", query_string={"query": query}))
    }
    assert "education-industry cluster" in labels


def test_protocol_and_query_datasets_select_graphs(client: FlaskClient) -> None:
    query = CLUSTER_CLASS_LABEL.format(base="http://localhost/")
    data = {"query": query, "default-graph-uri": "http://localhost/graph/data"}
    assert list(parse_result(client.get("/sparql", query_string=data))) == []
    from_data = query.replace("SELECT ?label", "SELECT ?label FROM <http://localhost/graph/data>")
    assert list(parse_result(client.get("/sparql", query_string={"query": from_data}))) == []
    both = {
        "query": query,
        "default-graph-uri": ["http://localhost/graph/data", "http://localhost/graph/ontology"],
    }
    assert len(list(parse_result(client.get("/sparql", query_string=both)))) >= 1


def test_a_reloaded_store_is_queried_at_its_new_version(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parents[1] / "data", data)
    app = make_app(DATA_PATHS=[data])
    client = app.test_client()
    ask = {"query": 'ASK { ?s <http://www.w3.org/2004/02/skos/core#altLabel> "Reloaded"@en }'}
    try:
        assert parse_result(client.get("/sparql", query_string=ask)).askAnswer is False
        with (data / "clusters.ttl").open("a", encoding="utf-8") as file:
            file.write('\ncluster:industrial skos:altLabel "Reloaded"@en .\n')
        get_holder(app).reload()
        assert parse_result(client.get("/sparql", query_string=ask)).askAnswer is True
    finally:
        get_service(app).close()
