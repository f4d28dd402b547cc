"""The real stores of tests/stores.py, and what each does to the terms and protocols we use.

ClusterLD publishes into and serves over these stores (issue 12); these tests pin down what
they really do, so that a quirk that changes with a new version fails here first, by name.
Each test writes into graphs of its own, so the order of tests does not matter.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator, Sequence

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD
from rdflib.query import Result

from stores import RunningStore

EX = "http://example.org/stores/"
NT = "application/n-triples"
JSON = "application/sparql-results+json"

# One of each kind of term ClusterLD publishes: non-ASCII, language tag (lower case, as both
# stores return it), a typed literal in canonical form, a plain string, a blank node.
DOCUMENT = f"""\
<{EX}tomsk> <{EX}label> "Томск"@ru .
<{EX}tomsk> <{EX}label> "Tomsk"@en .
<{EX}tomsk> <{EX}founded> "1604"^^<http://www.w3.org/2001/XMLSchema#integer> .
<{EX}tomsk> <{EX}code> "TOM-70" .
<{EX}tomsk> <{EX}address> _:a .
_:a <{EX}street> "проспект Ленина, 36" .
"""


def put(store: RunningStore, graph: str, document: str) -> None:
    response = store.request(
        "PUT", store.graph_url(graph), body=document.encode(), headers={"Content-Type": NT}
    )
    assert response.status in (200, 201, 204), response.text


def select(store: RunningStore, query: str, params: Sequence[tuple[str, str]] = ()) -> Result:
    response = store.query(query, accept=JSON, params=params)
    assert response.status == 200, response.text
    return Result.parse(io.BytesIO(response.body), format="json")


def rows(result: Result) -> set[tuple[object, ...]]:
    return {tuple(row) for row in result}  # type: ignore[arg-type]


@pytest.fixture()
def graph(remote_store: RunningStore, request: pytest.FixtureRequest) -> Iterator[str]:
    """A named graph of the test's own, dropped after it."""
    name = f"{EX}graph/" + re.sub(r"[^A-Za-z0-9_-]", "-", request.node.name)
    yield name
    remote_store.update(f"DROP SILENT GRAPH <{name}>")


def test_gsp_put_then_select_returns_the_same_terms(remote_store: RunningStore, graph: str) -> None:
    put(remote_store, graph, DOCUMENT)
    found = select(remote_store, f"SELECT ?s ?p ?o {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    blank = [s for s, _, _ in found if isinstance(s, BNode)]  # type: ignore[misc]
    assert len(blank) == 1
    tomsk = URIRef(f"{EX}tomsk")
    assert rows(found) == {
        (tomsk, URIRef(f"{EX}label"), Literal("Томск", lang="ru")),
        (tomsk, URIRef(f"{EX}label"), Literal("Tomsk", lang="en")),
        (tomsk, URIRef(f"{EX}founded"), Literal("1604", datatype=XSD.integer)),
        (tomsk, URIRef(f"{EX}code"), Literal("TOM-70")),
        (tomsk, URIRef(f"{EX}address"), blank[0]),
        (blank[0], URIRef(f"{EX}street"), Literal("проспект Ленина, 36")),
    }


def test_gsp_get_and_construct_give_the_graph_back(remote_store: RunningStore, graph: str) -> None:
    put(remote_store, graph, DOCUMENT)
    sent = Graph().parse(data=DOCUMENT, format="nt")
    got = remote_store.request("GET", remote_store.graph_url(graph), headers={"Accept": NT})
    assert got.status == 200
    assert got.headers["content-type"].startswith(NT)
    assert isomorphic(Graph().parse(data=got.text, format="nt"), sent)
    for accept, syntax in ((NT, "nt"), ("text/turtle", "turtle")):
        answer = remote_store.query(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", accept=accept
        )
        assert answer.status == 200
        assert answer.headers["content-type"].startswith(accept)
        assert isomorphic(Graph().parse(data=answer.text, format=syntax), sent)


def test_update_with_auth(remote_store: RunningStore, graph: str) -> None:
    inserted = remote_store.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <{EX}s> <{EX}p> "o" }} }}')
    assert inserted.status in (200, 204), inserted.text
    assert len(select(remote_store, f"SELECT * {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")) == 1
    dropped = remote_store.update(f"DROP SILENT GRAPH <{graph}>")
    assert dropped.status in (200, 204), dropped.text
    assert len(select(remote_store, f"SELECT * {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")) == 0


def test_virtuoso_drops_only_graphs_it_saw_created(virtuoso_server: RunningStore) -> None:
    """``DROP GRAPH`` fails (500) on a graph made by INSERT or PUT rather than ``CREATE GRAPH``;
    ``DROP SILENT GRAPH`` and ``CLEAR GRAPH`` remove it. Oxigraph drops any graph."""
    graph = f"{EX}graph/never-created"
    put(virtuoso_server, graph, DOCUMENT)
    refused = virtuoso_server.update(f"DROP GRAPH <{graph}>")
    assert refused.status == 500
    assert "has not been explicitly created" in refused.text
    assert virtuoso_server.update(f"DROP SILENT GRAPH <{graph}>").status == 200
    assert len(select(virtuoso_server, f"SELECT * {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")) == 0


