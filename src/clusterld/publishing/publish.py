"""Publishing a version: load, rebase, materialise, validate, derive, write, make current.

``clusterld publish`` and ``clusterld serve`` (which publishes into a cache first) both come
here.  The steps, each reported as a phase of :class:`~clusterld.publishing.progress.Progress`:

1. **key**: hash the inputs (every file's bytes, the base IRIs, the metadata settings, the
   versions of ClusterLD and of the SHACL engine).  A complete version with that key is
   reused as it is: its verdict was reached on exactly these inputs.
2. **load** every file straight into a new Oxigraph store (``dataset.bulk``), IRIs rebased;
3. **materialise** the entailments (``dataset.inference``) inside the store;
4. **validate** the data with the fast SHACL engine (the gate: a version that does not
   conform is discarded and :class:`InvalidDataError` says why; the current one is untouched);
5. **dumps**, **statistics** and **metadata** (VoID, DCAT, example queries, in the store's
   metadata graph), then the default graph as the merge of all parts;
6. the manifest, then one ``rename`` makes the version complete and one symlink swap makes it
   current.  A crash at any point leaves only a staging folder, removed later.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
import os
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, parse
from pyoxigraph import Store as OxStore
from rdflib import Graph, URIRef

from clusterld import __version__
from clusterld.dataset import versions
from clusterld.dataset.bulk import BULK_THRESHOLD, count_triples, load_files
from clusterld.dataset.endpoint import Endpoint, EndpointConfig, is_remote
from clusterld.dataset.inference import materialise_in_store
from clusterld.dataset.loading import rdf_files
from clusterld.dataset.remote import open_remote
from clusterld.dataset.store import (
    InvalidDataError,
    Store,
    StoreUnavailable,
    graph_names,
    open_version,
)
from clusterld.dataset.terms import in_memory, to_ox, view
from clusterld.errors import ClusterLDError, InputError
from clusterld.metadata import metadata_graph
from clusterld.metadata.common import Profile
from clusterld.metadata.dumps import PARTS, write_dumps
from clusterld.metadata.statistics import statistics, to_json, vocabularies
from clusterld.namespaces import IRIScheme
from clusterld.publishing.isolated import publish_isolated
from clusterld.publishing.progress import Progress
from clusterld.shacl.engine import ValidationReport, validate_ntriples_file
from clusterld.shacl.text_report import format_text

log = logging.getLogger("clusterld.publish")

INPUTS = (("ontology", "ONTOLOGY_PATHS"), ("shapes", "SHAPES_PATHS"), ("data", "DATA_PATHS"))
"""The parts of a dataset and the settings naming their files, in loading order."""


def content_key(settings: Mapping[str, Any]) -> str:
    """A hash of everything a version is made from: same inputs, same key, same version."""
    digest = hashlib.sha256()
    engine = package_metadata.version("shacl")
    header = [f"clusterld {__version__} {code_fingerprint()}", f"layout {versions.FORMAT}"]
    header.append(f"shacl {engine}")
    header += [settings["BASE_URI"], settings["SOURCE_BASE"], repr(Profile.from_settings(settings))]
    digest.update("\n".join(header).encode())
    for part, key in INPUTS:
        for path in rdf_files(Path(p) for p in settings[key]):
            digest.update(f"\n{part} {path.suffix.lower()} ".encode())
            try:
                digest.update(_file_hash(path).encode())
            except OSError as error:  # gone or unreadable since it was listed
                raise InputError(f"{path}: cannot be read ({error.strerror})") from None
    return digest.hexdigest()[:16]


@functools.cache
def code_fingerprint() -> str:
    """A hash of ClusterLD's own code and example queries: a version written by other code
    (say, before an upgrade changed the metadata) is never reused from the cache."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".rq", ".in"):
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def open_published(settings: Mapping[str, Any], endpoint: Endpoint | None = None) -> Store:
    """The version a server should serve: the current one of ``STORE``, or, without a store,
    the shipped (or ``DATA_PATHS``) data published first into the cache (``CACHE_DIR``), in
    a child process (:mod:`~clusterld.publishing.isolated`: the server's memory stays flat).

    :raises StoreUnavailable: ``STORE`` names a folder where nothing is published yet.
    :raises InvalidDataError, clusterld.errors.InputError, PublishFailed: as :func:`publish`,
        or ``PublishFailed`` when the child crashed or ran out of time (``PUBLISH_TIMEOUT``).
    """
    if is_remote(settings.get("STORE")):
        cache = cache_root(settings) / "remote"
        return open_remote(
            endpoint or remote_endpoint(settings),
            settings["BASE_URI"],
            cache=cache,
            max_incoming=int(settings["MAX_INCOMING_LINKS"]),
        )
    if settings.get("STORE"):
        root = Path(settings["STORE"]).expanduser()
        folder = versions.current(root)
        if folder is None:
            raise StoreUnavailable(
                f"{root}: no version is published there yet; "
                f"publish one with: clusterld publish --store {root}"
            )
        return open_version(folder)
    root = cache_root(settings)
    folder = versions.version_dir(root, content_key(settings))
    if not versions.is_complete(folder):  # else reused as it is, with no child to start
        folder = publish_isolated(
            settings, root, make_current=False, timeout=float(settings["PUBLISH_TIMEOUT"])
        )
    return open_version(folder)


