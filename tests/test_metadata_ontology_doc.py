"""The ontology's documentation page: every term, both languages, its standards, an example."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from clusterld.dataset.store import Store, get_holder
from clusterld.namespaces import ORG
from clusterld.web.addresses import Address
from clusterld.web.pages import ontology as ontology_doc

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def store(app: Flask) -> Store:
    return get_holder(app).store


@pytest.fixture(scope="module")
def doc(store: Store) -> dict[str, Any]:
    return ontology_doc.document(store, "en")


def by_iri(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {term["iri"]: term for term in (*doc["classes"], *doc["properties"])}


def test_every_term_of_the_ontology_is_documented(store: Store, doc: dict[str, Any]) -> None:
    defined = {
        str(s)
        for s in store.ontology.subjects(RDFS.isDefinedBy, store.iris.ontology)
        if (s, RDF.type, None) in store.ontology
    }
    assert set(by_iri(doc)) == defined
    assert {t["iri"] for t in doc["classes"]} == {
        str(c) for c in store.ontology.subjects(RDF.type, OWL.Class)
    }


def test_every_term_has_labels_and_comments_in_russian_and_english(doc: dict[str, Any]) -> None:
    for term in by_iri(doc).values():
        assert [x["lang"] for x in term["labels"]] == ["en", "ru"], term["iri"]
        assert [x["lang"] for x in term["comments"]] == ["en", "ru"], term["iri"]


def test_the_readers_language_comes_first(store: Store) -> None:
    russian = ontology_doc.document(store, "ru")
    assert russian["classes"][0]["labels"][0]["lang"] == "ru"
    assert russian["comments"][0]["lang"] == "ru"


def test_terms_name_the_standard_terms_they_refine(store: Store, doc: dict[str, Any]) -> None:
    terms = by_iri(doc)
    cluster = terms[str(store.iris.term["EducationIndustryCluster"])]
    assert {p["iri"] for p in cluster["parents"]} == {
        str(ORG.OrganizationalCollaboration),
        str(ORG.Organization),
    }
    assert {p["curie"] for p in cluster["parents"]} == {
        "org:OrganizationalCollaboration",
        "org:Organization",
    }
    industry = terms[str(store.iris.term["industry"])]
    assert [p["iri"] for p in industry["parents"]] == [str(ORG.classification)]
    assert [d["iri"] for d in industry["domains"]] == [
        str(store.iris.term["EducationIndustryCluster"])
    ]
    assert industry["ranges"][0]["curie"] == "skos:Concept"
    assert "org:" in {v["prefix"] + ":" for v in doc["vocabularies"]}


def test_examples_come_from_the_data(store: Store, doc: dict[str, Any]) -> None:
    for term in doc["classes"]:
        example = URIRef(term["example"]["iri"])
        assert (example, RDF.type, URIRef(term["iri"])) in store.data
        assert term["instance_count"] == len(
            set(store.data.subjects(RDF.type, URIRef(term["iri"])))
        )
    for term in doc["properties"]:
        example = term["example"]
        assert example is not None, term["iri"]
        assert any(store.data.triples((None, URIRef(term["iri"]), None)))


def test_links_go_where_the_page_says(store: Store) -> None:
    doc = ontology_doc.document(store, "en", href=lambda iri: f"<{iri}>")
    cluster = doc["classes"][1]
    assert cluster["parents"][0]["href"].startswith("<http")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "education-industry cluster"), ("ru", "образовательно-отраслевой кластер")],
)
def test_page_shows_every_term_in_the_site_frame(
    app: Flask, store: Store, lang: str, expected: str
) -> None:
    with app.test_request_context("/ontology.html"):
        html = ontology_doc.page(
            store, store.ontology, store.iris.ontology, lang, Address("resources.ontology")
        )
    assert expected in html
    for term in store.ontology.subjects(RDFS.isDefinedBy, store.iris.ontology):
        assert f'id="{str(term).rsplit("#", 1)[1]}"' in html
    assert "org:OrganizationalCollaboration" in html
    assert 'rel="alternate" type="text/turtle"' in html  # machine formats, from base.html
    for label in store.ontology.objects(store.iris.term["Roadmap"], RDFS.label):
        assert isinstance(label, Literal) and str(label) in html  # both languages


@pytest.mark.parametrize("path", ["/ontology", "/catalog", "/.well-known/void"])
def test_documentation_pages_are_well_formed_html(app: Flask, path: str) -> None:
    from html_check import check_html

    with app.test_client() as client:
        response = client.get(path, headers={"Accept": BROWSER})
    assert response.mimetype == "text/html"
    check_html(response.get_data(as_text=True))


def test_ontology_iri_gives_people_the_documentation(app: Flask, store: Store) -> None:
    with app.test_client() as client:
        page = client.get("/ontology", headers={"Accept": BROWSER, "Accept-Language": "ru"})
        turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    html = page.get_data(as_text=True)
    assert 'id="EducationIndustryCluster"' in html and "Подкласс" in html
    assert turtle.mimetype == "text/turtle"  # machines keep the negotiated formats
