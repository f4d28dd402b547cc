"""The HTML face of the catalog and the VoID description: what to download, how big, verified how.

Browsers that open ``/catalog`` or ``/.well-known/void`` get this page; machines get the
same graph as RDF.  It lists each dataset with its dumps (format, size, SHA-256), the
SPARQL endpoint and the dataset's statistics, all read from the metadata graphs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import url_for
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, VOID

from clusterld.dataset.store import Store
from clusterld.formats import DOCUMENT_FORMATS
from clusterld.i18n import pick
from clusterld.metadata import OFFERED, MetadataProfile, catalog_graph, void_graph
from clusterld.metadata.common import PREFIXES, SiteURLs, texts
from clusterld.metadata.dcat import CATALOG_DESCRIPTION, CATALOG_TITLE
from clusterld.metadata.dumps import DUMPS, PARTS, dump_files
from clusterld.metadata.profiles import ALTERNATES, ALTR, PROF, alternates_graph
from clusterld.metadata.void import DESCRIPTION_TITLE
from clusterld.web.addresses import Address
from clusterld.web.pages.resources import Page, graph_page
from clusterld.web.profiles import profile_url
from clusterld.web.render import Document

WORDS: dict[str, tuple[str, str]] = {
    # key: (Russian, English)
    "downloads": ("Выгрузки", "Downloads"),
    "file": ("Файл", "File"),
    "format": ("Формат", "Format"),
    "size": ("Размер, байт", "Size, bytes"),
    "checksum": ("SHA-256", "SHA-256"),
    "gzip": ("сжатый gzip", "gzip-compressed"),
    "sparql": ("Точка доступа SPARQL", "SPARQL endpoint"),
    "statistics": ("Статистика", "Statistics"),
    "triples": ("триплетов", "triples"),
    "entities": ("сущностей", "entities"),
    "classes": ("классов", "classes"),
    "properties": ("свойств", "properties"),
    "metadata": ("Метаданные для порталов", "Metadata for portals"),
    "catalog": ("Каталог DCAT-AP", "DCAT-AP catalogue"),
    "void": ("Описание VoID", "VoID description"),
    "void_lead": (
        "Описание набора данных на словаре VoID для каталогов связанных данных: точка доступа "
        "SPARQL, выгрузки, пространство IRI, используемые словари и статистика.",
        "The dataset described with the VoID vocabulary, for Linked Data catalogues: its SPARQL "
        "endpoint, dumps, IRI space, the vocabularies it uses and its statistics.",
    ),
    "alternates": ("Профили и форматы", "Profiles and formats"),
    "verify": (
        "Проверить файл: sha256sum ФАЙЛ — сумма должна совпасть с указанной.",
        "To verify a file: sha256sum FILE must print the checksum shown.",
    ),
}


def metadata_document(
    store: Store, settings: Mapping[str, Any], kind: str, ap: MetadataProfile | None = None
) -> Document:
    """The ``catalog`` or the ``void`` description in profile ``ap`` (default: the resource's
    default profile), as a document in every format.

    The key includes the profile, so that each profile's answers have their own ETags, and the
    load time because both graphs state it (``dct:modified``): the ETag must change whenever
    the body does, even when a reload brings the same data.  Another profile than the default
    keeps ``?_profile=`` in the document's addresses (``Content-Location``, alternates).
    """
    offered = OFFERED[kind]
    ap = ap or offered[0]
    values = {} if ap is offered[0] else {"_profile": ap.token}
    address = Address(f"metadata.{kind}", values)
    urls = SiteURLs(store.base)

    def build() -> Graph:
        return (
            catalog_graph(store, settings, ap) if kind == "catalog" else void_graph(store, settings)
        )

    return Document(
        key=f"{kind}:{ap.token}:{store.loaded_at.isoformat()}",
        address=address,
        build=build,
        page=lambda graph, lang: catalog_page(store, settings, graph, lang, address, kind),
        topic=urls.catalog if kind == "catalog" else urls.void,
        prefixes={prefix: str(namespace) for prefix, namespace in PREFIXES.items()},
    )


def alternates_document(store: Store, kind: str) -> Document:
    """The profiles and formats the ``catalog`` or ``void`` description is offered in
    (``?_profile=alt``), as a document in every format."""
    address = Address(f"metadata.{kind}", {"_profile": ALTERNATES.token})
    urls = SiteURLs(store.base)
    resource = urls.catalog if kind == "catalog" else urls.void
    media_types = [fmt.media_type for fmt in DOCUMENT_FORMATS]
    offered = OFFERED[kind]
    described = DESCRIPTION_TITLE if kind == "void" else CATALOG_TITLE
    title = {lang: f"{words(lang)['alternates']}: {text}" for lang, text in described.items()}
    locations = {
        (p.token, media_type): profile_url(str(resource), p, media_type)
        for p in offered
        for media_type in media_types
    }
    return Document(
        key=f"{kind}:{ALTERNATES.token}",
        address=address,
        build=lambda: alternates_graph(resource, offered, media_types, locations, title),
        page=lambda graph, lang: graph_page(store, graph, resource, lang, address),
        topic=resource,
        prefixes={"altr": str(ALTR), "prof": str(PROF)},
    )


def words(lang: str) -> dict[str, str]:
    return pick(WORDS, lang)


def catalog_page(
    store: Store,
    settings: Mapping[str, Any],
    graph: Graph,
    lang: str,
    address: Address,
    kind: str = "catalog",
) -> str:
    """The downloads page in ``lang``, for the catalog or the VoID document ``graph``; each
    with its own title, so that a browser's tabs and history tell them apart."""
    page = Page(store, graph, lang, address)
    void = void_graph(store, settings)
    dataset = store.iris.dataset
    title = texts(store.data, dataset, DCTERMS.title).get(lang, "")
    urls = SiteURLs(store.base)
    if kind == "void":
        heading, topic, lead = DESCRIPTION_TITLE[lang], urls.void, words(lang)["void_lead"]
    else:
        heading, topic = CATALOG_TITLE[lang], urls.catalog
        lead = CATALOG_DESCRIPTION[lang].format(title=title)
    return page.render(
        "catalog.html",
        title=heading,
        topic=topic,
        w=words(lang),
        description=lead,
        datasets=[_dataset(page, store, void, part, lang) for part in PARTS],
        sparql_url=url_for("sparql.query"),
    )


def _dataset(page: Page, store: Store, void: Graph, part: str, lang: str) -> dict[str, Any]:
    subject = {"data": store.iris.dataset, "ontology": store.iris.ontology}.get(
        part, store.iris.shapes
    )
    files = dump_files(store)
    return {
        "link": page.link(subject),
        "description": texts(void, subject, DCTERMS.description).get(lang),
        "statistics": _statistics(void, subject),
        "downloads": [
            {
                "name": dump.name,
                "url": url_for("metadata.dump", name=dump.name),
                "format": dump.format.label,
                "gzipped": dump.gzipped,
                "media_type": dump.media_type,
                "size": files[dump.name].byte_size,
                "sha256": files[dump.name].sha256,
            }
            for dump in DUMPS
            if dump.part == part
        ],
    }


def _statistics(void: Graph, subject: URIRef) -> dict[str, int]:
    found = {}
    for key, predicate in (
        ("triples", VOID.triples),
        ("entities", VOID.entities),
        ("classes", VOID.classes),
        ("properties", VOID.properties),
    ):
        value = void.value(subject, predicate)
        if isinstance(value, Literal):
            found[key] = int(value)
    return found
