"""Every term a page names has a Russian and an English label: no raw IRIs for people."""

from __future__ import annotations

import pytest
from flask import Flask
from rdflib import URIRef
from rdflib.namespace import RDF, SH

from clusterld.dataset.labels import STANDARD_LABELS, label, literal_label, term_label
from clusterld.dataset.store import get_store


def used_terms(app: Flask) -> set[URIRef]:
    with app.app_context():
        union = get_store().union
    predicates = {p for p in union.predicates() if isinstance(p, URIRef)}
    classes = {o for o in union.objects(None, RDF.type) if isinstance(o, URIRef)}
    return predicates | classes


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_used_term_has_a_label(app: Flask, lang: str) -> None:
    with app.app_context():
        union = get_store().union
    unlabelled = [
        str(term)
        for term in sorted(used_terms(app))
        if term not in STANDARD_LABELS
        and literal_label(union, term, lang) is None
        and not str(term).startswith(str(SH))  # SHACL's own terms keep their names
    ]
    assert not unlabelled


@pytest.mark.parametrize(
    ("term", "ru", "en"),
    [
        ("http://www.w3.org/ns/org#hasMember", "имеет участника", "has member"),
        ("http://www.w3.org/2004/02/skos/core#prefLabel", "название", "preferred label"),
    ],
)
def test_standard_terms_are_named_from_the_table(app: Flask, term: str, ru: str, en: str) -> None:
    with app.app_context():
        union = get_store().union
    assert (term_label(union, URIRef(term), "ru"), term_label(union, URIRef(term), "en")) == (
        ru,
        en,
    )


def test_ontology_labels_win_over_the_table(app: Flask) -> None:
    with app.app_context():
        store = get_store()
    industry = store.iris.term.industry
    assert term_label(store.union, industry, "ru") == "отрасль"
    assert industry not in STANDARD_LABELS


def test_resource_labels_fall_back_to_english_then_the_iri(app: Flask) -> None:
    with app.app_context():
        union = get_store().union
    assert (
        label(union, URIRef("http://localhost/id/cluster/industrial"), "fr") == "Industrial Cluster"
    )
    unlabelled = "https://creativecommons.org/licenses/by/4.0/"
    assert label(union, URIRef(unlabelled), "ru") == unlabelled  # not "4.0"
