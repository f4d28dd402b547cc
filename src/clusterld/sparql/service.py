"""The SPARQL service of one application: its limits, its workers, and the dataset they query.

The service turns an :class:`~clusterld.sparql.protocol.Operation` into a
:class:`~clusterld.sparql.engine.QueryJob`, refusing what it must never run, hands the job to
the worker pool with the snapshot of the current store version, and maps every way of not
answering onto a :mod:`clusterld.sparql.errors` exception.  ``get_service`` creates it on
first use, so that applications which never see a query never start a worker.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from typing import Any

from flask import Flask, current_app
from rdflib import Graph

from clusterld import __version__
from clusterld.dataset.endpoint import StoreRefused, StoreTimeout
from clusterld.dataset.remote import RemoteStore
from clusterld.dataset.store import LocalStore, Store, get_holder
from clusterld.errors import ClusterLDError, ConfigError, NotAcceptable
from clusterld.formats import SPARQL_JSON, Format
from clusterld.sparql.cache import ResultCache
from clusterld.sparql.engine import QueryJob, QueryProblem, Snapshot
from clusterld.sparql.errors import (
    QueryFailed,
    QueryRefused,
    QuerySyntaxError,
    QueryTooDeep,
    QueryUnavailable,
)
from clusterld.sparql.pool import (
    PoolBusy,
    WorkerFailure,
    WorkerKilled,
    WorkerOutOfMemory,
    WorkerPool,
    WorkerTimeout,
)
from clusterld.sparql.protocol import READ_ONLY, Operation, choose_format
from clusterld.sparql.remote import run_remote
from clusterld.sparql.results import Rendered
from clusterld.sparql.syntax import extension_functions, normalise, scan

EXTENSION_KEY = "clusterld.sparql"
EMPTY = Snapshot("empty", ())
"""What workers load to parse a query for a remote store: nothing to evaluate on."""
log = logging.getLogger("clusterld.sparql")
GRAPH_SOURCE_KEY = "clusterld.sparql.graphs"
_create_lock = threading.Lock()

GraphSource = Callable[[Store], Mapping[str, Graph]]


@dataclass(frozen=True)
class Limits:
    """What one query may cost; stated in the service description as well as enforced."""

    timeout: float = 10.0
    max_rows: int = 10_000
    max_query_length: int = 50_000
    allow_service: bool = False
    workers: int = 2
    worker_memory: int = 2048
    """Megabytes of address space a worker may use; a query that needs more is stopped."""
    max_nesting: int = 100
    """Deepest nesting of ``{``, ``(`` and ``[`` accepted; deeper would crash the engine."""
    max_bytes: int = 64 * 1024 * 1024
    """Largest answer sent, in bytes; a larger one is refused (503)."""
    cache_mb: float = 64
    """Megabytes of answers each server process keeps for repeated queries (0: no cache)."""
    max_waiting: int = 2
    """Queries that may wait for a busy worker in one server process; more get 503 at once."""

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Limits:
        """Read the ``SPARQL_*`` settings (environment values arrive as strings).

        :raises ConfigError: a value is not a positive number (or a boolean).
        """
        try:
            limits = cls(
                timeout=float(settings["SPARQL_TIMEOUT"]),
                max_rows=int(settings["SPARQL_MAX_ROWS"]),
                max_query_length=int(settings["SPARQL_MAX_QUERY_LENGTH"]),
                allow_service=_boolean(settings["SPARQL_ALLOW_SERVICE"]),
                workers=int(settings["SPARQL_WORKERS"]),
                worker_memory=int(settings.get("SPARQL_WORKER_MEMORY", cls.worker_memory)),
                max_nesting=int(settings.get("SPARQL_MAX_NESTING", cls.max_nesting)),
                max_bytes=int(settings.get("SPARQL_MAX_BYTES", cls.max_bytes)),
                cache_mb=float(settings.get("SPARQL_CACHE_MB", cls.cache_mb)),
                max_waiting=int(settings.get("SPARQL_MAX_WAITING", cls.max_waiting)),
            )
        except (TypeError, ValueError) as error:
            raise ConfigError(f"A SPARQL_* setting has an unusable value: {error}") from None
        numbers = (
            limits.timeout,
            limits.max_rows,
            limits.max_query_length,
            limits.workers,
            limits.max_nesting,
            limits.max_bytes,
        )
        if min(numbers) <= 0 or min(limits.worker_memory, limits.cache_mb, limits.max_waiting) < 0:
            raise ConfigError(
                "SPARQL_TIMEOUT, _MAX_ROWS, _MAX_QUERY_LENGTH, _WORKERS, _MAX_NESTING and "
                "_MAX_BYTES must be > 0, SPARQL_WORKER_MEMORY, SPARQL_CACHE_MB and "
                "SPARQL_MAX_WAITING >= 0 (0: none)"
            )
        return limits


def _boolean(value: object) -> bool:
    if isinstance(value, str):
        if value.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if value.strip().lower() in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"not a boolean: {value!r}")
    return bool(value)


def store_graphs(store: Store) -> dict[str, Graph]:
    """The named graphs of a store, as rdflib graphs, by name (``{base}graph/<part>``)."""
    parts = {"data": store.data, "ontology": store.ontology, "shapes": store.shapes}
    parts["metadata"] = store.metadata
    return {str(store.graph_names[part]): graph for part, graph in parts.items()}


@dataclass(frozen=True)
class Answer:
    """A query's serialised answer and the format it is in."""

    format: Format
    rendered: Rendered


@dataclass(frozen=True)
class Prepared:
    """A query accepted and ready to run: the job, its answer's format, and its key.

    ``key`` names the answer: a hash of the data version, the version of ClusterLD, the
    normalised query, the format, the dataset the request names, the base IRI and the limits.
    The same key means the same bytes, so it is the answer's ``ETag`` and its cache key.
    """

    job: QueryJob
    format: Format
    key: str


class SparqlService:
    """Runs queries for one application; holds its worker pool and per-version caches."""

    def __init__(self, limits: Limits, *, graph_source: GraphSource | None = None) -> None:
        self.limits = limits
        self.graph_source = graph_source
        self.pool = WorkerPool(
            limits.workers,
            isolate_network=not limits.allow_service,
            memory_mb=limits.worker_memory or None,
        )
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], Any] = {}
        self.results = ResultCache(int(limits.cache_mb * 1024 * 1024))
        self.max_in_flight = limits.workers + limits.max_waiting
        """Requests that may be inside :meth:`run` at once (running or waiting for a worker)."""
        self._in_flight = 0

    def fit_to_threads(self, threads: int) -> None:
        """Leave at least one of the server's ``threads`` free of SPARQL, whatever the settings.

        A request waiting for a worker holds a server thread for up to ``SPARQL_TIMEOUT``;
        issue 13 saw eight slow queries hold all eight threads, and pages and ``/healthz``
        then waited 6 to 10 s behind them.  At most ``SPARQL_WORKERS + SPARQL_MAX_WAITING``
        queries (and never every thread) are admitted; the next gets 503 at once.
        """
        wanted = self.limits.workers + self.limits.max_waiting
        self.max_in_flight = max(1, min(wanted, threads - 1))

    def graphs(self, store: Store) -> Mapping[str, Graph]:
        """The named graphs that queries see (the default graph is their union)."""
        return (self.graph_source or store_graphs)(store)

    def cached(self, store: Store, key: str, build: Callable[[], Any]) -> Any:
        """A value derived from one store version, built once; older versions are dropped."""
        with self._lock:
            if (store.version, key) in self._cache:
                return self._cache[(store.version, key)]
        value = build()
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if k[0] == store.version}
            self._cache[(store.version, key)] = value
        return value

    def snapshot(self, store: LocalStore) -> Snapshot:
        """What the workers load: the published store's folder (each worker opens it
        read-only, so no process holds a copy), or other graphs as N-Triples."""

        def build() -> Snapshot:
            if self.graph_source is None:  # the published store: workers open it from disk
                return Snapshot(store.version, (), path=str(store.oxigraph_path))
            graphs = tuple(
                (name, graph.serialize(format="nt", encoding="utf-8"))
                for name, graph in self.graphs(store).items()
            )
            return Snapshot(store.version, graphs)

        snapshot: Snapshot = self.cached(store, "snapshot", build)
        return snapshot

    def answer(
        self, store: Store, operation: Operation, *, accept: str | None, base_iri: str
    ) -> Answer:
        """Run a query (or find its answer in the cache) in the negotiated format.

        :raises: as :meth:`prepare` and :meth:`respond`.
        """
        return self.respond(store, self.prepare(store, operation, accept=accept, base_iri=base_iri))

    def prepare(
        self, store: Store, operation: Operation, *, accept: str | None, base_iri: str
    ) -> Prepared:
        """Check a query and choose its answer's format, without running it.

        :raises QueryRefused: an update, or ``SERVICE`` while federated query is off.
        :raises NotAcceptable: no format of this query form matches the request (and the
            query parses: a malformed one is a :class:`QuerySyntaxError` whatever the request
            accepts).
        :raises QuerySyntaxError, QueryTooDeep: see :mod:`.errors`.
        """
        assert operation.query is not None
        shape = scan(operation.query)
        if shape.is_update:
            raise QueryRefused(READ_ONLY)
        if shape.depth > self.limits.max_nesting:
            raise QueryTooDeep(
                f"The query nests groups, parentheses or brackets ({{ ( [) {shape.depth} levels "
                f"deep; this endpoint accepts at most {self.limits.max_nesting} "
                "(SPARQL_MAX_NESTING). Flatten it: join patterns in one group, and combine "
                "conditions with && and || rather than nesting them."
            )
        if isinstance(store, RemoteStore) and (called := extension_functions(operation.query)):
            raise QueryRefused(
                f"This endpoint does not call the store's own functions ({', '.join(called)}): "
                "some reach the network or the store's internals. Use SPARQL's functions."
            )
        if shape.calls_service and not self.limits.allow_service:
            raise QueryRefused(
                "Federated queries (SERVICE) are disabled: this endpoint never sends requests "
                "to other servers on a client's behalf."
            )
        job = QueryJob(
            query=operation.query,
            form=shape.form or "UNKNOWN",
            media_type=SPARQL_JSON.media_type,
            max_rows=self.limits.max_rows,
            max_bytes=self.limits.max_bytes,
            base_iri=base_iri,
            prefixes=tuple((p, str(ns)) for p, ns in store.iris.prefixes().items()),
            default_graphs=operation.default_graphs if operation.names_dataset else None,
            named_graphs=operation.named_graphs if operation.names_dataset else None,
            union_default_graph=not shape.names_dataset,
        )
        # Not recognisably a query: run it anyway, for the parser's located syntax error.
        fmt = SPARQL_JSON
        if shape.form:
            try:
                fmt = choose_format(shape.form, accept=accept, parameters=operation.formats)
            except NotAcceptable:
                self.check_syntax(store, job)  # a malformed query is 400 whatever the Accept
                raise
        job = replace(job, media_type=fmt.media_type)
        return Prepared(job, fmt, self.answer_key(store, job))

    def answer_key(self, store: Store, job: QueryJob) -> str:
        """What decides the bytes of ``job``'s answer, hashed (see :class:`Prepared`)."""
        limits = self.limits
        parts = (
            store.version,
            __version__,
            job.media_type,
            job.base_iri,
            repr(job.default_graphs),
            repr(job.named_graphs),
            f"{limits.max_rows} {limits.max_bytes} {limits.timeout:g}",
            normalise(job.query),
        )
        return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:32]

    def respond(self, store: Store, prepared: Prepared) -> Answer:
        """The answer to a prepared query: from the cache, else run (and then cached).

        :raises QuerySyntaxError, QueryFailed, QueryUnavailable: see :mod:`.errors`.
        """
        rendered = self.results.get(store.version, prepared.key)
        if rendered is None:
            rendered = self.run(store, prepared.job)
            self.results.put(store.version, prepared.key, rendered)
        return Answer(prepared.format, rendered)

    def check_syntax(self, store: Store, job: QueryJob) -> None:
        """Parse ``job``'s query in a worker without running it on the data.

        :raises QuerySyntaxError: the query is malformed (line and column named).
        """
        # It parsed, or could not be checked in time: the caller's answer stands.
        with suppress(QueryFailed, QueryUnavailable):
            self.run(store, replace(job, check_only=True))

    def run(self, store: Store, job: QueryJob) -> Rendered:
        """Run a prepared job (in a worker, or on the remote store), turning every failure
        into a query error.

        :raises QueryUnavailable: at once, when ``max_in_flight`` queries are already running
            or waiting for a worker or the store (see :meth:`fit_to_threads`).
        """
        with self._lock:
            admitted = self._in_flight < self.max_in_flight
            if admitted:
                self._in_flight += 1
        if not admitted:
            busy = QueryUnavailable(
                f"Every query worker is busy and {self.limits.max_waiting} more queries are "
                "already waiting for one (SPARQL_MAX_WAITING); try again shortly."
            )
            busy.retry_after = 1
            raise busy
        try:
            return self._run_admitted(store, job)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _run_admitted(self, store: Store, job: QueryJob) -> Rendered:
        if isinstance(store, RemoteStore):
            outcome = self._run_remote(store, job)
        elif isinstance(store, LocalStore):
            outcome = self._run_in_worker(store, job)
        else:
            raise TypeError(f"no way to query {store!r}")
        return self._checked(outcome)

    def _run_remote(self, store: RemoteStore, job: QueryJob) -> Rendered | QueryProblem:
        timeout = self.limits.timeout
        try:
            return run_remote(store, job, timeout, self._parse_in_worker)
        except StoreTimeout:
            raise timed_out(timeout) from None
        except StoreRefused as error:
            if "SR171" in error.detail or "timed out" in error.detail.lower():
                raise timed_out(timeout) from None  # the store's own limit (Virtuoso)
            log.warning("The store refused a query: %s", error.detail)
            raise QueryFailed(
                f"The store could not evaluate the query (it answered {error.store_status}); "
                "simplify it, or try the embedded example queries."
            ) from None

    def _parse_in_worker(self, job: QueryJob) -> Rendered | QueryProblem:
        """Parse ``job``'s query in a worker (an empty store: nothing to evaluate on), where
        a query that makes the parser or the evaluation of constants costly is stopped."""
        return self._run_in_worker(None, replace(job, check_only=True))

    def _run_in_worker(self, store: LocalStore | None, job: QueryJob) -> Rendered | QueryProblem:
        timeout = self.limits.timeout
        snapshot = self.snapshot(store) if store is not None else EMPTY
        try:
            return self.pool.run(job, snapshot, timeout=timeout)
        except WorkerTimeout:
            raise timed_out(timeout) from None
        except WorkerOutOfMemory:
            raise QueryUnavailable(
                f"The query was stopped: it needed more than {self.limits.worker_memory} MB of "
                "memory, the limit of this endpoint (SPARQL_WORKER_MEMORY). Make it more selective."
            ) from None
        except WorkerKilled as error:
            raise QueryUnavailable(
                f"The query was stopped: {error} while running it (not because of the query); "
                "it has been replaced. Try again."
            ) from None
        except PoolBusy:
            busy = QueryUnavailable(
                f"Every query worker stayed busy for {timeout:g} seconds; try again shortly."
            )
            busy.retry_after = 1
            raise busy from None
        except WorkerFailure as error:
            raise QueryFailed(f"The query engine failed: {error}") from None

    def _checked(self, outcome: Rendered | QueryProblem) -> Rendered:
        if isinstance(outcome, QueryProblem):
            if outcome.kind == "syntax":
                raise QuerySyntaxError(outcome.message, line=outcome.line, column=outcome.column)
            if outcome.kind == "too_large":
                limit = self.limits.max_bytes
                raise QueryUnavailable(
                    f"The answer is larger than {limit} bytes ({limit / 2**20:.3g} MiB), the "
                    "most this endpoint sends (SPARQL_MAX_BYTES). Select fewer or shorter "
                    "values, or add a LIMIT and page with OFFSET."
                )
            raise QueryFailed(f"The query could not be evaluated: {outcome.message}")
        return outcome

    def ready_workers(self) -> int:
        """Query workers started and holding a version: ready to answer at once."""
        return self.pool.loaded_count

    def warm_up(self, store: Store) -> None:
        """Start all workers now, in the background, with ``store`` loaded (a remote store
        needs none: its queries run there)."""
        if isinstance(store, LocalStore):
            self.pool.prepare(self.snapshot(store))

    def close(self) -> None:
        """Stop the workers (tests and shutdown)."""
        self.pool.close()


