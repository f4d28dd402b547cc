"""Publishing into a remote SPARQL store: the gate here, then new graphs there, then a switch.

1. The version is published as it would be locally, into the cache (``CACHE_DIR``): loaded,
   materialised, validated (the gate: non-conforming data never reaches the store), with its
   dumps, statistics, metadata and validation report.
2. It is registered in the control graph as ``loading`` (so that an interrupted load can
   be cleaned up later), and each of its parts is uploaded into a graph of its own whose
   name carries the version (Graph Store Protocol ``PUT``, then ``POST`` in chunks when it is
   large and has no blank nodes, which a store would relabel per request; without a GSP
   endpoint, SPARQL Updates of 256 KiB), and the record
   graph with the manifest, the report and the things' paths.
3. Each graph is counted in the store: a count that differs from the manifest stops here.
4. One SPARQL Update switches ``current`` to the new version and stamps the old one
   ``retiredAt``: readers that follow the pointer see either version, complete, never a mix.
5. Versions retired longer ago than a reader can still be using them, and loads abandoned
   long ago, are dropped.

A failure at any step leaves the served version current: its graphs are never touched.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from clusterld.dataset.endpoint import Endpoint, chunks
from clusterld.dataset.remote import (
    CONTROL,
    CURRENT,
    MANIFEST,
    RETIRED,
    STARTED,
    STATE,
    control_graph,
    current_version,
    iri,
    record_triples,
    version_graphs,
    version_iri,
)
from clusterld.dataset.store import PARTS, graph_names
from clusterld.dataset.versions import Manifest, read_manifest
from clusterld.errors import ClusterLDError
from clusterld.metadata.dumps import PARTS as DUMP_STEMS
from clusterld.publishing.progress import Progress
from clusterld.publishing.publish import cache_root, publish, remote_endpoint

log = logging.getLogger("clusterld.publish")

CHUNK_BYTES = 8 * 1024 * 1024
"""Largest body of one upload request (stores limit request sizes; Virtuoso's default is
small)."""
UPDATE_CHUNK_BYTES = 256 * 1024
"""Largest ``INSERT DATA`` body, when the store has no Graph Store Protocol endpoint."""
RETIRED_GRACE = timedelta(minutes=10)
"""How long a replaced version stays in the store: longer than any reader can still be
using it (a server checks the pointer every ``STORE_REFRESH`` seconds, and a request runs
for at most its timeout)."""
CLAIMED = f"<{CONTROL}claimedAt>"
ABANDONED_AFTER = timedelta(hours=6)
"""A load registered this long ago and never made current was interrupted: dropped."""
KEPT_DUMP_BYTES = 8 * 1024 * 1024
"""Largest N-Triples dump of a part with blank nodes kept in the record graph."""
LEASE_FOR = timedelta(hours=2)
"""A publishing claim older than this belongs to a publisher that died."""
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


class RemotePublishFailed(ClusterLDError):
    """The version could not be loaded into the store; the current version is unchanged."""

    status = 503
    title = "Publishing failed"


def publish_remote(
    settings: Mapping[str, Any], *, progress: Progress | None = None, now: datetime | None = None
) -> str:
    """Publish the dataset ``settings`` names into the remote store ``STORE``.

    :return: the version now current.
    :raises InvalidDataError, InputError: as :func:`clusterld.publishing.publish.publish`.
    :raises RemotePublishFailed, StoreDown, StoreTimeout, StoreRefused: the store did not
        take the version; what it served before stays current.
    """
    progress = progress or Progress()
    folder = publish(settings, cache_root(settings), make_current=False, progress=progress)
    manifest = read_manifest(folder)
    endpoint = remote_endpoint(settings)
    base = manifest.base
    started = now or datetime.now(UTC)
    try:
        with publishing_lease(endpoint, base):
            return _publish_version(endpoint, folder, manifest, progress, started, now)
    finally:
        endpoint.close()


def _publish_version(
    endpoint: Endpoint,
    folder: Path,
    manifest: Manifest,
    progress: Progress,
    started: datetime,
    now: datetime | None,
) -> str:
    base = manifest.base
    previous = current_version(endpoint, base)  # stays so: this publish holds the lease
    if previous == manifest.version:
        log.info("Version %s is already current in the store", manifest.version)
        return manifest.version
    if not is_uploaded(endpoint, base, manifest.version):
        with progress.phase("upload"):
            register_loading(endpoint, base, manifest.version, started)
            upload_version(endpoint, folder, manifest)
    with progress.phase("check"):
        check_counts(endpoint, base, manifest)
    with progress.phase("switch"):
        # Stamped now, not when the publish began: the replaced version is retired from
        # this moment, and its grace (readers still using it) counts from here.
        switched = now or datetime.now(UTC)
        make_current(endpoint, base, manifest.version, switched, replacing=previous)
    with progress.phase("retire"):
        drop_retired(endpoint, base, switched, current=manifest.version)
    return manifest.version


@contextmanager
def publishing_lease(endpoint: Endpoint, base: str) -> Iterator[None]:
    """Hold the right to publish under ``base`` (one publisher at a time), or refuse.

    Each publisher writes a claim stamped by the store's own clock (``NOW()``), then reads
    every live claim: the earliest wins, and the others withdraw.  Two publishers agree on
    the winner without a lock the store would have to offer; a claim older than
    ``LEASE_FOR`` is a publisher that died, and is ignored.

    :raises RemotePublishFailed: another publish holds the lease.
    """
    control = iri(control_graph(base))
    mine = f"<{CONTROL}claim/{uuid.uuid4().hex}>"
    endpoint.update(
        f"INSERT {{ GRAPH {control} {{ {mine} {CLAIMED} ?now }} }} WHERE {{ BIND(NOW() AS ?now) }}"
    )
    try:
        rows = endpoint.select(
            f"SELECT ?claim ?at (NOW() AS ?now) "
            f"WHERE {{ GRAPH {control} {{ ?claim {CLAIMED} ?at }} }}"
        )
        live = sorted(
            (at, str(claim.value))
            for claim, at, store_now in ((c, moment(a.value), moment(n.value)) for c, a, n in rows)
            if store_now - at < LEASE_FOR
        )
        if not live or live[0][1] != mine[1:-1]:
            since = live[0][0].isoformat(timespec="seconds") if live else "?"
            raise RemotePublishFailed(
                f"Another publish into {base} is in progress (since {since}, the store's "
                "clock); nothing was changed. Publish again when it has finished."
            )
        yield
    finally:
        endpoint.update(f"DELETE WHERE {{ GRAPH {control} {{ {mine} ?p ?o }} }}")


def moment(text: str) -> datetime:
    """An ``xsd:dateTime`` as an aware datetime (a store may leave out the time zone: UTC)."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def is_uploaded(endpoint: Endpoint, base: str, version: str) -> bool:
    """Whether a version's graphs are all in the store: its record graph, written last,
    is there (a version published before, perhaps retired since).  Its graphs are then
    never written again: a reader may still be reading them."""
    record = iri(version_iri(base, version))
    return endpoint.ask(f"ASK {{ GRAPH {record} {{ {record} {MANIFEST} ?m }} }}")


