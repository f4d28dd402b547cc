"""Render a validation report for people, in Russian or English."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from clusterld.shacl.engine import ValidationReport, ValidationResult, label_of

WORDS = {
    "en": {
        "conforms": "Conforms: the data passes every shape.",
        "fails": "Does not conform: {violations} violation(s), {warnings} warning(s), "
        "{infos} info.",
        "checked": "Checked {triples} triples against {shapes} node shapes.",
        "path": "path",
        "value": "value",
        "shape": "shape",
        SH.Violation: "Violation",
        SH.Warning: "Warning",
        SH.Info: "Info",
    },
    "ru": {
        "conforms": "Соответствует: данные проходят все формы.",
        "fails": "Не соответствует: нарушений — {violations}, предупреждений — {warnings}, "
        "замечаний — {infos}.",
        "checked": "Проверено триплетов: {triples}; узловых форм: {shapes}.",
        "path": "путь",
        "value": "значение",
        "shape": "форма",
        SH.Violation: "Нарушение",
        SH.Warning: "Предупреждение",
        SH.Info: "Замечание",
    },
}
LANGUAGES = tuple(WORDS)


def describe_node(graph: Graph, node: Node | None, lang: str) -> str:
    """A node as a person reads it: its label (when it has one) and its IRI or value."""
    if node is None:
        return "—"
    if isinstance(node, Literal):
        suffix = f"@{node.language}" if node.language else ""
        if node.datatype is not None:
            suffix = f"^^{graph.namespace_manager.normalizeUri(node.datatype)}"
        return f'"{node}"{suffix}'
    label = label_of(graph, node, lang)
    shown = f"<{node}>" if isinstance(node, URIRef) else f"[blank node {node}]"
    return f"{label} {shown}" if label else shown


def format_text(report: ValidationReport, data: Graph, shapes: Graph, *, lang: str = "en") -> str:
    """The whole report as plain text: a verdict, then one numbered block per result."""
    words = WORDS[lang]
    counts = {
        "violations": report.count(SH.Violation),
        "warnings": report.count(SH.Warning),
        "infos": report.count(SH.Info),
    }
    lines = [words["conforms"] if report.conforms else words["fails"].format(**counts)]
    shape_count = len(set(shapes.subjects(RDF.type, SH.NodeShape)))
    lines.append(words["checked"].format(triples=len(data), shapes=shape_count))
    for number, result in enumerate(report.results, start=1):
        lines.append("")
        lines.extend(_format_result(number, result, data, shapes, lang))
    return "\n".join(lines) + "\n"


def _format_result(
    number: int, result: ValidationResult, data: Graph, shapes: Graph, lang: str
) -> list[str]:
    words = WORDS[lang]
    severity = words.get(result.severity, str(result.severity))
    lines = [f"{number}. {severity}: {describe_node(data, result.focus_node, lang)}"]
    if result.path:
        lines.append(f"   {words['path']}: {result.path}")
    if result.value is not None:
        lines.append(f"   {words['value']}: {describe_node(data, result.value, lang)}")
    lines.append(f"   {result.message(lang)}")
    return lines
