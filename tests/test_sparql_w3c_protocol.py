"""The W3C SPARQL 1.1 Protocol test suite (tests/data/w3c-protocol/manifest.ttl), run on /sparql.

Every query test and every negative test runs as the manifest encodes it: method, path,
headers and body, then the expected status class, answer format and boolean.  This endpoint
is read-only (and its description says so): the seven update tests are run as refusals instead
(``test_update_tests_are_refused_not_run``: 403, nothing changed), while the "bad update" tests
apply as written and must get a 4xx.  The named graphs data1..data3 are loaded
under their manifest labels, through the SPARQL service's graph source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import RDF, RDFS, Graph, Namespace
from rdflib.collection import Collection
from rdflib.term import Node

from sparql_support import TABULAR, media_type, parse_graph, parse_result, sparql_app

HERE = Path(__file__).parent / "data" / "w3c-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
READ_ONLY = "read-only endpoint: SPARQL Update is not implemented"
UPDATE_TESTS = {
    "update_dataset_default_graph",
    "update_dataset_default_graphs",
    "update_dataset_named_graphs",
    "update_dataset_full",
    "update_post_form",
    "update_post_direct",
    "update_base_uri",
}


@dataclass(frozen=True)
class ProtocolRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[int]
    format: str | None
    boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    title: str
    requests: list[ProtocolRequest] = field(default_factory=list)


def load_manifest() -> list[ProtocolTest]:
    manifest = Graph().parse(HERE / "manifest.ttl", format="turtle")
    head = manifest.value(predicate=RDF.type, object=MF.Manifest)
    entries = Collection(manifest, manifest.value(head, MF.entries))
    tests = []
    for entry in entries:
        name = str(entry).rsplit("#", 1)[1]
        action = manifest.value(entry, MF.action)
        requests = Collection(manifest, manifest.value(action, HT.requests))
        tests.append(
            ProtocolTest(
                name,
                str(manifest.value(entry, MF.name)),
                [read_request(manifest, request) for request in requests],
            )
        )
    return tests


def read_request(manifest: Graph, node: Node) -> ProtocolRequest:
    headers = {}
    header_list = manifest.value(node, HT.headers)
    if header_list is not None:
        for header in Collection(manifest, header_list):
            headers[str(manifest.value(header, HT.fieldName))] = str(
                manifest.value(header, HT.fieldValue)
            )
    body = None
    body_node = manifest.value(node, HT.body)
    if body_node is not None:
        encoding = str(manifest.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(manifest.value(body_node, CNT.chars)).encode(encoding.lower())
    response = manifest.value(node, HT.resp)
    statuses = frozenset(
        int(str(status).rsplit("StatusCode", 1)[1][0])
        for status in manifest.objects(response, MF.expectedStatus)
    )
    boolean = manifest.value(response, MF.expectedBoolean)
    fmt = manifest.value(response, MF.expectedFormat)
    return ProtocolRequest(
        method=str(manifest.value(node, HT.methodName)),
        path=str(manifest.value(node, HT.absolutePath)).replace("/sparql/", "/sparql", 1),
        headers=headers,
        body=body,
        statuses=statuses,
        format=None if fmt is None else str(fmt),
        boolean=None if boolean is None else bool(boolean.toPython()),
    )


def w3c_graphs() -> dict[str, Graph]:
    """data1..data3.nt under the graph names the manifest gives them (rdfs:label)."""
    manifest = Graph().parse(HERE / "manifest.ttl", format="turtle")
    graphs = {}
    for data in manifest.objects(None, UT.graphData):
        file = Path(str(manifest.value(data, UT.graph)).rsplit("/", 1)[1])
        graphs[str(manifest.value(data, RDFS.label))] = Graph().parse(HERE / file, format="nt")
    return graphs


TESTS = load_manifest()


def test_the_whole_manifest_is_read() -> None:
    assert len(TESTS) == 34
    assert {test.name for test in TESTS} >= UPDATE_TESTS
    assert len(w3c_graphs()) == 3


@pytest.fixture(scope="module")
def w3c_app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    with sparql_app(make_app, w3c_graphs()) as app:
        yield app


QUERY_TESTS = [test for test in TESTS if test.name not in UPDATE_TESTS]


@pytest.mark.parametrize("test", QUERY_TESTS, ids=[test.name for test in QUERY_TESTS])
def test_w3c_protocol(w3c_app: Flask, test: ProtocolTest) -> None:
    client = w3c_app.test_client()
    for request in test.requests:
        response = client.open(
            request.path,
            method=request.method,
            headers=request.headers,
            data=request.body,
        )
        assert response.status_code // 100 in request.statuses, (
            test.title,
            response.status,
            response.get_data(as_text=True),
        )
        check_format(client, request, response)


def check_format(client: FlaskClient, request: ProtocolRequest, response: object) -> None:
    if request.format is None:
        return
    if request.format == "RDF":
        parse_graph(response)  # type: ignore[arg-type]
        return
    assert media_type(response) in TABULAR  # type: ignore[arg-type]
    result = parse_result(response)  # type: ignore[arg-type]
    if request.format == "boolean":
        assert result.type == "ASK"
        if request.boolean is not None:
            assert result.askAnswer is request.boolean
    else:
        assert result.type == "SELECT"


def test_update_tests_are_refused_not_run(w3c_app: Flask) -> None:
    """Each update test's first request is refused with 403; the data is unchanged."""
    client = w3c_app.test_client()
    for test in TESTS:
        if test.name in UPDATE_TESTS:
            first = test.requests[0]
            response = client.open(
                first.path, method=first.method, headers=first.headers, data=first.body
            )
            assert response.status_code == 403, test.name
    still = client.get(
        "/sparql",
        query_string={"query": "ASK { GRAPH ?g { ?s a <http://xmlns.com/foaf/0.1/Document> } }"},
    )
    assert parse_result(still).askAnswer is True
