"""The SPARQL 1.1 Service Description of the endpoint, with VoID statistics and its limits.

``GET /sparql`` without a query answers with this graph (Service Description §2): the service,
its endpoint, language, result formats and features, the default dataset (one named graph per
part of the store, the default graph their union) with VoID statistics, and the limits a
query runs under.  No vocabulary has terms for such limits, so the description defines its
own under the endpoint's IRI (``<endpoint#queryTimeout>``...), which dereferences to itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, VOID, XSD

from clusterld.dataset.store import Store
from clusterld.errors import NotAcceptable
from clusterld.formats import (
    CSV,
    HTML,
    JSON_LD,
    N_TRIPLES,
    RDF_FORMATS,
    RDF_XML,
    SPARQL_JSON,
    SPARQL_XML,
    TSV,
    TURTLE,
    Format,
    negotiate,
)
from clusterld.sparql.protocol import GRAPH_ALIASES, format_by_parameter, not_acceptable_detail
from clusterld.sparql.service import SparqlService

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
SIMPLE_ENTAILMENT = URIRef("http://www.w3.org/ns/entailment/Simple")

FORMAT_IRIS: dict[Format, URIRef] = {
    SPARQL_JSON: FORMATS.SPARQL_Results_JSON,
    SPARQL_XML: FORMATS.SPARQL_Results_XML,
    CSV: FORMATS.SPARQL_Results_CSV,
    TSV: FORMATS.SPARQL_Results_TSV,
    TURTLE: FORMATS.Turtle,
    JSON_LD: FORMATS["JSON-LD"],
    N_TRIPLES: FORMATS["N-Triples"],
    RDF_XML: FORMATS.RDF_XML,
}
DESCRIPTION_FORMATS: tuple[Format, ...] = (*RDF_FORMATS, HTML)


@dataclass(frozen=True)
class Statistics:
    """VoID statistics of a graph (or of the union of several)."""

    triples: int
    entities: int
    """Distinct IRIs in subject position: the things the graph describes."""
    classes: int
    properties: int
    distinct_subjects: int
    distinct_objects: int


def statistics(graphs: Iterable[Graph]) -> Statistics:
    """Count triples, entities, classes and properties over the union of ``graphs``."""
    triples, subjects, objects, properties, classes = set(), set(), set(), set(), set()
    for graph in graphs:
        for triple in graph:
            subject, predicate, obj = triple
            triples.add(triple)
            subjects.add(subject)
            properties.add(predicate)
            objects.add(obj)
            if predicate == RDF.type:
                classes.add(obj)
    entities = sum(1 for subject in subjects if isinstance(subject, URIRef))
    return Statistics(
        len(triples), entities, len(classes), len(properties), len(subjects), len(objects)
    )


def choose_format(accept: str | None, parameters: Sequence[str] = ()) -> Format:
    """RDF (Turtle by default) for clients, HTML (the query UI) for browsers."""
    chosen = next(
        (f for f in (format_by_parameter(p, DESCRIPTION_FORMATS) for p in parameters) if f),
        None,
    )
    if chosen is None:
        chosen = negotiate(accept, DESCRIPTION_FORMATS, extra_aliases=GRAPH_ALIASES)
    if chosen is None:
        raise NotAcceptable(not_acceptable_detail(DESCRIPTION_FORMATS))
    return chosen


def service_description(
    service: SparqlService, store: Store, endpoint: str, see_also: Sequence[str] = ()
) -> Graph:
    """The description of ``service`` serving ``store`` at ``endpoint`` (built once a version).

    ``see_also``: documents that say more about the dataset (the DCAT catalog, the VoID
    description), each linked from the service with ``rdfs:seeAlso``.
    """

    def build() -> Graph:
        return describe_service(
            service.graphs(store), service, endpoint, store.iris.dataset, see_also
        )

    key = " ".join(("description", endpoint, *see_also))
    graph: Graph = service.cached(store, key, build)
    return graph


def describe_service(
    graphs: Mapping[str, Graph],
    service: SparqlService,
    endpoint: str,
    dataset_iri: URIRef,
    see_also: Sequence[str] = (),
) -> Graph:
    """Build the service description graph."""
    here = Namespace(f"{endpoint}#")
    node = here.service
    graph = Graph()
    for prefix, namespace in (("sd", SD), ("void", VOID), ("formats", FORMATS), ("", here)):
        graph.bind(prefix, namespace)
    graph.add((node, RDF.type, SD.Service))
    graph.add((node, SD.endpoint, URIRef(endpoint)))
    graph.add((node, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((node, SD.defaultEntailmentRegime, SIMPLE_ENTAILMENT))
    graph.add((node, SD.feature, SD.UnionDefaultGraph))
    if service.limits.allow_service:
        graph.add((node, SD.feature, SD.BasicFederatedQuery))
    for iri in FORMAT_IRIS.values():
        graph.add((node, SD.resultFormat, iri))
    graph.add((node, DCTERMS.title, Literal("ClusterLD SPARQL endpoint", lang="en")))
    graph.add((node, DCTERMS.title, Literal("SPARQL-точка доступа ClusterLD", lang="ru")))
    for document in see_also:
        graph.add((node, RDFS.seeAlso, URIRef(document)))
    _describe_limits(graph, node, here, service)
    _describe_dataset(graph, node, here, graphs, dataset_iri)
    return graph


def _describe_limits(graph: Graph, node: URIRef, here: Namespace, service: SparqlService) -> None:
    limits = service.limits
    values = (
        ("queryTimeout", Literal(limits.timeout, datatype=XSD.decimal)),
        ("maxResultRows", Literal(limits.max_rows)),
        ("maxQueryLength", Literal(limits.max_query_length)),
        ("workerMemory", Literal(limits.worker_memory)),
        ("resultCache", Literal(limits.cache_mb, datatype=XSD.decimal)),
    )
    for name, value in values:
        graph.add((node, here[name], value))
    for name, (range_, en, ru, comment_en, comment_ru) in LIMIT_TERMS.items():
        term = here[name]
        graph.add((term, RDF.type, OWL.DatatypeProperty))
        graph.add((term, RDFS.domain, SD.Service))
        graph.add((term, RDFS.range, range_))
        graph.add((term, RDFS.label, Literal(en, lang="en")))
        graph.add((term, RDFS.label, Literal(ru, lang="ru")))
        graph.add((term, RDFS.comment, Literal(comment_en, lang="en")))
        graph.add((term, RDFS.comment, Literal(comment_ru, lang="ru")))
    federated = "allowed" if limits.allow_service else "refused (403); no request leaves the server"
    federated_ru = "разрешены" if limits.allow_service else "отклоняются (403)"
    graph.add((node, RDFS.comment, Literal(
        f"Read-only: updates and LOAD are refused (403). A query may run {limits.timeout:g} s "
        f"(then 503); answers hold at most {limits.max_rows} rows or triples (a cut answer "
        f"carries X-SPARQL-MaxRows); queries are at most {limits.max_query_length} characters; "
        f"SERVICE is {federated}.", lang="en",
    )))  # fmt: skip
    graph.add((node, RDFS.comment, Literal(
        f"Только чтение: обновления и LOAD отклоняются (403). Запрос выполняется не дольше "
        f"{limits.timeout:g} с (затем 503); ответ содержит не более {limits.max_rows} строк или "
        f"триплетов (усечённый ответ несёт заголовок X-SPARQL-MaxRows); длина запроса — не более "
        f"{limits.max_query_length} символов; запросы SERVICE {federated_ru}.", lang="ru",
    )))  # fmt: skip
    graph.add((node, RDFS.comment, Literal(
        "Caching: a GET answer carries an ETag made from the data version, the normalised "
        "query, the result format, the dataset named and these limits, and Cache-Control: "
        "public, max-age=300, so shared caches may keep it and revalidate it; the ETag holds "
        "until a new version is published, and If-None-Match gets 304 without running the "
        "query. POST answers are Cache-Control: private. Repeated queries are answered from "
        f"a cache of {limits.cache_mb:g} MB per server process (0: none), emptied on each new "
        "version.", lang="en",
    )))  # fmt: skip
    graph.add((node, RDFS.comment, Literal(
        "Кэширование: ответ на GET несёт ETag, вычисленный по версии данных, нормализованному "
        "запросу, формату ответа, указанному набору данных и этим ограничениям, и "
        "Cache-Control: public, max-age=300 — общие кэши могут хранить его и перепроверять; "
        "ETag действителен до публикации новой версии, If-None-Match даёт 304 без выполнения "
        "запроса. Ответы на POST помечены Cache-Control: private. Повторные запросы "
        f"отвечаются из кэша в {limits.cache_mb:g} МБ на процесс сервера (0 — без кэша), "
        "который очищается с каждой новой версией.", lang="ru",
    )))  # fmt: skip


LIMIT_TERMS: dict[str, tuple[URIRef, str, str, str, str]] = {
    "queryTimeout": (
        XSD.decimal,
        "query timeout",
        "предельное время запроса",
        "Seconds a query may run before it is stopped and answered with 503.",
        "Сколько секунд может выполняться запрос; затем он останавливается, ответ 503.",
    ),
    "maxResultRows": (
        XSD.integer,
        "maximum result rows",
        "наибольшее число строк ответа",
        "Most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) in one answer; a longer answer "
        "is cut and carries the X-SPARQL-MaxRows header.",
        "Наибольшее число строк (SELECT) или триплетов (CONSTRUCT, DESCRIBE) в ответе; более "
        "длинный ответ усекается и несёт заголовок X-SPARQL-MaxRows.",
    ),
    "maxQueryLength": (
        XSD.integer,
        "maximum query length",
        "наибольшая длина запроса",
        "Most characters in a query; a longer one is refused with 413 (414 in a GET URL).",
        "Наибольшее число символов в запросе; более длинный отклоняется (413, в URL — 414).",
    ),
    "workerMemory": (
        XSD.integer,
        "memory per query worker",
        "память процесса запросов",
        "Megabytes of memory a query may use (0: no limit); a query that needs more is stopped "
        "and answered with 503.",
        "Сколько мегабайт памяти может занять запрос (0 — без ограничения); запрос, которому "
        "нужно больше, останавливается, ответ 503.",
    ),
    "resultCache": (
        XSD.decimal,
        "answer cache size",
        "размер кэша ответов",
        "Megabytes of answers each server process keeps for repeated queries, per data "
        "version (0: no cache).",
        "Сколько мегабайт ответов хранит каждый процесс сервера для повторных запросов, для "
        "одной версии данных (0 — без кэша).",
    ),
}


def _describe_dataset(
    graph: Graph, node: URIRef, here: Namespace, graphs: Mapping[str, Graph], dataset: URIRef
) -> None:
    """The default dataset: each part a named graph, the default graph their union."""
    dataset_node, default_node = here.dataset, here["default-graph"]
    graph.add((node, SD.defaultDataset, dataset_node))
    graph.add((dataset_node, RDF.type, SD.Dataset))
    graph.add((dataset_node, RDFS.seeAlso, dataset))
    graph.add((dataset_node, SD.defaultGraph, default_node))
    _describe_graph(graph, default_node, statistics(graphs.values()))
    graph.add((default_node, RDFS.comment, Literal("The union of the named graphs.", lang="en")))
    graph.add((default_node, RDFS.comment, Literal("Объединение именованных графов.", lang="ru")))
    for index, (name, part) in enumerate(graphs.items()):
        named, described = here[f"named-graph-{index}"], here[f"graph-{index}"]
        graph.add((dataset_node, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, described))
        _describe_graph(graph, described, statistics([part]))


def _describe_graph(graph: Graph, node: URIRef, stats: Statistics) -> None:
    graph.add((node, RDF.type, SD.Graph))
    graph.add((node, RDF.type, VOID.Dataset))
    for predicate, value in (
        (VOID.triples, stats.triples),
        (VOID.entities, stats.entities),
        (VOID.classes, stats.classes),
        (VOID.properties, stats.properties),
        (VOID.distinctSubjects, stats.distinct_subjects),
        (VOID.distinctObjects, stats.distinct_objects),
    ):
        graph.add((node, predicate, Literal(value)))
