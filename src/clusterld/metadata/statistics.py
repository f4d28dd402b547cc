"""VoID statistics of a graph: what harvesters read to size a dataset before downloading it.

Counted once, when a version is published, in one pass over the graph in Python, so that
the tests can check every number against an independent SPARQL ``COUNT`` over the same
graph.  No Flask here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pyoxigraph import NamedNode
from rdflib import URIRef
from rdflib.namespace import RDF

RDF_TYPE = str(RDF.type)


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


def statistics(triples: Iterable[tuple[Any, Any, Any]], uri_space: str) -> Statistics:
    """Count the triples, entities, subjects, objects, classes and properties of a graph.

    ``triples`` is an rdflib graph or any iterable of triples of rdflib or pyoxigraph terms
    (publishing counts straight from the store, in one pass).
    """
    subjects: set[Any] = set()
    objects: set[Any] = set()
    instances: dict[str, set[Any]] = defaultdict(set)
    by_property: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    count = 0
    for s, p, o in triples:
        count += 1
        subjects.add(s)
        objects.add(o)
        predicate = iri_of(p) or ""
        by_property[predicate].append((s, o))
        if predicate == RDF_TYPE:
            cls = iri_of(o)
            if cls is not None:
                instances[cls].add(s)
    entities = sum(1 for s in subjects if (iri_of(s) or "").startswith(uri_space))
    properties = {
        URIRef(p): PropertyStatistics(
            triples=len(pairs),
            distinct_subjects=len({s for s, _ in pairs}),
            distinct_objects=len({o for _, o in pairs}),
        )
        for p, pairs in by_property.items()
    }
    return Statistics(
        triples=count,
        entities=entities,
        distinct_subjects=len(subjects),
        distinct_objects=len(objects),
        classes={URIRef(cls): len(members) for cls, members in instances.items()},
        properties=properties,
    )


def iri_of(term: Any) -> str | None:
    """The IRI of an rdflib or pyoxigraph IRI term; None for any other term."""
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, NamedNode):
        return term.value
    return None


def to_json(found: Statistics, vocabularies: set[URIRef]) -> dict[str, Any]:
    """Statistics as JSON, for a version's manifest."""
    return {
        "triples": found.triples,
        "entities": found.entities,
        "distinct_subjects": found.distinct_subjects,
        "distinct_objects": found.distinct_objects,
        "classes": {str(cls): n for cls, n in sorted(found.classes.items())},
        "properties": {
            str(p): [s.triples, s.distinct_subjects, s.distinct_objects]
            for p, s in sorted(found.properties.items())
        },
        "vocabularies": sorted(str(v) for v in vocabularies),
    }


def from_json(values: dict[str, Any]) -> tuple[Statistics, set[URIRef]]:
    """Statistics and vocabularies read back from a manifest."""
    found = Statistics(
        triples=values["triples"],
        entities=values["entities"],
        distinct_subjects=values["distinct_subjects"],
        distinct_objects=values["distinct_objects"],
        classes={URIRef(cls): n for cls, n in values["classes"].items()},
        properties={
            URIRef(p): PropertyStatistics(*counts) for p, counts in values["properties"].items()
        },
    )
    return found, {URIRef(v) for v in values["vocabularies"]}


def namespace_of(iri: str) -> str:
    """The namespace of a term: its IRI up to and including the last '#' or '/'."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    if cut < 0:  # a URN, say: its namespace ends at its last colon
        cut = iri.rfind(":")
    return iri[: cut + 1]


def vocabularies(found: Statistics) -> set[URIRef]:
    """The namespaces of every predicate and every class counted (``void:vocabulary``)."""
    terms = {str(p) for p in found.properties} | {str(c) for c in found.classes}
    return {URIRef(namespace_of(term)) for term in terms}
