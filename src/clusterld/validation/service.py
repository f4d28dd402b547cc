"""The validation service: check a client's graph against the published shapes, and say so.

A graph is validated on its own or merged with a *copy* of the published data (so that a
contributor can check one new member against the existing clusters); nothing here ever
writes to a :class:`~clusterld.dataset.store.Store`, so nothing a client sends is stored or
published. Reports are summarised for JSON clients and for the HTML pages, restricted to one
focus node for per-resource conformance, and the publishing gate's state is summarised for
``/status``. Works without Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from clusterld.dataset.inference import DEFAULT_MAX_DERIVED, materialise
from clusterld.dataset.store import ReloadFailure, Store, StoreHolder
from clusterld.i18n import LANGUAGES
from clusterld.shacl.engine import ValidationReport, ValidationResult, label_of, validate
from clusterld.shacl.text_report import WORDS, describe_node

SEVERITY_KEYS = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
COUNT_WORDS = {
    "violation": ("violation", "violations"),
    "warning": ("warning", "warnings"),
    "info": ("info message", "info messages"),
}


@dataclass(frozen=True)
class Outcome:
    """A validation of a client's graph: the report and the graph that was validated."""

    report: ValidationReport
    graph: Graph
    uploaded: int
    with_data: bool


def validate_upload(
    store: Store, upload: Graph, *, with_data: bool = False, max_derived: int = DEFAULT_MAX_DERIVED
) -> Outcome:
    """Validate ``upload`` against the store's shapes, merged into a copy of its data if asked.

    :raises InferenceTooLarge: inference would add more than ``max_derived`` triples
        (``INFERENCE_MAX_TRIPLES``), e.g. for a membership of many members and organisations.
    """
    graph = Graph()
    if with_data:
        graph += store.data
    graph += upload
    shapes = Graph()  # a private copy: concurrent validations never share a graph
    shapes += store.shapes
    for prefix, namespace in store.iris.prefixes().items():
        graph.bind(prefix, namespace, replace=True)
    # validate what publishing would add, as at load
    materialise(graph, store.ontology, max_derived=max_derived)
    report = validate(graph, shapes)
    _bind(report.results_graph, store)
    return Outcome(report, graph, len(upload), with_data)


def counts(report: ValidationReport) -> dict[str, int]:
    """The number of results of each severity, keyed ``violation``, ``warning``, ``info``."""
    return {key: report.count(severity) for severity, key in SEVERITY_KEYS.items()}


def summary(report: ValidationReport, graph: Graph) -> dict[str, Any]:
    """The plain-JSON summary of a report; ``graph`` supplies the focus nodes' labels.

    Each result's ``focus_label`` is always an object with a key per language (``ru``,
    ``en``): the label in that language, else in another, else ``null`` -- a node without a
    label, or with only empty ones, has ``{"ru": null, "en": null}``.
    """
    return {
        "conforms": report.conforms,
        "counts": counts(report),
        "results": [_result_json(result, graph) for result in report.results],
    }


def _result_json(result: ValidationResult, graph: Graph) -> dict[str, Any]:
    return {
        "severity": SEVERITY_KEYS.get(result.severity, str(result.severity)),
        "focus_node": node_id(result.focus_node),
        "focus_label": {lang: _label(graph, result.focus_node, lang) for lang in LANGUAGES},
        "path": result.path,
        "value": term_json(result.value) if result.value is not None else None,
        "message": {lang: result.message(lang) for lang in LANGUAGES},
        "source_shape": node_id(result.source_shape) if result.source_shape is not None else None,
    }


def _label(graph: Graph, node: Node, lang: str) -> str | None:
    """A node's label in ``lang`` (or another language), ``None`` if it has no non-blank one."""
    label = label_of(graph, node, lang)
    return label if label and label.strip() else None


def node_id(node: Node) -> str:
    """An IRI as itself, a blank node as ``_:id``."""
    return f"_:{node}" if isinstance(node, BNode) else str(node)


def term_json(node: Node) -> dict[str, str]:
    """An RDF term as in SPARQL 1.1 Query Results JSON (``type``, ``value``, …)."""
    if isinstance(node, Literal):
        term = {"type": "literal", "value": str(node)}
        if node.language:
            term["xml:lang"] = node.language
        elif node.datatype is not None:
            term["datatype"] = str(node.datatype)
        return term
    if isinstance(node, BNode):
        return {"type": "bnode", "value": str(node)}
    return {"type": "uri", "value": str(node)}


@dataclass(frozen=True)
class Row:
    """One result as the HTML report shows it, in one language (escaped by the template)."""

    severity: str
    severity_word: str
    focus: str
    focus_href: str | None
    path: str | None
    value: str | None
    message: str
    shape: str | None
    shape_href: str | None


def rows(
    report: ValidationReport, graph: Graph, lang: str, *, link: Callable[[Node], str | None]
) -> list[Row]:
    """The report's results for people, labelled from ``graph``.

    ``link`` gives the URL of our own page for a node, or ``None``: a client's IRIs are shown
    as text, never as links, since an IRI may be ``javascript:``.
    """
    words = WORDS[lang]
    return [
        Row(
            severity=SEVERITY_KEYS.get(result.severity, "violation"),
            severity_word=words.get(result.severity, str(result.severity)),
            focus=describe_node(graph, result.focus_node, lang),
            focus_href=link(result.focus_node),
            path=result.path,
            value=describe_node(graph, result.value, lang) if result.value is not None else None,
            message=result.message(lang),
            shape=_shape_name(result.source_shape),
            shape_href=link(result.source_shape)
            if isinstance(result.source_shape, URIRef)
            else None,
        )
        for result in report.results
    ]


