"""Published versions on disk and the publishing gate, for real: ``publish`` into a store
folder of the test's own, then look at the folder (``dataset.versions``).

Most tests publish the smallest conforming dataset (``data/valid/minimal.ttl``), which takes
a fraction of a second; a comment added to the file is enough to make a new version.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from clusterld import config
from clusterld.dataset import versions
from clusterld.dataset.store import InvalidDataError, StoreUnavailable, open_version
from clusterld.errors import RDFSyntaxError
from clusterld.publishing import publish as publishing
from clusterld.publishing.publish import publish

MINIMAL = Path(__file__).parent / "data" / "valid" / "minimal.ttl"
BASE = "http://localhost/"
DATA_GRAPH = f"{BASE}graph/data"


def settings_for(*paths: Path) -> dict[str, Any]:
    return config.load({"BASE_URI": BASE, "DATA_PATHS": list(paths)})


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    """An editable copy of the minimal dataset, in a folder of its own."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "minimal.ttl").write_bytes(MINIMAL.read_bytes())
    return folder


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return tmp_path / "store"


def change(data: Path, text: str) -> None:
    """Append ``text`` to the data file (a comment makes a new version, same triples)."""
    with open(data / "minimal.ttl", "a", encoding="utf-8") as handle:
        handle.write(f"\n{text}\n")


def replace(data: Path, old: str, new: str) -> None:
    path = data / "minimal.ttl"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def extra_triples(count: int) -> str:
    """Triples that no shape targets: a version with ``count`` more data triples."""
    return "\n".join(
        f"<https://clusterld.example/tomsk/id/extra/{n}> <http://example.org/p> {n} ."
        for n in range(count)
    )


def listing(root: Path) -> set[str]:
    return {path.name for path in (root / "versions").iterdir()}


def test_publishing_the_same_content_twice_reuses_the_version(data: Path, root: Path) -> None:
    first = publish(settings_for(data), root)
    assert versions.current(root) == first.resolve()
    manifest = versions.manifest_path(first).read_bytes()
    written = (first / "oxigraph").stat().st_mtime_ns
    (first / "marker").write_text("left by the test")

    again = publish(settings_for(data), root)

    assert again == first
    assert (first / "marker").read_text() == "left by the test"
    assert versions.manifest_path(first).read_bytes() == manifest
    assert (first / "oxigraph").stat().st_mtime_ns == written
    assert listing(root) == {first.name}
    assert versions.current(root) == first.resolve()
    assert json.loads(manifest)["version"] == first.name


def test_a_changed_file_makes_a_new_current_version_and_keeps_the_old(
    data: Path, root: Path
) -> None:
    first = publish(settings_for(data), root)
    change(data, extra_triples(2))
    second = publish(settings_for(data), root)

    assert second != first
    assert versions.current(root) == second.resolve()
    assert versions.is_complete(first) and versions.is_complete(second)
    assert listing(root) == {first.name, second.name}
    old, new = versions.read_manifest(first), versions.read_manifest(second)
    assert new.triples["data"] == old.triples["data"] + 2
    assert open_version(second).version == second.name


def test_invalid_data_is_refused_and_the_current_version_stays(data: Path, root: Path) -> None:
    first = publish(settings_for(data), root)
    replace(data, '"Example college"@en', '"Example college"@de')

    with pytest.raises(InvalidDataError) as caught:
        publish(settings_for(data), root)

    assert "example-college" in str(caught.value)
    assert not caught.value.report.conforms
    assert versions.current(root) == first.resolve()
    assert listing(root) == {first.name}  # no version, no .staging-* folder left behind


