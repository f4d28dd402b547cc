"""Downloadable dumps of the dataset: deterministic bytes, checksums, once per version.

Harvesters download a dump, compare its checksum with the one the catalog announces and load
it, so the bytes of one version must never change: every dump is written once, when the
version is published (:func:`write_dumps`: sorted N-Triples, the other formats streamed from
them by Oxigraph, gzip without a timestamp), and served from its file with the size and
checksums the manifest records.  :func:`canonical_graph` gives documents with blank nodes the
same bytes in every process.  No Flask here.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import heapq
import itertools
import logging
import shutil
import threading
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pyoxigraph import NamedNode, RdfFormat, parse, serialize
from pyoxigraph import Store as OxStore
from rdflib import BNode, Graph
from rdflib.compare import to_canonical_graph

from clusterld.dataset.remote import RemoteStore
from clusterld.dataset.store import Store
from clusterld.dataset.versions import DumpEntry
from clusterld.formats import N_TRIPLES, RDF_FORMATS, Format

OX_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "json-ld": RdfFormat.JSON_LD,
    "n-triples": RdfFormat.N_TRIPLES,
    "rdf-xml": RdfFormat.RDF_XML,
}
"""Oxigraph's serialiser for each format of :data:`clusterld.formats.RDF_FORMATS`, by name."""

T = TypeVar("T")
log = logging.getLogger("clusterld.dumps")

PARTS: dict[str, str] = {
    "data": "clusterld",
    "ontology": "clusterld-ontology",
    "shapes": "clusterld-shapes",
}
"""File stem of the dump of each part of the store: the data, the ontology, the shapes."""

GZIP_MEDIA_TYPE = "application/gzip"


@dataclass(frozen=True)
class Dump:
    """One downloadable file: a part of the store in one RDF format, perhaps gzipped."""

    part: str
    format: Format
    gzipped: bool = False

    @property
    def name(self) -> str:
        """The file name, e.g. ``clusterld.nt.gz``: also the last segment of its URL."""
        return f"{PARTS[self.part]}.{self.format.suffix}" + (".gz" if self.gzipped else "")

    @property
    def media_type(self) -> str:
        """The media type the file is served with (a gzipped file is a gzip download)."""
        return GZIP_MEDIA_TYPE if self.gzipped else self.format.media_type

    @property
    def content_type(self) -> str:
        return GZIP_MEDIA_TYPE if self.gzipped else self.format.content_type


@dataclass(frozen=True)
class DumpFile:
    """A dump written when a version was published, with what the catalog announces."""

    dump: Dump
    path: Path
    sha256: str
    byte_size: int
    sha1: str
    """For DCAT-AP 2.1.1, whose shapes accept no other checksum algorithm."""

    @property
    def body(self) -> bytes:
        return self.path.read_bytes()


DUMPS: tuple[Dump, ...] = tuple(
    dump
    for part in PARTS
    for dump in (
        *(Dump(part, fmt) for fmt in RDF_FORMATS),
        Dump(part, N_TRIPLES, gzipped=True),
    )
)
"""Every dump, in catalog order: per part, Turtle, JSON-LD, N-Triples, RDF/XML, N-Triples.gz."""


