"""rdflib-endpoint serving the same files as ClusterLD, for the throughput comparison.

Run by ``sparql_throughput.py`` as ``uvicorn rdflib_endpoint_app:app``; reads the folder in
``BENCH_DATA``.  The graphs are loaded by ClusterLD's own loader, so both servers hold the
very same triples: data, ontology, shapes and metadata as named graphs of one dataset whose
default graph is their union, under the same IRIs.
"""

from __future__ import annotations

import os

from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint

from clusterld import config
from clusterld.dataset.store import load_store
from clusterld.sparql.service import published_graphs

BASE = "https://clusterld.example/tomsk/"


def load() -> Dataset:
    settings = config.load({"DATA_PATHS": [os.environ["BENCH_DATA"]], "BASE_URI": BASE})
    dataset = Dataset(default_union=True)
    for name, graph in published_graphs(settings)(load_store(settings)).items():
        named = dataset.graph(name)
        for triple in graph:
            named.add(triple)
    return dataset


app = SparqlEndpoint(graph=load(), path="/sparql", cors_enabled=True)
