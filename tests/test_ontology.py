"""The ClusterLD ontology: a documented, licensed owl:Ontology whose few terms specialise
standard ones, and that defines every ClusterLD term the data uses."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS

from clusterld import config
from clusterld.dataset.loading import load_graph
from clusterld.namespaces import CLD, SOURCE_BASE, VANN, IRIScheme

SCHEME = IRIScheme(SOURCE_BASE)
CC_BY_4 = {
    URIRef("https://creativecommons.org/licenses/by/4.0/"),
    URIRef("http://creativecommons.org/licenses/by/4.0/"),
}
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_graph(config.load()["ONTOLOGY_PATHS"], source_base=SOURCE_BASE, base=SOURCE_BASE)


@pytest.fixture(scope="module")
def data() -> Graph:
    return load_graph(config.load()["DATA_PATHS"], source_base=SOURCE_BASE, base=SOURCE_BASE)


def terms(ontology: Graph) -> set[URIRef]:
    found = {s for s in ontology.subjects(RDFS.isDefinedBy, SCHEME.ontology)}
    return {term for term in found if isinstance(term, URIRef)}


def languages(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str]:
    values = graph.objects(subject, predicate)
    return sorted(v.language or "" for v in values if isinstance(v, Literal))


def is_standard(term: object) -> bool:
    return isinstance(term, URIRef) and not str(term).startswith((SOURCE_BASE, str(CLD)))


def test_ontology_header(ontology: Graph) -> None:
    assert set(ontology.subjects(RDF.type, OWL.Ontology)) == {SCHEME.ontology}
    header = SCHEME.ontology
    (version,) = ontology.objects(header, OWL.versionInfo)
    assert str(version).strip()
    assert set(ontology.objects(header, DCTERMS.license)) & CC_BY_4
    (creator,) = ontology.objects(header, DCTERMS.creator)
    assert not isinstance(creator, Literal), "dcterms:creator ranges over dcterms:Agent"
    assert languages(ontology, creator, FOAF.name) == ["en", "ru"]
    assert languages(ontology, header, RDFS.label) == ["en", "ru"]
    assert languages(ontology, header, RDFS.comment) == ["en", "ru"]


def test_preferred_namespace_is_the_term_namespace(ontology: Graph) -> None:
    assert ontology.value(SCHEME.ontology, VANN.preferredNamespacePrefix) == Literal("cld")
    assert str(ontology.value(SCHEME.ontology, VANN.preferredNamespaceUri)) == str(SCHEME.term)


def test_the_ontology_defines_terms(ontology: Graph) -> None:
    defined = terms(ontology)
    assert {SCHEME.term.EducationIndustryCluster, SCHEME.term.leadOrganisation} <= defined
    assert all(str(term).startswith(str(SCHEME.term)) for term in defined)


@pytest.mark.parametrize("predicate", [RDFS.label, RDFS.comment], ids=["label", "comment"])
def test_every_term_is_documented_in_russian_and_english(
    ontology: Graph, predicate: URIRef
) -> None:
    undocumented = {
        str(term): languages(ontology, term, predicate)
        for term in terms(ontology)
        if languages(ontology, term, predicate) != ["en", "ru"]
    }
    assert undocumented == {}


def test_every_term_has_one_type(ontology: Graph) -> None:
    for term in terms(ontology):
        assert [t for t in ontology.objects(term, RDF.type) if t in TERM_TYPES], term


def test_minted_classes_specialise_standard_classes(ontology: Graph) -> None:
    classes = [t for t in terms(ontology) if (t, RDF.type, OWL.Class) in ontology]
    assert len(classes) >= 4
    for cls in classes:
        parents = list(ontology.objects(cls, RDFS.subClassOf))
        assert parents and any(is_standard(p) for p in parents), cls


def test_minted_properties_are_anchored_in_standard_vocabularies(ontology: Graph) -> None:
    """Each property specialises a standard one or has a domain and range."""
    properties = [t for t in terms(ontology) if (t, RDF.type, OWL.ObjectProperty) in ontology]
    assert len(properties) >= 3
    for prop in properties:
        parents = [p for p in ontology.objects(prop, RDFS.subPropertyOf) if is_standard(p)]
        has_domain_and_range = (prop, RDFS.domain, None) in ontology and (
            prop,
            RDFS.range,
            None,
        ) in ontology
        assert parents or has_domain_and_range, prop


def test_every_clusterld_term_the_data_uses_is_defined(data: Graph, ontology: Graph) -> None:
    used = {
        term
        for triple in data
        for term in (triple[1], triple[2])
        if isinstance(term, URIRef) and str(term).startswith(str(SCHEME.term))
    }
    assert SCHEME.term.viaOrganisation in used
    used.discard(URIRef(str(SCHEME.term)))  # void:vocabulary names the namespace itself
    assert used - terms(ontology) == set()
