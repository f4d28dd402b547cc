"""Regression tests for the denial-of-service and injection findings of issue 13.

Each test is named after its finding and uses small inputs with lowered limits, so that it
proves the bound without spending what the attack would have cost.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from rdflib import Graph
from werkzeug.test import TestResponse

from clusterld.cli import cli
from clusterld.dataset.inference import InferenceTooLarge, materialise
from clusterld.dataset.loading import TooManyTriples, _LimitedMemory, parse_text
from clusterld.dataset.store import get_store
from clusterld.errors import RDFSyntaxError
from clusterld.namespaces import SOURCE_BASE
from clusterld.sparql.engine import QueryJob
from clusterld.sparql.errors import QueryFailed, QuerySyntaxError
from clusterld.sparql.results import AnswerTooLarge, take
from clusterld.sparql.service import get_service
from clusterld.sparql.syntax import nesting_depth, scan
from sparql_support import sparql_app

# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

ID = f"{SOURCE_BASE}id/"
ORG_PREFIX = "@prefix org: <http://www.w3.org/ns/org#> .\n"


def big_membership(members: int, organisations: int) -> str:
    """One org:Membership whose members × organisations pairs all become shortcuts."""
    values = ", ".join(f"<{ID}org/m{n}>" for n in range(members))
    orgs = ", ".join(f"<{ID}org/o{n}>" for n in range(organisations))
    return (
        f"{ORG_PREFIX}<{ID}membership/big> a org:Membership ;\n"
        f"    org:member {values} ;\n    org:organization {orgs} .\n"
    )


# --- 1: inference whose output grows with the product of its input ----------------------


def test_inference_blow_up_is_refused_before_any_triple_is_made() -> None:
    data = Graph().parse(data=big_membership(40, 40), format="turtle")
    before = len(data)
    with pytest.raises(InferenceTooLarge) as raised:
        materialise(data, Graph(), max_derived=1000)
    assert len(data) == before  # refused before adding anything
    detail = raised.value.detail
    assert "INFERENCE_MAX_TRIPLES" in detail and "1000" in detail
    assert f"<{ID}membership/big>" in detail and "40 org:member" in detail
    assert raised.value.status == 413


def test_inference_blow_up_of_the_issue_is_refused_at_once_by_default() -> None:
    """The 16 KB document of the issue (1,000 × 1,000) took 39 s and 335 MB."""
    data = Graph().parse(data=big_membership(1000, 1000), format="turtle")
    started = time.monotonic()
    with pytest.raises(InferenceTooLarge):
        materialise(data, Graph())
    assert time.monotonic() - started < 2


def test_inference_within_the_limit_still_adds_everything() -> None:
    data = Graph().parse(data=big_membership(3, 2), format="turtle")
    assert materialise(data, Graph(), max_derived=12) == 12  # 6 hasMember + 6 memberOf


def test_inference_blow_up_on_validate_is_413(make_app: Callable[..., Flask]) -> None:
    app = make_app(INFERENCE_MAX_TRIPLES=1000)
    response = app.test_client().post(
        "/validate",
        data=big_membership(40, 40).encode(),
        headers={"Content-Type": "text/turtle", "Accept": "application/json"},
    )
    assert response.status_code == 413, response.get_data(as_text=True)
    assert response.json is not None
    assert "INFERENCE_MAX_TRIPLES" in response.json["detail"]
    assert "membership/big" in response.json["detail"]


def test_inference_blow_up_in_the_cli_is_exit_2_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "big.ttl"
    path.write_text(big_membership(40, 40), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["validate", str(path)], env={"CLUSTERLD_INFERENCE_MAX_TRIPLES": "1000"}
    )
    assert result.exit_code == 2, result.output
    assert f"error: {path}: Inference would add" in result.output
    assert "Traceback" not in result.output


def test_inference_blow_up_at_serve_is_exit_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from clusterld.web.server import run_server

    path = tmp_path / "big.ttl"
    path.write_text(big_membership(1000, 1000), encoding="utf-8")
    overrides = {"DATA_PATHS": [path], "BASE_URI": "http://127.0.0.1:1/"}
    assert run_server(overrides, host="127.0.0.1", port=0, threads=1) == 2
    error = capsys.readouterr().err
    assert f"error: {path}: Inference would add" in error and "membership/big" in error


# --- 2: IRIs that nothing can serialise must not pass the publishing gate ---------------

NEW_MEMBER = "https://clusterld.example/tomsk/id/org/new member"
RDF_XML_HEAD = (
    '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
    ' xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
)
INVALID_IRI_FILES = {
    "space.ttl": (f'\n<{NEW_MEMBER}> <http://www.w3.org/2000/01/rdf-schema#label> "x"@en .\n', 2),
    "space.rdf": (
        f'{RDF_XML_HEAD}<rdf:Description rdf:about="{NEW_MEMBER}">'
        '<rdfs:label xml:lang="en">x</rdfs:label></rdf:Description>\n</rdf:RDF>\n',
        3,
    ),
    "escaped.ttl": (
        f"<{NEW_MEMBER.replace(' ', chr(92) + 'u0020')}> "
        '<http://www.w3.org/2000/01/rdf-schema#label> "x"@en .\n',
        None,
    ),
    "percent.nt": ('<http://a.example/%zz> <http://a.example/p> "x" .\n', 1),
    "control.ttl": ('<http://a.example/a\\u0001b> <http://a.example/p> "x" .\n', None),
    "datatype.ttl": (
        '<http://a.example/s> <http://a.example/p> "x"^^<http://a.example/{t}> .\n',
        1,
    ),
}


@pytest.mark.parametrize("name", sorted(INVALID_IRI_FILES))
def test_invalid_iri_is_refused_by_clusterld_validate(tmp_path: Path, name: str) -> None:
    text, line = INVALID_IRI_FILES[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    where = f"{path}, line {line}," if line else f"{path}: invalid IRI <"
    assert f"error: {where}" in result.output
    assert "invalid IRI" in result.output and "Traceback" not in result.output


def test_invalid_iri_is_refused_by_the_publishing_gate(
    tmp_path: Path, make_app: Callable[..., Flask]
) -> None:
    from clusterld.errors import InputError

    path = tmp_path / "space.ttl"
    path.write_text(INVALID_IRI_FILES["space.ttl"][0], encoding="utf-8")
    with pytest.raises(InputError, match="invalid IRI .*new member.*percent-encode it as %20"):
        make_app(DATA_PATHS=[path])


def test_invalid_iri_in_an_upload_is_400(app: Flask) -> None:
    response = app.test_client().post(
        "/validate",
        data=INVALID_IRI_FILES["space.ttl"][0].encode(),
        headers={"Content-Type": "text/turtle", "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json is not None and response.json["line"] == 2
    assert "invalid IRI" in response.json["detail"]


# --- 3: the triple limit of /validate is enforced while parsing -------------------------


def many_triples(rdf_format: str, count: int) -> tuple[str, str]:
    """A document of ``count`` triples and its media type (the issue's one was ``[] , [] …``)."""
    if rdf_format == "turtle":
        return "<http://a.example/s> <http://a.example/p> " + ", ".join(["[]"] * count) + " .", (
            "text/turtle"
        )
    if rdf_format == "nt":
        body = "".join(f'<http://a.example/s> <http://a.example/p> "{n}" .\n' for n in range(count))
        return body, "application/n-triples"
    if rdf_format == "xml":
        items = "".join(
            f'<rdf:Description rdf:about="http://a.example/{n}"><rdfs:label>{n}</rdfs:label>'
            "</rdf:Description>"
            for n in range(count)
        )
        return f"{RDF_XML_HEAD}{items}</rdf:RDF>", "application/rdf+xml"
    nodes = [{"@id": f"http://a.example/{n}", "http://a.example/p": "v"} for n in range(count)]
    return json.dumps(nodes), "application/ld+json"


@pytest.mark.parametrize("rdf_format", ["turtle", "nt", "xml", "json-ld"])
def test_triple_limit_stops_parsing_at_the_limit(rdf_format: str) -> None:
    text, _ = many_triples(rdf_format, 5000)
    graph = Graph()
    with pytest.raises(TooManyTriples, match="upload: more than 10 triples"):
        parse_text(text, rdf_format, source="upload", max_triples=10, graph=graph)
    assert len(graph) == 0  # the caller's graph is untouched


def test_triple_limit_counts_triples_as_written() -> None:
    """A triple repeated costs the parser as much as distinct ones (RDF/XML: 6 s for 2 MiB)."""
    text = '<http://a.example/s> <http://a.example/p> "v" .\n'
    assert len(parse_text(text * 10, "nt", source="upload", max_triples=10)) == 1
    with pytest.raises(TooManyTriples):
        parse_text(text * 11, "nt", source="upload", max_triples=10)


@pytest.mark.parametrize("rdf_format", ["turtle", "nt", "xml", "json-ld"])
def test_triple_limit_of_validate_is_checked_while_parsing(
    rdf_format: str, make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the limit: 413 before the parser has read the rest of the document."""
    app = make_app(VALIDATE_MAX_TRIPLES=10)
    text, media_type = many_triples(rdf_format, 3000)
    counted: list[int] = []
    original = _LimitedMemory.add

    def add(self: _LimitedMemory, *args: Any, **kwargs: Any) -> None:
        counted.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(_LimitedMemory, "add", add)
    response = app.test_client().post(
        "/validate",
        data=text.encode(),
        headers={"Content-Type": media_type, "Accept": "application/json"},
    )
    assert response.status_code == 413, response.get_data(as_text=True)
    assert response.json is not None
    assert "more than 10 triples" in response.json["detail"]
    assert "at most 10 triples" in response.json["detail"]
    assert len(counted) < 20  # stopped at the limit, not after all 3000


@pytest.mark.parametrize(
    "text",
    [
        "<http://a.example/s> <http://a.example/p> " + ", ".join(["[]"] * 3000) + " .",
        "<http://a.example/s> <http://a.example/p> (" + " ".join(["[]"] * 3000) + ") .",
    ],
    ids=["object list", "collection"],
)
def test_triple_limit_stops_turtle_before_a_long_list_is_collected(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rdflib reads a whole object list or collection before making its first triple."""
    from rdflib.plugins.parsers.notation3 import RDFSink

    made: list[int] = []
    original = RDFSink.newBlankNode

    def new_blank_node(self: RDFSink, *args: Any, **kwargs: Any) -> Any:
        made.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RDFSink, "newBlankNode", new_blank_node)
    with pytest.raises(TooManyTriples):
        parse_text(text, "turtle", source="upload", max_triples=10)
    assert len(made) < 50


# --- 5: XML entity expansion ("billion laughs") -----------------------------------------

LEVELS = 4  # 10^5 characters: enough to prove the refusal, cheap if it ever got parsed
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n <!ENTITY e0 "aaaaaaaaaa">\n'
    + "".join(f' <!ENTITY e{n + 1} "{f"&e{n};" * 10}">\n' for n in range(LEVELS))
    + "]>\n"
    + RDF_XML_HEAD.split("\n", 1)[1]  # without its XML declaration
    + f'<rdf:Description rdf:about="http://a.example/x"><rdfs:label>&e{LEVELS};</rdfs:label>'
    + "</rdf:Description>\n</rdf:RDF>\n"
)


