"""``/healthz`` and ``/readyz``: for load balancers, orchestrators and ``nginx`` checks.

``/healthz`` says that the process answers HTTP (liveness: restart it if not); ``/readyz``
says that it can answer queries now (readiness: send it traffic): a version is published and
open, its files are still there, and the SPARQL workers have started (one held the data;
over a remote store: the store answers a trivial query within its timeout).
Otherwise ``503`` with ``Retry-After``.  Workers being replaced (killed at a query's timeout
or memory cap) do not make the process unready: the soak saw a quarter of its probes answer
503 under slow queries, and a load balancer would take every instance out of rotation each
time a client's query ran into the timeout.  Both are cheap (no query, no graph), never
cached, and left out of the access log unless asked for (``clusterld serve --log-health``).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from clusterld.dataset.remote import RemoteStore
from clusterld.dataset.store import LocalStore, get_holder
from clusterld.dataset.versions import is_complete
from clusterld.errors import ClusterLDError
from clusterld.sparql.service import get_service

bp = Blueprint("health", __name__)

RETRY_AFTER = 1
"""Seconds a client should wait before asking again: workers start in about a second."""


@bp.route("/healthz")
def healthz() -> Response:
    """The process answers."""
    return _plain(Response("ok\n", content_type="text/plain; charset=utf-8"))


@bp.route("/readyz")
def readyz() -> Response:
    """A version is open and SPARQL workers are ready, or ``503`` saying which is missing."""
    try:
        store = get_holder(current_app).store
    except ClusterLDError as error:  # a remote store that has not answered since the start
        return _unready(error.detail)
    if isinstance(store, RemoteStore):
        try:
            store.endpoint.ping()
        except ClusterLDError as error:
            return _unready(error.detail)
        return _plain(jsonify({"status": "ready", "version": store.version, "store": "remote"}))
    if isinstance(store, LocalStore) and not is_complete(store.folder):
        return _unready(f"the published version {store.version} is no longer in the store")
    service = get_service()  # the first call starts the workers
    workers = service.ready_workers()
    if workers == 0 and not service.pool.started:
        return _unready("the SPARQL workers are starting")
    body = {"status": "ready", "version": store.version, "sparql_workers": workers}
    return _plain(jsonify(body))


def _unready(reason: str) -> Response:
    response = jsonify({"status": "unavailable", "reason": reason})
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return _plain(response)


def _plain(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