def timed_out(timeout: float) -> QueryUnavailable:
    return QueryUnavailable(
        f"The query was stopped after {timeout:g} seconds, the limit of this endpoint "
        "(SPARQL_TIMEOUT). Make it more selective, or add a LIMIT."
    )


def init_app(app: Flask, *, graph_source: GraphSource | None = None) -> None:
    """Say which graphs an application's queries run over (its service starts on first use)."""
    app.extensions[GRAPH_SOURCE_KEY] = graph_source


def get_service(app: Flask | None = None) -> SparqlService:
    """The SPARQL service of an application (the current one by default), created on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    service: SparqlService | None = app.extensions.get(EXTENSION_KEY)
    if service is None:
        with _create_lock:
            service = app.extensions.get(EXTENSION_KEY)
            if service is None:
                source: GraphSource | None = app.extensions.get(GRAPH_SOURCE_KEY)
                service = SparqlService(Limits.from_settings(app.config), graph_source=source)
                app.extensions[EXTENSION_KEY] = service
                with suppress(ClusterLDError):  # a remote store not answering yet
                    service.warm_up(get_holder(app).store)
    return service


def install_service(app: Flask, service: SparqlService) -> SparqlService:
    """Give an application a service of the caller's making (tests use other graphs)."""
    previous: SparqlService | None = app.extensions.get(EXTENSION_KEY)
    if previous is not None:
        previous.close()
    app.extensions[EXTENSION_KEY] = service
    return service
