"""Faults of the machine rather than of the client (issue 13, deliverable 5).

A SPARQL worker killed mid-query, a data folder that cannot be read at reload (a file
replaced by a folder or a FIFO, a file that vanishes, a half-written file) and a disk that
fills up while a version is written: each gets a clear answer, the served version stays as it
was, and the next good request or reload works without a restart.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from clusterld.dataset.store import StoreHolder, get_holder
from clusterld.errors import ClusterLDError, InputError, RDFSyntaxError
from clusterld.publishing import isolated, publish
from clusterld.sparql.service import get_service
from clusterld.web.server import reload_dataset
from sparql_support import sparql_app

ORG_FILE = "organisations.ttl"
RELOAD_TIMEOUT = 60.0

# --- a SPARQL worker killed in the middle of a query --------------------------------------

ENDLESS = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture(scope="module")
def sparql(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    with sparql_app(make_app, workers=1, timeout=60) as app:
        yield app


def query(app: Flask, text: str) -> TestResponse:
    return app.test_client().get(
        "/sparql", query_string={"query": text}, headers={"Accept": "application/json"}
    )


def wait(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_worker_killed_mid_query_is_503_and_replaced(sparql: Flask) -> None:
    pool = get_service(sparql).pool
    assert query(sparql, "ASK { ?s ?p ?o }").status_code == 200
    (victim,) = pool.pids
    answers: list[TestResponse] = []
    thread = threading.Thread(target=lambda: answers.append(query(sparql, ENDLESS)))
    started = time.monotonic()
    thread.start()
    wait(lambda: pool.idle_count == 0, "the worker to take the query")
    time.sleep(0.5)  # the query is running in the worker now
    os.kill(victim, signal.SIGKILL)
    thread.join(30)
    assert not thread.is_alive()
    assert time.monotonic() - started < 30  # answered at once, not at the 60 s timeout
    (answer,) = answers
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.json is not None
    assert "stopped" in answer.json["detail"] and "try again" in answer.json["detail"].lower()
    following = query(sparql, "ASK { ?s ?p ?o }")
    assert following.status_code == 200 and following.json == {"head": {}, "boolean": True}
    wait(lambda: len(pool.pids) == 1, "a replacement worker")
    assert victim not in pool.pids


# --- the data folder at reload -------------------------------------------------------------


@pytest.fixture()
def holder(make_app: Callable[..., Flask], data_copy: Path, tmp_path: Path) -> StoreHolder:
    app = make_app(DATA_PATHS=[data_copy], CACHE_DIR=tmp_path / "cache")
    return get_holder(app)


def good_edit(folder: Path, label: str) -> None:
    path = folder / ORG_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"EleSy"@en', f'"{label}"@en', 1), encoding="utf-8")


def refused(holder: StoreHolder, expected: str) -> ClusterLDError:
    """Reload, in bounded time, and check that it is refused and changes nothing served."""
    before = holder.store
    outcome: list[BaseException] = []

    def attempt() -> None:
        try:
            holder.reload()
        except BaseException as error:  # noqa: BLE001  (checked below)
            outcome.append(error)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(RELOAD_TIMEOUT)
    assert not thread.is_alive(), "the reload hangs"
    (error,) = outcome
    assert isinstance(error, ClusterLDError), repr(error)
    assert expected in error.detail, error.detail
    assert holder.store is before
    assert holder.last_failure is not None and holder.last_failure.error is error
    return error


def recovers(holder: StoreHolder, folder: Path) -> None:
    """A good edit afterwards is published by the same process."""
    before = holder.store
    good_edit(folder, "EleSy Recovered")
    after = holder.reload()
    assert after.version != before.version and holder.store is after
    assert holder.last_failure is None


def test_a_data_file_replaced_by_a_folder_is_refused(holder: StoreHolder, data_copy: Path) -> None:
    path = data_copy / ORG_FILE
    saved = path.read_bytes()
    path.unlink()
    path.mkdir()
    error = refused(holder, f"{path}: a folder, but named like an RDF file")
    assert isinstance(error, InputError)
    path.rmdir()
    path.write_bytes(saved)
    recovers(holder, data_copy)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_in_the_data_folder_is_refused_without_blocking(
    holder: StoreHolder, data_copy: Path
) -> None:
    fifo = data_copy / "pipe.ttl"
    os.mkfifo(fifo)
    refused(holder, f"{fifo}: not a regular file")
    fifo.unlink()
    recovers(holder, data_copy)


def test_a_dangling_link_in_the_data_folder_is_refused(
    holder: StoreHolder, data_copy: Path, tmp_path: Path
) -> None:
    link = data_copy / "moved.ttl"
    link.symlink_to(tmp_path / "gone.ttl")
    refused(holder, f"{link}: not a regular file")
    link.unlink()
    recovers(holder, data_copy)


def test_a_file_that_vanishes_while_it_is_read_is_refused(
    holder: StoreHolder, data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vanished = data_copy / "vanished.ttl"
    listed = publish.rdf_files

    def listing(paths: Any) -> list[Path]:
        return [*listed(paths), vanished]  # listed, then gone before it is read

    monkeypatch.setattr(publish, "rdf_files", listing)
    refused(holder, f"{vanished}: cannot be read (No such file or directory)")
    monkeypatch.undo()
    recovers(holder, data_copy)


def test_a_half_written_file_is_refused_naming_its_line(
    holder: StoreHolder, data_copy: Path
) -> None:
    path = data_copy / ORG_FILE
    saved = path.read_bytes()
    cut = saved[: len(saved) // 2]
    path.write_bytes(cut)
    error = refused(holder, f"{path}, line ")
    assert isinstance(error, RDFSyntaxError) and error.line is not None
    assert error.line >= cut.count(b"\n")  # at the end of what was written, not before
    path.write_bytes(saved)
    recovers(holder, data_copy)


def test_a_refused_reload_through_the_signal_handler_is_logged_not_raised(
    holder: StoreHolder, data_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """What SIGHUP runs in its thread: an unreadable folder must not kill it with a traceback."""
    (data_copy / "dir.ttl").mkdir()
    before = holder.store
    with caplog.at_level(logging.ERROR, logger="clusterld"):
        reload_dataset(holder)
    assert holder.store is before
    assert f"still serving version {before.version}" in caplog.text
    assert "a folder, but named like an RDF file" in caplog.text


# --- the disk fills up while a version is written ------------------------------------------


FULL_DISK_CHILD = """
import errno, os
from clusterld.publishing import isolated, publish