def register_loading(endpoint: Endpoint, base: str, version: str, now: datetime) -> None:
    control, record = iri(control_graph(base)), iri(version_iri(base, version))
    endpoint.update(
        f'INSERT DATA {{ GRAPH {control} {{ {record} {STATE} "loading" ; '
        f"{STARTED} {stamp(now)} }} }}"
    )


def upload_version(endpoint: Endpoint, folder: Path, manifest: Manifest) -> None:
    """Every part of the version into its own graph, then its record graph."""
    graphs = version_graphs(manifest.base, manifest.version)
    local = ox.Store.read_only(str(folder / "oxigraph"))
    kept: dict[str, str] = {}
    try:
        for part in PARTS:
            source = ox.NamedNode(str(graph_names(manifest.base)[part]))
            if upload_graph(endpoint, graphs[part], local, source):
                kept.update(kept_dump(folder, part))
    finally:
        del local
    report = (
        (folder / "report.ttl").read_text(encoding="utf-8")
        if (folder / "report.ttl").is_file()
        else ""
    )
    things = (folder / "things.txt").read_text(encoding="utf-8")
    write_things(endpoint, graphs["record"], manifest.base, manifest.version, things)
    record = record_triples(manifest.base, manifest, report, None, kept)
    endpoint.load_graph(graphs["record"], record, append=True)  # the manifest: complete


def write_things(endpoint: Endpoint, graph: str, base: str, version: str, things: str) -> None:
    """The things' paths into the record graph, by one ``INSERT DATA``: one literal of 1.8 MB
    at a million triples, and Virtuoso's Graph Store refuses a literal over some 64 KB
    ("unsupported type text/plain") where its SPARQL Update takes it (dropping a trailing
    newline, which the paths, read line by line, do not miss)."""
    triple = record_triples(base, None, "", things, {}, version=version).decode("utf-8")
    endpoint.update(f"INSERT DATA {{ GRAPH {iri(graph)} {{\n{triple}}} }}")


def kept_dump(folder: Path, part: str) -> dict[str, str]:
    """The N-Triples dump of a part with blank nodes, if small enough to keep in the record
    (servers write the other formats from it: the same bytes as published)."""
    stem = DUMP_STEMS.get(part)
    path = folder / "dumps" / f"{stem}.nt"
    if stem is None or not path.is_file() or path.stat().st_size > KEPT_DUMP_BYTES:
        return {}
    return {part: path.read_text(encoding="utf-8")}


