"""Published versions on disk: one folder per version, and a pointer to the current one.

A store folder (the ``STORE`` setting, or the cache that ``clusterld serve`` publishes into)::

    versions/<version>/      one version, complete and never written again
        oxigraph/            the RDF dataset (RocksDB): named graphs data, ontology, shapes,
                             metadata, and their RDF merge as the default graph
        manifest.json        what the version is: base, counts, statistics, dumps and their
                             checksums, the validation verdict (see :class:`Manifest`)
        report.ttl           the ``sh:ValidationReport`` of the data
        things.txt           the path of every thing ``{base}id/<path>``, sorted
        dumps/<file>         the downloadable files
    current                  a symbolic link to ``versions/<version>``, replaced atomically
    versions/.staging-*/     versions being written: never read, removed if publishing fails
    publish.lock             held while a version is written, so two publishes never race

Why this layout: a version is written beside the current one and becomes visible by one
``rename`` (complete or not at all), then current by one symlink replacement, so a reader
never sees half a version and a failed publish leaves the served one untouched.  Versions
are named by a hash of their inputs, so publishing unchanged content finds it already there.
No Flask here.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 1
"""Layout version of a store folder; a folder written by another layout is refused."""

KEEP_VERSIONS = 3
"""Complete versions kept besides the current one (older ones are removed by ``prune``)."""


@dataclass(frozen=True)
class DumpEntry:
    """One downloadable file of a version, as the catalog announces it."""

    name: str
    part: str
    format: str
    gzipped: bool
    byte_size: int
    sha256: str
    sha1: str


@dataclass(frozen=True)
class Manifest:
    """Everything a server needs to know about a version without reading its triples."""

    version: str
    base: str
    source_base: str
    published_at: str
    triples: dict[str, int]
    conforms: bool
    results: dict[str, int]
    engine: str
    statistics: dict[str, Any] = field(default_factory=dict)
    dumps: tuple[DumpEntry, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    """Instances of every class in data, ontology and shapes (for pages, without counting)."""
    clusterld: str = ""
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        values = json.loads(text)
        values["dumps"] = tuple(DumpEntry(**entry) for entry in values.get("dumps", ()))
        return cls(**values)


class StoreFolderError(OSError):
    """A store folder that cannot be used: missing, not a store, or of another layout."""


def manifest_path(version_dir: Path) -> Path:
    return version_dir / "manifest.json"


def read_manifest(version_dir: Path) -> Manifest:
    """The manifest of a complete version.

    :raises StoreFolderError: the folder holds no complete version of this layout.
    """
    try:
        manifest = Manifest.from_json(manifest_path(version_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreFolderError(f"{version_dir}: not a published version (no manifest)") from None
    except (ValueError, TypeError) as error:
        raise StoreFolderError(f"{version_dir}: unreadable manifest ({error})") from None
    if manifest.format != FORMAT:
        raise StoreFolderError(
            f"{version_dir}: written by store layout {manifest.format}, this is {FORMAT}; "
            "publish the data again"
        )
    return manifest


def version_dir(root: Path, version: str) -> Path:
    return root / "versions" / version


def is_complete(path: Path) -> bool:
    return manifest_path(path).is_file()


def current(root: Path) -> Path | None:
    """The folder of the current version, or None when nothing has been published."""
    link = root / "current"
    if not link.is_symlink() and not link.exists():
        return None
    target = link.resolve()
    return target if is_complete(target) else None


def make_current(root: Path, path: Path) -> None:
    """Point ``current`` at ``path`` in one atomic step (a new symlink renamed over the old)."""
    temporary = root / f".current-{uuid.uuid4().hex}"
    temporary.symlink_to(path.relative_to(root))
    os.replace(temporary, root / "current")
    _fsync_dir(root)


@contextlib.contextmanager
def staging(root: Path, version: str) -> Iterator[Path]:
    """A private folder to write a version into; renamed into place if the block succeeds.

    On any exception the folder is removed and the store is as it was.  If another process
    completed the same version meanwhile, its copy wins and ours is discarded (same content).
    """
    versions = root / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    path = versions / f".staging-{version}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    try:
        yield path
        final = version_dir(root, version)
        try:
            os.rename(path, final)
        except OSError:
            if not is_complete(final):
                raise
            shutil.rmtree(path, ignore_errors=True)
        _fsync_dir(versions)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise


@contextlib.contextmanager
def publish_lock(root: Path) -> Iterator[None]:
    """Hold the store's publish lock (blocking): one version is written at a time."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "publish.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def touch(path: Path) -> None:
    """Record that a version was used now (``prune`` keeps the most recently used)."""
    with contextlib.suppress(OSError):
        os.utime(manifest_path(path))


def prune(root: Path, *, keep: int = KEEP_VERSIONS, min_age: float = 3600.0) -> list[Path]:
    """Remove old versions: all but the current one and the ``keep`` most recently used.

    A version used in the last ``min_age`` seconds is kept whatever its rank, because a
    server process may still be answering from it; so are abandoned staging folders younger
    than that (a publish may still be writing them).
    """
    versions = root / "versions"
    if not versions.is_dir():
        return []
    now = time.time()
    live = current(root)
    complete = sorted(
        (p for p in versions.iterdir() if not p.name.startswith(".") and is_complete(p)),
        key=lambda p: manifest_path(p).stat().st_mtime,
        reverse=True,
    )
    removed: list[Path] = []
    for rank, path in enumerate(complete):
        age = now - manifest_path(path).stat().st_mtime
        # ``live`` is resolved: compare resolved paths, or a store reached through a
        # symbolic link (or a relative path) would lose its current version
        if path.resolve() != live and rank >= keep and age > min_age:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    for path in versions.glob(".staging-*"):
        if now - path.stat().st_mtime > min_age:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable: a crash after this never undoes it."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
