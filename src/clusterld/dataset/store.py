"""The published dataset as a server sees it: one version, opened read-only from disk.

A :class:`Store` is one immutable version written by ``clusterld publish`` (see
:mod:`clusterld.dataset.versions` for the folder layout and
:mod:`clusterld.publishing.publish` for how a version is made).  ``init_app`` puts a
:class:`StoreHolder` on an application and ``get_store`` reaches the current version; a
reload opens the new version completely and swaps it in with one assignment, so every
request sees one version, never a mix.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context
from pyoxigraph import Store as OxStore
from rdflib import Graph, URIRef

from clusterld.dataset.describe import Description, describe, mentions
from clusterld.dataset.members import ClusterRow, cluster_rows
from clusterld.dataset.terms import in_memory, view
from clusterld.dataset.versions import Manifest, StoreFolderError, read_manifest, touch
from clusterld.errors import ClusterLDError
from clusterld.namespaces import IRIScheme
from clusterld.shacl.engine import ValidationReport, report_from_graph

log = logging.getLogger("clusterld")
EXTENSION_KEY = "clusterld"
T = TypeVar("T")
REQUEST_KEY = "clusterld_store"

PARTS = ("data", "ontology", "shapes", "metadata")
RECENT_ENTRIES = 4096
"""Values of single resources a version remembers (descriptions, graphs, bodies, reports)."""


class RecentlyUsed:
    """A bounded, thread-safe map that drops the least recently used value first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def peek(self, key: Hashable) -> Any:
        """The value of ``key`` if it is held (marked recently used), else ``None``."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value of ``key``, made by ``make()`` unless it is held (two makers may race:
        same value)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        self.put(key, value)
        return value


UNION = URIRef("urn:x-clusterld:union")
"""The name of the rdflib view that merges data, ontology and shapes (never in the store)."""
"""The named graphs of a version; the default graph is their RDF merge."""


class InvalidDataError(ClusterLDError):
    """The data does not conform to the shapes, so it must not be published."""

    title = "Data does not conform to the shapes"

    def __init__(self, report: ValidationReport, readable: str | None = None) -> None:
        super().__init__(readable or report.text)
        self.report = report


class StoreUnavailable(ClusterLDError):
    """No published version can be opened (none yet, or the folder is not a store)."""

    status = 503
    title = "No published version"


@dataclass(frozen=True, eq=False)
class Store:
    """One published version of the dataset, wherever its triples are.

    Two kinds: :class:`LocalStore`, a version on this machine's disk (Oxigraph), and
    :class:`clusterld.dataset.remote.RemoteStore`, a version in the named graphs of a remote
    SPARQL store.  Everything above this layer reads a version through this interface: rdflib
    graphs (``data``, ``union``; lookups go to the store), the small graphs in memory
    (``ontology``, ``shapes``, ``metadata``), and what publishing computed (``manifest``,
    ``report``, ``thing_paths``).  ``describe`` and ``mentions`` are the hot paths of
    documents, which a remote store answers in one query rather than one per lookup.
    """

    iris: IRIScheme
    manifest: Manifest
    _cache: dict[Hashable, Any] = field(default_factory=dict, repr=False, init=False)

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per version: the store is immutable, so its results are too.

        For values of the whole version (metadata, the sitemap); values of one resource go
        through :meth:`recent`, which forgets the least recently used.  A reload opens a new
        store, so nothing computed for an old version is ever served with a new one.  Two
        concurrent first calls may both compute: same result.
        """
        if key not in self._cache:
            self._cache[key] = compute()
        value: T = self._cache[key]
        return value

    def recent(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` remembered while among the ``RECENT_ENTRIES`` most recently used:
        at a million triples, keeping every document ever asked for would grow without
        bound."""
        recently: RecentlyUsed = self.cached("store|recent", lambda: RecentlyUsed(RECENT_ENTRIES))
        value: T = recently.get(key, compute)
        return value

    @property
    def base(self) -> str:
        return self.iris.base

    @property
    def version(self) -> str:
        """A fingerprint of the version's inputs: the same in every process and after a
        restart, so ETags agree between server processes and survive restarts."""
        return self.manifest.version

    @cached_property
    def loaded_at(self) -> datetime:
        """When this version was published (not when a process opened it)."""
        return datetime.fromisoformat(self.manifest.published_at)

    @cached_property
    def graph_names(self) -> dict[str, URIRef]:
        """The named graph of each part of the dataset (the default graph is their merge)."""
        return graph_names(self.base)

    @property
    def data(self) -> Graph:
        """The instance data (lookups go to the store)."""
        raise NotImplementedError

    @property
    def union(self) -> Graph:
        """Data, ontology and shapes: what resource documents describe (the metadata has
        documents of its own: the catalog, the VoID)."""
        raise NotImplementedError

    @property
    def ontology(self) -> Graph:
        raise NotImplementedError

    @property
    def shapes(self) -> Graph:
        raise NotImplementedError

    @property
    def metadata(self) -> Graph:
        """The metadata published with the version (VoID, DCAT catalog, example queries)."""
        raise NotImplementedError

    @property
    def report(self) -> ValidationReport:
        """The validation report of the data, as written when the version was published."""
        raise NotImplementedError

    @property
    def thing_paths(self) -> tuple[str, ...]:
        """The path of every thing ``{base}id/<path>`` in data, ontology and shapes, sorted
        (listed when the version was published)."""
        raise NotImplementedError

    def dumps_folder(self) -> Path:
        """Where this version's dump files are (or will be, for a remote store: written here
        from the store on first use)."""
        raise NotImplementedError

    def describe(self, subject: URIRef, *, max_incoming: int | None) -> Description:
        """The description of ``subject`` (see :mod:`clusterld.dataset.describe`)."""
        return describe(self.union, subject, max_incoming=max_incoming)

    def mentions(self, iri: URIRef) -> bool:
        """Whether data, ontology or shapes have ``iri`` as a subject or an object."""
        return mentions(self.union, iri)

    def cluster_rows(self, limit: int | None = None) -> list[ClusterRow]:
        """The clusters' summary rows, in their order in the source, the first ``limit``."""
        return cluster_rows(self.union, self.iris, limit=limit)

    def prefetch_labels(self, nodes: Iterable[URIRef]) -> None:
        """Read the labels of many IRIs at once, before a page looks them up one by one
        (nothing to do here: lookups are local; a remote store asks in one query)."""

    def membership_graph(self, organisation: URIRef) -> Graph:
        """A graph holding what :func:`clusterld.dataset.members.members_by_role` reads
        about ``organisation``: here the union itself (lookups are local); a remote store
        fetches just that part, in one query."""
        return self.union

    def in_data(self, node: URIRef) -> bool:
        """Whether the data (not the ontology or the shapes) has triples about ``node``."""
        return (node, None, None) in self.data

    def latest_version(self) -> str | None:
        """The version its store names as current now, for stores that servers follow
        (a remote one); ``None``: this store is not followed (SIGHUP reloads it)."""
        return None

    def instance_count(self, cls: URIRef) -> int:
        """How many instances ``cls`` has in data, ontology and shapes (counted at publish)."""
        return int(self.manifest.classes.get(str(cls), 0))

    def instances(self, cls: URIRef, offset: int = 0, limit: int | None = None) -> list[URIRef]:
        """The instances of ``cls`` with an IRI, in IRI order, ``limit`` from ``offset``."""
        window = f" LIMIT {limit}" if limit is not None else ""
        answer = self.union.query(
            f"SELECT DISTINCT ?s WHERE {{ ?s a <{cls}> FILTER isIRI(?s) }} "
            f"ORDER BY ?s OFFSET {offset}{window}"
        )
        return [row[0] for row in answer]  # type: ignore[index, misc]

    @property
    def classes(self) -> list[URIRef]:
        """Every class that has instances, by IRI."""
        return sorted(URIRef(cls) for cls in self.manifest.classes)

    def triple_count(self, part: str) -> int:
        """How many triples a part holds (from the manifest: counting costs nothing)."""
        return int(self.manifest.triples.get(part, 0))


@dataclass(frozen=True, eq=False)
class LocalStore(Store):
    """A version on this machine's disk, as ``clusterld publish --store DIR`` writes it.

    The triples stay on disk (Oxigraph): ``data`` and ``union`` are rdflib views whose
    lookups are quad lookups in the store, so opening costs the same at any size and every
    process that opens the version shares it through the operating system's page cache.
    The ontology, the shapes and the metadata are small and read into memory on first use.
    What publishing computed (counts, statistics, dumps, the validation report) is in the
    manifest and the version's files.
    """

    folder: Path = field(kw_only=True)
    oxigraph: OxStore = field(repr=False, kw_only=True)

    @property
    def oxigraph_path(self) -> Path:
        return self.folder / "oxigraph"

    def dumps_folder(self) -> Path:
        return self.folder / "dumps"

    @cached_property
    def data(self) -> Graph:
        """The instance data: a view of its named graph in the store."""
        return self._view(self.graph_names["data"])

    @cached_property
    def union(self) -> Graph:
        parts = tuple(self.graph_names[part] for part in ("data", "ontology", "shapes"))
        return view(self.oxigraph, UNION, self.iris.prefixes(), merge=parts)

    @cached_property
    def ontology(self) -> Graph:
        return self._in_memory(self.graph_names["ontology"])

    @cached_property
    def shapes(self) -> Graph:
        return self._in_memory(self.graph_names["shapes"])

    @cached_property
    def metadata(self) -> Graph:
        return self._in_memory(self.graph_names["metadata"])

    @cached_property
    def report(self) -> ValidationReport:
        return read_report(self.folder / "report.ttl", conforms=self.manifest.conforms)

    @cached_property
    def thing_paths(self) -> tuple[str, ...]:
        text = (self.folder / "things.txt").read_text(encoding="utf-8")
        return tuple(text.splitlines())

    def _view(self, name: URIRef) -> Graph:
        return view(self.oxigraph, name, self.iris.prefixes())

    def _in_memory(self, name: URIRef) -> Graph:
        return in_memory(self.oxigraph, name, self.iris.prefixes())


def graph_names(base: str) -> dict[str, URIRef]:
    """The named graph of each part of a dataset published under ``base``."""
    return {part: URIRef(f"{base}graph/{part}") for part in PARTS}


def open_version(folder: Path, *, writable: OxStore | None = None) -> LocalStore:
    """Open a published version read-only (or wrap the store that a publish is writing).

    :raises StoreUnavailable: the folder holds no complete version, or its store cannot be
        opened.
    """
    try:
        manifest = read_manifest(folder)
        oxigraph = writable or OxStore.read_only(str(folder / "oxigraph"))
    except (StoreFolderError, OSError) as error:
        raise StoreUnavailable(str(error)) from None
    if writable is None:
        touch(folder)
    return LocalStore(IRIScheme(manifest.base), manifest, folder=folder, oxigraph=oxigraph)


def read_report(path: Path, *, conforms: bool) -> ValidationReport:
    """A validation report written by the publish (an empty conforming one if absent)."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return read_report_text(text, conforms=conforms)


def read_report_text(text: str, *, conforms: bool) -> ValidationReport:
    """A validation report from its Turtle (an empty conforming one if ``text`` is empty)."""
    graph = Graph()
    if text:
        graph.parse(data=text, format="turtle")
    return report_from_graph(graph, conforms=conforms)


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
    asks ``load`` for a complete new :class:`Store` (published and validated, or opened from
    the store folder) before one assignment makes it current.
    """

    def __init__(
        self,
        store: Store | None,
        load: Callable[[], Store],
        *,
        follow_every: float | None = None,
        unavailable: ClusterLDError | None = None,
    ) -> None:
        self._store = store
        self._unavailable = unavailable
        self._load = load
        self._lock = threading.Lock()
        self.last_failure: ReloadFailure | None = None
        self._follow_every = follow_every
        self._checked = time.monotonic()
        self._checking = threading.Lock()

    @property
    def store(self) -> Store:
        """The current version (following a remote store's pointer when it is due).

        :raises ClusterLDError: a remote store has not answered since the server started
            (503 or 504; the store is asked again every ``STORE_REFRESH`` seconds).
        """
        every = self._follow_every
        if every is not None and time.monotonic() - self._checked >= every:
            self._follow()
        if self._store is None:
            assert self._unavailable is not None
            raise self._unavailable
        return self._store

    def _follow(self) -> None:
        """Open the version the store names as current, if it changed.

        One thread checks (one small query) while the others go on with the version they
        have; a store that does not answer keeps the served version (its requests then say
        that the store is unavailable), and the next check tries again.
        """
        if not self._checking.acquire(blocking=False):
            return
        try:
            self._checked = time.monotonic()
            if self._store is None:  # never opened: the store was down at start
                with contextlib.suppress(ClusterLDError):
                    self.reload()
                return
            try:
                latest = self._store.latest_version()
            except ClusterLDError:
                return
            if latest is not None and latest != self._store.version:
                with contextlib.suppress(ClusterLDError):
                    self.reload()
        finally:
            self._checking.release()

    def reload(self) -> Store:
        """Load the dataset again; make it current only if it loads and conforms.

        :raises ClusterLDError: the new version was refused (and ``last_failure`` says why);
            the version already published stays in place.
        """
        with self._lock:
            try:
                store = self._load()
            except ClusterLDError as error:
                self.last_failure = ReloadFailure(datetime.now(UTC), error)
                raise
            self._store = store
            self._unavailable = None
            self.last_failure = None
            return store


def init_app(
    app: Flask,
    load: Callable[[], Store],
    *,
    follow_every: float | None = None,
    transient: tuple[type[ClusterLDError], ...] = (),
) -> None:
    """Open the version that ``load`` gives and attach it (and how to reload) to the app;
    with ``follow_every``, follow the store's current version every so many seconds.

    A ``transient`` error at start (a remote store down or slow) does not stop the server:
    it answers with that error until the store answers, asked every ``follow_every`` s.
    """
    try:
        holder = StoreHolder(load(), load, follow_every=follow_every)
    except transient as error:
        if follow_every is None:
            raise
        log.warning("The store does not answer (%s); serving 503 until it does", error.detail)
        holder = StoreHolder(None, load, follow_every=follow_every, unavailable=error)
    app.extensions[EXTENSION_KEY] = holder


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
