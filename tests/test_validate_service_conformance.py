"""Per-resource conformance (report, badge, ``Link: rel="describedby"``) and the shapes page."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from flask.testing import FlaskClient
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from clusterld.namespaces import IRIScheme
from clusterld.shacl.engine import ValidationReport, ValidationResult
from clusterld.validation.service import focus_report

BASE = "http://localhost/"
CLUSTER = "cluster/industrial"
REPORT = f"/validate/id/{CLUSTER}"


def described_by(link_header: str) -> list[str]:
    return re.findall(r'<([^>]+)>;\s*rel="describedby"', link_header)


@pytest.mark.parametrize("suffix", ["", ".ttl", ".jsonld", ".nt", ".rdf", ".html"])
def test_every_document_links_to_its_validation_report(client: FlaskClient, suffix: str) -> None:
    response = client.get(f"/doc/{CLUSTER}{suffix}")
    assert response.status_code == 200
    assert described_by(response.headers["Link"]) == [REPORT]
    assert 'rel="alternate"' in response.headers["Link"]  # the alternates are still there


def test_the_resource_page_shows_a_conformance_badge(client: FlaskClient) -> None:
    page = client.get(f"/doc/{CLUSTER}", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f'<a href="{REPORT}" rel="describedby">Conforms to the shapes</a>' in page
    page_ru = client.get(f"/doc/{CLUSTER}.html?lang=ru").get_data(as_text=True)
    assert "Соответствует формам" in page_ru


def test_documents_not_about_data_resources_have_no_report_link(client: FlaskClient) -> None:
    response = client.get("/ontology.ttl")
    assert described_by(response.headers.get("Link", "")) == []


def test_the_linked_report_is_a_sh_validation_report(client: FlaskClient) -> None:
    response = client.get(REPORT, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    (report,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms) == Literal(True)


def test_the_report_as_json_names_the_shapes_that_target_the_resource(
    client: FlaskClient,
) -> None:
    found = client.get(REPORT, headers={"Accept": "application/json"}).json
    assert found is not None
    assert found["conforms"] is True and found["results"] == []
    assert f"{BASE}shapes#ClusterShape" in found["shapes"]
    assert f"{BASE}shapes#OrganisationShape" in found["shapes"]


def test_the_report_page_for_people(client: FlaskClient) -> None:
    page = client.get(REPORT, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f"<code>{BASE}id/{CLUSTER}</code>" in page
    assert '<a href="/shapes#ClusterShape">Cluster</a>' in page
    assert f'<a href="/doc/{CLUSTER}">' in page
    assert "Conforms to the shapes" in page
    assert 'rel="alternate" type="text/turtle"' in page


def test_an_unknown_resource_has_no_report(client: FlaskClient) -> None:
    response = client.get("/validate/id/cluster/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404


def compute_now(key: object, compute: Callable[[], object]) -> object:
    """A cache that never remembers: the test is about the restriction, not the caching."""
    return compute()


def test_a_restricted_report_keeps_only_its_focus_node() -> None:
    """Filtering the store's full report: other nodes' results stay out."""
    a, b = URIRef(f"{BASE}id/a"), URIRef(f"{BASE}id/b")
    graph = Graph()
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(False)))
    results = []
    for node in (a, b):
        result = BNode()
        graph.add((report, SH.result, result))
        graph.add((result, RDF.type, SH.ValidationResult))
        graph.add((result, SH.focusNode, node))
        results.append(ValidationResult(node, None, None, SH.Violation, {"en": "bad"}))
    full = ValidationReport(False, graph, "", tuple(results))
    # just enough of a Store: data, shapes, IRIs, the report and the per-version cache
    store = SimpleNamespace(
        report=full,
        iris=IRIScheme(BASE),
        data=Graph(),
        shapes=Graph(),
        cached=compute_now,
        recent=compute_now,
    )
    found = focus_report(store, a)  # type: ignore[arg-type]
    assert not found.conforms
    assert set(found.report.results_graph.objects(None, SH.focusNode)) == {a}
    assert [r.focus_node for r in found.report.results] == [a]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_shapes_page_lists_every_shape_with_targets_and_messages(
    client: FlaskClient, lang: str
) -> None:
    response = client.get(f"/shapes?lang={lang}", headers={"Accept": "text/html"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<section id="ClusterShape"' in page and '<section id="MembershipShape"' in page
    assert "<code>org:OrganizationalCollaboration</code>" in page
    assert '<article class="property-shape" id="ClusterLeadShape">' in page
    assert '<dd lang="ru">У кластера должна быть ровно одна ведущая организация' in page
    assert '<dd lang="en">A cluster must have exactly one lead organisation' in page
    assert ("Цели" if lang == "ru" else "Targets") in page
    assert '<a href="#LegalFormShape">shapes:LegalFormShape</a>' in page


@pytest.mark.parametrize(
    ("accept", "rdf_format"), [("text/turtle", "turtle"), ("application/n-triples", "nt")]
)
def test_the_shapes_still_dereference_as_rdf(
    client: FlaskClient, accept: str, rdf_format: str
) -> None:
    response = client.get("/shapes", headers={"Accept": accept})
    graph = Graph().parse(data=response.get_data(as_text=True), format=rdf_format)
    assert (URIRef(f"{BASE}shapes#ClusterShape"), RDF.type, SH.NodeShape) in graph
