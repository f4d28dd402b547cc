"""The remote-store client's own rules, without a store: what it sends and how it reads
what stores answer (Virtuoso's quirks included), and that credentials never leak."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from clusterld.dataset.endpoint import (
    EndpointConfig,
    ask_answer,
    chunks,
    is_remote,
    refusal,
    shown,
    standard_results,
)
from clusterld.dataset.remote import describe_query, membership_query
from clusterld.namespaces import IRIScheme
from clusterld.sparql.remote import rename_graphs
from clusterld.sparql.syntax import extension_functions, without_dataset

SPARQL = b'<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
VIRTUOSO_ASK_TRUE = b"""<sparql xmlns="http://www.w3.org/2005/sparql-results#">
 <head><variable name="__ASK_RETVAL"/></head>
 <results><result><binding name="__ASK_RETVAL"><literal datatype="http://www.w3.org/2001/XMLSchema#integer">1</literal></binding></result></results>
</sparql>"""
VIRTUOSO_ASK_FALSE = b"""<sparql xmlns="http://www.w3.org/2005/sparql-results#">
 <head><variable name="__ASK_RETVAL"/></head><results></results></sparql>"""
VIRTUOSO_BNODE = b"""<sparql xmlns="http://www.w3.org/2005/sparql-results#">
 <head><variable name="s"/></head>
 <results><result><binding name="s"><bnode>nodeID://b10007</bnode></binding></result></results>
</sparql>"""


def results(body: bytes) -> ox.QuerySolutions | ox.QueryBoolean:
    return ox.parse_query_results(standard_results(body), format=ox.QueryResultsFormat.XML)


def test_virtuoso_ask_answers_are_booleans() -> None:
    assert ask_answer(results(VIRTUOSO_ASK_TRUE)) is True
    assert ask_answer(results(VIRTUOSO_ASK_FALSE)) is False
    standard = SPARQL + b"<head/><boolean>true</boolean></sparql>"
    assert ask_answer(results(standard)) is True
    rows = SPARQL + (
        b'<head><variable name="x"/></head><results><result><binding name="x">'
        b"<literal>1</literal></binding></result></results></sparql>"
    )
    assert ask_answer(results(rows)) is None  # a real SELECT is not mistaken for an ASK


def test_virtuoso_blank_nodes_are_read() -> None:
    answer = results(VIRTUOSO_BNODE)
    assert isinstance(answer, ox.QuerySolutions)
    (row,) = list(answer)
    assert row["s"] == ox.BlankNode("b10007")


@pytest.mark.parametrize(
    ("location", "remote"),
    [
        ("http://store:8890/sparql", True),
        ("https://s/q", True),
        ("/srv/store", False),
        (None, False),
    ],
)
def test_a_store_is_remote_when_it_is_a_url(location: object, remote: bool) -> None:
    assert is_remote(location) is remote


def test_credentials_never_appear() -> None:
    url = "http://user:secret@store.example:8890/sparql"
    assert "secret" not in shown(url) and shown(url) == "http://store.example:8890/sparql"
    config = EndpointConfig.from_settings(
        {"STORE": url}, environ={"CLUSTERLD_STORE_USER": "u", "CLUSTERLD_STORE_PASSWORD": "p4ss"}
    )
    assert config.user == "u" and config.password == "p4ss"
    assert "p4ss" not in repr(config) and "secret" not in repr(config)
    error = refusal(url, 401, b"denied")
    assert error.status == 502 and "secret" not in error.detail
    assert "CLUSTERLD_STORE_PASSWORD" in error.detail


def test_refusals_map_to_statuses() -> None:
    assert refusal("http://s/q", 503, b"busy").status == 503
    assert refusal("http://s/q", 400, b"bad").status == 502


def test_chunks_cut_between_lines_only() -> None:
    lines = [f"<s> <p> {i} .\n".encode() for i in range(100)]
    bodies = list(chunks(iter(lines), 100))
    assert b"".join(bodies) == b"".join(lines)
    assert all(body.endswith(b" .\n") for body in bodies)
    assert len(bodies) > 1


def test_graph_names_are_mapped_only_as_whole_iris() -> None:
    names = {"http://x/graph/data": "http://x/graph/data/v1"}
    query = "SELECT * FROM <http://x/graph/data> FROM <http://x/graph/database> { ?s ?p ?o }"
    assert rename_graphs(query, names) == (
        "SELECT * FROM <http://x/graph/data/v1> FROM <http://x/graph/database> { ?s ?p ?o }"
    )


@pytest.mark.parametrize("depth", [1, 2, 8])
@pytest.mark.parametrize("limit", [None, 0, 50])
def test_the_description_query_parses(depth: int, limit: int | None) -> None:
    query = describe_query(URIRef("http://x/id/a"), limit, depth, data="http://x/graph/data/v")
    ox.Store().query(query)  # raises SyntaxError if malformed
    assert "BIND" not in query  # Virtuoso 7 cannot compile constants bound in unions


def test_the_membership_query_parses() -> None:
    query = membership_query(URIRef("http://x/id/c"), IRIScheme("http://x/"))
    assert isinstance(ox.Store().query(query), ox.QueryTriples)


def test_the_dataset_clauses_are_taken_out_whole() -> None:
    query = 'SELECT * FROM <a> FROM NAMED g:x WHERE { ?s ?p "FROM <z>" }'
    assert without_dataset(query).split() == [
        "SELECT",
        "*",
        "WHERE",
        "{",
        "?s",
        "?p",
        '"FROM',
        '<z>"',
        "}",
    ]


@pytest.mark.parametrize(
    ("query", "called"),
    [
        ('PREFIX b: <bif:> SELECT (b:http_get("x") AS ?x) {}', ["bif:http_get"]),
        ("SELECT (<sql:x>(1) AS ?x) {}", ["sql:x"]),
        (
            "SELECT (<http://www.openlinksw.com/schemas/bif#f>(1) AS ?x) {}",
            ["http://www.openlinksw.com/schemas/bif#f"],
        ),
        ('PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT (xsd:integer("1") AS ?x) {}', []),
        ("SELECT * { ?s <http://p> (1 2) . ?s <q> (3) }", []),  # predicates before collections
        ('SELECT * { ?s ?p "bif:f(1)" } # <bif:g>(1)', []),  # in strings and comments: not calls
    ],
)
def test_store_extension_calls_are_found(query: str, called: list[str]) -> None:
    assert extension_functions(query) == called


def test_graph_names_are_mapped_however_written() -> None:
    names = {"http://x/graph/data": "http://x/graph/data/v1"}
    query = (
        "PREFIX g: <http://x/graph/>\n"
        'SELECT * WHERE { GRAPH g:data { ?s ?p "<http://x/graph/data>" } '
        "GRAPH <graph/data> { ?s ?p ?o } GRAPH <http://x/graph/database> {} } # g:data"
    )
    renamed = rename_graphs(query, names, "http://x/sparql")
    assert renamed.count("<http://x/graph/data/v1>") == 2  # the prefixed and the relative one
    assert '"<http://x/graph/data>"' in renamed  # a string is not a graph name
    assert "<http://x/graph/database>" in renamed and renamed.endswith("# g:data")