def write_dumps_until_full(store, names, folder, prefixes):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "clusterld.nt", "wb") as handle:
        handle.write(b"<http://a.example/s> <http://a.example/p> ")  # half a line
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder / "clusterld.nt"))

publish.write_dumps = write_dumps_until_full
isolated.run()
"""
"""The publishing child, with a disk that fills up while the dumps are written."""


def test_disk_full_while_publishing_is_a_clear_error_and_recovers(
    holder: StoreHolder, data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    versions_before = sorted(p.name for p in (cache / "versions").iterdir())
    monkeypatch.setattr(isolated, "COMMAND", (sys.executable, "-c", FULL_DISK_CHILD))
    good_edit(data_copy, "EleSy Disk Full")
    error = refused(holder, "cannot write the new version (No space left on device)")
    assert isinstance(error, publish.PublishFailed) and error.status == 503
    assert "the current version is unchanged" in error.detail
    # the half-written version is gone: no staging folder, no new version
    assert sorted(p.name for p in (cache / "versions").iterdir()) == versions_before
    # the served version still answers from its own folder
    assert holder.store.folder.is_dir() and holder.store.triple_count("data") > 0

    monkeypatch.undo()
    after = holder.reload()  # the same edit, now with room on the disk
    assert holder.store is after and holder.last_failure is None
    assert any(str(label) == "EleSy Disk Full" for label in after.data.objects(None, None))


# --- memory: what a crawler walks through is not kept for ever ---------------------------------


def test_the_document_cache_is_bounded(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The soak run found the server growing by every document served (250 MB → 820 MB in
    3 minutes over 4 500 documents): each one's description, graph and bodies were kept."""
    from clusterld.dataset import store as stores

    monkeypatch.setattr(stores, "RECENT_ENTRIES", 8)
    app = make_app()
    client = app.test_client()
    store = get_holder(app).store
    paths = [p for p in store.thing_paths if p.startswith("org/")][:20]
    assert len(paths) == 20
    first = {}
    for path in paths:
        response = client.get(f"/doc/{path}.ttl")
        assert response.status_code == 200
        first[path] = (response.headers["ETag"], response.get_data())
    recent = store.cached("store|recent", lambda: None)
    assert isinstance(recent, stores.RecentlyUsed) and len(recent) <= 8
    assert not any(str(key).startswith("render|body") for key in store._cache)
    for path in paths[:3]:  # made again after being dropped: the same bytes and ETag
        response = client.get(f"/doc/{path}.ttl")
        assert (response.headers["ETag"], response.get_data()) == first[path]
