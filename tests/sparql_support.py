"""Helpers shared by the SPARQL test modules: apps with their own graphs, answer parsing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph
from rdflib.query import Result
from werkzeug.test import TestResponse

from clusterld.sparql.service import Limits, SparqlService, install_service

TABULAR = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


@contextmanager
def sparql_app(
    make_app: Callable[..., Flask],
    graphs: Mapping[str, Graph] | None = None,
    **settings: Any,
) -> Iterator[Flask]:
    """An app with its own SPARQL settings (and graphs, if given); its workers stop after."""
    app = make_app(**{f"SPARQL_{name.upper()}": value for name, value in settings.items()})
    source = None if graphs is None else (lambda store: graphs)
    limits = Limits.from_settings(app.config)
    service = (
        SparqlService(limits) if source is None else SparqlService(limits, graph_source=source)
    )
    install_service(app, service)
    try:
        yield app
    finally:
        service.close()


def media_type(response: TestResponse) -> str:
    return (response.mimetype or "").lower()


def parse_result(response: TestResponse) -> Result:
    """A SELECT or ASK answer parsed by rdflib's own result parsers (CSV excepted)."""
    return Result.parse(source=_bytes(response), format=TABULAR[media_type(response)])


def parse_graph(response: TestResponse) -> Graph:
    """A CONSTRUCT or DESCRIBE answer parsed by rdflib."""
    return Graph().parse(data=response.get_data(), format=GRAPH[media_type(response)])


def ask(client: FlaskClient, query: str, **params: str) -> TestResponse:
    return client.get("/sparql", query_string={"query": query, **params})


def _bytes(response: TestResponse) -> Any:
    import io

    return io.BytesIO(response.get_data())