def test_virtuoso_answers_ask_as_a_select(virtuoso_server: RunningStore) -> None:
    """Virtuoso 7.2.5 answers ASK with one row binding ``__ASK_RETVAL`` to 1 or 0 (in JSON and
    XML), not with a boolean: a client reading the SPARQL formats sees no ``boolean``."""
    answer = json.loads(virtuoso_server.query("ASK { ?s ?p ?o }").body)
    assert "boolean" not in answer
    [binding] = answer["results"]["bindings"]
    assert binding["__ASK_RETVAL"]["value"] == "1"


def test_virtuoso_refuses_writes_without_auth(virtuoso_server: RunningStore) -> None:
    graph = f"{EX}graph/anonymous"
    update = f'INSERT DATA {{ GRAPH <{graph}> {{ <{EX}s> <{EX}p> "o" }} }}'
    assert virtuoso_server.update(update, auth=False).status == 401
    refused = virtuoso_server.request(
        "PUT", virtuoso_server.graph_url(graph), body=DOCUMENT.encode(), auth=False,
        headers={"Content-Type": NT},
    )  # fmt: skip
    assert refused.status == 401
    # the anonymous endpoint refuses updates too, but as a 500 naming the missing permission
    anonymous = virtuoso_server.request(
        "POST", virtuoso_server.query_url, body=update.encode(), auth=False,
        headers={"Content-Type": "application/sparql-update"},
    )  # fmt: skip
    assert anonymous.status == 500
    assert "SR186" in anonymous.text
    # HTTP basic authentication is not accepted: digest only
    virtuoso_server.auth = "basic"
    try:
        assert virtuoso_server.update(update).status == 401
    finally:
        virtuoso_server.auth = "digest"
    assert len(select(virtuoso_server, f"SELECT * {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")) == 0


def test_oxigraph_has_no_authentication(oxigraph_server: RunningStore) -> None:
    """Anyone who reaches the port may write: keep it on loopback or behind a proxy."""
    graph = f"{EX}graph/anonymous"
    update = f'INSERT DATA {{ GRAPH <{graph}> {{ <{EX}s> <{EX}p> "o" }} }}'
    assert oxigraph_server.update(update, auth=False).status == 204
    assert oxigraph_server.update(f"DROP GRAPH <{graph}>", auth=False).status == 204


def test_stop_then_start_keeps_the_data(remote_store: RunningStore, graph: str) -> None:
    put(remote_store, graph, DOCUMENT)
    remote_store.stop()
    remote_store.start()
    assert len(select(remote_store, f"SELECT * {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")) == 6


def test_kill_then_start_recovers(remote_store: RunningStore, graph: str) -> None:
    put(remote_store, graph, DOCUMENT)
    remote_store.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <{EX}s> <{EX}p> "last" }} }}')
    remote_store.kill()
    remote_store.start()
    assert len(select(remote_store, f"SELECT * {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")) == 7


def test_several_default_graph_uris_are_merged(remote_store: RunningStore, graph: str) -> None:
    other = f"{graph}/other"
    put(remote_store, graph, f'<{EX}a> <{EX}p> "1" .\n')
    put(remote_store, other, f'<{EX}b> <{EX}p> "2" .\n')
    try:
        merged = select(
            remote_store, f"SELECT ?s {{ ?s <{EX}p> ?o }}",
            params=[("default-graph-uri", graph), ("default-graph-uri", other)],
        )  # fmt: skip
        assert rows(merged) == {(URIRef(f"{EX}a"),), (URIRef(f"{EX}b"),)}
        named = select(
            remote_store, f"SELECT ?g ?s {{ GRAPH ?g {{ ?s <{EX}p> ?o }} }}",
            params=[("named-graph-uri", other)],
        )  # fmt: skip
        assert rows(named) == {(URIRef(other), URIRef(f"{EX}b"))}
    finally:
        remote_store.update(f"DROP SILENT GRAPH <{other}>")


@pytest.mark.parametrize(
    ("kind", "sees_named_graphs"),
    [
        ("oxigraph", False),  # the default graph is its own graph (no --union-default-graph)
        ("virtuoso", True),  # the union of every graph, Virtuoso's own system graphs included
    ],
)
def test_default_graph_without_dataset(
    kind: str, sees_named_graphs: bool, request: pytest.FixtureRequest
) -> None:
    store: RunningStore = request.getfixturevalue(f"{kind}_server")
    graph = f"{EX}graph/default-{kind}"
    put(store, graph, f'<{EX}only-in-named> <{EX}p> "1" .\n')
    try:
        found = select(store, f"SELECT ?o {{ <{EX}only-in-named> ?p ?o }}")
        assert len(found) == int(sees_named_graphs)
    finally:
        store.update(f"DROP SILENT GRAPH <{graph}>")


X = "http://www.w3.org/2001/XMLSchema#"


# What comes back for what was written: (written, Oxigraph's answer, Virtuoso's answer).
DT = URIRef("http://example.org/dt")