def test_a_syntax_error_names_the_file_and_line(data: Path, root: Path) -> None:
    first = publish(settings_for(data), root)
    path = data / "minimal.ttl"
    lines = path.read_text(encoding="utf-8").splitlines()
    broken = next(n for n, line in enumerate(lines) if line.startswith("src:example-page a"))
    lines[broken] = lines[broken].replace(" a ", " a a ", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(RDFSyntaxError) as caught:
        publish(settings_for(data), root)

    assert caught.value.source == str(path)
    assert caught.value.line == broken + 1
    assert versions.current(root) == first.resolve()
    assert listing(root) == {first.name}


def test_an_iri_with_a_space_is_refused_at_publish(data: Path, root: Path) -> None:
    """rdflib reads ``<…/new member>``; Oxigraph's parser, which publishing uses, does not,
    and no server could write such an IRI back out."""
    first = publish(settings_for(data), root)
    change(data, "<https://clusterld.example/tomsk/id/org/new member> a <http://example.org/C> .")

    with pytest.raises(RDFSyntaxError) as caught:
        publish(settings_for(data), root)

    assert str(data / "minimal.ttl") in str(caught.value)
    assert caught.value.line is not None
    assert versions.current(root) == first.resolve()
    assert listing(root) == {first.name}


def test_a_crash_while_writing_leaves_the_current_version(
    data: Path, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish(settings_for(data), root)
    change(data, extra_triples(1))

    def crash(*args: object, **kwargs: object) -> object:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publishing, "write_dumps", crash)
    with pytest.raises(publishing.PublishFailed, match="No space left"):
        publish(settings_for(data), root)

    assert versions.current(root) == first.resolve()
    assert listing(root) == {first.name}
    store = open_version(first)
    assert store.triple_count("data") == versions.read_manifest(first).triples["data"]


KILLED_PUBLISH = """
import os, signal, sys
from pathlib import Path
from clusterld import config
from clusterld.publishing import publish as publishing

def killed(*args, **kwargs):
    print("killed while writing dumps", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

publishing.write_dumps = killed
settings = config.load({"BASE_URI": sys.argv[1], "DATA_PATHS": [sys.argv[2]]})
publishing.publish(settings, Path(sys.argv[3]))
"""


def test_a_killed_publish_leaves_no_complete_partial_version(data: Path, root: Path) -> None:
    """Killed after loading and materialising (in the middle of writing the version): the
    current version is untouched, and what is left is a staging folder without a manifest,
    which a later publish ignores and ``prune`` removes once old."""
    first = publish(settings_for(data), root)
    change(data, extra_triples(3))
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_PUBLISH, BASE, str(data), str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert "killed while writing dumps" in killed.stdout

    assert versions.current(root) == first.resolve()
    left = listing(root) - {first.name}
    assert len(left) == 1 and left.pop().startswith(".staging-")
    staging = next((root / "versions").glob(".staging-*"))
    assert (staging / "oxigraph").is_dir()
    assert not versions.is_complete(staging)
    assert open_version(first).triple_count("data") > 0

    second = publish(settings_for(data), root)  # the same inputs, published for real now
    assert versions.current(root) == second.resolve() != first.resolve()
    assert versions.prune(root, min_age=0) == [staging]
    assert listing(root) == {first.name, second.name}


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(versions.manifest_path(path) if versions.is_complete(path) else path, (then, then))


def test_prune_removes_only_old_unused_versions_that_are_not_current(
    data: Path, root: Path
) -> None:
    published = []
    for n in range(5):
        change(data, f"# version {n}")
        published.append(publish(settings_for(data), root))
    v1, v2, v3, v4, v5 = published
    versions.make_current(root, v1)  # rolled back to the oldest
    for path, seconds in ((v1, 10_000), (v2, 60), (v3, 9_000), (v4, 8_000), (v5, 7_000)):
        _age(path, seconds)
    old_staging = root / "versions" / ".staging-old-1-abc"
    young_staging = root / "versions" / ".staging-young-1-abc"
    old_staging.mkdir()
    young_staging.mkdir()
    _age(old_staging, 7_200)

    # by default the three most recently used: v2, v5, v4 (and v1, current)
    assert set(versions.prune(root)) == {v3, old_staging}
    assert set(versions.prune(root, keep=1)) == {v5, v4}
    assert listing(root) == {v1.name, v2.name, young_staging.name}
    assert versions.current(root) == v1.resolve()
    assert versions.prune(root, keep=0) == []  # v1 is current, v2 was used a minute ago


def test_prune_keeps_the_current_version_of_a_store_reached_through_a_symlink(
    data: Path, tmp_path: Path
) -> None:
    real = tmp_path / "real-store"
    real.mkdir()
    root = tmp_path / "store-link"
    root.symlink_to(real)
    published = []
    for n in range(3):
        change(data, f"# version {n}")
        published.append(publish(settings_for(data), root))
    versions.make_current(root, published[0])
    for rank, path in enumerate(published):
        _age(path, 10_000 - rank)

    removed = versions.prune(root, keep=1)

    assert versions.current(root) == (real / "versions" / published[0].name)
    assert versions.is_complete(published[0])
    assert sorted(removed) == [published[1]]


def test_open_version_refuses_a_folder_without_a_manifest_or_of_another_layout(
    data: Path, root: Path, tmp_path: Path
) -> None:
    with pytest.raises(StoreUnavailable, match="no manifest"):
        open_version(tmp_path)
    folder = publish(settings_for(data), root)
    manifest = json.loads(versions.manifest_path(folder).read_text(encoding="utf-8"))
    manifest["format"] = versions.FORMAT + 1
    versions.manifest_path(folder).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(StoreUnavailable, match="layout"):
        open_version(folder)


READER = """
import sys, time
from pathlib import Path
from pyoxigraph import Store
root, stop = Path(sys.argv[1]), Path(sys.argv[2])
query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <%s> { ?s ?p ?o } }" % sys.argv[3]
print("ready", flush=True)
while True:
    last = stop.exists()
    folder = (root / "current").resolve()
    store = Store.read_only(str(folder / "oxigraph"))
    (row,) = store.query(query)
    print(folder.name, row[0].value, flush=True)
    del store
    if last:
        break
"""


def test_a_reader_in_another_process_sees_whole_versions_only(
    data: Path, root: Path, tmp_path: Path
) -> None:
    published = [publish(settings_for(data), root)]
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(root), str(stop), DATA_GRAPH],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None
        assert reader.stdout.readline() == "ready\n"
        for n in range(1, 4):
            change(data, extra_triples(n * 10))
            published.append(publish(settings_for(data), root))
        stop.touch()
        out, err = reader.communicate(timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    assert reader.returncode == 0, err
    counts = {p.name: versions.read_manifest(p).triples["data"] for p in published}
    assert len(set(counts.values())) == 4
    seen = [line.split() for line in out.splitlines()]
    assert seen, err
    for name, count in seen:
        assert counts[name] == int(count), f"{name} answered {count}, not {counts[name]}"
    assert seen[-1][0] == published[-1].name
