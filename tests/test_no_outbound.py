"""No outbound request, ever, on a client's behalf (issue 13, deliverable 3).

A TCP listener on 127.0.0.1 stands in for "the rest of the internet": every way a query,
an upload or a data file could name it (SERVICE, LOAD, FROM, the protocol's graph
parameters, a remote JSON-LD context, an XML external entity or DTD, owl:imports) is tried,
and the listener must see no connection. Each answer must also be a clear refusal or a
normal answer, never a 500.

Two guards stand between a query and the network: ``sparql.syntax`` refuses SERVICE and
updates before a worker sees them, and the worker runs in a network namespace of its own
where the OS allows it. Each guard is tested alone, the other one switched off.
"""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from werkzeug.test import TestResponse

from clusterld import config
from clusterld.cli import cli
from clusterld.dataset.store import get_holder, get_store
from clusterld.sparql import pool as pool_module
from clusterld.sparql.engine import QueryJob
from clusterld.sparql.errors import QueryFailed
from clusterld.sparql.service import get_service
from sparql_support import sparql_app

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

GRACE = 0.3
"""Seconds to wait after an answer for a connection that would arrive late."""


class Listener:
    """A TCP socket on 127.0.0.1 that counts the connections made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}/"
        self.accepted: list[bytes] = []

    def connections(self, wait: float = GRACE) -> int:
        """How many connections arrived so far (each is accepted, read briefly and closed)."""
        while select.select([self.sock], [], [], wait)[0]:
            connection, _ = self.sock.accept()
            with connection:
                connection.settimeout(0.5)
                try:
                    self.accepted.append(connection.recv(4096))
                except OSError:
                    self.accepted.append(b"")
            wait = 0.05
        return len(self.accepted)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    found = Listener()
    try:
        yield found
    finally:
        found.close()


def test_the_listener_sees_a_connection(listener: Listener) -> None:
    """The check below can fail: a real connection is counted."""
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as connection:
        connection.sendall(b"GET / HTTP/1.0\r\n\r\n")
    assert listener.connections() == 1


def clear_answer(response: TestResponse, *allowed: int) -> None:
    assert response.status_code in allowed, response.get_data(as_text=True)[:500]
    assert response.status_code != 500
    assert response.headers.get("Content-Type")
    response.get_data().decode("utf-8")


# --- SPARQL ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sparql(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    with sparql_app(make_app, workers=1, timeout=20) as app:
        yield app


def sparql_get(app: Flask, query: str, **params: str | list[str]) -> TestResponse:
    return app.test_client().get(
        "/sparql", query_string={"query": query, **params}, headers={"Accept": "application/json"}
    )


def sparql_requests(app: Flask, query: str) -> Iterator[TestResponse]:
    """The query sent by each of the protocol's three routes."""
    client = app.test_client()
    accept = {"Accept": "application/json"}
    yield sparql_get(app, query)
    yield client.post("/sparql", data={"query": query}, headers=accept)
    yield client.post(
        "/sparql",
        data=query.encode(),
        headers={**accept, "Content-Type": "application/sparql-query"},
    )


