"""``serve`` publishes in a child process (issue 13, soak): what comes back, and what doesn't.

The server's memory must not keep what a publish allocated (the soak saw 570 MB → 752 MB
from reloads), so the pipeline runs in a child; these tests check that its errors come
back whole (status, title, detail, and the attributes the pages and the CLI use), that a
child which crashes, dies or overruns ``PUBLISH_TIMEOUT`` is a refusal that keeps the served
version, and that SIGHUPs are coalesced.  The end-to-end checks (a real server, its memory
and ``/status``) are in ``test_serve_reload.py``.
"""

from __future__ import annotations

import pickle
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from rdflib import URIRef

from clusterld.dataset.inference import InferenceTooLarge
from clusterld.dataset.store import InvalidDataError, Store, StoreHolder, get_holder
from clusterld.errors import ClusterLDError, RDFSyntaxError
from clusterld.publishing import isolated
from clusterld.publishing.publish import PublishFailed
from clusterld.sparql.errors import QuerySyntaxError, QueryTooLong
from clusterld.web.server import Reloads

ORG_FILE = "organisations.ttl"


@pytest.fixture()
def app(make_app: Callable[..., Flask], data_copy: Path, tmp_path: Path) -> Flask:
    return make_app(DATA_PATHS=[data_copy], CACHE_DIR=tmp_path / "cache", PUBLISH_TIMEOUT=60)


@pytest.mark.parametrize(
    "error",
    [
        RDFSyntaxError("data/a.ttl", "objectList expected", line=3, column=8),
        QueryTooLong("too long", in_url=True),  # its status is set per instance: 414
        QuerySyntaxError("bad", line=1, column=2),
        InferenceTooLarge("too many", membership=URIRef("http://example.org/m")),
        PublishFailed("disk full"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_pickle_whole(error: ClusterLDError) -> None:
    """What crosses from the child: the class, the detail and every attribute."""
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (copy.status, copy.title, copy.detail) == (error.status, error.title, error.detail)
    assert vars(copy) == vars(error) and str(copy) == str(error)


def test_a_syntax_error_comes_back_with_its_file_and_line(app: Flask, data_copy: Path) -> None:
    holder = get_holder(app)
    (data_copy / "broken.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(RDFSyntaxError) as caught:
        holder.reload()
    error = caught.value
    assert error.source.endswith("broken.ttl") and (error.line, error.column) == (1, 8)
    assert holder.last_failure is not None and holder.last_failure.error is error


def test_invalid_data_comes_back_with_its_report(app: Flask, data_copy: Path) -> None:
    holder = get_holder(app)
    path = data_copy / ORG_FILE
    path.write_text(path.read_text(encoding="utf-8").replace('"EleSy"@en', '"EleSy"'), "utf-8")
    with pytest.raises(InvalidDataError) as caught:
        holder.reload()
    report = caught.value.report
    assert not report.conforms and report.results
    assert any("English label" in r.message("en") for r in report.results)
    assert "EleSy" in caught.value.detail  # the readable report, with labels from the store
    assert len(report.results_graph) > 0


@pytest.mark.parametrize(
    ("child", "expected"),
    [
        ("import os; os._exit(3)", "stopped before it finished (exit code 3)"),
        ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "killed by SIGKILL"),
        ("raise SystemExit(0)", "stopped before it finished (exit code 0)"),
    ],
    ids=["exit", "killed", "silent"],
)
def test_a_child_that_dies_is_a_refusal(
    app: Flask, data_copy: Path, monkeypatch: pytest.MonkeyPatch, child: str, expected: str
) -> None:
    holder = get_holder(app)
    before = holder.store
    _edit(data_copy, "EleSy Died")
    monkeypatch.setattr(isolated, "COMMAND", (sys.executable, "-c", child))
    with pytest.raises(PublishFailed) as caught:
        holder.reload()
    assert expected in caught.value.detail and "current version is unchanged" in caught.value.detail
    assert holder.store is before
    monkeypatch.undo()
    assert holder.reload().version != before.version  # and the next reload works


def test_a_child_that_crashes_is_a_refusal(
    app: Flask, data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash = (
        "from clusterld.publishing import isolated, publish\n"
        "def broken(*args, **kwargs):\n"
        "    raise KeyError('a bug')\n"
        "publish.write_dumps = broken\n"
        "isolated.run()\n"
    )
    holder = get_holder(app)
    _edit(data_copy, "EleSy Crash")
    monkeypatch.setattr(isolated, "COMMAND", (sys.executable, "-c", crash))
    with pytest.raises(PublishFailed) as caught:
        holder.reload()
    assert "KeyError: 'a bug'" in caught.value.detail


def test_a_child_over_the_publish_timeout_is_stopped(
    app: Flask, data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["PUBLISH_TIMEOUT"] = 1
    holder = get_holder(app)
    _edit(data_copy, "EleSy Slow")
    monkeypatch.setattr(isolated, "COMMAND", (sys.executable, "-c", "import time; time.sleep(60)"))
    started = time.monotonic()
    with pytest.raises(PublishFailed) as caught:
        holder.reload()
    assert time.monotonic() - started < 30
    assert "longer than 1 s (PUBLISH_TIMEOUT)" in caught.value.detail


def test_a_published_version_is_opened_without_a_child(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unchanged data: the version in the cache is reused; no process is started for it."""
    monkeypatch.setattr(isolated, "COMMAND", (sys.executable, "-c", "raise SystemExit(9)"))
    holder = get_holder(app)
    assert holder.reload().version == holder.store.version


def test_sighups_are_coalesced() -> None:
    """Many signals during a reload make one more reload, not one each (issue 13, item 16)."""
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    class SlowHolder(StoreHolder):
        def __init__(self) -> None:
            self.last_failure = None

        def reload(self) -> Store:
            calls.append(1)
            started.set()
            assert release.wait(30)
            raise PublishFailed("not really")

        @property
        def store(self) -> Store:
            return type("Fake", (), {"version": "v"})()  # type: ignore[return-value]

    reloads = Reloads(SlowHolder())
    reloads.request()
    assert started.wait(30)
    for _ in range(100):
        reloads.request()
    release.set()
    deadline = time.monotonic() + 30
    while len(calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # a third reload, if any, would have started by now
    assert len(calls) == 2


def _edit(folder: Path, label: str) -> None:
    path = folder / ORG_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"EleSy"@en', f'"{label}"@en', 1), encoding="utf-8")
