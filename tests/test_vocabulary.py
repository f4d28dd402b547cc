"""The shared vocabulary (issue 12, item 5): one namespace for every deployment.

The ontology is ``https://w3id.org/clusterld/ontology`` and its terms are hash IRIs under it,
whatever base a dataset is published under; things, shapes and graphs stay per deployment.
The shipped data is published under two bases (with and without a path) and the two versions
are compared.
"""

from __future__ import annotations

import json

import pytest
from flask import Flask
from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode
from rdflib import Graph, URIRef
from rdflib.namespace import FOAF, OWL, RDF, VOID

from clusterld import config
from clusterld.dataset.loading import rebase
from clusterld.dataset.store import Store, get_holder
from clusterld.formats import RDF_FORMATS, Format
from clusterld.namespaces import CLD, SOURCE_BASE, VOCABULARY, IRIScheme, in_vocabulary
from clusterld.publishing.publish import publish
from clusterld.web.app import create_app

# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

BASES = ("http://localhost:8765/", "https://data.example.org/novosibirsk/")
CLUSTER = CLD.EducationIndustryCluster


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Flask]:
    """The shipped data published under each base, each served by an app of its own."""
    found = {}
    for index, base in enumerate(BASES):
        root = tmp_path_factory.mktemp(f"base-{index}") / "store"
        publish(config.load({"BASE_URI": base}), root)
        found[base] = create_app({"STORE": str(root), "TESTING": True})
    return found


def store_of(app: Flask) -> Store:
    return get_holder(app).store


def select(store: Store, query: str) -> set[str]:
    """The values of the one variable of a SELECT, over the union of every graph."""
    return {str(row[0].value) for row in store.oxigraph.query(query)}  # type: ignore[union-attr]


def test_every_base_publishes_the_same_vocabulary_and_its_own_things(
    apps: dict[str, Flask],
) -> None:
    terms, clusters = {}, {}
    for base, app in apps.items():
        store = store_of(app)
        terms[base] = select(
            store,
            f"SELECT DISTINCT ?t WHERE {{ {{ ?s ?t ?o }} UNION {{ ?s a ?t }} "
            f'FILTER(STRSTARTS(STR(?t), "{CLD}")) }}',
        )
        clusters[base] = select(store, f"SELECT ?c WHERE {{ ?c a <{CLUSTER}> }}")
        assert len(clusters[base]) == 9
        assert all(c.startswith(f"{base}id/cluster/") for c in clusters[base])
        assert store.iris.ontology == URIRef(VOCABULARY)
    first, second = BASES
    assert str(CLUSTER) in terms[first] and str(CLD.leadOrganisation) in terms[first]
    assert terms[first] == terms[second]  # the same term IRIs under both bases
    assert not clusters[first] & clusters[second]  # and their own things


@pytest.mark.parametrize("base", BASES)
def test_nothing_is_left_in_a_per_deployment_ontology_namespace(
    apps: dict[str, Flask], base: str
) -> None:
    store = store_of(apps[base])
    # IRIs, and IRI-valued strings (vann:preferredNamespaceUri), in any graph
    old = " || ".join(
        f'STRSTARTS(STR(?{term}), "{prefix}")'
        for term in "spo"
        for prefix in (f"{base}ontology#", f"{SOURCE_BASE}ontology")
    )
    found = store.oxigraph.query(
        "SELECT ?s ?p ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } "
        f"FILTER({old}) }} LIMIT 5"
    )
    assert [str(row) for row in found] == []  # type: ignore[union-attr]
    used = select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s a <{CLUSTER}> }} }}")
    assert used != {"0"}  # the query above would have seen the terms
    assert not [p for p in store.thing_paths if "ontology" in p]
    assert all(not cls.startswith(f"{base}ontology") for cls in store.manifest.classes)


