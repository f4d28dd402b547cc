"""Metadata for harvesters: the VoID description, the DCAT-AP catalog, schema.org ``Dataset``.

Portals never read the README: DCAT-AP harvesters read ``/catalog``, the LOD cloud reads
``/.well-known/void``, Google Dataset Search reads the schema.org markup of the home page.
All three describe the dataset IRI ``{base}id/dataset`` with what the data itself says
about it, so metadata and data agree; statistics, checksums and dates come from one store
version and are cached on it, so they change exactly when the version does.  No Flask here:
every function takes a :class:`~clusterld.dataset.store.Store` and the settings mapping
(``app.config``).

For the SPARQL endpoint: ``metadata_graph(store, app.config)`` is the graph to serve as the
named graph ``metadata_graph_name(store)`` (``{base}graph/metadata``).  ``dumps`` writes the
downloadable files with their checksums; ``statistics`` counts what VoID reports.

May import: the foundation modules, :mod:`clusterld.dataset` and :mod:`clusterld.sparql`
(the example queries are published in the metadata).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rdflib import Graph, URIRef

from clusterld.dataset.store import Store
from clusterld.metadata.common import Profile, SiteURLs, new_graph
from clusterld.metadata.dcat import build_catalog
from clusterld.metadata.dumps import cached
from clusterld.metadata.profiles import DCAT_AP_3, OFFERED, MetadataProfile
from clusterld.metadata.schema_org import build_dataset
from clusterld.metadata.void import build_void
from clusterld.sparql.examples import examples_graph
from clusterld.sparql.service import GraphSource, store_graphs

METADATA_GRAPH_PATH = "graph/metadata"
"""The metadata graph's name, under the base."""


def metadata_graph_name(store: Store) -> URIRef:
    """The name of the metadata graph in the SPARQL endpoint: ``{base}graph/metadata``."""
    return URIRef(store.base + METADATA_GRAPH_PATH)


def void_graph(store: Store, settings: Mapping[str, Any]) -> Graph:
    """The VoID description served at ``/.well-known/void``."""
    profile = Profile.from_settings(settings)
    return cached(store, ("metadata.void", profile), lambda: build_void(store, profile))


def catalog_graph(
    store: Store, settings: Mapping[str, Any], ap: MetadataProfile = DCAT_AP_3
) -> Graph:
    """The catalog served at ``/catalog``: DCAT-AP 3, or the release ``ap`` a harvester asks for.

    :raises ValueError: the catalog is not offered in ``ap`` (see ``profiles.OFFERED``).
    """
    profile = Profile.from_settings(settings)
    return cached(
        store, ("metadata.catalog", profile, ap), lambda: build_catalog(store, profile, ap)
    )


def metadata_graph(store: Store, settings: Mapping[str, Any]) -> Graph:
    """VoID, the DCAT-AP 3 catalog and the example queries in one graph (the SPARQL metadata
    graph); it conforms to DCAT-AP 3 as the catalog alone does."""
    profile = Profile.from_settings(settings)

    def build() -> Graph:
        graph = new_graph()
        graph += void_graph(store, settings)
        graph += catalog_graph(store, settings)
        graph += examples_graph(store.base, f"{store.base}sparql")
        return graph

    return cached(store, ("metadata.graph", profile), build)


def schema_org_dataset(
    store: Store, settings: Mapping[str, Any], *, lang: str = "en"
) -> dict[str, Any]:
    """The schema.org ``Dataset`` (a JSON-LD object) for the home page, texts in ``lang``."""
    profile = Profile.from_settings(settings)
    return cached(
        store, ("metadata.schema_org", profile, lang), lambda: build_dataset(store, profile, lang)
    )


__all__ = [
    "METADATA_GRAPH_PATH",
    "OFFERED",
    "MetadataProfile",
    "Profile",
    "SiteURLs",
    "catalog_graph",
    "metadata_graph",
    "metadata_graph_name",
    "schema_org_dataset",
    "void_graph",
]


def published_graphs(settings: Mapping[str, Any]) -> GraphSource:
    """What SPARQL queries run over: every part of the published store, the metadata graph
    (VoID, DCAT catalog, example queries, written when the version was published) included.

    ``settings`` are those the version was published with; they are already in the store.
    """
    return store_graphs