def cached(store: Store, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per store version (see :meth:`Store.cached`)."""
    return store.cached(key, compute)


def part_graph(store: Store, part: str) -> Graph:
    """The graph of one part of the store, by its name in :data:`PARTS`."""
    graphs = {"data": store.data, "ontology": store.ontology, "shapes": store.shapes}
    return graphs[part]


def dump_files(store: Store) -> dict[str, DumpFile]:
    """Every dump of this store version by file name (written when it was published)."""

    def read() -> dict[str, DumpFile]:
        by_name = {dump.name: dump for dump in DUMPS}
        return {
            entry.name: DumpFile(
                by_name[entry.name],
                store.dumps_folder() / entry.name,
                entry.sha256,
                entry.byte_size,
                entry.sha1,
            )
            for entry in store.manifest.dumps
            if entry.name in by_name
        }

    return cached(store, ("dumps", "files"), read)


def dump_file(store: Store, name: str) -> DumpFile | None:
    """The dump called ``name`` (e.g. ``clusterld.ttl``), or ``None`` if there is none.

    A remote store's dumps are written into its local cache on first use, from the store,
    by the same code as at publishing: sorted N-Triples, so the same bytes and checksums as
    the catalog announces (unless the data has blank nodes, which a store relabels).
    """
    file = dump_files(store).get(name)
    if file is not None and isinstance(store, RemoteStore) and not file.path.is_file():
        lock: threading.Lock = store.cached("dumps|lock", threading.Lock)
        with lock:
            if not file.path.is_file():
                write_remote_dumps(store)
    return file


def write_remote_dumps(store: RemoteStore) -> None:
    """Write the dumps of a remote version into its cache folder (complete or not at all)."""
    folder = store.dumps_folder()
    staging = folder.with_name(f".staging-{uuid.uuid4().hex}")
    prefixes = {prefix: str(ns) for prefix, ns in store.iris.prefixes().items()}
    try:
        staging.mkdir(parents=True)
        written: list[DumpEntry] = []
        for part, stem in PARTS.items():
            ntriples = staging / f"{stem}.{N_TRIPLES.suffix}"
            # Written again by Oxigraph: the same escapes as at publishing, whatever the store's.
            triples = parse(store.part_ntriples(part), format=RdfFormat.N_TRIPLES)
            serialize((t.triple for t in triples), output=str(ntriples), format=RdfFormat.N_TRIPLES)
            written += write_part_dumps(part, ntriples, prefixes).values()
        expected = {entry.name: entry.sha256 for entry in store.manifest.dumps}
        changed = [e.name for e in written if expected.get(e.name) not in (None, e.sha256)]
        if changed:
            log.warning(
                "Dumps of version %s differ from the published checksums (%s): the data has "
                "blank nodes, which the store relabelled",
                store.version,
                ", ".join(changed),
            )
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            staging.rename(folder)
        except OSError:  # another server process wrote them first: the same files
            if not folder.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_dumps(
    source: OxStore, graphs: dict[str, str], folder: Path, prefixes: dict[str, str]
) -> list[DumpEntry]:
    """Write every dump of a version being published, from its Oxigraph store.

    Written once per version, so their bytes never change while the version is served.
    Each part is read from the store once, as sorted N-Triples; the other formats are
    streamed from that file by Oxigraph (three times faster than reading the store again,
    and rdflib would take minutes at a million triples).
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, DumpEntry] = {}
    for part in PARTS:
        ntriples = folder / f"{PARTS[part]}.{N_TRIPLES.suffix}"
        quads = source.quads_for_pattern(None, None, None, NamedNode(graphs[part]))
        serialize((quad.triple for quad in quads), output=str(ntriples), format=RdfFormat.N_TRIPLES)
        written.update(write_part_dumps(part, ntriples, prefixes))
    return [written[dump.name] for dump in DUMPS]


def write_part_dumps(part: str, ntriples: Path, prefixes: dict[str, str]) -> dict[str, DumpEntry]:
    """Sort a part's N-Triples file in place and write its other formats beside it."""
    sort_lines(ntriples)
    written: dict[str, DumpEntry] = {}
    for dump in (d for d in DUMPS if d.part == part):
        path = ntriples.parent / dump.name
        if dump.gzipped:
            with (
                open(ntriples, "rb") as plain,
                open(path, "wb") as raw,
                gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as packed,
            ):
                shutil.copyfileobj(plain, packed, 1 << 20)
        elif dump.format != N_TRIPLES:
            triples = parse(path=str(ntriples), format=RdfFormat.N_TRIPLES, lenient=True)
            serialize(
                triples,
                output=str(path),
                format=OX_FORMATS[dump.format.name],
                prefixes=prefixes,
            )
        written[dump.name] = DumpEntry(
            name=dump.name,
            part=dump.part,
            format=dump.format.name,
            gzipped=dump.gzipped,
            byte_size=path.stat().st_size,
            **_digests(path),
        )
    return written


def sort_lines(path: Path, *, chunk: int = 500_000) -> None:
    """Sort the lines of a file in place, in bounded memory (sorted runs, then one merge).

    Sorted N-Triples are the same bytes whatever order the store keeps, and two versions'
    dumps can be compared with ``diff``.  Bytes sort as UTF-8, i.e. by code point.
    """
    runs: list[Path] = []
    with open(path, "rb") as source:
        while lines := list(itertools.islice(source, chunk)):
            lines.sort()
            run = path.with_name(f"{path.name}.run{len(runs)}")
            run.write_bytes(b"".join(lines))
            runs.append(run)
    with contextlib.ExitStack() as stack, open(path, "wb") as target:
        target.writelines(heapq.merge(*(stack.enter_context(open(run, "rb")) for run in runs)))
    for run in runs:
        run.unlink()


def _digests(path: Path) -> dict[str, str]:
    """SHA-256 (DCAT-AP 3) and SHA-1 (DCAT-AP 2.1.1) of a file, in one read."""
    sha256, sha1 = hashlib.sha256(), hashlib.sha1()  # noqa: S324  (a checksum, not security)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha256.update(block)
            sha1.update(block)
    return {"sha256": sha256.hexdigest(), "sha1": sha1.hexdigest()}


def canonical_graph(graph: Graph, store: Store) -> Graph:
    """A copy of ``graph`` whose serialisations are the same bytes in every process.

    The default rdflib store iterates in hash order; ``SimpleMemory`` keeps insertion order,
    so inserting sorted triples with canonical blank-node labels fixes every serialiser's order.
    """
    has_bnodes = any(isinstance(term, BNode) for triple in graph for term in triple)
    source = to_canonical_graph(graph) if has_bnodes else graph
    ordered = Graph(store="SimpleMemory")
    for prefix, namespace in store.iris.prefixes().items():
        ordered.bind(prefix, namespace, replace=True)
    for triple in sorted(source, key=lambda t: tuple(term.n3() for term in t)):
        ordered.add(triple)
    return ordered