def upload_graph(endpoint: Endpoint, target: str, local: ox.Store, source: ox.NamedNode) -> bool:
    """One graph of the local version into ``target``: one ``PUT``, or ``PUT`` + ``POST``s.

    :return: whether the graph has blank nodes.
    """
    blank = any(
        isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)
        for quad in local.quads_for_pattern(None, None, None, source)
    )
    lines = ntriples_lines(local, source)
    if blank:  # one request: a store labels blank nodes afresh in each one
        endpoint.load_graph(target, b"".join(lines))
        return True
    first = True
    size = CHUNK_BYTES if endpoint.config.gsp_url else UPDATE_CHUNK_BYTES
    for body in chunks(lines, size):
        endpoint.load_graph(target, body, append=not first)
        first = False
    if first:  # an empty part: the graph still exists, empty
        endpoint.load_graph(target, b"")
    return False


def ntriples_lines(store: ox.Store, graph: ox.NamedNode) -> Iterator[bytes]:
    for quad in store.quads_for_pattern(None, None, None, graph):
        yield f"{quad.subject} {quad.predicate} {quad.object} .\n".encode()


def check_counts(endpoint: Endpoint, base: str, manifest: Manifest) -> None:
    """Every uploaded graph holds as many triples as the version has.

    :raises RemotePublishFailed: one does not (its graphs are dropped again).
    """
    graphs = version_graphs(base, manifest.version)
    for part in PARTS:
        rows = endpoint.select(
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
            default_graphs=(graphs[part],),
            timeout=max(endpoint.config.timeout, 600.0),
        )
        found, expected = int(rows[0][0].value), manifest.triples.get(part, 0)
        if found != expected:
            drop_version(endpoint, base, manifest.version)
            raise RemotePublishFailed(
                f"The store holds {found} triples of the {part} of version {manifest.version} "
                f"after the upload, not {expected}; nothing was made current. Check the "
                "store's log (a request size or memory limit?) and publish again."
            )


def make_current(
    endpoint: Endpoint, base: str, version: str, now: datetime, *, replacing: str | None
) -> None:
    """Make ``version`` current by one update of the pointer (stamping the version it
    replaces retired); its own bookkeeping is updated around it, which readers never read.

    The pointer moves in one operation whose ``WHERE`` always matches: Virtuoso 7 runs no
    update whose pattern is only ``OPTIONAL`` parts, so the first version is inserted alone.
    """
    control, record = iri(control_graph(base)), iri(version_iri(base, version))
    endpoint.update(f"DELETE WHERE {{ GRAPH {control} {{ {record} {RETIRED} ?when }} }}")
    if replacing is None:
        endpoint.update(f"INSERT DATA {{ GRAPH {control} {{ {control} {CURRENT} {record} }} }}")
    else:
        endpoint.update(
            f"DELETE {{ GRAPH {control} {{ {control} {CURRENT} ?old . ?old {STATE} ?state }} }}\n"
            f"INSERT {{ GRAPH {control} {{ {control} {CURRENT} {record} . "
            f'?old {RETIRED} {stamp(now)} . ?old {STATE} "retired" }} }}\n'
            f"WHERE {{ GRAPH {control} {{ {control} {CURRENT} ?old "
            f"OPTIONAL {{ ?old {STATE} ?state }} }} }}"
        )
    endpoint.update(f"DELETE WHERE {{ GRAPH {control} {{ {record} {STATE} ?state }} }}")
    endpoint.update(f'INSERT DATA {{ GRAPH {control} {{ {record} {STATE} "current" }} }}')


def drop_retired(
    endpoint: Endpoint, base: str, now: datetime, *, current: str | None = None
) -> list[str]:
    """Drop versions retired before the grace period and loads abandoned long ago, never
    ``current`` (asked of the store when not given)."""
    current = current or current_version(endpoint, base)
    control = iri(control_graph(base))
    rows = endpoint.select(
        f"SELECT ?v ?retired ?started WHERE {{ GRAPH {control} {{ "
        f'{{ ?v {RETIRED} ?retired }} UNION {{ ?v {STATE} "loading" ; {STARTED} ?started }} }} }}'
    )
    dropped = []
    for record, retired, started in rows:
        version = str(record.value).rsplit("/", 1)[-1]
        if retired is not None:
            old = moment(retired.value) < now - RETIRED_GRACE
        else:
            old = started is not None and moment(started.value) < now - ABANDONED_AFTER
        if old and version != current:
            drop_version(endpoint, base, version)
            dropped.append(version)
    return dropped


def drop_version(endpoint: Endpoint, base: str, version: str) -> None:
    """Drop a version's graphs, then its entries in the control graph."""
    control, record = iri(control_graph(base)), iri(version_iri(base, version))
    for graph in version_graphs(base, version).values():
        endpoint.update(f"DROP SILENT GRAPH {iri(graph)}")
    endpoint.update(f"DELETE WHERE {{ GRAPH {control} {{ {record} ?p ?o }} }}")
    log.info("Dropped version %s from the store", version)


def stamp(moment: datetime) -> str:
    return f'"{moment.astimezone(UTC).isoformat()}"^^<{XSD_DATETIME}>'
