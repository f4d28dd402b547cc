"""The published dataset in memory: its graphs, loaded, rebased and validated once per version.

``load_store`` works without Flask; ``init_app`` puts a store on an application and
``get_store`` reaches it.  A reload builds a whole new :class:`Store` and swaps it in with
one assignment, so every request sees one version, never a mix.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph

from clusterld.dataset.inference import materialise
from clusterld.dataset.loading import load_graph
from clusterld.errors import ClusterLDError
from clusterld.namespaces import IRIScheme
from clusterld.shacl.engine import ValidationReport, validate

EXTENSION_KEY = "clusterld"
T = TypeVar("T")
REQUEST_KEY = "clusterld_store"


class InvalidDataError(ClusterLDError):
    """The data does not conform to the shapes, so it must not be published."""

    title = "Data does not conform to the shapes"

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(report.text)
        self.report = report


@dataclass(frozen=True, eq=False)
class Store:
    """One immutable version of the published dataset."""

    iris: IRIScheme
    data: Graph
    ontology: Graph
    shapes: Graph
    report: ValidationReport
    loaded_at: datetime
    _cache: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per version: the store is immutable, so its results are too.

        A reload builds a new store, so nothing computed for an old version is ever served
        with a new one.  Two concurrent first calls may both compute: same result.
        """
        if key not in self._cache:
            self._cache[key] = compute()
        value: T = self._cache[key]
        return value

    @property
    def base(self) -> str:
        return self.iris.base

    @cached_property
    def graph_names(self) -> dict[str, URIRef]:
        """The named graph of each part of the dataset (the default graph is their union)."""
        return {
            "data": URIRef(f"{self.base}graph/data"),
            "ontology": URIRef(f"{self.base}graph/ontology"),
            "shapes": URIRef(f"{self.base}graph/shapes"),
        }

    @cached_property
    def union(self) -> Graph:
        """Data, ontology and shapes in one graph: what resource documents describe."""
        graph = Graph()
        for part in (self.data, self.ontology, self.shapes):
            graph += part
        for prefix, namespace in self.iris.prefixes().items():
            graph.bind(prefix, namespace, replace=True)
        return graph

    @cached_property
    def dataset(self) -> Dataset:
        """The graphs as an RDF dataset, one named graph per part."""
        dataset = Dataset()
        for name, part in (
            ("data", self.data),
            ("ontology", self.ontology),
            ("shapes", self.shapes),
        ):
            named = dataset.graph(self.graph_names[name])
            for triple in part:
                named.add(triple)
        return dataset

    @cached_property
    def version(self) -> str:
        """A short fingerprint of the content: changes whenever any triple changes.

        The same content has the same version in every process (blank nodes are labelled
        canonically), so that ETags survive a restart and agree between server processes.
        """
        digest = hashlib.sha256()
        for part in (self.data, self.ontology, self.shapes):
            has_bnodes = any(isinstance(term, BNode) for triple in part for term in triple)
            source = to_canonical_graph(part) if has_bnodes else part
            for line in sorted(source.serialize(format="nt").splitlines()):
                digest.update(line.encode("utf-8"))
        return digest.hexdigest()[:16]


def load_store(settings: dict[str, Any]) -> Store:
    """Load, rebase and validate the dataset that ``settings`` name.

    :raises InvalidDataError: the data does not conform to the shapes.
    :raises clusterld.errors.InputError: a file cannot be read or parsed.
    """
    iris = IRIScheme(settings["BASE_URI"])
    source_base = settings["SOURCE_BASE"]

    def load(key: str) -> Graph:
        return load_graph([Path(p) for p in settings[key]], source_base=source_base, base=iris.base)

    data, ontology, shapes = load("DATA_PATHS"), load("ONTOLOGY_PATHS"), load("SHAPES_PATHS")
    materialise(data, ontology)
    report = validate(data, shapes)
    if not report.conforms:
        raise InvalidDataError(report)
    for graph in (data, ontology, shapes):
        for prefix, namespace in iris.prefixes().items():
            graph.bind(prefix, namespace, replace=True)
    return Store(iris, data, ontology, shapes, report, datetime.now(UTC))


@dataclass(frozen=True)
class ReloadFailure:
    """Why the last reload was refused; the previous version stays published."""

    at: datetime
    error: ClusterLDError

    @property
    def report(self) -> ValidationReport | None:
        return self.error.report if isinstance(self.error, InvalidDataError) else None


class StoreHolder:
    """Holds the current store of an application and swaps in new versions atomically.

    Readers take ``holder.store`` once per request and use that version throughout; a reload
    builds and validates a complete new :class:`Store` before one assignment publishes it.
    """

    def __init__(self, store: Store, settings: dict[str, Any]) -> None:
        self._store = store
        self._settings = settings
        self._lock = threading.Lock()
        self.last_failure: ReloadFailure | None = None

    @property
    def store(self) -> Store:
        return self._store

    def reload(self) -> Store:
        """Load the dataset again; publish it only if it loads and conforms.

        :raises ClusterLDError: the new version was refused (and ``last_failure`` says why);
            the version already published stays in place.
        """
        with self._lock:
            try:
                store = load_store(self._settings)
            except ClusterLDError as error:
                self.last_failure = ReloadFailure(datetime.now(UTC), error)
                raise
            self._store = store
            self.last_failure = None
            return store


def init_app(app: Flask) -> None:
    """Load the dataset named by the app's configuration and attach it to the app."""
    settings = dict(app.config)
    app.extensions[EXTENSION_KEY] = StoreHolder(load_store(settings), settings)


def get_holder(app: Flask | None = None) -> StoreHolder:
    """The holder of an application's store (the current application by default)."""
    holder: StoreHolder = (app or current_app).extensions[EXTENSION_KEY]
    return holder


def get_store() -> Store:
    """The store of the current application: one consistent version of the dataset.

    Within a request it is the version that the request first saw, however often it is
    called: a reload in the middle of a request must not mix two versions in one response.
    """
    if not has_request_context():
        return get_holder().store
    if REQUEST_KEY not in g:
        setattr(g, REQUEST_KEY, get_holder().store)
    store: Store = getattr(g, REQUEST_KEY)
    return store
