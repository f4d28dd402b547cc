"""rdflib-endpoint serving the same files as ClusterLD, for the throughput comparison.

Run by ``sparql_throughput.py`` as ``uvicorn rdflib_endpoint_app:app``; reads the current
version of the store folder in ``BENCH_STORE`` (written by ``clusterld publish``), so every
server holds the very same triples: data, ontology, shapes and metadata as named graphs of
one dataset whose default graph is their union, under the same IRIs.
"""

from __future__ import annotations

import os

from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint

from clusterld import config
from clusterld.publishing.publish import open_published
from clusterld.sparql.service import store_graphs


def load() -> Dataset:
    store = open_published(config.load({"STORE": os.environ["BENCH_STORE"]}))
    dataset = Dataset(default_union=True)
    for name, graph in store_graphs(store).items():
        named = dataset.graph(name)
        for triple in graph:
            named.add(triple)
    return dataset


app = SparqlEndpoint(graph=load(), path="/sparql", cors_enabled=True)
