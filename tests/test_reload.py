"""Reloading the dataset: atomic, and never publishes data that fails the shapes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from clusterld.dataset.store import InvalidDataError, get_holder
from clusterld.errors import RDFSyntaxError

ORG_FILE = "organisations.ttl"


def _drop_english_labels_of_elesy(folder: Path) -> None:
    path = folder / ORG_FILE
    text = path.read_text(encoding="utf-8")
    assert '"EleSy"@en' in text
    path.write_text(text.replace('"EleSy"@en', '"EleSy"'), encoding="utf-8")


def test_reload_publishes_a_new_conforming_version(
    make_app: Callable[..., Flask], data_copy: Path
) -> None:
    app = make_app(DATA_PATHS=[data_copy])
    holder = get_holder(app)
    before = holder.store
    path = data_copy / ORG_FILE
    path.write_text(
        path.read_text(encoding="utf-8").replace('"EleSy"@en', '"EleSy Company"@en'),
        encoding="utf-8",
    )
    after = holder.reload()
    assert holder.store is after
    assert after.version != before.version
    assert holder.last_failure is None


def test_reload_with_invalid_data_keeps_the_published_version(
    make_app: Callable[..., Flask], data_copy: Path
) -> None:
    app = make_app(DATA_PATHS=[data_copy])
    holder = get_holder(app)
    before = holder.store
    _drop_english_labels_of_elesy(data_copy)
    with pytest.raises(InvalidDataError):
        holder.reload()
    assert holder.store is before
    assert holder.last_failure is not None
    assert holder.last_failure.report is not None
    assert not holder.last_failure.report.conforms


def test_reload_with_a_syntax_error_keeps_the_published_version(
    make_app: Callable[..., Flask], data_copy: Path
) -> None:
    app = make_app(DATA_PATHS=[data_copy])
    holder = get_holder(app)
    before = holder.store
    (data_copy / "broken.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(RDFSyntaxError) as caught:
        holder.reload()
    assert "broken.ttl, line 1" in caught.value.detail
    assert holder.store is before
    assert holder.last_failure is not None and holder.last_failure.report is None


def test_invalid_data_at_start_is_refused(make_app: Callable[..., Flask], data_copy: Path) -> None:
    _drop_english_labels_of_elesy(data_copy)
    with pytest.raises(InvalidDataError) as caught:
        make_app(DATA_PATHS=[data_copy])
    assert "English label" in caught.value.report.text


def test_readers_see_one_whole_version_during_reloads(
    make_app: Callable[..., Flask], data_copy: Path
) -> None:
    """Each version's graphs belong together: a reader never sees data from two versions."""
    app = make_app(DATA_PATHS=[data_copy])
    holder = get_holder(app)
    seen: list[tuple[str, int]] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            store = holder.store
            seen.append((store.version, len(store.data)))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    path = data_copy / ORG_FILE
    versions = {holder.store.version: len(holder.store.data)}
    for number in range(3):
        text = path.read_text(encoding="utf-8")
        path.write_text(text + f'\n<urn:x:{number}> <urn:x:p> "{number}"@en .\n', encoding="utf-8")
        store = holder.reload()
        versions[store.version] = len(store.data)
    stop.set()
    for reader in readers:
        reader.join()
    assert len(versions) == 4
    assert seen
    assert all(versions[version] == size for version, size in seen)
