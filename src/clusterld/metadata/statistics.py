"""VoID statistics of a graph: what harvesters read to size a dataset before downloading it.

Counted in one pass over the graph, in Python, so that the tests can check every number
against an independent SPARQL ``COUNT`` over the same graph.  No Flask here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node


@dataclass(frozen=True)
class PropertyStatistics:
    """The size of one property partition."""

    triples: int
    distinct_subjects: int
    distinct_objects: int


@dataclass(frozen=True)
class Statistics:
    """The VoID statistics (VoID §4.5, §4.6) of one graph.

    ``entities`` counts the distinct IRIs under the dataset's ``void:uriSpace`` that are
    the subject of a triple: VoID's entities are resources with such an IRI that the
    dataset describes.  ``classes`` maps every class (object of ``rdf:type``) to its number
    of distinct instances, ``properties`` every predicate to the size of its partition.
    """

    triples: int
    entities: int
    distinct_subjects: int
    distinct_objects: int
    classes: dict[URIRef, int]
    properties: dict[URIRef, PropertyStatistics]


def statistics(graph: Graph, uri_space: str) -> Statistics:
    """Count ``graph``'s triples, entities, subjects, objects, classes and properties."""
    subjects: set[Node] = set()
    objects: set[Node] = set()
    instances: dict[URIRef, set[Node]] = defaultdict(set)
    by_property: dict[URIRef, list[tuple[Node, Node]]] = defaultdict(list)
    triples = 0
    for s, p, o in graph:
        triples += 1
        subjects.add(s)
        objects.add(o)
        by_property[p].append((s, o))  # type: ignore[index]
        if p == RDF.type and isinstance(o, URIRef):
            instances[o].add(s)
    entities = sum(1 for s in subjects if isinstance(s, URIRef) and s.startswith(uri_space))
    properties = {
        p: PropertyStatistics(
            triples=len(pairs),
            distinct_subjects=len({s for s, _ in pairs}),
            distinct_objects=len({o for _, o in pairs}),
        )
        for p, pairs in by_property.items()
    }
    return Statistics(
        triples=triples,
        entities=entities,
        distinct_subjects=len(subjects),
        distinct_objects=len(objects),
        classes={cls: len(members) for cls, members in instances.items()},
        properties=properties,
    )


def namespace_of(iri: str) -> str:
    """The namespace of a term: its IRI up to and including the last '#' or '/'."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def vocabularies(graph: Graph) -> set[URIRef]:
    """The namespaces of every predicate and every class used in ``graph`` (``void:vocabulary``)."""
    terms: set[str] = {str(p) for p in graph.predicates(unique=True)}
    terms |= {str(o) for o in graph.objects(None, RDF.type) if isinstance(o, URIRef)}
    return {URIRef(namespace_of(term)) for term in terms}