def _shape_name(shape: Node | None) -> str | None:
    """A named shape's local name (``ClusterShape``); blank-node shapes go unnamed."""
    if not isinstance(shape, URIRef):
        return None
    return str(shape).rpartition("#")[2] or str(shape)


@dataclass(frozen=True)
class FocusReport:
    """The published report restricted to one resource, and the shapes that target it."""

    node: URIRef
    report: ValidationReport
    shapes: tuple[Node, ...]

    @property
    def conforms(self) -> bool:
        return self.report.conforms


def focus_conforms(store: Store, node: URIRef) -> bool:
    """Whether ``node`` has no violation in the store's report (cheap: one set per version)."""
    violating: set[Node] = store.cached(
        "validation:violating",
        lambda: {r.focus_node for r in store.report.results if r.severity == SH.Violation},
    )
    return node not in violating


def focus_report(store: Store, node: URIRef) -> FocusReport:
    """The store's report (computed when the version was loaded) for one focus node."""
    return store.recent(f"validation:focus:{node}", lambda: _focus_report(store, node))


def _focus_report(store: Store, node: URIRef) -> FocusReport:
    results = tuple(result for result in store.report.results if result.focus_node == node)
    source = store.report.results_graph
    graph = Graph()
    _bind(graph, store)
    report_node = BNode()
    conforms = not any(result.severity == SH.Violation for result in results)
    graph.add((report_node, RDF.type, SH.ValidationReport))
    graph.add((report_node, SH.conforms, Literal(conforms)))
    for result_node in set(source.subjects(SH.focusNode, node)):
        graph.add((report_node, SH.result, result_node))
        graph += source.cbd(result_node)
    restricted = ValidationReport(conforms, graph, "", results)
    return FocusReport(node, restricted, tuple(shapes_targeting(store.data, store.shapes, node)))


def shape_link(shapes: Graph, shape: Node, lang: str, href: str | None) -> dict[str, Any]:
    """A shape as the per-resource page lists it: its label (else its name) and its link."""
    text = label_of(shapes, shape, lang) or _shape_name(shape) or node_id(shape)
    return {"text": text, "href": href}


def shapes_targeting(data: Graph, shapes: Graph, node: Node) -> list[Node]:
    """The shapes whose targets (SHACL §2.1.3) select ``node`` in ``data``."""
    classes: set[Node] = set()
    for cls in data.objects(node, RDF.type):
        classes.update(c for c in data.transitive_objects(cls, RDFS.subClassOf) if c is not None)
    tests = (
        (SH.targetNode, lambda value: value == node),
        (SH.targetClass, lambda value: value in classes),
        (SH.targetSubjectsOf, lambda value: (node, value, None) in data),
        (SH.targetObjectsOf, lambda value: (None, value, node) in data),
    )
    found = {
        shape
        for predicate, test in tests
        for shape, value in shapes.subject_objects(predicate)
        if test(value)
    }
    for kind in (RDFS.Class, OWL.Class):  # implicit class targets: a shape that is a class
        found.update(
            s for s in shapes.subjects(RDF.type, kind) if s in classes and _is_shape(shapes, s)
        )
    return sorted(found, key=str)


def _is_shape(shapes: Graph, node: Node) -> bool:
    return any((node, RDF.type, kind) in shapes for kind in (SH.NodeShape, SH.PropertyShape))


def _bind(graph: Graph, store: Store) -> None:
    for prefix, namespace in store.iris.prefixes().items():
        graph.bind(prefix, namespace, replace=True)
    graph.bind("shapes", f"{store.iris.shapes}#", replace=True)


def publishing_status(holder: StoreHolder) -> dict[str, Any]:
    """What ``/status`` reports: the published version and why the last reload was refused."""
    store = holder.store
    return {
        "version": store.version,
        "loaded_at": store.loaded_at.isoformat(timespec="seconds"),
        "base": store.base,
        "triples": {
            "data": store.triple_count("data"),  # counted at publish: len() reads them all
            "ontology": len(store.ontology),
            "shapes": len(store.shapes),
        },
        "conforms": store.report.conforms,
        "counts": counts(store.report),
        "last_reload_failure": failure_json(holder.last_failure, store),
    }


def failure_json(failure: ReloadFailure | None, store: Store) -> dict[str, Any] | None:
    """A refused reload: when, why, and the validation report when the data did not conform.

    ``error`` is one message: the loader's (a syntax error with its file, line and column),
    or, for data that does not conform, the number of results of each severity; the results
    themselves are in ``report`` (``null`` when the data did not load).
    """
    if failure is None:
        return None
    report = failure.report
    return {
        "at": failure.at.isoformat(timespec="seconds"),
        "title": failure.error.title,
        "error": failure.error.detail if report is None else nonconformance(report),
        "report": summary(report, store.data) if report is not None else None,
    }


def nonconformance(report: ValidationReport) -> str:
    """``the data does not conform to the shapes: 2 violations, 1 warning``, from the counts."""
    found = counts(report)
    parts = [
        f"{found[key]} {one if found[key] == 1 else many}"
        for key, (one, many) in COUNT_WORDS.items()
        if found[key] or key == "violation"
    ]
    return "the data does not conform to the shapes: " + ", ".join(parts)