@pytest.mark.parametrize(
    ("written", "oxigraph", "virtuoso"),
    [
        # language tags come back in lower case from both
        ('"Tomsk"@EN-GB', Literal("Tomsk", lang="en-gb"), Literal("Tomsk", lang="en-gb")),
        # an explicit xsd:string: Oxigraph drops it (RDF 1.1: the same term), Virtuoso keeps it
        (f'"x"^^<{X}string>', Literal("x"), Literal("x", datatype=XSD.string)),
        # numbers are stored by value: neither keeps the lexical form
        (
            f'"007"^^<{X}integer>',
            Literal("7", datatype=XSD.integer),
            Literal("7", datatype=XSD.integer),
        ),
        (
            f'"1.50"^^<{X}decimal>',
            Literal("1.5", datatype=XSD.decimal),
            Literal("1.5", datatype=XSD.decimal),
        ),
        (
            f'"1e3"^^<{X}double>',
            Literal("1000", datatype=XSD.double),
            Literal("1000.0", datatype=XSD.double),
        ),
        # a boolean: canonical in Oxigraph, "1" in Virtuoso
        (
            f'"1"^^<{X}boolean>',
            Literal("true", datatype=XSD.boolean),
            Literal("1", datatype=XSD.boolean),
        ),
        # dates and unknown datatypes come back as written
        (
            f'"2021-03-31"^^<{X}date>',
            Literal("2021-03-31", datatype=XSD.date),
            Literal("2021-03-31", datatype=XSD.date),
        ),
        (f'"a"^^<{DT}>', Literal("a", datatype=DT), Literal("a", datatype=DT)),
        # control characters and quotes survive
        ('"a\\nb \\"q\\""', Literal('a\nb "q"'), Literal('a\nb "q"')),
    ],
)
def test_literal_round_trip(
    remote_store: RunningStore, graph: str, written: str, oxigraph: Literal, virtuoso: Literal
) -> None:
    put(remote_store, graph, f"<{EX}s> <{EX}p> {written} .\n")
    found = select(remote_store, f"SELECT ?o {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    [(term,)] = list(found)  # type: ignore[misc]
    expected = oxigraph if remote_store.kind == "oxigraph" else virtuoso
    assert (term, term.datatype, term.language) == (
        expected, expected.datatype, expected.language
    )  # fmt: skip


def test_blank_node_labels(remote_store: RunningStore, graph: str) -> None:
    """Labels are the store's own; Virtuoso's are IRIs-like ``nodeID://b…`` in results."""
    put(remote_store, graph, f"_:mine <{EX}p> <{EX}o> .\n")
    answer = json.loads(remote_store.query(f"SELECT ?s {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").body)
    [binding] = answer["results"]["bindings"]
    assert binding["s"]["type"] == "bnode"
    assert binding["s"]["value"] != "mine"
    if remote_store.kind == "virtuoso":
        assert binding["s"]["value"].startswith("nodeID://")


@pytest.mark.parametrize(
    "accept", [JSON, "application/sparql-results+xml", "text/csv", "text/tab-separated-values"]
)
def test_select_result_formats(remote_store: RunningStore, graph: str, accept: str) -> None:
    put(remote_store, graph, f'<{EX}s> <{EX}p> "Томск"@ru .\n')
    answer = remote_store.query(f"SELECT ?o {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", accept=accept)
    assert answer.status == 200
    assert answer.headers["content-type"].split(";")[0] == accept
    # Virtuoso's JSON escapes every non-ASCII character (\\u0422...), as JSON allows
    assert "Томск" in (str(json.loads(answer.body)) if accept == JSON else answer.text)
    if accept == "text/tab-separated-values":
        # SPARQL 1.1 TSV writes terms in Turtle syntax; Virtuoso's TSV is CSV with tabs,
        # and the language tag is lost
        tsv = '"Томск"@ru' if remote_store.kind == "oxigraph" else '"Томск"'
        assert answer.text.splitlines()[1] == tsv


def test_json_results_use_the_old_typed_literal(remote_store: RunningStore, graph: str) -> None:
    """Virtuoso writes ``"type": "typed-literal"`` (a 2008 draft of the JSON format); rdflib
    reads it, a strict SPARQL 1.1 JSON reader would not."""
    put(remote_store, graph, f'<{EX}s> <{EX}p> "1"^^<{X}integer> .\n')
    answer = json.loads(remote_store.query(f"SELECT ?o {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").body)
    [binding] = answer["results"]["bindings"]
    kind = "literal" if remote_store.kind == "oxigraph" else "typed-literal"
    assert binding["o"]["type"] == kind


def test_answers_are_not_cut_at_ten_thousand_rows(remote_store: RunningStore, graph: str) -> None:
    """Virtuoso's default ResultSetMaxRows (10000) cuts answers silently; ours does not."""
    put(remote_store, graph, "".join(f'<{EX}s{i}> <{EX}p> "{i}" .\n' for i in range(101)))
    query = f"SELECT * {{ GRAPH <{graph}> {{ ?a ?p ?b . ?c ?q ?d }} }}"
    assert len(select(remote_store, query)) == 101 * 101
