"""The shapes as a page for people: every shape, its targets, its constraints and messages.

:func:`document` builds the context of ``templates/shapes.html`` from the published shapes
graph, so the page always says exactly what the server enforces; it works without Flask.
:func:`page` renders it inside the site's page frame for ``/shapes``.
"""

from __future__ import annotations

from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH
from rdflib.term import Node

from clusterld.dataset.store import Store
from clusterld.shacl.engine import label_of, render_path
from clusterld.validation.words import translator
from clusterld.web.addresses import Address

TARGETS = (
    (SH.targetClass, "target_class"),
    (SH.targetNode, "target_node"),
    (SH.targetSubjectsOf, "target_subjects"),
    (SH.targetObjectsOf, "target_objects"),
)
DESCRIPTIVE = {
    RDF.type,
    RDFS.label,
    RDFS.comment,
    SH.name,
    SH.description,
    SH.message,
    SH.path,
    SH.property,
    SH.severity,
    *(predicate for predicate, _ in TARGETS),
}
"""Predicates a page shows in their own place, not in the list of constraints."""


def document(store: Store, lang: str) -> dict[str, Any]:
    """The template context of the shapes page in ``lang`` (messages always in ru and en)."""
    shapes, iri = store.shapes, store.iris.shapes
    writer = _Writer(shapes, f"{iri}#")
    named = sorted(
        (s for s in set(shapes.subjects(RDF.type, SH.NodeShape)) if isinstance(s, URIRef)),
        key=writer.anchor,
    )
    return {
        "iri": str(iri),
        "title": label_of(shapes, iri, lang) or str(iri),
        "comment": _text(shapes, iri, RDFS.comment, lang),
        "version": str(shapes.value(iri, OWL.versionInfo) or ""),
        "license": str(shapes.value(iri, DCTERMS.license) or ""),
        "shapes": _unique_ids([writer.node_shape(shape, lang) for shape in named]),
    }


def _unique_ids(shapes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A property shape shared by several node shapes keeps its page id only the first time."""
    seen = {shape["id"] for shape in shapes}
    for shape in shapes:
        for prop in shape["properties"]:
            prop["ref"] = prop["id"]
            if prop["id"] in seen:
                prop["id"] = None
            elif prop["id"]:
                seen.add(prop["id"])
    return shapes


class _Writer:
    """Writes shapes as plain dicts: terms in prefixed form, our own shapes as anchors."""

    def __init__(self, shapes: Graph, namespace: str) -> None:
        self.shapes = shapes
        self.namespace = namespace

    def anchor(self, node: Node) -> str:
        """The fragment of one of our shapes (its id on the page), else ''."""
        text = str(node)
        return text[len(self.namespace) :] if text.startswith(self.namespace) else ""

    def node_shape(self, shape: URIRef, lang: str) -> dict[str, Any]:
        properties = sorted(
            self.shapes.objects(shape, SH.property),
            key=lambda p: (self._path(p) or "", self.anchor(p)),
        )
        return {
            "id": self.anchor(shape),
            "iri": str(shape),
            "label": label_of(self.shapes, shape, lang) or self.anchor(shape),
            "targets": self.targets(shape),
            "constraints": self.constraints(shape),
            "properties": [self.property_shape(p, lang) for p in properties],
            "used_by": sorted(
                self.anchor(s) for s in self.shapes.subjects(SH.node, shape) if self.anchor(s)
            ),
        }

    def targets(self, shape: Node) -> list[dict[str, Any]]:
        found = [
            {"kind": kind, **self.term(value)}
            for predicate, kind in TARGETS
            for value in sorted(self.shapes.objects(shape, predicate), key=str)
        ]
        if any((shape, RDF.type, cls) in self.shapes for cls in (RDFS.Class, OWL.Class)):
            found.append({"kind": "target_implicit", **self.term(shape)})
        return found

    def property_shape(self, shape: Node, lang: str) -> dict[str, Any]:
        severity = self.shapes.value(shape, SH.severity) or SH.Violation
        return {
            "id": self.anchor(shape) or None,
            "path": self._path(shape),
            "name": _text(self.shapes, shape, SH.name, lang),
            "severity": self.term(severity)["text"],
            "constraints": self.constraints(shape),
            "messages": {
                code: _text(self.shapes, shape, SH.message, code, exact=True)
                for code in ("ru", "en")
            },
        }

    def constraints(self, shape: Node) -> list[dict[str, Any]]:
        """Each constraint parameter as ``{"predicate", "text", "anchor"}``."""
        return [
            {"predicate": self.term(predicate)["text"], **self.term(value)}
            for predicate, value in sorted(self.shapes.predicate_objects(shape))
            if predicate not in DESCRIPTIVE
        ]

    def term(self, node: Node) -> dict[str, Any]:
        """A term as text, with the anchor of our own shape when it is one."""
        return {"text": self.text(node), "anchor": self.anchor(node) or None}

    def text(self, node: Node) -> str:
        if isinstance(node, Literal):
            if node.datatype in (None, RDF.langString) or node.language:
                return node.n3()
            return str(node) if node.datatype.endswith(("#integer", "#boolean")) else node.n3()
        if isinstance(node, BNode):
            if self.shapes.value(node, RDF.first) is not None or node == RDF.nil:
                return "( " + " ".join(self.text(i) for i in Collection(self.shapes, node)) + " )"
            parts = [f"sh:path {self._path(node)}"] if self._path(node) else []
            parts += [
                f"{self.text(p)} {self.text(o)}"
                for p, o in sorted(self.shapes.predicate_objects(node))
                if p not in DESCRIPTIVE
            ]
            return "[ " + " ; ".join(parts) + " ]"
        if self.anchor(node):
            return f"shapes:{self.anchor(node)}"
        return self.shapes.namespace_manager.normalizeUri(str(node))

    def _path(self, shape: Node) -> str | None:
        path = self.shapes.value(shape, SH.path)
        return render_path(self.shapes, path) if path is not None else None


def _text(graph: Graph, node: Node, predicate: URIRef, lang: str, *, exact: bool = False) -> str:
    """The ``lang`` value of a text property, else (unless ``exact``) any value."""
    values = [v for v in graph.objects(node, predicate) if isinstance(v, Literal)]
    for value in values:
        if value.language == lang:
            return str(value)
    if exact or not values:
        return ""
    return str(sorted(values, key=lambda v: (v.language != "en", str(v)))[0])


def page(store: Store, graph: Graph, topic: URIRef, lang: str, address: Address) -> str:
    """The HTML of ``/shapes``: the site's page frame around :func:`document`."""
    from clusterld.web.pages.resources import (
        Page,  # the site's page frame (language links, formats)
    )

    frame = Page(store, graph, lang, address)
    context = document(store, lang)
    words = translator(lang)  # the site's words and this page's (the frame passes ``t``)
    return frame.render(
        "shapes.html", title=context["title"], topic=topic, doc=context, words=words
    )
