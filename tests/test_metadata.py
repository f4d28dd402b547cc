"""VoID, DCAT-AP and schema.org descriptions, as pure functions of a store version."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, SH, VOID, XSD

from clusterld import metadata
from clusterld.dataset.store import Store, get_holder
from clusterld.metadata.common import DCAT, SPDX, media_type_iri
from clusterld.metadata.dumps import DUMPS, dump_files
from clusterld.metadata.statistics import namespace_of
from clusterld.shacl.engine import validate
from clusterld.sparql.examples import examples_graph

# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

DCAT_AP_SHAPES = Path(__file__).parent / "data" / "dcat-ap-shapes.ttl"


@pytest.fixture(scope="module")
def store(app: Flask) -> Store:
    return get_holder(app).store


@pytest.fixture(scope="module")
def settings(app: Flask) -> dict[str, Any]:
    return dict(app.config)


@pytest.fixture(scope="module")
def void(store: Store, settings: dict[str, Any]) -> Graph:
    return metadata.void_graph(store, settings)


@pytest.fixture(scope="module")
def catalog(store: Store, settings: dict[str, Any]) -> Graph:
    return metadata.catalog_graph(store, settings)


def count(graph: Graph, query: str) -> int:
    """The single number a ``SELECT (COUNT(...) AS ?n)`` query answers."""
    (row,) = graph.query(query)
    return int(row[0])  # type: ignore[index]


def void_int(void: Graph, subject: URIRef, predicate: URIRef) -> int:
    value = void.value(subject, predicate)
    assert isinstance(value, Literal), f"no {predicate} on {subject}"
    return int(value)


# --- VoID ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("predicate", "query"),
    [
        (VOID.triples, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
        (VOID.distinctSubjects, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        (VOID.distinctObjects, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
        (VOID.properties, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"),
        (VOID.classes, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }"),
        # entities: described IRIs under the dataset's void:uriSpace
        (
            VOID.entities,
            "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
            'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}id/")) }',
        ),
    ],
)
def test_void_statistics_equal_sparql_counts(
    store: Store, void: Graph, predicate: URIRef, query: str
) -> None:
    expected = count(store.data, query.replace("{base}", store.base))
    assert void_int(void, store.iris.dataset, predicate) == expected


def test_class_partitions_equal_sparql_counts(store: Store, void: Graph) -> None:
    expected = {
        row[0]: int(row[1])  # type: ignore[index]
        for row in store.data.query(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"
        )
    }
    partitions = {
        void.value(part, VOID["class"]): void_int(void, part, VOID.entities)  # type: ignore[arg-type]
        for part in void.objects(store.iris.dataset, VOID.classPartition)
    }
    assert partitions == expected


def test_property_partitions_equal_sparql_counts(store: Store, void: Graph) -> None:
    query = (
        "SELECT ?p (COUNT(*) AS ?t) (COUNT(DISTINCT ?s) AS ?ds) (COUNT(DISTINCT ?o) AS ?do) "
        "WHERE { ?s ?p ?o } GROUP BY ?p"
    )
    expected = {row[0]: tuple(int(x) for x in row[1:]) for row in store.data.query(query)}  # type: ignore[index]
    partitions = {
        void.value(part, VOID.property): tuple(
            void_int(void, part, p)  # type: ignore[arg-type]
            for p in (VOID.triples, VOID.distinctSubjects, VOID.distinctObjects)
        )
        for part in void.objects(store.iris.dataset, VOID.propertyPartition)
    }
    assert partitions == expected


def test_void_describes_the_dataset_iri_of_the_data(store: Store, void: Graph) -> None:
    dataset = store.iris.dataset
    assert (dataset, RDF.type, VOID.Dataset) in void
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef(f"{store.base}sparql")
    assert void.value(dataset, VOID.uriSpace) == Literal(f"{store.base}id/")
    assert {lit.language for lit in void.objects(dataset, DCTERMS.title)} == {"ru", "en"}
    assert {lit.language for lit in void.objects(dataset, DCTERMS.description)} == {"ru", "en"}
    for predicate in (
        DCTERMS.license, DCTERMS.publisher, PROV.wasDerivedFrom, DCTERMS.modified,
    ):  # fmt: skip
        assert void.value(dataset, predicate) is not None, predicate
    # the data's dct:source (a web page) is not copied: in DCAT-AP, which the SPARQL metadata
    # graph merges with VoID, dct:source must be a dcat:Dataset
    assert store.data.value(dataset, DCTERMS.source) is not None
    assert void.value(dataset, DCTERMS.source) is None
    # the VoID file describes itself (VoID §6.2)
    description = URIRef(f"{store.base}.well-known/void")
    assert void.value(description, FOAF.primaryTopic) == dataset


def test_void_has_one_data_dump_per_dump_file(store: Store, void: Graph) -> None:
    announced = {
        str(url)
        for s in void.subjects(RDF.type, VOID.Dataset)
        for url in void.objects(s, VOID.dataDump)
    }
    assert announced == {f"{store.base}dumps/{dump.name}" for dump in DUMPS}
    data_dumps = set(void.objects(store.iris.dataset, VOID.dataDump))
    assert len(data_dumps) == 5


def test_void_vocabularies_cover_every_predicate_and_class(store: Store, void: Graph) -> None:
    declared = {str(v) for v in void.objects(store.iris.dataset, VOID.vocabulary)}
    used = {namespace_of(str(p)) for p in store.data.predicates()}
    used |= {namespace_of(str(c)) for c in store.data.objects(None, RDF.type)}
    assert used <= declared


def test_example_resources_are_things_of_the_data(store: Store, void: Graph) -> None:
    examples = list(void.objects(store.iris.dataset, VOID.exampleResource))
    assert examples
    for example in examples:
        assert str(example).startswith(f"{store.base}id/")
        assert (example, RDF.type, None) in store.data


# --- DCAT-AP -------------------------------------------------------------------------------


def test_catalog_meets_dcat_ap_mandatory_and_recommended_properties(
    store: Store, catalog: Graph
) -> None:
    report = validate(catalog, Graph().parse(DCAT_AP_SHAPES))
    violations = [r for r in report.results if r.severity == SH.Violation]
    assert not violations, report.text
    # The ontology and the shapes are about no place and no period: the only warnings left.
    warnings = {(r.focus_node, r.path) for r in report.results if r.severity == SH.Warning}
    assert warnings <= {
        (node, path)
        for node in (store.iris.ontology, store.iris.shapes)
        for path in ("dct:spatial", "dct:temporal", "dcterms:spatial", "dcterms:temporal")
    }


@pytest.mark.parametrize(
    ("remove", "severity"),
    [
        (DCTERMS.title, SH.Violation),  # mandatory on catalog, datasets and service
        (DCAT.accessURL, SH.Violation),  # mandatory on distributions
        (DCAT.keyword, SH.Warning),  # recommended on datasets
    ],
)
def test_the_shapes_catch_a_missing_property(
    catalog: Graph, remove: URIRef, severity: URIRef
) -> None:
    broken = Graph()
    broken += catalog
    broken.remove((None, remove, None))
    report = validate(broken, Graph().parse(DCAT_AP_SHAPES))
    assert any(r.severity == severity for r in report.results)


def test_every_dump_is_a_distribution_with_size_checksum_and_media_type(
    store: Store, catalog: Graph
) -> None:
    files = dump_files(store)
    by_url = {
        str(catalog.value(d, DCAT.downloadURL)): d
        for d in catalog.subjects(RDF.type, DCAT.Distribution)
    }
    assert set(by_url) == {f"{store.base}dumps/{name}" for name in files}
    for name, file in files.items():
        distribution = by_url[f"{store.base}dumps/{name}"]
        assert catalog.value(distribution, DCAT.byteSize) == Literal(
            file.byte_size, datatype=XSD.nonNegativeInteger
        )
        checksum = catalog.value(distribution, SPDX.checksum)
        assert str(catalog.value(checksum, SPDX.checksumValue)) == file.sha256
        assert catalog.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert catalog.value(distribution, DCAT.mediaType) == media_type_iri(
            file.dump.format.media_type
        )
        compressed = catalog.value(distribution, DCAT.compressFormat)
        assert compressed == (media_type_iri("application/gzip") if file.dump.gzipped else None)


def test_catalog_and_void_agree_on_the_dataset(store: Store, catalog: Graph, void: Graph) -> None:
    dataset = store.iris.dataset
    for predicate in (DCTERMS.title, DCTERMS.description, DCTERMS.license):
        assert set(catalog.objects(dataset, predicate)) == set(void.objects(dataset, predicate))
        assert set(store.data.objects(dataset, predicate)) <= set(
            catalog.objects(dataset, predicate)
        )
    downloads = {
        catalog.value(d, DCAT.downloadURL) for d in catalog.objects(dataset, DCAT.distribution)
    }
    assert downloads == set(void.objects(dataset, VOID.dataDump))


def test_catalog_names_themes_languages_and_place(store: Store, catalog: Graph) -> None:
    eu = "http://publications.europa.eu/resource/authority/"
    dataset = store.iris.dataset
    assert {URIRef(f"{eu}data-theme/EDUC"), URIRef(f"{eu}data-theme/ECON")} <= set(
        catalog.objects(dataset, DCAT.theme)
    )
    assert {URIRef(f"{eu}language/RUS"), URIRef(f"{eu}language/ENG")} <= set(
        catalog.objects(dataset, DCTERMS.language)
    )
    spatial = set(catalog.objects(dataset, DCTERMS.spatial))
    assert {
        URIRef(f"{store.base}id/place/tomsk-oblast"),
        URIRef("https://sws.geonames.org/1489421/"),
    } <= spatial


def test_metadata_changes_with_the_version(store: Store, settings: dict[str, Any]) -> None:
    published = (store.loaded_at + timedelta(days=1)).isoformat()
    manifest = dataclasses.replace(store.manifest, published_at=published)
    later = dataclasses.replace(store, manifest=manifest)  # a new, empty cache
    before = metadata.catalog_graph(store, settings).value(
        URIRef(f"{store.base}catalog"), DCTERMS.modified
    )
    after = metadata.catalog_graph(later, settings).value(
        URIRef(f"{later.base}catalog"), DCTERMS.modified
    )
    assert before is not None and after is not None and before != after


def test_metadata_graph_is_void_and_catalog_for_the_sparql_endpoint(
    store: Store, settings: dict[str, Any], void: Graph, catalog: Graph
) -> None:
    graph = metadata.metadata_graph(store, settings)
    examples = examples_graph(store.base, f"{store.base}sparql")
    assert len(examples) > 0
    assert set(graph) == set(void + catalog + examples)  # no blank nodes are shared
    assert metadata.metadata_graph(store, settings) is graph  # once per version
    assert metadata.metadata_graph_name(store) == URIRef(f"{store.base}graph/metadata")


@pytest.mark.parametrize("rdf_format", ["turtle", "json-ld", "nt", "xml"])
def test_descriptions_round_trip_through_every_format(
    void: Graph, catalog: Graph, rdf_format: str
) -> None:
    for graph in (void, catalog):
        again = Graph().parse(data=graph.serialize(format=rdf_format), format=rdf_format)
        assert isomorphic(again, graph)


# --- schema.org ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_schema_org_dataset_has_what_google_requires_and_recommends(
    store: Store, settings: dict[str, Any], lang: str
) -> None:
    markup = metadata.schema_org_dataset(store, settings, lang=lang)
    assert markup["@type"] == "Dataset"
    assert 50 <= len(markup["description"]) <= 5000
    for key in (
        "name", "url", "license", "creator", "distribution", "spatialCoverage",
        "temporalCoverage", "inLanguage", "isAccessibleForFree", "keywords",
    ):  # fmt: skip
        assert markup.get(key), key
    assert markup["isAccessibleForFree"] is True
    assert markup["creator"]["name"]
    files = dump_files(store)
    for download in markup["distribution"]:
        name = download["contentUrl"].rsplit("/", 1)[1]
        assert download["encodingFormat"] == files[name].dump.media_type


def test_schema_org_dataset_is_the_same_as_the_dataset_iri(
    store: Store, settings: dict[str, Any], catalog: Graph, void: Graph
) -> None:
    """Search engines do not read ``@id``: ``sameAs`` names the IRI that VoID and DCAT describe."""
    markup = metadata.schema_org_dataset(store, settings, lang="en")
    assert markup["sameAs"] == str(store.iris.dataset)
    dataset = URIRef(markup["sameAs"])
    assert (dataset, RDF.type, DCAT.Dataset) in catalog
    assert (dataset, RDF.type, VOID.Dataset) in void


def test_schema_org_agrees_with_dcat(
    store: Store, settings: dict[str, Any], catalog: Graph
) -> None:
    markup = metadata.schema_org_dataset(store, settings, lang="en")
    dataset = store.iris.dataset
    assert markup["license"] == str(catalog.value(dataset, DCTERMS.license))
    assert markup["name"] == str(
        next(t for t in catalog.objects(dataset, DCTERMS.title) if t.language == "en")  # type: ignore[attr-defined]
    )
    downloads = {
        str(catalog.value(d, DCAT.downloadURL)) for d in catalog.objects(dataset, DCAT.distribution)
    }
    assert {d["contentUrl"] for d in markup["distribution"]} == downloads
    # it is JSON-LD too: with schema.org's vocabulary it is a schema:Dataset
    offline = {**markup, "@context": {"@vocab": "http://schema.org/"}}
    graph = Graph().parse(data=json.dumps(offline), format="json-ld")
    assert (dataset, RDF.type, URIRef("http://schema.org/Dataset")) in graph


def test_the_data_service_is_the_sparql_service_description_node(
    store: Store, catalog: Graph
) -> None:
    # the same IRI as the sd:Service of GET /sparql, so both descriptions merge in SPARQL
    service = URIRef(f"{store.base}sparql#service")
    assert (service, RDF.type, DCAT.DataService) in catalog
    assert catalog.value(service, DCAT.endpointURL) == URIRef(f"{store.base}sparql")
    assert set(catalog.objects(service, DCAT.servesDataset)) == {
        store.iris.dataset,
        store.iris.ontology,
        store.iris.shapes,
    }


@pytest.mark.parametrize(
    "settings",
    [
        {"DATASET_ISSUED": "26.11.2026"},  # not ISO 8601
        {"TEMPORAL_COVERAGE": "2021"},  # not an interval of dates
    ],
)
def test_malformed_metadata_settings_stop_the_app_early(
    make_app: Any, settings: dict[str, str]
) -> None:
    from clusterld.errors import ConfigError

    with pytest.raises(ConfigError, match="TEMPORAL_COVERAGE"):
        make_app(**settings)


def test_a_publisher_type_outside_adms_stops_the_app_early(make_app: Any) -> None:
    """DCAT-AP takes the publisher's type from ADMS; a typo would make the catalog invalid."""
    from clusterld.errors import ConfigError

    with pytest.raises(ConfigError, match="PUBLISHER_TYPE must be an ADMS publisher type"):
        make_app(PUBLISHER_TYPE="http://purl.org/adms/publishertype/Charity")
    app = make_app(PUBLISHER_TYPE="http://purl.org/adms/publishertype/LocalAuthority")
    catalog = metadata.catalog_graph(get_holder(app).store, app.config)
    label = catalog.value(
        URIRef("http://purl.org/adms/publishertype/LocalAuthority"),
        URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
    )
    assert label == Literal("Local Authority", lang="en")
