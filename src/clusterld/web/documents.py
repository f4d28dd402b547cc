"""The documents of the dataset: find the one a request path names, and build it.

A request path is resolved to one canonical form (IRIs are case-sensitive, and have no
trailing slash): other spellings of a known path are redirected, unknown ones are 404.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from flask import current_app
from rdflib import Graph, URIRef
from rdflib.namespace import FOAF, OWL, RDF, Namespace

from clusterld.dataset.describe import (
    Description,
    add_document_links,
    add_labels,
    copy_graph,
    describe_class,
)
from clusterld.dataset.store import Store
from clusterld.formats import DOCUMENT_FORMATS
from clusterld.web.addresses import Address, document_iri, thing_iri
from clusterld.web.jsonld import context
from clusterld.web.pages import ontology as ontology_doc
from clusterld.web.pages import resources as pages
from clusterld.web.pages import shapes as shapes_doc
from clusterld.web.render import Document, cached


def split_suffix(path: str) -> tuple[str, str | None]:
    """``("org/x", "ttl")`` for ``"org/x.ttl"``; the suffix only when it names a format."""
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and any(f.suffix == ext for f in DOCUMENT_FORMATS):
        return stem, ext
    return path, None


def id_paths(store: Store) -> dict[str, str]:
    """Every path ``p`` of a thing ``{base}id/p`` in the dataset, keyed by its lower case."""

    def build() -> dict[str, str]:
        found: dict[str, str] = {}
        for path in store.thing_paths:
            found.setdefault(path.lower(), path)
        return found

    return cached(store, ("id-paths",), build)  # type: ignore[no-any-return]


def canonical_path(store: Store, path: str) -> str | None:
    """The canonical spelling of a thing's path, or ``None`` if no thing has it."""
    if store.mentions(thing_iri(store.base, path)):
        return path
    return id_paths(store).get(path.rstrip("/").lower())


def max_incoming() -> int:
    return int(current_app.config["MAX_INCOMING_LINKS"])


def describe_thing(store: Store, path: str, *, all_incoming: bool) -> Description:
    """The description of ``{base}id/<path>`` (cached per store version)."""
    limit = None if all_incoming else max_incoming()
    key = ("description", path, str(limit))
    return cached(  # type: ignore[no-any-return]
        store,
        key,
        lambda: store.describe(thing_iri(store.base, path), max_incoming=limit),
    )


def thing_document(store: Store, path: str, *, all_incoming: bool = False) -> Document:
    """The document of the thing ``{base}id/<path>``."""
    query = {"incoming": "all"} if all_incoming else {}
    address = Address("resources.document", {"path": path, **query}, suffix_key="path")
    description = describe_thing(store, path, all_incoming=all_incoming)

    def build() -> Graph:
        graph = copy_graph(description.graph)
        doc = document_iri(store.base, path)
        more = URIRef(f"{doc}?incoming=all") if description.truncated else None
        add_document_links(
            graph,
            URIRef(doc + ("?incoming=all" if all_incoming else "")),
            description.subject,
            store.iris.dataset,
            more=more,
        )
        return graph

    return Document(
        key=f"doc:{path}:{all_incoming}",
        address=address,
        build=build,
        page=lambda graph, lang: pages.thing_page(store, description, graph, lang, address),
        topic=description.subject,
    )


def vocabulary_document(store: Store, name: str) -> Document:
    """The whole ontology or the whole shapes graph: hash IRIs are served by one document.

    The shapes' IRIs are under the base, so ``{base}shapes`` is both their namespace and
    their document.  The ontology's are not: ``{base}ontology`` is this server's copy of the
    shared vocabulary's documentation, and says so (``foaf:primaryTopic`` the ontology)."""
    source = store.ontology if name == "ontology" else store.shapes
    address = Address(f"resources.{name}")
    topic = store.iris.ontology if name == "ontology" else store.iris.shapes

    def build() -> Graph:
        graph = copy_graph(source)
        if name == "ontology":
            doc = store.iris.ontology_document
            graph.add((doc, RDF.type, FOAF.Document))
            graph.add((doc, FOAF.primaryTopic, topic))
        return graph

    return Document(
        key=name,
        address=address,
        build=build,
        page=lambda graph, lang: (
            shapes_doc.page(store, graph, topic, lang, address)
            if name == "shapes"
            else ontology_doc.page(store, graph, topic, lang, address)
        ),
        topic=topic,
    )


