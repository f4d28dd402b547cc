"""The description of a resource: what its document says, so that one request is enough.

A description holds every triple with the resource as subject (blank nodes closed), the
links into it from other resources (bounded; the document then points to the full list)
and the labels of every resource it mentions.  It is built from ``store.union``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import FOAF, RDF, RDFS, VOID
from rdflib.term import Node

from clusterld.dataset.labels import LABEL_PREDICATES


@dataclass(frozen=True)
class Description:
    """A resource's description graph and how many incoming links it left out."""

    subject: URIRef
    graph: Graph
    incoming_total: int
    incoming_shown: int

    @property
    def truncated(self) -> bool:
        return self.incoming_shown < self.incoming_total


def new_graph(source: Graph) -> Graph:
    """An empty graph with the prefixes of ``source``, for readable Turtle.

    The prefixes are shared, not copied: binding forty prefixes cost more than building a
    whole document.
    """
    return Graph(bind_namespaces="none", namespace_manager=source.namespace_manager)


def mentions(source: Graph, iri: URIRef) -> bool:
    """Whether ``iri`` occurs in ``source`` as a subject or an object."""
    return (iri, None, None) in source or (None, None, iri) in source


def describe(source: Graph, subject: URIRef, *, max_incoming: int | None) -> Description:
    """Describe ``subject`` from ``source``; ``max_incoming=None`` keeps every incoming link."""
    graph = new_graph(source)
    add_closure(source, subject, graph)
    incoming = sorted(
        (p, s)
        for s, p in source.subject_predicates(subject)
        if isinstance(s, URIRef) and s != subject
    )
    shown = incoming if max_incoming is None else incoming[:max_incoming]
    for p, s in shown:
        graph.add((s, p, subject))
    add_labels(source, graph, exclude={subject})
    return Description(subject, graph, len(incoming), len(shown))


def add_closure(source: Graph, node: Node, graph: Graph) -> None:
    """Add every triple about ``node``, following blank-node objects (cycle-safe)."""
    pending, seen = [node], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for p, o in source.predicate_objects(current):
            graph.add((current, p, o))
            if isinstance(o, BNode):
                pending.append(o)


def add_labels(source: Graph, graph: Graph, *, exclude: set[Node] | None = None) -> None:
    """Add the labels of every IRI that ``graph`` mentions (subjects, predicates, objects)."""
    named = {term for triple in graph for term in triple if isinstance(term, URIRef)}
    for node in named - (exclude or set()):
        for predicate in LABEL_PREDICATES:
            for value in source.objects(node, predicate):
                graph.add((node, predicate, value))


def add_document_links(
    graph: Graph, document: URIRef, topic: URIRef, dataset: URIRef, *, more: URIRef | None
) -> None:
    """State what the document is about and where it belongs (Cool URIs §4.6, VoID §6.3)."""
    graph.add((document, RDF.type, FOAF.Document))
    graph.add((document, FOAF.primaryTopic, topic))
    graph.add((document, VOID.inDataset, dataset))
    if more is not None:
        graph.add((document, RDFS.seeAlso, more))


def describe_class(source: Graph, cls: URIRef, instances: Iterable[URIRef]) -> Graph:
    """A class and (some of) its instances, with their labels: the content of a class page."""
    graph = new_graph(source)
    for instance in instances:
        graph.add((instance, RDF.type, cls))
    add_labels(source, graph)
    return graph


def copy_graph(source: Graph) -> Graph:
    """A copy of a whole graph (the ontology, the shapes) with its prefixes."""
    graph = new_graph(source)
    graph += source
    return graph
