"""The shared vocabulary (issue 12, item 5): one namespace for every deployment.

The ontology is ``https://w3id.org/clusterld/ontology`` and its terms are hash IRIs under it,
whatever base a dataset is published under; things, shapes and graphs stay per deployment.
The shipped data is published under two bases (with and without a path) and the two versions
are compared; the w3id.org redirect (``w3id/.htaccess``) is read by a small evaluator of the
few mod_rewrite directives it uses, and its targets are asked of the server.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode
from rdflib import Graph, URIRef
from rdflib.namespace import FOAF, OWL, RDF, VOID

from clusterld import config
from clusterld.dataset.loading import rebase
from clusterld.dataset.store import Store, get_holder
from clusterld.formats import DOCUMENT_FORMATS, RDF_FORMATS, Format
from clusterld.namespaces import CLD, SOURCE_BASE, VOCABULARY, IRIScheme, in_vocabulary
from clusterld.publishing.publish import publish
from clusterld.web.app import create_app

# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

ROOT = Path(__file__).resolve().parents[1]
HTACCESS = ROOT / "w3id" / ".htaccess"
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


# --- The w3id.org redirect ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A ``RewriteRule`` and the ``RewriteCond`` lines before it (``[OR]`` joins two)."""

    conditions: tuple[tuple[str, str, bool], ...]  # variable, pattern, ORed with the next
    pattern: str
    target: str
    flags: frozenset[str]

    def applies(self, path: str, accept: str) -> str | None:
        """The target for a request of ``path`` with ``Accept: accept``, if the rule fires."""
        match = re.search(self.pattern, path)
        if match is None:
            return None
        groups, current = [], False
        for variable, pattern, ored in self.conditions:
            assert variable == "%{HTTP_ACCEPT}", variable
            current = current or re.search(pattern, accept, re.IGNORECASE) is not None
            if not ored:
                groups.append(current)
                current = False
        return match.expand(self.target.replace("$", "\\")) if all(groups) else None


def rules() -> list[Rule]:
    found, conditions = [], []
    for line in HTACCESS.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        flags = frozenset(words[3].strip("[]").split(",")) if len(words) > 3 else frozenset()
        if words[0] == "RewriteCond":
            conditions.append((words[1], words[2], "OR" in flags))
        elif words[0] == "RewriteRule":
            found.append(Rule(tuple(conditions), words[1], words[2], flags))
            conditions = []
    assert not conditions, "a RewriteCond after the last RewriteRule"
    return found


def redirect(path: str, accept: str) -> str:
    for rule in rules():
        target = rule.applies(path, accept)
        if target is not None:
            assert {"R=303", "L"} <= rule.flags
            return target
    raise AssertionError(f"no rule for {path} with Accept: {accept}")


def canonical_base() -> str:
    targets = {rule.target for rule in rules()}
    (base,) = {target.split("ontology", 1)[0] for target in targets}
    assert base.startswith("https://") and base.endswith("/")
    return base


def test_the_htaccess_is_for_the_clusterld_folder_of_w3id() -> None:
    text = HTACCESS.read_text(encoding="utf-8")
    assert "RewriteEngine on" in text
    assert (ROOT / "w3id" / "README.md").is_file()  # w3id.org wants one, with a contact
    assert all(rule.pattern.startswith("^ontology") for rule in rules())


@pytest.mark.parametrize("fmt", DOCUMENT_FORMATS, ids=lambda f: f.suffix)
def test_the_htaccess_redirects_each_format_to_its_document(
    client: FlaskClient, fmt: Format
) -> None:
    target = redirect("ontology", fmt.media_type)
    assert target == f"{canonical_base()}ontology.{fmt.suffix}"
    response = client.get("/" + target.removeprefix(canonical_base()))
    assert (response.status_code, response.mimetype) == (200, fmt.media_type)


@pytest.mark.parametrize(
    ("path", "accept", "expected"),
    [
        # a browser's header, with */*: the page
        ("ontology", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
        ("ontology", "application/xhtml+xml", "html"),
        # an RDF client listing several types: the first rule that fits one of them
        ("ontology", "application/rdf+xml, text/turtle;q=0.9", "ttl"),
        ("ontology", "", None),  # no Accept: the server negotiates (Turtle)
        ("ontology", "*/*", None),
        ("ontology/2.0.0", "text/turtle", "version"),
    ],
)
def test_the_htaccess_negotiates_like_the_server(path: str, accept: str, expected: str) -> None:
    base = canonical_base()
    wanted = {
        None: f"{base}ontology",
        "version": f"{base}ontology/2.0.0",
    }.get(expected, f"{base}ontology.{expected}")
    assert redirect(path, accept) == wanted


def test_the_htaccess_names_the_current_version(app: Flask, client: FlaskClient) -> None:
    version = str(get_holder(app).store.ontology.value(URIRef(VOCABULARY), OWL.versionIRI))
    assert version.startswith(f"{VOCABULARY}/")
    target = redirect(version[len(VOCABULARY) - len("ontology") :], "text/turtle")
    response = client.get("/" + target.removeprefix(canonical_base()))
    assert (response.status_code, response.headers["Location"]) == (303, "/ontology")
