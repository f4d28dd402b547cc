"""The catalog against the official DCAT-AP shapes: 3.0.1 by default, 2.1.1 on request.

Harvesting portals validate with SEMIC's shapes, not ours, so these run them (copies in
``tests/data/dcat-ap/``; nothing here reads outside the repository).  Each release's catalog
must have no violation, alone and merged with the VoID description (as the SPARQL metadata
graph merges them); and each release's shapes must reject the other release's distributions,
which shows that the shapes are live and that the profiles really differ.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from clusterld import metadata
from clusterld.dataset.store import Store, get_holder
from clusterld.metadata.profiles import DCAT_AP_2, DCAT_AP_3
from dcat_ap import official_report


@pytest.fixture(scope="module")
def store(app: Flask) -> Store:
    return get_holder(app).store


@pytest.fixture(scope="module")
def settings(app: Flask) -> dict[str, Any]:
    return dict(app.config)


def describe(violations: list[Any]) -> str:
    return "\n".join(f"{v.focus_node} {v.path} {v.value}: {v.messages}" for v in violations)


def test_the_dcat_ap_3_catalog_conforms_to_the_official_3_0_1_shapes(
    store: Store, settings: dict[str, Any]
) -> None:
    catalog = metadata.catalog_graph(store, settings, DCAT_AP_3)
    report, violations = official_report(catalog, release="3.0.1")
    assert not violations, describe(violations)
    assert report.results  # the shapes ran: the publisher is not an EU body (a warning)


def test_the_catalog_merged_with_the_void_conforms_to_dcat_ap_3(
    store: Store, settings: dict[str, Any]
) -> None:
    catalog = metadata.catalog_graph(store, settings)
    void = metadata.void_graph(store, settings)
    _, violations = official_report(catalog, void, release="3.0.1")
    assert not violations, describe(violations)
    # and so does the SPARQL metadata graph, which is that merge plus the example queries
    _, violations = official_report(metadata.metadata_graph(store, settings), release="3.0.1")
    assert not violations, describe(violations)


def test_the_dcat_ap_2_catalog_conforms_to_the_official_2_1_1_shapes(
    store: Store, settings: dict[str, Any]
) -> None:
    catalog = metadata.catalog_graph(store, settings, DCAT_AP_2)
    _, violations = official_report(catalog, release="2.1.1")
    assert not violations, describe(violations)
    _, violations = official_report(catalog, metadata.void_graph(store, settings), release="2.1.1")
    assert not violations, describe(violations)


def test_each_release_rejects_the_other_releases_distributions(
    store: Store, settings: dict[str, Any]
) -> None:
    version_3 = metadata.catalog_graph(store, settings, DCAT_AP_3)
    version_2 = metadata.catalog_graph(store, settings, DCAT_AP_2)
    _, violations = official_report(version_3, release="2.1.1")
    paths = {v.path for v in violations}
    assert {"dcat:byteSize", "spdx:algorithm", "adms:status"} <= paths, paths
    _, violations = official_report(version_2, release="3.0.1")
    assert {v.path for v in violations} == {"adms:status", "dcat:byteSize"}


@pytest.mark.parametrize("ap", [DCAT_AP_3, DCAT_AP_2], ids=lambda p: p.token)
def test_every_concept_has_its_label_without_the_code_lists(
    store: Store, settings: dict[str, Any], ap: Any
) -> None:
    """Validators that do not load the EU code lists see only the catalog's own labels."""
    catalog = metadata.catalog_graph(store, settings, ap)
    concepts = set(catalog.subjects(RDF.type, SKOS.Concept))
    assert URIRef("http://purl.org/adms/publishertype/NonProfitOrganisation") in concepts
    for concept in concepts:
        assert catalog.value(concept, SKOS.prefLabel) is not None, concept
    report, _ = official_report(catalog, release="3.0.1", code_lists=False)
    assert not [r for r in report.results if r.path == "skos:prefLabel"]


def test_the_catalog_uses_only_eu_language_iris(store: Store, settings: dict[str, Any]) -> None:
    graph: Graph = metadata.metadata_graph(store, settings)
    languages = set(graph.objects(None, URIRef("http://purl.org/dc/terms/language")))
    assert languages == {
        URIRef("http://publications.europa.eu/resource/authority/language/ENG"),
        URIRef("http://publications.europa.eu/resource/authority/language/RUS"),
    }