@pytest.mark.parametrize("base", BASES)
def test_the_metadata_names_the_shared_namespace(apps: dict[str, Flask], base: str) -> None:
    app, store = apps[base], store_of(apps[base])
    with app.test_client() as client:
        void = Graph().parse(
            data=client.get("/.well-known/void.ttl", base_url=base).get_data(as_text=True)
        )
        context = client.get("/context.jsonld", base_url=base).get_json()["@context"]
    dataset = store.iris.dataset
    assert (dataset, VOID.vocabulary, URIRef(str(CLD))) in void
    assert not [v for v in void.objects(dataset, VOID.vocabulary) if str(v).startswith(base)]
    assert (URIRef(VOCABULARY), RDF.type, VOID.Dataset) in void  # the ontology, as a part
    assert context["cld"] == str(CLD)
    preferred = NamedNode("http://purl.org/vocab/vann/preferredNamespaceUri")
    quads = store.oxigraph.quads_for_pattern(NamedNode(VOCABULARY), preferred, None)
    assert {q.object for q in quads} == {OxLiteral(str(CLD))}


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.suffix)
@pytest.mark.parametrize("base", BASES)
def test_the_ontology_document_negotiates_and_names_the_shared_ontology(
    apps: dict[str, Flask], base: str, fmt: Format
) -> None:
    with apps[base].test_client() as client:
        response = client.get("/ontology", headers={"Accept": fmt.media_type}, base_url=base)
        context = client.get("/context.jsonld", base_url=base).get_json()
    assert response.status_code == 200
    assert response.mimetype == fmt.media_type
    text = response.get_data(as_text=True)
    if fmt.suffix == "jsonld":  # with the context inlined: rdflib would fetch it
        text = json.dumps({**json.loads(text), "@context": context["@context"]})
    graph = Graph().parse(data=text, format=fmt.rdflib_format)
    ontology, document = URIRef(VOCABULARY), URIRef(f"{base}ontology")
    assert (ontology, RDF.type, OWL.Ontology) in graph
    assert (document, FOAF.primaryTopic, ontology) in graph  # what the document is about
    assert (CLUSTER, RDF.type, OWL.Class) in graph
    assert not [s for s in graph.subjects() if str(s).startswith(f"{base}ontology#")]


@pytest.mark.parametrize("base", BASES)
def test_term_links_stay_on_the_server(apps: dict[str, Flask], base: str) -> None:
    path = base.split("/", 3)[3]  # the base's path, which every link carries
    with apps[base].test_client() as client:
        ontology = client.get("/ontology", headers={"Accept": "text/html"}, base_url=base)
        cluster = client.get("/doc/cluster/industrial.html", base_url=base)
        version = client.get("/ontology/2.0.0", base_url=base)
    page = ontology.get_data(as_text=True)
    assert 'id="EducationIndustryCluster"' in page and VOCABULARY in page
    assert f'href="/{path}ontology#' in page
    html = cluster.get_data(as_text=True)
    assert f'href="/{path}ontology#industry"' in html  # a property of the vocabulary
    assert f'href="/{path}class/cld/EducationIndustryCluster"' in html  # its class
    assert 'href="https://w3id.org/' not in page + html
    assert (version.status_code, version.headers["Location"]) == (303, f"/{path}ontology")


def test_rebasing_never_moves_the_vocabulary() -> None:
    """Even under a source base that holds the vocabulary's namespace (w3id.org itself)."""
    graph = Graph()
    thing = URIRef("https://w3id.org/clusterld/id/cluster/a")
    graph.add((thing, RDF.type, CLUSTER))
    graph.add((URIRef(VOCABULARY), OWL.versionIRI, URIRef(f"{VOCABULARY}/2.0.0")))
    moved = rebase(graph, "https://w3id.org/clusterld/", "https://data.example.org/")
    assert (URIRef("https://data.example.org/id/cluster/a"), RDF.type, CLUSTER) in moved
    assert (URIRef(VOCABULARY), OWL.versionIRI, URIRef(f"{VOCABULARY}/2.0.0")) in moved
    assert IRIScheme("https://data.example.org/").term == IRIScheme(SOURCE_BASE).term == CLD
    assert in_vocabulary(str(CLUSTER)) and not in_vocabulary(f"{VOCABULARY}-other#x")