SERVICE_QUERIES = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "select * {{ service <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ SeRvIcE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "ASK {{ SERVICE <{url}> {{ }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("template", SERVICE_QUERIES)
def test_service_is_refused_and_nothing_leaves(
    sparql: Flask, listener: Listener, template: str
) -> None:
    query = template.format(url=listener.url)
    for response in sparql_requests(sparql, query):
        clear_answer(response, 403)
        assert "SERVICE" in response.get_data(as_text=True)
    assert listener.connections() == 0


def test_service_is_refused_by_the_check_alone(
    make_app: Callable[..., Flask], listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers with network access: the syntax check alone keeps the query from running."""
    original = pool_module.WorkerPool.__init__

    def with_network(self: pool_module.WorkerPool, size: int, **options: object) -> None:
        original(self, size, **{**options, "isolate_network": False})  # type: ignore[arg-type]

    monkeypatch.setattr(pool_module.WorkerPool, "__init__", with_network)
    with sparql_app(make_app, workers=1, timeout=20) as app:
        for template in SERVICE_QUERIES:
            for response in sparql_requests(app, template.format(url=listener.url)):
                clear_answer(response, 403)
        assert sparql_get(app, "ASK {}").status_code == 200  # the worker is up, with network
        assert not any(w.isolated for w in list(get_service(app).pool._workers))
    assert listener.connections() == 0


def test_service_that_slips_past_the_check_cannot_connect(
    sparql: Flask, listener: Listener
) -> None:
    """Defence in depth: a SERVICE query handed to the worker directly finds no network."""
    assert sparql_get(sparql, "ASK {}").status_code == 200
    service = get_service(sparql)
    workers = list(service.pool._workers)
    if not workers or not all(w.isolated for w in workers):
        pytest.skip("this OS gives the workers no network namespace of their own")
    with sparql.app_context():
        store = get_store()
        job = QueryJob(
            f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
            "SELECT",
            "application/sparql-results+json",
            10,
            store.base,
        )
        with pytest.raises(QueryFailed):  # the engine could not reach it: a located failure
            service.run(store, job)
    assert listener.connections() == 0
    assert sparql_get(sparql, "ASK { ?s ?p ?o }").status_code == 200  # the worker lives


@pytest.mark.parametrize(
    "template",
    [
        "LOAD <{url}>",
        "LOAD SILENT <{url}> INTO GRAPH <http://a.example/g>",
        "load <{url}>",
        "PREFIX ex: <http://a.example/> LOAD <{url}>",
        "# a comment\nLOAD <{url}>",
    ],
)
def test_load_is_refused_by_every_route(sparql: Flask, listener: Listener, template: str) -> None:
    update = template.format(url=listener.url)
    client = sparql.test_client()
    accept = {"Accept": "application/json"}
    responses = [
        *sparql_requests(sparql, update),
        client.post("/sparql", data={"update": update}, headers=accept),
        client.post(
            "/sparql",
            data=update.encode(),
            headers={**accept, "Content-Type": "application/sparql-update"},
        ),
    ]
    for response in responses:
        clear_answer(response, 403, 415)
    assert listener.connections() == 0


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "SELECT * FROM <{url}> FROM NAMED <{url}x> WHERE {{ {{ ?s ?p ?o }} UNION "
        "{{ GRAPH ?g {{ ?s ?p ?o }} }} }}",
        "CONSTRUCT {{ ?s ?p ?o }} FROM <{url}> WHERE {{ ?s ?p ?o }}",
        "DESCRIBE <{url}>",
        "SELECT * {{ GRAPH <{url}> {{ ?s ?p ?o }} }}",
    ],
)
def test_remote_graphs_named_in_a_query_are_empty_not_fetched(
    sparql: Flask, listener: Listener, template: str
) -> None:
    query = template.format(url=listener.url)
    for response in sparql_requests(sparql, query):
        clear_answer(response, 200)
        if query.startswith("SELECT"):
            assert response.json is not None and response.json["results"]["bindings"] == []
    assert listener.connections() == 0


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_remote_graphs_named_by_the_protocol_are_empty_not_fetched(
    sparql: Flask, listener: Listener, parameter: str
) -> None:
    query = "SELECT * { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    client = sparql.test_client()
    accept = {"Accept": "application/json"}
    graphs = [listener.url, f"{listener.url}other"]
    responses = [
        sparql_get(sparql, query, **{parameter: graphs}),
        client.post("/sparql", data={"query": query, parameter: graphs}, headers=accept),
        client.post(
            "/sparql",
            query_string={parameter: graphs},
            data=query.encode(),
            headers={**accept, "Content-Type": "application/sparql-query"},
        ),
    ]
    for response in responses:
        clear_answer(response, 200)
        assert response.json is not None and response.json["results"]["bindings"] == []
    assert listener.connections() == 0


# --- uploads to POST /validate ------------------------------------------------------------


def validate(app: Flask, body: str, media_type: str) -> TestResponse:
    return app.test_client().post(
        "/validate",
        data=body.encode(),
        headers={"Content-Type": media_type, "Accept": "application/json"},
    )


def remote_contexts(url: str) -> list[object]:
    node = {"@id": "http://a.example/x", "http://www.w3.org/2000/01/rdf-schema#label": "x"}
    return [
        {"@context": url, **node},
        {"@context": [url, {"ex": "http://a.example/"}], **node},
        {"@context": {"@import": url}, **node},
        {"@graph": [{"@context": url, **node}]},
        {"@context": {"term": {"@id": "http://a.example/p", "@context": url}}, **node},
        [{"@context": url, **node}],
    ]


@pytest.mark.parametrize("index", range(6))
@pytest.mark.parametrize("media_type", ["application/ld+json", "application/json"])
def test_remote_json_ld_context_in_an_upload_is_refused(
    app: Flask, listener: Listener, index: int, media_type: str
) -> None:
    document = remote_contexts(listener.url)[index]
    response = validate(app, json.dumps(document), media_type)
    clear_answer(response, 400)
    assert response.json is not None and "never fetches" in response.json["detail"]
    assert listener.connections() == 0


def test_remote_json_ld_context_in_a_form_upload_is_refused(app: Flask, listener: Listener) -> None:
    document = json.dumps(remote_contexts(listener.url)[0])
    response = app.test_client().post(
        "/validate",
        data={"data": document, "syntax": "json-ld"},
        headers={"Accept": "application/json"},
    )
    clear_answer(response, 400)
    assert listener.connections() == 0


XML_TAIL = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
    ' xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
    '<rdf:Description rdf:about="http://a.example/x"><rdfs:label>{body}</rdfs:label>'
    "</rdf:Description>\n</rdf:RDF>\n"
)


def external_xml(url: str) -> dict[str, tuple[str, int]]:
    """RDF/XML documents that would make a careless parser fetch ``url``, and the status."""
    head = '<?xml version="1.0"?>\n'
    return {
        "general entity": (
            f'{head}<!DOCTYPE rdf:RDF [ <!ENTITY x SYSTEM "{url}"> ]>\n'
            + XML_TAIL.format(body="&x;"),
            400,
        ),
        "parameter entity": (
            f'{head}<!DOCTYPE rdf:RDF [ <!ENTITY % x SYSTEM "{url}"> %x; ]>\n'
            + XML_TAIL.format(body="x"),
            400,
        ),
        "public entity": (
            f'{head}<!DOCTYPE rdf:RDF [ <!ENTITY x PUBLIC "-//A//X" "{url}"> ]>\n'
            + XML_TAIL.format(body="&x;"),
            400,
        ),
        # No entity declared: the external DTD is simply never read (a normal answer).
        "external DTD": (
            f'{head}<!DOCTYPE rdf:RDF SYSTEM "{url}dtd">\n' + XML_TAIL.format(body="x"),
            200,
        ),
    }


@pytest.mark.parametrize("case", ["general entity", "parameter entity", "public entity"])
def test_rdf_xml_external_entity_in_an_upload_is_refused(
    app: Flask, listener: Listener, case: str
) -> None:
    body, status = external_xml(listener.url)[case]
    response = validate(app, body, "application/rdf+xml")
    clear_answer(response, status)
    assert response.json is not None and "<!ENTITY" in response.json["detail"]
    assert listener.connections() == 0


def test_rdf_xml_external_dtd_in_an_upload_is_not_read(app: Flask, listener: Listener) -> None:
    body, status = external_xml(listener.url)["external DTD"]
    response = validate(app, body, "application/rdf+xml")
    clear_answer(response, status)
    assert listener.connections() == 0


def owl_imports(url: str) -> str:
    return (
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<https://clusterld.example/tomsk/id/imports-test> owl:imports <{url}> .\n"
    )


@pytest.mark.parametrize("with_data", [False, True])
def test_owl_imports_in_an_upload_is_not_followed(
    app: Flask, listener: Listener, with_data: bool
) -> None:
    response = app.test_client().post(
        "/validate" + ("?with=data" if with_data else ""),
        data=owl_imports(listener.url).encode(),
        headers={"Content-Type": "text/turtle", "Accept": "application/json"},
    )
    clear_answer(response, 200)
    assert listener.connections() == 0


# --- files: data and shapes, at publish, reload and in the CLI ------------------------------


def test_owl_imports_in_data_and_shapes_files_is_not_followed(
    make_app: Callable[..., Flask], listener: Listener, tmp_path: Path
) -> None:
    defaults = config.defaults()
    data = tmp_path / "imports-data.ttl"
    data.write_text(owl_imports(listener.url), encoding="utf-8")
    shapes = tmp_path / "imports-shapes.ttl"
    shapes.write_text(owl_imports(f"{listener.url}shapes"), encoding="utf-8")
    app = make_app(
        DATA_PATHS=[*defaults["DATA_PATHS"], data],
        SHAPES_PATHS=[*defaults["SHAPES_PATHS"], shapes],
        ONTOLOGY_PATHS=[*defaults["ONTOLOGY_PATHS"], data],
        CACHE_DIR=tmp_path / "cache",
    )
    get_holder(app).reload()  # and once more, as SIGHUP would
    response = app.test_client().post(
        "/validate?with=data",
        data=owl_imports(listener.url).encode(),
        headers={"Content-Type": "text/turtle", "Accept": "application/json"},
    )
    clear_answer(response, 200)
    assert listener.connections() == 0


def test_remote_references_in_files_are_not_followed_by_the_cli(
    listener: Listener, tmp_path: Path
) -> None:
    (tmp_path / "imports.ttl").write_text(owl_imports(listener.url), encoding="utf-8")
    (tmp_path / "context.jsonld").write_text(
        json.dumps(remote_contexts(listener.url)[0]), encoding="utf-8"
    )
    entity, _ = external_xml(listener.url)["general entity"]
    (tmp_path / "entity.rdf").write_text(entity, encoding="utf-8")
    dtd, _ = external_xml(listener.url)["external DTD"]
    (tmp_path / "dtd.rdf").write_text(dtd, encoding="utf-8")
    runner = CliRunner()
    data = config.defaults()["DATA_PATHS"]
    for name in ("imports.ttl", "dtd.rdf"):
        result = runner.invoke(
            cli, ["validate", *map(str, data), str(tmp_path / name), "--shapes", str(tmp_path)]
        )
        assert result.exit_code in (0, 1, 2) and "Traceback" not in result.output, result.output
    for name in ("context.jsonld", "entity.rdf"):
        result = runner.invoke(cli, ["validate", str(tmp_path / name)])
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert listener.connections() == 0
