"""Inference in the store is inference in rdflib: ``materialise_in_store`` (SPARQL updates in
Oxigraph, what a publish runs) adds exactly the triples ``materialise`` (rdflib, what
``clusterld validate`` runs) adds, on the shipped data and on every fixture.

Each file is loaded both ways (rdflib's parser and ``dataset.bulk`` into Oxigraph, rebased to
another base on the way in), materialised both ways, and the two graphs compared whole.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Store as OxStore
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.namespace import RDF, RDFS

from clusterld import config
from clusterld.dataset.bulk import load_files
from clusterld.dataset.inference import materialise, materialise_in_store
from clusterld.dataset.loading import load_graph
from clusterld.dataset.terms import in_memory
from clusterld.namespaces import ORG, SOURCE_BASE

SETTINGS = config.load()
FIXTURES = Path(__file__).parent / "data"
CASES = sorted((FIXTURES / "invalid").glob("*.ttl")) + sorted((FIXTURES / "valid").glob("*.ttl"))
BASE = "http://localhost:8123/"
GRAPH = f"{BASE}graph/data"
ID = f"{BASE}id/"

ONE_WAY = """
@prefix cld:    <https://w3id.org/clusterld/ontology#> .
@prefix id:     <https://clusterld.example/tomsk/id/> .
@prefix org:    <http://www.w3.org/ns/org#> .
@prefix rov:    <http://www.w3.org/ns/regorg#> .
@prefix schema: <http://schema.org/> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .

# typed only with the ontology's class, or with the most specific standard class
id:cluster\\/one a cld:EducationIndustryCluster .
id:org\\/lead a rov:RegisteredOrganization , schema:School .

# a membership given only as an org:Membership (named and blank)
id:membership\\/one\\/lead a org:Membership ;
    org:member id:org\\/lead ; org:organization id:cluster\\/one .
[] a org:Membership ; org:member id:org\\/anonymous ; org:organization id:cluster\\/one .
# a membership node without its type adds no shortcut
id:membership\\/one\\/untyped org:member id:org\\/nobody ; org:organization id:cluster\\/one .

# shortcuts given only one way
id:org\\/participant org:memberOf id:cluster\\/one .
id:org\\/lead org:hasUnit id:org\\/lead-branch .
id:org\\/other-branch org:unitOf id:org\\/lead .
id:org\\/holding org:hasSubOrganization id:org\\/lead .
id:org\\/daughter org:subOrganizationOf id:org\\/holding .

id:org\\/lead rdfs:label "Lead"@EN , "Ведущая"@ru .
"""


def rdflib_way(paths: list[Path], ontology: Graph) -> Graph:
    data = load_graph(paths, source_base=SOURCE_BASE, base=BASE)
    materialise(data, ontology)
    return lowercase_language_tags(data)


def lowercase_language_tags(graph: Graph) -> Graph:
    """``"x"@EN`` as Oxigraph's parser reads it, ``"x"@en`` (language tags are
    case-insensitive in RDF 1.1; rdflib keeps the case written, Oxigraph lowercases).  The
    only difference between the two loaders; the test below pins it."""
    lowered = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language and o.language != o.language.lower():
            o = Literal(str(o), lang=o.language.lower())
        lowered.add((s, p, o))
    return lowered


def store_way(paths: list[Path], ontology: Graph) -> Graph:
    store = OxStore()
    load_files(store, paths, GRAPH, source_base=SOURCE_BASE, base=BASE)
    materialise_in_store(store, GRAPH, ontology, max_derived=10**6)
    return in_memory(store, URIRef(GRAPH), {})


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_graph(SETTINGS["ONTOLOGY_PATHS"], source_base=SOURCE_BASE, base=BASE)


def assert_same(paths: list[Path], ontology: Graph) -> Graph:
    expected = rdflib_way(paths, ontology)
    found = store_way(paths, ontology)
    if to_isomorphic(expected) != to_isomorphic(found):
        _, only_rdflib, only_store = graph_diff(to_isomorphic(expected), to_isomorphic(found))
        pytest.fail(
            f"only rdflib:\n{only_rdflib.serialize(format='nt')}\n"
            f"only the store:\n{only_store.serialize(format='nt')}"
        )
    return found


@pytest.mark.parametrize("fixture", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_same_triples_on_every_fixture(fixture: Path, ontology: Graph) -> None:
    assert_same([fixture], ontology)


def test_the_same_triples_on_the_shipped_data(ontology: Graph) -> None:
    found = assert_same(list(SETTINGS["DATA_PATHS"]), ontology)
    assert len(found) > 1000


def test_the_same_triples_when_everything_is_given_one_way(tmp_path: Path, ontology: Graph) -> None:
    path = tmp_path / "one-way.ttl"
    path.write_text(ONE_WAY, encoding="utf-8")
    found = assert_same([path], ontology)
    raw = load_graph([path], source_base=SOURCE_BASE, base=BASE)
    assert len(found) > len(raw)

    def iri(local: str) -> URIRef:
        return URIRef(ID + local)

    added = {
        (iri("cluster/one"), RDF.type, ORG.OrganizationalCollaboration),
        (iri("cluster/one"), RDF.type, ORG.Organization),
        (iri("org/lead"), RDF.type, ORG.FormalOrganization),
        (iri("org/lead"), RDF.type, ORG.Organization),
        (iri("org/lead"), RDF.type, URIRef("http://schema.org/Organization")),
        (iri("cluster/one"), ORG.hasMember, iri("org/lead")),
        (iri("org/lead"), ORG.memberOf, iri("cluster/one")),
        (iri("cluster/one"), ORG.hasMember, iri("org/anonymous")),
        (iri("cluster/one"), ORG.hasMember, iri("org/participant")),
        (iri("org/lead-branch"), ORG.unitOf, iri("org/lead")),
        (iri("org/lead"), ORG.hasUnit, iri("org/other-branch")),
        (iri("org/lead"), ORG.subOrganizationOf, iri("org/holding")),
        (iri("org/holding"), ORG.hasSubOrganization, iri("org/daughter")),
    }
    assert added <= set(found)
    assert added.isdisjoint(set(raw))
    assert (iri("cluster/one"), ORG.hasMember, iri("org/nobody")) not in found


def test_the_loaders_differ_only_in_the_case_of_language_tags(tmp_path: Path) -> None:
    """What ``lowercase_language_tags`` stands for: rdflib keeps ``@EN``, Oxigraph (which
    the publish loads with) writes ``@en``; the engines agree on either (test_engines)."""
    path = tmp_path / "one-way.ttl"
    path.write_text(ONE_WAY, encoding="utf-8")
    lead = URIRef(ID + "org/lead")
    raw = load_graph([path], source_base=SOURCE_BASE, base=BASE)
    store = OxStore()
    load_files(store, [path], GRAPH, source_base=SOURCE_BASE, base=BASE)
    loaded = in_memory(store, URIRef(GRAPH), {})
    assert {o.language for o in raw.objects(lead, RDFS.label)} == {"EN", "ru"}
    assert {o.language for o in loaded.objects(lead, RDFS.label)} == {"en", "ru"}
