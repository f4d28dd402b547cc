"""Dumps: every file loads back to exactly its graph, and its bytes are stable for a version."""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys

import pytest
from flask import Flask
from rdflib import Graph
from rdflib.compare import isomorphic

from clusterld.dataset.store import Store, get_holder
from clusterld.metadata.dumps import DUMPS, PARTS, dump_file, dump_files, part_graph

# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def store(app: Flask) -> Store:
    return get_holder(app).store


def load(body: bytes, name: str) -> Graph:
    """Parse a dump the way a harvester would: by its file name."""
    if name.endswith(".gz"):
        body, name = gzip.decompress(body), name.removesuffix(".gz")
    rdf_format = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdf": "xml"}[
        name.rsplit(".", 1)[1]
    ]
    return Graph().parse(data=body, format=rdf_format)


def test_there_is_a_dump_of_every_part_in_every_format() -> None:
    names = {dump.name for dump in DUMPS}
    for stem in PARTS.values():
        assert {f"{stem}.{ext}" for ext in ("ttl", "jsonld", "nt", "nt.gz", "rdf")} <= names
    assert len(names) == len(DUMPS) == 15


@pytest.mark.parametrize("dump", DUMPS, ids=lambda dump: dump.name)
def test_every_dump_loads_back_to_exactly_its_graph(store: Store, dump) -> None:
    file = dump_files(store)[dump.name]
    assert isomorphic(load(file.body, dump.name), part_graph(store, dump.part))


@pytest.mark.parametrize("dump", DUMPS, ids=lambda dump: dump.name)
def test_checksum_and_size_describe_the_bytes(store: Store, dump) -> None:
    file = dump_files(store)[dump.name]
    assert file.sha256 == hashlib.sha256(file.body).hexdigest()
    assert file.byte_size == len(file.body) > 0


def test_gzipped_dump_is_the_n_triples_dump_without_a_timestamp(store: Store) -> None:
    plain, packed = dump_file(store, "clusterld.nt"), dump_file(store, "clusterld.nt.gz")
    assert plain is not None and packed is not None
    assert gzip.decompress(packed.body) == plain.body
    assert packed.body[4:8] == b"\0\0\0\0"  # gzip MTIME field: no time, so no changing bytes
    assert packed.dump.media_type == "application/gzip"


def test_n_triples_lines_are_sorted(store: Store) -> None:
    body = dump_files(store)["clusterld.nt"].body.decode("utf-8")
    lines = body.splitlines()
    assert lines == sorted(lines)
    assert len(lines) == len(store.data)


def test_dumps_are_computed_once_per_version(store: Store) -> None:
    assert dump_files(store) is dump_files(store)
    assert dump_file(store, "no-such-dump.ttl") is None


# The checksums a catalog announces must not depend on the process that computed them:
# rdflib's default store iterates in hash order, which differs between processes.
CHECKSUMS = """
from clusterld.web.app import create_app
from clusterld.metadata.dumps import dump_files
from clusterld.dataset.store import get_holder
store = get_holder(create_app({"TESTING": True})).store
print(" ".join(f"{name}={file.sha256}" for name, file in sorted(dump_files(store).items())))
"""


def in_another_process(script: str, seed: str) -> str:
    """What ``script`` prints in a fresh interpreter with another string-hash seed."""
    other = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONHASHSEED": seed},
        capture_output=True,
        text=True,
        check=True,
    )
    return other.stdout.strip()


def test_dump_bytes_do_not_depend_on_the_process(store: Store) -> None:
    # Blank nodes (the shapes' property shapes and lists) are where labels could differ.
    for name in ("clusterld-shapes.nt", "clusterld-shapes.jsonld", "clusterld-shapes.rdf"):
        assert b"_:" in dump_files(store)[name].body or b"nodeID" in dump_files(store)[name].body
    mine = " ".join(f"{name}={file.sha256}" for name, file in sorted(dump_files(store).items()))
    assert len(mine.split()) == len(DUMPS)
    for seed in ("1", "2"):
        assert in_another_process(CHECKSUMS, seed) == mine


VERSION = """
from clusterld.web.app import create_app
from clusterld.dataset.store import get_holder
print(get_holder(create_app({"TESTING": True})).store.version)
"""


def test_the_store_version_does_not_depend_on_the_process(store: Store) -> None:
    """The version makes the ETags: a restart, or another server process, keeps them."""
    assert {in_another_process(VERSION, seed) for seed in ("1", "2")} == {store.version}


DOCUMENT_CHECKSUMS = """
import hashlib
from clusterld import create_app
client = create_app({}).test_client()
for path in ("/shapes.nt", "/shapes.jsonld", "/shapes.rdf", "/doc/cluster/industrial.jsonld"):
    print(path, hashlib.sha256(client.get(path).get_data()).hexdigest())
"""


def test_documents_with_blank_nodes_are_the_same_bytes_in_every_process() -> None:
    """Two server processes give one ETag (from the content) and must then give one body."""
    first, second = (in_another_process(DOCUMENT_CHECKSUMS, seed) for seed in ("1", "2"))
    assert first.count("\n") == 3
    assert first == second