def graph_document(store: Store, name: str, parts: Mapping[str, Graph]) -> Document | None:
    """A named graph of the dataset, whole (``{base}graph/data`` …, as SPARQL and VoID name it).

    ``parts`` maps each graph's name to its content: the store's own parts and the metadata.
    """
    source = parts.get(name)
    if source is None:
        return None
    topic = URIRef(f"{store.base}graph/{name}")
    address = Address("resources.named_graph", {"name": name}, suffix_key="name")
    return Document(
        key=f"graph:{name}",
        address=address,
        build=lambda: copy_graph(source),
        page=lambda graph, lang: pages.graph_page(store, graph, topic, lang, address),
        topic=topic,
    )


def class_iri(store: Store, prefix: str, name: str) -> URIRef | None:
    """The class ``prefix:name`` if the dataset has instances of it."""
    namespace = store.iris.prefixes().get(prefix)
    if namespace is None or not name:
        return None
    cls = URIRef(f"{namespace}{name}")
    return cls if store.instance_count(cls) else None


HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
CLASS_PAGE_SIZE = 1000
"""Instances listed on one page of a class (a larger class is split into pages by IRI)."""


def class_pages(store: Store, cls: URIRef) -> int:
    """How many pages the class page of ``cls`` has."""
    return max(1, -(-store.instance_count(cls) // CLASS_PAGE_SIZE))


def class_document(store: Store, prefix: str, name: str, cls: URIRef, *, page: int = 1) -> Document:
    """A class and its instances (one page of them, ``page`` counting from 1)."""
    query = {"page": str(page)} if page > 1 else {}
    address = Address(
        "resources.class_page", {"prefix": prefix, "name": name, **query}, suffix_key="name"
    )
    last = class_pages(store, cls)

    def build() -> Graph:
        offset = (page - 1) * CLASS_PAGE_SIZE
        instances = store.instances(cls, offset, CLASS_PAGE_SIZE)
        store.prefetch_labels(instances)
        graph = describe_class(store.union, cls, instances)
        add_page_links(graph, URIRef(address_iri(store, prefix, name)), page, last)
        return graph

    return Document(
        key=f"class:{prefix}:{name}:{page}",
        address=address,
        build=build,
        page=lambda graph, lang: pages.class_page(
            store, graph, cls, lang, address, page=page, last=last
        ),
        topic=cls,
    )


def add_page_links(graph: Graph, first: URIRef, page: int, last: int) -> None:
    """Link a page of a long list to its neighbours (Hydra's paging terms, as Linked Data
    Fragments servers do); a list on one page gets no links."""
    if last == 1:
        return
    graph.bind("hydra", HYDRA)

    def iri(number: int) -> URIRef:
        return first if number == 1 else URIRef(f"{first}?page={number}")

    current = iri(page)
    graph.add((current, HYDRA.first, iri(1)))
    graph.add((current, HYDRA.last, iri(last)))
    if page > 1:
        graph.add((current, HYDRA.previous, iri(page - 1)))
    if page < last:
        graph.add((current, HYDRA.next, iri(page + 1)))


def address_iri(store: Store, prefix: str, name: str) -> str:
    """The IRI of a class page (its first page)."""
    return f"{store.base}class/{prefix}/{name}"


def is_version_iri(store: Store, version: str) -> bool:
    """Whether ``{VOCABULARY}/<version>`` (served at ``{base}ontology/<version>``) is the
    version IRI of the published ontology."""
    iri = URIRef(f"{store.iris.ontology}/{version}")
    return (store.iris.ontology, OWL.versionIRI, iri) in store.ontology


def context_text(store: Store) -> str:
    """The JSON-LD context document, as served at ``/context.jsonld``."""

    def build() -> str:
        prefixes = {prefix: str(ns) for prefix, ns in store.iris.prefixes().items()}
        return json.dumps(context(prefixes), ensure_ascii=False, indent=2)

    return cached(store, ("context",), build)  # type: ignore[no-any-return]


def home_document(store: Store) -> Document:
    """The home page: the dataset and its clusters, with their industries and leads."""
    address = Address("home.index", suffix_key=None)
    dataset = store.iris.dataset

    def build() -> Graph:
        graph = store.describe(dataset, max_incoming=0).graph
        for row in store.cluster_rows(limit=pages.HOME_CLUSTERS):
            graph.add((row.cluster, RDF.type, store.iris.term.EducationIndustryCluster))
            for industry in row.industries:
                graph.add((row.cluster, store.iris.term.industry, industry))
            for lead in row.leads:
                graph.add((row.cluster, store.iris.term.leadOrganisation, lead))
        store.prefetch_labels(n for t in graph for n in t if isinstance(n, URIRef))
        add_labels(store.union, graph)
        return graph

    return Document(
        key="home",
        address=address,
        build=build,
        page=lambda graph, lang: pages.home_page(store, graph, lang, address),
        topic=dataset,
    )
