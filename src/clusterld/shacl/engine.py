"""SHACL validation: pyshacl (the reference) and ``shacl`` (fast, for the publishing gate).

:func:`validate` returns a :class:`ValidationReport` with the standard ``sh:ValidationReport``
graph and the results unpacked for people (messages in Russian and English).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyshacl
import shacl
from pyshacl.entrypoints import meta_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, SKOS
from rdflib.term import Node

from clusterld.namespaces import STANDARD_PREFIXES

SEVERITY_ORDER = (SH.Violation, SH.Warning, SH.Info)


@dataclass(frozen=True)
class ValidationResult:
    """One ``sh:ValidationResult``, with its messages keyed by language ('' for untagged)."""

    focus_node: Node
    path: str | None
    value: Node | None
    severity: URIRef
    messages: dict[str, str] = field(hash=False)
    source_shape: Node | None = None

    def message(self, lang: str) -> str:
        """The message in ``lang``, else in English, else any message."""
        for key in (lang, "en", ""):
            if key in self.messages:
                return self.messages[key]
        return next(iter(self.messages.values()), "constraint not met")


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    results_graph: Graph
    text: str
    results: tuple[ValidationResult, ...]

    def count(self, severity: URIRef) -> int:
        return sum(1 for result in self.results if result.severity == severity)


def validate(data: Graph, shapes: Graph, *, inference: str = "none") -> ValidationReport:
    """Validate ``data`` against ``shapes`` (SHACL Core and SPARQL-based constraints)."""
    conforms, results_graph, text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference=inference,
        abort_on_first=False,
        allow_warnings=True,
        advanced=False,
    )
    assert isinstance(results_graph, Graph)
    for prefix, namespace in STANDARD_PREFIXES.items():
        results_graph.bind(prefix, namespace, replace=True)
    return ValidationReport(
        conforms=bool(conforms),
        results_graph=results_graph,
        text=str(text),
        results=tuple(_results(results_graph)),
    )


def validate_shapes(shapes: Graph) -> ValidationReport:
    """Check a shapes graph against the W3C SHACL-SHACL meta-shapes (shipped with pyshacl)."""
    conforms, results_graph, text = meta_validate(shapes, inference="none")
    assert isinstance(results_graph, Graph)
    return ValidationReport(
        bool(conforms), results_graph, str(text), tuple(_results(results_graph))
    )


def label_of(graph: Graph, node: Node, lang: str) -> str | None:
    """The best human label of ``node`` in ``graph`` for ``lang``."""
    fallback = None
    for predicate in (SKOS.prefLabel, RDFS.label):
        for value in graph.objects(node, predicate):
            if isinstance(value, Literal):
                if value.language == lang:
                    return str(value)
                fallback = fallback or str(value)
    return fallback


def render_path(graph: Graph, path: Node) -> str:
    """A SHACL property path in SPARQL-like notation, e.g. ``^org:organization``."""
    if isinstance(path, URIRef):
        return graph.namespace_manager.normalizeUri(path)
    if isinstance(path, BNode):
        inverse = graph.value(path, SH.inversePath)
        if inverse is not None:
            return "^" + render_path(graph, inverse)
        if graph.value(path, RDF.first) is not None:
            return "/".join(render_path(graph, step) for step in Collection(graph, path))
        for operator, sign in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+")):
            inner = graph.value(path, operator)
            if inner is not None:
                return f"({render_path(graph, inner)}){sign}"
        alternatives = graph.value(path, SH.alternativePath)
        if alternatives is not None:
            return "|".join(render_path(graph, step) for step in Collection(graph, alternatives))
    return str(path)


def _results(report: Graph) -> list[ValidationResult]:
    results = []
    # Only the report's own results: a sh:node violation nests its details as further
    # sh:ValidationResult nodes (sh:detail), which are not results of their own.
    for node in report.objects(None, SH.result):
        path = report.value(node, SH.resultPath)
        messages = {
            (message.language or ""): str(message)
            for message in report.objects(node, SH.resultMessage)
            if isinstance(message, Literal)
        }
        severity = report.value(node, SH.resultSeverity)
        results.append(
            ValidationResult(
                focus_node=report.value(node, SH.focusNode) or node,
                path=render_path(report, path) if path is not None else None,
                value=report.value(node, SH.value),
                severity=severity if isinstance(severity, URIRef) else SH.Violation,
                messages=messages,
                source_shape=report.value(node, SH.sourceShape),
            )
        )
    return sorted(results, key=_sort_key)


def _sort_key(result: ValidationResult) -> tuple[int, str, str]:
    rank = SEVERITY_ORDER.index(result.severity) if result.severity in SEVERITY_ORDER else 9
    return (rank, str(result.focus_node), result.path or "")


def report_from_graph(results_graph: Graph, *, conforms: bool | None = None) -> ValidationReport:
    """A report read back from its ``sh:ValidationReport`` graph (a publish writes one per
    version; the fast engine returns one)."""
    for prefix, namespace in STANDARD_PREFIXES.items():
        results_graph.bind(prefix, namespace, replace=True)
    results = tuple(_results(results_graph))
    if conforms is None:
        stated = results_graph.value(None, SH.conforms)
        conforms = bool(stated.toPython()) if isinstance(stated, Literal) else not results
    return ValidationReport(conforms, results_graph, summary_text(conforms, results), results)


def validate_ntriples_file(path: Path, shapes: Graph) -> ValidationReport:
    """Validate an N-Triples file with the fast engine (``shacl``, Rust, on Oxigraph).

    Used by the publishing gate, where pyshacl would take minutes at a million triples; a
    test runs both engines on every fixture and fails on any difference in the verdict.
    """
    compiled = shacl.Shapes.from_text(shapes.serialize(format="nt"), format="ntriples")
    # As pyshacl is called (allow_warnings): a warning or an info does not fail the gate.
    outcome = compiled.validate_file(str(path), allow_warnings=True)
    graph = Graph().parse(data=outcome.turtle, format="turtle")
    return report_from_graph(graph, conforms=bool(outcome.conforms))


def summary_text(conforms: bool, results: tuple[ValidationResult, ...]) -> str:
    """A plain-text summary of a report, in English, like pyshacl's."""
    lines = ["Validation Report", f"Conforms: {conforms}"]
    if results:
        lines.append(f"Results ({len(results)}):")
    for result in results:
        lines.append(
            f"{result.severity.split('#')[-1]}: {result.focus_node}"
            + (f" {result.path}" if result.path else "")
            + f": {result.message('en')}"
        )
    return "\n".join(lines) + "\n"
