"""One verdict everywhere: ``POST /validate``, ``clusterld validate`` and plain pyshacl on the
published shapes agree on every fixture (conformance and the number of results)."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from rdflib import Graph
from rdflib.namespace import SH

from clusterld.cli import cli

# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

DATA = Path(__file__).parent / "data"
MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
}
RDFLIB_FORMATS = {".ttl": "turtle", ".jsonld": "json-ld", ".nt": "nt", ".rdf": "xml"}
FIXTURES = sorted(
    path
    for folder in ("valid", "invalid", "upload")
    for path in (DATA / folder).glob("*")
    if path.suffix in MEDIA_TYPES
    # a context named by IRI is resolved by the server only; pyshacl and the CLI would fetch it
    and not (path.suffix == ".jsonld" and '"@context": "http' in path.read_text("utf-8"))
)


@pytest.fixture(scope="module")
def published_shapes(app: object) -> Graph:
    client: FlaskClient = app.test_client()  # type: ignore[attr-defined]
    response = client.get("/shapes.ttl")
    assert response.status_code == 200
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


def results(graph: Graph) -> int:
    """The report's own results (a sh:node violation nests further ones under sh:detail)."""
    return len(set(graph.objects(None, SH.result)))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_service_the_cli_and_pyshacl_agree(
    client: FlaskClient, runner: CliRunner, published_shapes: Graph, path: Path
) -> None:
    response = client.post(
        "/validate",
        data=path.read_bytes(),
        headers={"Content-Type": MEDIA_TYPES[path.suffix], "Accept": "application/json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    service = response.json
    assert service is not None

    cli_run = runner.invoke(cli, ["validate", str(path), "--format", "turtle"])
    assert cli_run.exit_code in (0, 1), cli_run.output
    cli_report = Graph().parse(data=cli_run.stdout, format="turtle")

    data = Graph().parse(path, format=RDFLIB_FORMATS[path.suffix])
    conforms, report, _ = pyshacl.validate(data, shacl_graph=published_shapes, inference="none")
    assert isinstance(report, Graph)

    verdicts = {
        "service": (service["conforms"], len(service["results"])),
        "cli": (cli_run.exit_code == 0, results(cli_report)),
        "pyshacl": (bool(conforms), results(report)),
    }
    assert len(set(verdicts.values())) == 1, verdicts
    if path.parent.name == "invalid":
        assert service["conforms"] is False
    if path.parent.name == "valid":
        assert service["conforms"] is True