def remote_endpoint(settings: Mapping[str, Any]) -> Endpoint:
    """The client of the remote store ``STORE`` names (one per application: it pools)."""
    return Endpoint(EndpointConfig.from_settings(settings))


def cache_root(settings: Mapping[str, Any]) -> Path:
    """Where ``clusterld serve`` publishes when given no store: ``CACHE_DIR``, else the
    user's cache folder (``$XDG_CACHE_HOME/clusterld``, ``~/.cache/clusterld``)."""
    if settings.get("CACHE_DIR"):
        return Path(settings["CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "clusterld"


def publish(
    settings: Mapping[str, Any],
    root: Path,
    *,
    make_current: bool = True,
    progress: Progress | None = None,
) -> Path:
    """Publish the dataset ``settings`` names into the store folder ``root``.

    :return: the folder of the (new or reused) version.
    :raises InvalidDataError: the data does not conform (nothing is written).
    :raises clusterld.errors.InputError: a file cannot be read or parsed.
    :raises PublishFailed: the version could not be written (disk full, folder not writable);
        its staging folder is removed and the current version stays current.
    """
    progress = progress or Progress()
    with progress.phase("key"):
        version = content_key(settings)
    failed: str | None = None
    try:
        with versions.publish_lock(root):
            folder = versions.version_dir(root, version)
            if versions.is_complete(folder):
                log.info("Version %s is already published in %s", version, root)
            else:
                with versions.staging(root, version) as staging:
                    _write_version(settings, staging, version, progress)
            if make_current and versions.current(root) != folder.resolve():
                versions.make_current(root, folder)
                log.info("Version %s is now current in %s", version, root)
            versions.prune(root)
    except OSError as error:  # the disk is full, or the store folder cannot be written
        failed = f"{error.strerror or error}"
    if failed is not None:
        # Raised outside the handler, so that nothing keeps the half-written store open.
        raise PublishFailed(
            f"{root}: cannot write the new version ({failed}); nothing was published and "
            "the current version is unchanged. Free some space or fix the folder, then "
            "publish (or reload) again."
        )
    return folder


class PublishFailed(ClusterLDError):
    """Writing a version failed (disk full, folder not writable); nothing was published."""

    status = 503
    title = "Publishing failed"


def _write_version(
    settings: Mapping[str, Any], folder: Path, version: str, progress: Progress
) -> None:
    """Write a whole version into ``folder``; the store is closed when this returns or raises
    (RocksDB writes in the background while it is open, which would race the removal of a
    failed version's folder)."""
    store = OxStore(str(folder / "oxigraph"))
    try:
        _fill(store, settings, folder, version, progress)
    except BaseException as error:
        traceback.clear_frames(error.__traceback__)  # the frames below hold the store too
        raise
    finally:
        del store
        gc.collect()


def _fill(
    store: OxStore, settings: Mapping[str, Any], folder: Path, version: str, progress: Progress
) -> None:
    iris = IRIScheme(settings["BASE_URI"])
    names = {part: str(name) for part, name in graph_names(iris.base).items()}
    counts: dict[str, int] = {}
    for part, key in INPUTS:
        with progress.phase(f"load {part}") as phase:
            counts[part] = load_files(
                store,
                [Path(p) for p in settings[key]],
                names[part],
                source_base=settings["SOURCE_BASE"],
                base=iris.base,
                progress=phase.update,
            )
            phase.update(counts[part])
    ontology = in_memory(store, URIRef(names["ontology"]), {})
    with progress.phase("materialise"):
        limit = max(int(settings["INFERENCE_MAX_TRIPLES"]), counts["data"])
        materialise_in_store(store, names["data"], ontology, max_derived=limit)
        counts["data"] = count_triples(store, names["data"])
    prefixes = {prefix: str(ns) for prefix, ns in iris.prefixes().items()}
    with progress.phase("dumps", total=sum(counts.values())):
        dumps = write_dumps(store, names, folder / "dumps", prefixes)
    with progress.phase("validate", total=counts["data"]) as phase:
        shapes = in_memory(store, URIRef(names["shapes"]), prefixes)
        report = validate_ntriples_file(folder / "dumps" / "clusterld.nt", shapes)
        phase.update(counts["data"])
    if not report.conforms:
        raise InvalidDataError(report, _readable(report, store, names["data"], shapes, prefixes))
    report.results_graph.serialize(folder / "report.ttl", format="turtle")
    with progress.phase("statistics", total=counts["data"]) as phase:
        found = statistics(store, names["data"], f"{iris.base}id/")
        phase.update(found.triples)
    with progress.phase("index"):
        data_classes = {str(cls): n for cls, n in found.classes.items()}
        classes = write_index(store, folder, iris.base, names, data_classes)
    manifest = versions.Manifest(
        version=version,
        base=iris.base,
        source_base=settings["SOURCE_BASE"],
        published_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        triples=counts,
        conforms=report.conforms,
        results={"violations": len(report.results)},
        engine=f"shacl {package_metadata.version('shacl')}",
        statistics=to_json(found, vocabularies(found)),
        dumps=tuple(dumps),
        settings={"profile": repr(Profile.from_settings(settings))},
        classes=classes,
        clusterld=__version__,
    )
    with progress.phase("metadata"):
        draft = open_version_draft(folder, manifest, store)
        metadata = metadata_graph(draft, settings)
        store.bulk_extend(_quads(metadata, names["metadata"]))
        counts["metadata"] = len(metadata)
    with progress.phase("merge"):
        merge_into_default_graph(store, folder / "dumps", metadata)
    store.flush()
    store.optimize()
    manifest = replace(manifest, triples=counts)
    versions.manifest_path(folder).write_text(manifest.to_json(), encoding="utf-8")


def open_version_draft(folder: Path, manifest: versions.Manifest, store: OxStore) -> Store:
    """The version being written, as a server would see it (for the metadata builders)."""
    versions.manifest_path(folder).write_text(manifest.to_json(), encoding="utf-8")
    try:
        return open_version(folder, writable=store)
    finally:
        versions.manifest_path(folder).unlink()


def _quads(graph: Graph, name: str) -> Iterator[Quad]:
    target = NamedNode(name)
    for s, p, o in graph:
        yield Quad(to_ox(s), to_ox(p), to_ox(o), target)


def write_index(
    store: OxStore, folder: Path, base: str, names: dict[str, str], data_classes: dict[str, int]
) -> dict[str, int]:
    """What pages and the sitemap need about the whole version, found once:
    the path of every thing ``{base}id/<path>`` (``things.txt``, sorted) and the number of
    instances of every class in data, ontology and shapes (returned, for the manifest).

    The things are read from the sorted N-Triples dumps (a pass over lines is several times
    faster than asking the store for distinct subjects and objects); class counts are the
    data's statistics, recounted across the parts only for classes the small parts use.
    """
    prefix = f"{base}id/"
    found: set[str] = set()
    for part in ("data", "ontology", "shapes"):
        found |= things_in_ntriples(folder / "dumps" / f"{PARTS[part]}.nt", prefix)
    paths = sorted(iri[len(prefix) :] for iri in found)
    (folder / "things.txt").write_text("".join(f"{path}\n" for path in paths), encoding="utf-8")
    counts = dict(data_classes)
    small = " ".join(f"<{names[part]}>" for part in ("ontology", "shapes"))
    shared = store.query(
        f"SELECT DISTINCT ?c WHERE {{ VALUES ?g {{ {small} }} GRAPH ?g {{ ?s a ?c }} }}"
    )
    for (cls,) in shared:  # type: ignore[union-attr]
        everywhere = store.query(
            f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?g {{ <{names['data']}> {small} }} "
            f"GRAPH ?g {{ ?s a <{cls.value}> }} }}"
        )
        counts[cls.value] = int(next(iter(everywhere))[0].value)  # type: ignore[arg-type]
    return counts


def things_in_ntriples(path: Path, prefix: str) -> set[str]:
    """Every IRI under ``prefix`` (other than ``prefix`` itself) that is the subject or the
    object of a triple of an N-Triples file (one triple a line, as Oxigraph writes it)."""
    wanted = prefix.encode()
    found: set[bytes] = set()
    with open(path, "rb") as lines:
        for line in lines:
            if wanted not in line:
                continue
            if line.startswith(b"<"):  # the subject is an IRI
                found.add(line[1 : line.index(b">")])
            end = line.rstrip().removesuffix(b" .")
            if end.endswith(b">"):  # the object is an IRI, or a literal's datatype
                start = end.rindex(b"<")
                if end[start - 1 : start] != b"^":
                    found.add(end[start + 1 : -1])
    return {iri.decode("utf-8") for iri in found if iri.startswith(wanted) and iri != wanted}


def merge_into_default_graph(store: OxStore, dumps: Path, metadata: Graph) -> None:
    """Fill the default graph with the RDF merge of every part, for SPARQL.

    Materialised: a query over several default graphs sees a triple once per graph holding
    it, while the merge is a set, and it answers 3 to 6 times slower than over one graph.
    The parts are read back from their N-Triples dumps: natively by Oxigraph's loaders when
    they have no blank nodes (those loaders relabel them), else through its parser, which
    keeps their labels, so that a blank node is the same node in both places.
    """
    for part in ("data", "ontology", "shapes"):
        dump = dumps / f"{PARTS[part]}.nt"
        if not _mentions_blank_nodes(dump):
            large = dump.stat().st_size >= BULK_THRESHOLD  # else one transaction: faster
            load = store.bulk_load if large else store.load
            load(path=str(dump), format=RdfFormat.N_TRIPLES, to_graph=DefaultGraph(), lenient=True)
            continue
        triples = parse(path=str(dump), format=RdfFormat.N_TRIPLES, lenient=True)
        store.bulk_extend(Quad(q.subject, q.predicate, q.object, DefaultGraph()) for q in triples)
    store.extend(Quad(to_ox(s), to_ox(p), to_ox(o), DefaultGraph()) for s, p, o in metadata)


def _mentions_blank_nodes(path: Path) -> bool:
    """Whether an N-Triples file may hold a blank node (``_:`` anywhere, to be safe)."""
    previous = b""
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            if b"_:" in previous[-1:] + block:  # a "_:" may straddle two blocks
                return True
            previous = block
    return False


def _readable(
    report: ValidationReport, store: OxStore, data: str, shapes: Graph, prefixes: dict[str, str]
) -> str:
    """The readable report ``clusterld validate`` prints, with labels looked up in the store."""
    return format_text(report, view(store, URIRef(data), prefixes), shapes)


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
