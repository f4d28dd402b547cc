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
from clusterld.i18n import pick
from clusterld.metadata import catalog_graph, void_graph
from clusterld.metadata.common import SiteURLs, texts
from clusterld.metadata.dcat import CATALOG_DESCRIPTION, CATALOG_TITLE
from clusterld.metadata.dumps import DUMPS, PARTS, dump_files
from clusterld.web.addresses import Address
from clusterld.web.pages.resources import Page
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
    "verify": (
        "Проверить файл: sha256sum ФАЙЛ — сумма должна совпасть с указанной.",
        "To verify a file: sha256sum FILE must print the checksum shown.",
    ),
}


def metadata_document(store: Store, settings: Mapping[str, Any], kind: str) -> Document:
    """The ``catalog`` or the ``void`` description as a document in every format.

    The key includes the load time because both graphs state it (``dct:modified``): the
    ETag must change whenever the body does, even when a reload brings the same data.
    """
    address = Address(f"metadata.{kind}")
    urls = SiteURLs(store.base)
    build = catalog_graph if kind == "catalog" else void_graph
    return Document(
        key=f"{kind}:{store.loaded_at.isoformat()}",
        address=address,
        build=lambda: build(store, settings),
        page=lambda graph, lang: catalog_page(store, settings, graph, lang, address),
        topic=urls.catalog if kind == "catalog" else urls.void,
    )


def words(lang: str) -> dict[str, str]:
    return pick(WORDS, lang)


def catalog_page(
    store: Store, settings: Mapping[str, Any], graph: Graph, lang: str, address: Address
) -> str:
    """The downloads page in ``lang``, for the catalog or the VoID document ``graph``."""
    page = Page(store, graph, lang, address)
    void = void_graph(store, settings)
    dataset = store.iris.dataset
    title = texts(store.data, dataset, DCTERMS.title).get(lang, "")
    return page.render(
        "catalog.html",
        title=CATALOG_TITLE[lang],
        topic=SiteURLs(store.base).catalog,
        w=words(lang),
        description=CATALOG_DESCRIPTION[lang].format(title=title),
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