def test_billion_laughs_is_refused_before_parsing_by_clusterld_validate(tmp_path: Path) -> None:
    path = tmp_path / "laughs.rdf"
    path.write_text(LAUGHS, encoding="utf-8")
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert time.monotonic() - started < 5
    assert result.exit_code == 2, result.output
    assert f"error: {path}, line 3, column 2: " in result.output
    assert "<!ENTITY" in result.output and "Traceback" not in result.output


def test_billion_laughs_is_refused_on_validate(app: Flask) -> None:
    response = app.test_client().post(
        "/validate",
        data=LAUGHS.encode(),
        headers={"Content-Type": "application/rdf+xml", "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json is not None and response.json["line"] == 3
    assert "entity declaration" in response.json["detail"]


def test_billion_laughs_in_utf_16_is_refused_too(app: Flask) -> None:
    """UTF-16 text decodes as UTF-8 (NULs between the letters) but expat reads it as UTF-16."""
    document = LAUGHS.replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
    for body in (document.encode("utf-16-le"), document.encode("utf-8")):
        response = app.test_client().post(
            "/validate",
            data=body,
            headers={"Content-Type": "application/rdf+xml", "Accept": "application/json"},
        )
        assert response.status_code == 400, response.get_data(as_text=True)


# --- 6: absolute IRIs come from BASE_URI, never from the Host header --------------------

BASE = "https://data.example.org/tomsk/"


@pytest.fixture(scope="module")
def based_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(BASE_URI=BASE)


def test_host_header_injection_does_not_reach_the_sitemap(based_app: Flask) -> None:
    response = based_app.test_client().get("/sitemap.xml", headers={"Host": "evil.example"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "evil.example" not in body
    assert f"<loc>{BASE}</loc>" in body and f"<loc>{BASE}doc/cluster/industrial.html" in body


def test_host_header_injection_does_not_reach_robots_txt(based_app: Flask) -> None:
    response = based_app.test_client().get("/robots.txt", headers={"Host": "evil.example"})
    body = response.get_data(as_text=True)
    assert "evil.example" not in body and f"Sitemap: {BASE}sitemap.xml" in body


def test_host_header_injection_does_not_reach_a_redirect(based_app: Flask) -> None:
    response = based_app.test_client().get(
        "/id//cluster/industrial", headers={"Host": "evil.example"}
    )
    assert response.status_code == 308
    assert response.headers["Location"] == f"{BASE}id/cluster/industrial"


def test_host_header_of_the_base_still_gets_relative_redirects(based_app: Flask) -> None:
    response = based_app.test_client().get(
        "/id/cluster/industrial", headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 303
    assert "evil" not in response.headers["Location"]


# --- 11: an invalid Host header is 400, never 500 ----------------------------------------


@pytest.mark.parametrize(
    "host", ["a..b", "a" * 64 + ".example", "a" * 64, ".", "a b", "пример.рф", "a:99999"]
)
@pytest.mark.parametrize("path", ["/", "/sparql", "/sitemap.xml", "/id/cluster/industrial"])
@pytest.mark.parametrize("accept", ["text/html", "application/json", "text/plain"])
def test_invalid_host_header_is_400(app: Flask, host: str, path: str, accept: str) -> None:
    response = app.test_client().get(path, headers={"Host": host, "Accept": accept})
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    assert "Host header" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8080", "[::1]:8080", "127.0.0.1:80", "xn--e1afmkfd.xn--p1ai"]
)
def test_valid_host_headers_are_served(app: Flask, host: str) -> None:
    assert app.test_client().get("/", headers={"Host": host}).status_code == 200


# --- SPARQL: one app with one worker for the findings below -----------------------------


@pytest.fixture(scope="module")
def sparql(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    # No answer cache: these tests need each query to reach a worker.
    with sparql_app(make_app, workers=1, timeout=10, cache_mb=0) as app:
        with app.app_context():
            get_service(app).warm_up(get_store())
        yield app


def ask(app: Flask, query: str, **params: str) -> TestResponse:
    return app.test_client().get(
        "/sparql", query_string={"query": query, **params}, headers={"Accept": "application/json"}
    )


def worker_pids(app: Flask) -> list[int]:
    return get_service(app).pool.pids


# --- 7: deeply nested SPARQL is refused before it reaches the engine --------------------

DEEP_QUERIES = {
    "groups": "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000,
    "parentheses": "SELECT * { ?s ?p ?o FILTER(" + "(" * 10000 + "?o" + ")" * 10000 + ") }",
    "optionals": "SELECT * { ?s ?p ?o " + "OPTIONAL {" * 3000 + "?s ?p ?o" + "}" * 3001,
    "blank nodes": "SELECT * { ?s ?p " + "[ ?p " * 300 + "?o" + " ]" * 300 + " }",
}


@pytest.mark.parametrize("name", sorted(DEEP_QUERIES))
def test_deeply_nested_sparql_is_400_and_the_worker_lives(sparql: Flask, name: str) -> None:
    ask(sparql, "ASK {}")  # the worker is up
    before = worker_pids(sparql)
    response = ask(sparql, DEEP_QUERIES[name])
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.json is not None
    assert response.json["title"] == "SPARQL query nested too deeply"
    assert "SPARQL_MAX_NESTING" in response.json["detail"]
    assert worker_pids(sparql) == before
    assert ask(sparql, "ASK { ?s ?p ?o }").status_code == 200


def test_deeply_nested_sparql_at_the_limit_still_runs(sparql: Flask) -> None:
    query = "ASK { ?s ?p ?o FILTER(" + "(" * 98 + "true" + ")" * 98 + ") }"
    assert scan(query).depth == 100
    assert ask(sparql, query).status_code == 200


def test_deeply_nested_sparql_counts_no_brackets_inside_terms() -> None:
    text = 'SELECT * { ?s ?p "((({{{[[[" , <http://a.example/((> # ((((\n }'
    assert nesting_depth(text) == 1
    assert scan("SELECT * { ?s ?p ?o FILTER(\\u0028 ?o )) }").depth == 3


# --- 8: graph IRIs that the engine refuses are refused first, with 400 ------------------


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("iri", ["http://a%zz", "http://a:b/", "http://[::1/", "http://a/b#c#d"])
def test_default_graph_uri_the_engine_refuses_is_400(
    sparql: Flask, parameter: str, iri: str
) -> None:
    ask(sparql, "ASK {}")
    before = worker_pids(sparql)
    response = ask(sparql, "ASK { ?s ?p ?o }", **{parameter: iri})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.json is not None and parameter in response.json["detail"]
    assert worker_pids(sparql) == before


def test_default_graph_uri_refused_by_the_engine_alone_keeps_the_worker(sparql: Flask) -> None:
    """Defence in depth: the engine's refusal is a located error, and the worker stays up."""
    service = get_service(sparql)
    with sparql.app_context():
        store = get_store()
        job = QueryJob(
            "ASK { ?s ?p ?o }", "ASK", "application/sparql-results+json", 10, store.base,
            default_graphs=("http://a%zz",), named_graphs=(),
        )  # fmt: skip
        before = worker_pids(sparql)
        with pytest.raises(QuerySyntaxError, match="not an IRI"):
            service.run(store, job)
    assert worker_pids(sparql) == before


def test_default_graph_uri_worker_that_reports_an_error_is_kept(sparql: Flask) -> None:
    """A worker that answers with an error report is alive: it is not killed and replaced."""
    service = get_service(sparql)
    with sparql.app_context():
        store = get_store()
        job = QueryJob("SELECT * { ?s ?p ?o }", "SELECT", "text/unknown", 10, store.base)
        before = worker_pids(sparql)
        with pytest.raises(QueryFailed, match="KeyError"):
            service.run(store, job)
    assert worker_pids(sparql) == before
    assert service.pool.idle_count == 1


# --- 10: deeply nested JSON-LD is 400, never a RecursionError ---------------------------


@pytest.mark.parametrize("levels", [101, 900, 20_000])
@pytest.mark.parametrize("kind", ["objects", "arrays"])
def test_deeply_nested_json_ld_is_400(app: Flask, levels: int, kind: str) -> None:
    if kind == "objects":
        body = (
            '{"@id": "http://a.example/x", "http://a.example/p": ' * levels + '"v"' + "}" * levels
        )
    else:
        body = "[" * levels + "]" * levels
    for media_type in ("application/ld+json", "application/json"):
        response = app.test_client().post(
            "/validate",
            data=body.encode(),
            headers={"Content-Type": media_type, "Accept": "application/json"},
        )
        assert response.status_code == 400, response.get_data(as_text=True)[:300]
        assert response.json is not None
        assert "nested more than 100 levels" in response.json["detail"]


def test_deeply_nested_json_ld_file_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonld"
    path.write_text("[" * 900 + "]" * 900, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2 and f"error: {path}: JSON nested more than" in result.output


def test_deeply_nested_json_ld_within_the_limit_is_read(app: Flask) -> None:
    body = '{"@id": "http://a.example/x", "http://a.example/p": ' * 99 + '"v"' + "}" * 99
    response = app.test_client().post(
        "/validate",
        data=body.encode(),
        headers={"Content-Type": "application/ld+json", "Accept": "application/json"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "text", ["[ <http://a.example/p> " * 3000 + "1" + " ]" * 3000, "( " * 3000 + "1" + " )" * 3000]
)
def test_deeply_nested_turtle_is_a_clear_syntax_error(text: str) -> None:
    with pytest.raises(RDFSyntaxError, match="nested too deeply for the turtle parser"):
        parse_text(f"<http://a.example/s> <http://a.example/p> {text} .", "turtle", source="x")


# --- 16: smaller findings -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("@prefix ex: <http://a.example/> .\n\nex:s ex:p ex:o .\n\n<http://a.example/open", 5, 1),
        (
            "@prefix ex: <http://a.example/> .\nex:s ex:p <http://a.example/x\nex:s ex:p ex:o .\n",
            2,
            11,
        ),
    ],
)
def test_unterminated_iri_has_a_positive_column(text: str, line: int, column: int) -> None:
    with pytest.raises(RDFSyntaxError) as raised:
        parse_text(text, "turtle", source="f.ttl")
    assert (raised.value.line, raised.value.column) == (line, column)
    assert "unterminated URI reference" in raised.value.detail


def test_unterminated_statement_at_the_end_is_named() -> None:
    with pytest.raises(RDFSyntaxError, match="final '.' missing") as raised:
        parse_text(
            "<http://a.example/s> <http://a.example/p> <http://a.example/o>", "turtle", source="f"
        )
    assert raised.value.line == 1


def test_too_many_multipart_parts_say_so(app: Flask) -> None:
    data = {f"field{n}": "x" for n in range(1100)}
    data["data"] = "<http://a.example/s> <http://a.example/p> 1 ."
    response = app.test_client().post(
        "/validate",
        data=data,
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 413
    assert response.json is not None and response.json["title"] == "Too many form parts"
    assert "more than 1000 parts" in response.json["detail"]
    assert "VALIDATE_MAX_BYTES" not in response.json["detail"]


def test_content_length_with_transfer_encoding_is_400_over_a_real_socket() -> None:
    from clusterld.web.server import make_server

    def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hello"]

    server = make_server(hello, host="127.0.0.1", port=0, threads=1)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        port = server.effective_port

        def exchange(request: bytes) -> bytes:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                connection.sendall(request)
                answer = b""
                while chunk := connection.recv(65536):  # ends when the server closes
                    answer += chunk
                return answer

        smuggled = (
            b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            b"GET /admin HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
        answer = exchange(smuggled)
        assert answer.split(b" ", 2)[1] == b"400", answer[:200]
        assert b"Connection: close" in answer
        assert answer.count(b"HTTP/1.") == 1  # the connection closed: nothing smuggled
        assert b"Content-Length and Transfer-Encoding" in answer
        ordinary = exchange(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        assert ordinary.startswith(b"HTTP/1.1 200 ") and ordinary.endswith(b"hello")
    finally:
        server.close()
        thread.join(5)


@pytest.fixture(scope="module")
def small_answers(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    with sparql_app(make_app, workers=1, timeout=10, max_bytes=10_000) as app:
        yield app


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (
            "SELECT ?s ?big { ?s ?p ?o BIND(CONCAT(STR(?s), STR(?s), STR(?s), STR(?s)) AS ?big) }",
            "application/sparql-results+json",
        ),
        ("SELECT ?s ?p ?o { ?s ?p ?o }", "text/csv"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle"),
    ],
)
def test_sparql_answer_over_the_byte_limit_is_refused(
    small_answers: Flask, query: str, accept: str
) -> None:
    response = small_answers.test_client().get(
        "/sparql", query_string={"query": query}, headers={"Accept": accept}
    )
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    text = response.get_data(as_text=True)
    assert "larger than 10000 bytes" in text and "SPARQL_MAX_BYTES" in text
    assert len(response.get_data()) < 2000  # nothing of the answer itself


def test_sparql_answer_within_the_byte_limit_is_served(small_answers: Flask) -> None:
    response = small_answers.test_client().get(
        "/sparql",
        query_string={"query": "SELECT ?s { ?s ?p ?o } LIMIT 10"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200


def test_sparql_answer_byte_limit_stops_before_rendering_everything() -> None:
    """The rows are measured as they are taken: a 168 MB answer is never built."""
    seen: list[int] = []

    def rows() -> Iterator[tuple[int]]:
        for n in range(1_000_000):
            seen.append(n)
            yield (n,)

    with pytest.raises(AnswerTooLarge):
        take(rows(), 1_000_000, 1000, lambda row: 100)
    assert len(seen) == 11


# --- 13: a worker that died while idle is replaced, not handed a query -------------------


def idle_worker(app: Flask) -> Any:
    pool = get_service(app).pool
    assert ask(app, "ASK {}").status_code == 200
    deadline = time.monotonic() + 30
    while pool.idle_count < 1:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    worker = pool._idle.queue[0]
    return worker


def test_worker_dead_while_idle_is_replaced_for_the_next_query(sparql: Flask) -> None:
    worker = idle_worker(sparql)
    worker.process.kill()
    worker.process.wait(5)
    response = ask(sparql, "ASK { ?s ?p ?o }")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert worker.pid not in worker_pids(sparql)


def test_worker_dead_while_idle_is_retried_when_the_pipe_breaks(
    sparql: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dead between the liveness check and the request: the broken pipe is retried too."""
    from clusterld.sparql.pool import Worker

    worker = idle_worker(sparql)
    os.kill(worker.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while True:  # dead, but not reaped: Popen.poll would still say alive until it reaps
        try:
            with open(f"/proc/{worker.pid}/stat") as stat:
                if stat.read().split()[2] == "Z":
                    break
        except FileNotFoundError:
            break
        assert time.monotonic() < deadline
        time.sleep(0.02)
    monkeypatch.setattr(Worker, "alive", property(lambda self: self.process.returncode is None))
    response = ask(sparql, "ASK { ?s ?p ?o }")
    assert response.status_code == 200, response.get_data(as_text=True)


# --- 9: workers die with the server ------------------------------------------------------

ORPHAN_PARENT = """
import sys, threading, time
from clusterld.sparql.engine import QueryJob, Snapshot
from clusterld.sparql.pool import WorkerPool

pool = WorkerPool(1, isolate_network=False)
data = "".join(f'<http://a.example/{n}> <http://a.example/p> "{n}" .\\n' for n in range(100))
snapshot = Snapshot("v1", (("http://a.example/g", data.encode()),))
job = QueryJob(
    "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }",
    "SELECT", "application/sparql-results+json", 10, "http://a.example/",
)
threading.Thread(target=pool.run, args=(job, snapshot), kwargs={"timeout": 600}).start()
while not pool.pids:
    time.sleep(0.05)
print(pool.pids[0], flush=True)
time.sleep(600)
"""


def gone(pid: int) -> bool:
    """The process has exited (a zombie that nobody reaps counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_die_with_their_parent_even_mid_query() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", ORPHAN_PARENT], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        time.sleep(1.0)  # the query is running in the worker now
        assert not gone(worker)
    finally:
        parent.kill()
        parent.wait(5)
        if parent.stdout is not None:
            parent.stdout.close()
    deadline = time.monotonic() + 5
    while not gone(worker):
        if time.monotonic() > deadline:
            os.kill(worker, signal.SIGKILL)
            pytest.fail("the worker outlived the server that started it")
        time.sleep(0.05)
