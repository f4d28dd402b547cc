"""The VoID description (W3C Note 2011) served at ``/.well-known/void``.

It describes the dataset ``{base}id/dataset`` with what the data says about it, plus where
to get it (SPARQL endpoint, one ``void:dataDump`` per dump file), its URI space, example
resources, vocabularies and statistics counted from the data graph, which is exactly what
the dumps contain.  The ontology and the shapes are described as datasets of their own.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, VOID, XSD

from clusterld.dataset.store import Store
from clusterld.formats import RDF_FORMATS
from clusterld.metadata.common import (
    W3C_FORMAT_IRIS,
    Profile,
    SiteURLs,
    add_texts,
    copy_dataset_description,
    date_literal,
    modified_literal,
    new_graph,
    texts,
)
from clusterld.metadata.dumps import DUMPS, part_graph
from clusterld.metadata.statistics import Statistics, from_json

DESCRIPTION_TITLE = {
    "ru": "Описание VoID набора данных ClusterLD",
    "en": "VoID description of the ClusterLD dataset",
}


def build_void(store: Store, profile: Profile) -> Graph:
    """The VoID graph of this store version."""
    urls = SiteURLs(store.base)
    dataset = store.iris.dataset
    graph = new_graph()
    describe_document(graph, urls, dataset)
    copy_dataset_description(store, graph)
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, VOID.sparqlEndpoint, urls.sparql))
    graph.add((dataset, FOAF.homepage, urls.home))
    graph.add((dataset, RDFS.seeAlso, urls.catalog))
    graph.add((dataset, DCTERMS.issued, date_literal(profile.issued)))
    graph.add((dataset, DCTERMS.modified, modified_literal(store)))
    graph.add((dataset, DCTERMS.publisher, urls.node("publisher")))
    graph.add((urls.node("publisher"), RDF.type, FOAF.Agent))
    graph.add((urls.node("publisher"), FOAF.name, Literal(profile.publisher_name)))
    uri_space = f"{store.base}id/"
    graph.set((dataset, VOID.uriSpace, Literal(uri_space)))
    for fmt in RDF_FORMATS:
        graph.add((dataset, VOID.feature, W3C_FORMAT_IRIS[fmt.name]))
    for example in example_resources(store):
        graph.add((dataset, VOID.exampleResource, example))
    counted, used = from_json(store.manifest.statistics)  # counted when it was published
    for vocabulary in sorted(used):
        graph.add((dataset, VOID.vocabulary, vocabulary))
    add_dumps(graph, urls, dataset, "data")
    add_statistics(graph, dataset, counted)
    for part, subject in (("ontology", store.iris.ontology), ("shapes", store.iris.shapes)):
        describe_part(graph, store, urls, part, subject)
    return graph


def describe_document(graph: Graph, urls: SiteURLs, dataset: URIRef) -> None:
    """The VoID file describes itself (VoID §6.2) and points to the catalog."""
    graph.add((urls.void, RDF.type, VOID.DatasetDescription))
    add_texts(graph, urls.void, DCTERMS.title, DESCRIPTION_TITLE)
    graph.add((urls.void, FOAF.primaryTopic, dataset))
    graph.add((urls.void, RDFS.seeAlso, urls.catalog))


def describe_part(graph: Graph, store: Store, urls: SiteURLs, part: str, subject: URIRef) -> None:
    """The ontology or the shapes as a dataset of its own, with its dumps and size."""
    source = part_graph(store, part)
    graph.add((subject, RDF.type, VOID.Dataset))
    add_texts(graph, subject, DCTERMS.title, texts(source, subject, DCTERMS.title, RDFS.label))
    add_texts(graph, subject, DCTERMS.description, texts(source, subject, RDFS.comment))
    for licence in source.objects(subject, DCTERMS.license):
        graph.add((subject, DCTERMS.license, licence))
    graph.add((subject, VOID.triples, _count(len(source))))
    graph.add((subject, VOID.sparqlEndpoint, urls.sparql))
    add_dumps(graph, urls, subject, part)
    if part == "ontology":
        graph.add((store.iris.dataset, VOID.vocabulary, URIRef(str(store.iris.term))))


def add_dumps(graph: Graph, urls: SiteURLs, subject: URIRef, part: str) -> None:
    for dump in DUMPS:
        if dump.part == part:
            graph.add((subject, VOID.dataDump, urls.dump(dump.name)))


def example_resources(store: Store) -> list[URIRef]:
    """One instance of each class the ontology defines (the first by IRI): typical entry points."""
    examples: list[URIRef] = []
    for cls in sorted(store.ontology.subjects(RDF.type, OWL.Class), key=str):
        first = store.data.query(
            f"SELECT ?s WHERE {{ ?s a <{cls}> FILTER isIRI(?s) }} ORDER BY ?s LIMIT 1"
        )
        examples.extend(row[0] for row in first)  # type: ignore[index, misc]
    return examples


def add_statistics(graph: Graph, dataset: URIRef, stats: Statistics) -> None:
    """VoID §4.5 statistics and §4.6 class and property partitions."""
    for predicate, value in (
        (VOID.triples, stats.triples),
        (VOID.entities, stats.entities),
        (VOID.distinctSubjects, stats.distinct_subjects),
        (VOID.distinctObjects, stats.distinct_objects),
        (VOID.classes, len(stats.classes)),
        (VOID.properties, len(stats.properties)),
    ):
        graph.add((dataset, predicate, _count(value)))
    for cls, entities in sorted(stats.classes.items()):
        partition = BNode()
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], cls))
        graph.add((partition, VOID.entities, _count(entities)))
    for prop, sizes in sorted(stats.properties.items()):
        partition = BNode()
        graph.add((dataset, VOID.propertyPartition, partition))
        graph.add((partition, VOID.property, prop))
        graph.add((partition, VOID.triples, _count(sizes.triples)))
        graph.add((partition, VOID.distinctSubjects, _count(sizes.distinct_subjects)))
        graph.add((partition, VOID.distinctObjects, _count(sizes.distinct_objects)))


def _count(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)
