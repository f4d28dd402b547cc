"""The validation service without HTTP: reading uploads, validating them, summarising reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH

from clusterld.dataset.store import Store, get_holder
from clusterld.errors import RDFSyntaxError, UnsupportedMediaType
from clusterld.formats import JSON_LD, N_TRIPLES, RDF_XML, TURTLE
from clusterld.namespaces import ORG, SOURCE_BASE, IRIScheme
from clusterld.shacl.engine import ValidationReport, ValidationResult
from clusterld.validation.service import (
    focus_report,
    nonconformance,
    shapes_targeting,
    summary,
    term_json,
    validate_upload,
)
from clusterld.validation.upload import (
    DocumentTooLarge,
    RemoteContextRefused,
    format_of_file,
    guess_format,
    inline_contexts,
    input_format,
    limit_triples,
    read_graph,
)
from clusterld.web.jsonld import context
from clusterld.web.pages import shapes as shapes_doc

# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

UPLOADS = Path(__file__).parent / "data" / "upload"
BASE = "http://localhost/"
OWN_CONTEXT = context({p: str(ns) for p, ns in IRIScheme(BASE).prefixes().items()})["@context"]


@pytest.fixture()
def store(app: Flask) -> Store:
    return get_holder(app).store


def read(name: str, fmt: object = None) -> Graph:
    path = UPLOADS / name
    chosen = fmt or format_of_file(path.name, None)
    return read_graph(
        path.read_text(encoding="utf-8"),
        chosen,  # type: ignore[arg-type]
        source=path.name,
        base=BASE,
        source_base=SOURCE_BASE,
        contexts={f"{SOURCE_BASE}context.jsonld": OWN_CONTEXT},
    )


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("text/turtle", TURTLE),
        ("text/turtle; charset=UTF-8", TURTLE),
        ("application/x-turtle", TURTLE),
        ("application/ld+json", JSON_LD),
        ("application/json", JSON_LD),  # JSON-LD is often sent as plain JSON
        ("application/n-triples", N_TRIPLES),
        ("application/rdf+xml", RDF_XML),
    ],
)
def test_input_format_by_content_type(content_type: str, expected: object) -> None:
    assert input_format(content_type) is expected


@pytest.mark.parametrize(
    "content_type",
    [None, "", "text/plain", "text/html", "text/turtle; charset=ISO-8859-5", "image/png"],
)
def test_unsupported_content_types_are_refused(content_type: str | None) -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        input_format(content_type)
    assert caught.value.status == 415


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"@id": "x"}', JSON_LD),
        ("  [ ]", JSON_LD),
        ('<?xml version="1.0"?><rdf:RDF/>', RDF_XML),
        ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', RDF_XML),
        ("<http://example.org/a> <http://example.org/b> <http://example.org/c> .", TURTLE),
        ("<a> <b> <c> .", TURTLE),  # relative IRIs: still Turtle, not XML
        ("@prefix ex: <http://example.org/> .", TURTLE),
    ],
)
def test_guess_format_of_pasted_text(text: str, expected: object) -> None:
    assert guess_format(text) is expected


@pytest.mark.parametrize("suffix", ["ttl", "nt", "jsonld", "rdf"])
def test_every_syntax_reads_to_the_same_rebased_graph(suffix: str) -> None:
    expected = read("organisation.ttl")
    graph = read(f"organisation.{suffix}")
    assert set(graph) == set(expected)
    assert URIRef(f"{BASE}id/org/upload-test-company") in set(graph.subjects())


def test_relative_iris_resolve_against_the_published_base() -> None:
    graph = read_graph(
        '<id/org/x> <http://example.org/p> "v" .',
        TURTLE,
        source="t",
        base=BASE,
        source_base=SOURCE_BASE,
    )
    assert (URIRef(f"{BASE}id/org/x"), None, None) in graph


def test_our_own_context_is_resolved_locally() -> None:
    graph = read("organisation-without-english-label.jsonld")
    expected = read("organisation-without-english-label.ttl")
    assert set(graph) == set(expected)


@pytest.mark.parametrize(
    "context",
    [
        "http://127.0.0.1:9/context.jsonld",
        ["http://example.org/a.jsonld"],
        {"@import": "http://example.org/a.jsonld"},
        {"term": {"@id": "http://example.org/t", "@context": "http://example.org/scoped"}},
        "context.jsonld",  # relative: would be fetched relative to the base
    ],
)
def test_remote_contexts_are_refused(context: object) -> None:
    document = json.dumps({"@context": context, "@id": "http://example.org/x"})
    with pytest.raises(RemoteContextRefused) as caught:
        inline_contexts(document, {}, source="body")
    assert caught.value.status == 400


def test_a_nested_remote_context_is_refused() -> None:
    document = {"@graph": [{"@id": "x", "@context": "http://example.org/nested"}]}
    with pytest.raises(RemoteContextRefused):
        inline_contexts(json.dumps(document), {}, source="body")


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('{"@id": "x",\n  "p": }', 2, 8),
        ('"just a string"', None, None),
        ('{"@context": 5}', None, None),
    ],
)
def test_bad_json_ld_is_a_syntax_error(text: str, line: int | None, column: int | None) -> None:
    with pytest.raises(RDFSyntaxError) as caught:
        read_graph(text, JSON_LD, source="body", base=BASE, source_base=SOURCE_BASE)
    assert (caught.value.line, caught.value.column) == (line, column)


def test_limit_triples_refuses_only_documents_over_the_limit() -> None:
    graph = read("organisation.ttl")
    limit_triples(graph, len(graph), source="x.ttl")  # at the limit: accepted
    with pytest.raises(DocumentTooLarge) as caught:
        limit_triples(graph, len(graph) - 1, source="x.ttl")
    assert caught.value.status == 413
    assert caught.value.detail.startswith(f"x.ttl: {len(graph)} triples;")
    assert f"at most {len(graph) - 1} triples" in caught.value.detail


def test_validation_alone_and_with_the_data(store: Store) -> None:
    upload = read("new-member.ttl")
    alone = validate_upload(store, upload)
    merged = validate_upload(store, upload, with_data=True)
    assert not alone.report.conforms
    assert merged.report.conforms, merged.report.text
    assert merged.uploaded == len(upload)
    assert set(store.data) | set(upload) <= set(merged.graph)
    # the new member's shortcut, added as loading would: its cluster org:hasMember it
    inferred = set(merged.graph) - set(store.data) - set(upload)
    assert inferred and all(p == ORG.hasMember for _, p, _ in inferred)


def test_merging_leaves_the_store_untouched(store: Store) -> None:
    version, size = store.version, len(store.data)
    validate_upload(store, read("new-member.ttl"), with_data=True)
    assert (store.version, len(store.data)) == (version, size)
    assert (URIRef(f"{BASE}id/org/upload-new-member"), None, None) not in store.data


def test_summary_fields(store: Store) -> None:
    outcome = validate_upload(store, read("organisation-without-english-label.ttl"))
    found = summary(outcome.report, outcome.graph)
    assert found["conforms"] is False
    assert found["counts"] == {"violation": 1, "warning": 0, "info": 0}
    (result,) = found["results"]
    assert result["focus_node"] == f"{BASE}id/org/upload-test-company"
    assert result["focus_label"]["ru"] == "Проверочная компания"
    assert result["path"] == "rdfs:label"
    assert result["message"]["en"].startswith("An English label is required")
    assert result["message"]["ru"].startswith("Нужно название на английском")
    assert result["source_shape"] == f"{BASE}shapes#EnglishLabelShape"


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ('rdfs:label ""@en, ""@ru', {"ru": None, "en": None}),
        ("", {"ru": None, "en": None}),
        ('rdfs:label "Only English"@en', {"ru": "Only English", "en": "Only English"}),
    ],
)
def test_focus_label_is_always_an_object_with_null_for_no_label(
    store: Store, labels: str, expected: dict[str, str | None]
) -> None:
    """Blank labels count as none: the summary never mixes ``""`` and ``null``."""
    text = (
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f"<{BASE}id/org/x> a org:Organization {';' if labels else ''} {labels} .\n"
    )
    graph = read_graph(text, TURTLE, source="t", base=BASE, source_base=SOURCE_BASE)
    outcome = validate_upload(store, graph)
    found = summary(outcome.report, outcome.graph)["results"]
    assert found and all(result["focus_label"] == expected for result in found)


def _report(*severities: URIRef) -> ValidationReport:
    results = tuple(
        ValidationResult(URIRef(f"urn:x:{n}"), None, None, severity, {})
        for n, severity in enumerate(severities)
    )
    return ValidationReport(False, Graph(), "Validation Report\n...", results)


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ((SH.Violation,), "1 violation"),
        ((SH.Violation, SH.Violation, SH.Warning), "2 violations, 1 warning"),
        ((SH.Warning, SH.Warning, SH.Info), "0 violations, 2 warnings, 1 info message"),
    ],
)
def test_nonconformance_says_what_happened_with_the_counts(
    severities: tuple[URIRef, ...], expected: str
) -> None:
    assert nonconformance(_report(*severities)) == (
        f"the data does not conform to the shapes: {expected}"
    )


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Literal("x", lang="de"), {"type": "literal", "value": "x", "xml:lang": "de"}),
        (Literal(1), {"type": "literal", "value": "1", "datatype": str(Literal(1).datatype)}),
        (URIRef("http://example.org/a"), {"type": "uri", "value": "http://example.org/a"}),
    ],
)
def test_terms_are_written_as_in_sparql_results_json(node: object, expected: object) -> None:
    assert term_json(node) == expected  # type: ignore[arg-type]


def test_focus_report_of_a_published_cluster(store: Store) -> None:
    cluster = URIRef(f"{BASE}id/cluster/industrial")
    found = focus_report(store, cluster)
    assert found.conforms
    assert (None, SH.conforms, Literal(True)) in found.report.results_graph
    assert URIRef(f"{BASE}shapes#ClusterShape") in found.shapes


def test_shapes_targeting_follow_every_kind_of_target(store: Store) -> None:
    membership = URIRef(f"{BASE}id/membership/industrial/elesy")
    found = {str(shape) for shape in shapes_targeting(store.data, store.shapes, membership)}
    assert f"{BASE}shapes#MembershipShape" in found  # sh:targetClass
    assert f"{BASE}shapes#LabelLanguageShape" in found  # sh:targetSubjectsOf


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_shapes_document_lists_every_node_shape_with_messages(store: Store, lang: str) -> None:
    document = shapes_doc.document(store, lang)
    ids = [shape["id"] for shape in document["shapes"]]
    assert "ClusterShape" in ids and "MembershipShape" in ids
    cluster = next(shape for shape in document["shapes"] if shape["id"] == "ClusterShape")
    assert cluster["targets"] == [
        {"kind": "target_class", "text": "org:OrganizationalCollaboration", "anchor": None}
    ]
    lead = next(p for p in cluster["properties"] if p["ref"] == "ClusterLeadShape")
    assert lead["path"] == "^org:organization"
    assert set(lead["messages"]) == {"ru", "en"} and all(lead["messages"].values())
    expected_name = "ведущая организация" if lang == "ru" else "lead organisation"
    assert lead["name"] == expected_name


def test_a_shared_property_shape_has_one_page_id(store: Store) -> None:
    document = shapes_doc.document(store, "en")
    ids = [p["id"] for shape in document["shapes"] for p in shape["properties"] if p["id"]]
    assert len(ids) == len(set(ids))
