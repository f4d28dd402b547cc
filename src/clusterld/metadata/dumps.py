"""Downloadable dumps of the dataset: deterministic bytes, checksums, once per version.

Harvesters download a dump, compare its checksum with the one the catalog announces and load
it, so the bytes of one version must never change: graphs are written in a canonical order
(blank nodes relabelled canonically, triples inserted sorted into an order-preserving store,
N-Triples lines sorted, JSON-LD arrays sorted, gzip without a timestamp) and are computed
once per :class:`~clusterld.dataset.store.Store` and cached on it.  No Flask here.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from rdflib import BNode, Graph
from rdflib.compare import to_canonical_graph

from clusterld.dataset.store import Store
from clusterld.formats import JSON_LD, N_TRIPLES, RDF_FORMATS, Format

T = TypeVar("T")

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
    """The bytes of a dump for one store version, with what the catalog announces about them."""

    dump: Dump
    body: bytes
    sha256: str
    sha1: str
    """For DCAT-AP 2.1.1, whose shapes accept no other checksum algorithm."""

    @property
    def byte_size(self) -> int:
        return len(self.body)


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
    """Every dump of this store version by file name, serialised once and cached."""
    return cached(store, ("dumps", "files"), lambda: _serialise_all(store))


def dump_file(store: Store, name: str) -> DumpFile | None:
    """The dump called ``name`` (e.g. ``clusterld.ttl``), or ``None`` if there is none."""
    return dump_files(store).get(name)


def _serialise_all(store: Store) -> dict[str, DumpFile]:
    files: dict[str, DumpFile] = {}
    canonical = {part: canonical_graph(part_graph(store, part), store) for part in PARTS}
    for dump in DUMPS:
        plain = f"{PARTS[dump.part]}.{dump.format.suffix}"
        if dump.gzipped:
            body = gzip.compress(files[plain].body, compresslevel=9, mtime=0)
        else:
            body = serialise(canonical[dump.part], dump.format)
        files[dump.name] = DumpFile(
            dump, body, hashlib.sha256(body).hexdigest(), hashlib.sha1(body).hexdigest()
        )
    return files


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


def serialise(graph: Graph, fmt: Format) -> bytes:
    """UTF-8 bytes of ``graph`` in ``fmt``, deterministic for a canonical graph."""
    if fmt == N_TRIPLES:
        text = graph.serialize(format="nt")
        return "".join(sorted(set(text.splitlines(keepends=True)))).encode("utf-8")
    if fmt == JSON_LD:
        context = {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix}
        text = graph.serialize(format="json-ld", context=context, auto_compact=True)
        document = _sorted_json(json.loads(text))
        return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode(
            "utf-8"
        )
    return graph.serialize(format=fmt.rdflib_format or fmt.name, encoding="utf-8")


def _sorted_json(value: Any, *, ordered: bool = False) -> Any:
    """JSON-LD with every unordered array sorted (``@list`` arrays keep their order)."""
    if isinstance(value, dict):
        return {key: _sorted_json(item, ordered=key == "@list") for key, item in value.items()}
    if isinstance(value, list):
        items = [_sorted_json(item) for item in value]
        if ordered:
            return items
        return sorted(items, key=lambda item: json.dumps(item, ensure_ascii=False, sort_keys=True))
    return value
