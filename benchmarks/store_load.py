"""Load N-Triples into a named graph of the Oxigraph server and of Virtuoso, in several ways.

    python benchmarks/store_load.py                          # 100k and 1M triples, 3 repeats
    python benchmarks/store_load.py --triples 100000 --repeat 1 --stores virtuoso

For each store (started with tests/stores.py, on 127.0.0.1) and size, every method loads the
same N-Triples file into a fresh named graph, the triples are counted back, the graph is
dropped, and the median triples/s over ``--repeat`` runs is printed as a Markdown table:

- ``gsp-put``: one Graph Store Protocol PUT of the whole file;
- ``gsp-post-N``: PUT of the first N triples, then POSTs of N triples each;
- ``update-N``: SPARQL Update ``INSERT DATA`` of N triples a request;
- ``bulk``: the store's own loader, for reference: ``oxigraph load`` (server stopped) and
  Virtuoso's ``ld_dir`` + ``rdf_loader_run`` + ``checkpoint`` through isql.

``--visibility`` also checks whether a concurrent reader ever sees a half-loaded graph during
a whole-file PUT (it counts the graph's triples in a loop while the PUT runs).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from stores import (  # noqa: E402  (tests/ is not a package)
    NT_TYPE,
    RunningStore,
    oxigraph_binary,
    start_oxigraph,
    start_virtuoso,
)

GRAPH = "https://clusterld.example/bench/graph"


def ntriples(work: Path, size: int) -> Path:
    """N-Triples of about ``size`` generated triples, written once and kept in ``work``."""
    target = work / f"data-{size}.nt"
    if target.exists():
        return target
    import pyoxigraph

    turtle = work / f"generated-{size}"
    generator = [sys.executable, str(HERE / "generate.py"), str(turtle), "--triples", str(size)]
    subprocess.run(generator, check=True, stdout=subprocess.DEVNULL)
    store = pyoxigraph.Store()
    for file in sorted(turtle.rglob("*.ttl")):
        store.bulk_load(
            path=file, format=pyoxigraph.RdfFormat.TURTLE, to_graph=pyoxigraph.DefaultGraph()
        )
    with target.open("wb") as out:
        store.dump(out, format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.DefaultGraph())
    shutil.rmtree(turtle)
    return target


def chunks(lines: list[bytes], size: int) -> Iterator[bytes]:
    for start in range(0, len(lines), size):
        yield b"".join(lines[start : start + size])


def count(store: RunningStore) -> int:
    answer = store.query(
        f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}",
        accept="text/csv",
    )
    return int(answer.text.splitlines()[1].strip('"'))


def check(response_status: int, text: str, what: str) -> None:
    if response_status not in (200, 201, 204):
        raise RuntimeError(f"{what}: {response_status} {text[:500]}")


def gsp_put(store: RunningStore, data: Path, lines: list[bytes]) -> None:
    answer = store.request("PUT", store.graph_url(GRAPH), body=data, headers=NT_TYPE)
    check(answer.status, answer.text, "PUT")


def gsp_post(chunk: int) -> Callable[[RunningStore, Path, list[bytes]], None]:
    def load(store: RunningStore, data: Path, lines: list[bytes]) -> None:
        for number, body in enumerate(chunks(lines, chunk)):
            method = "PUT" if number == 0 else "POST"
            answer = store.request(method, store.graph_url(GRAPH), body=body, headers=NT_TYPE)
            check(answer.status, answer.text, f"{method} chunk {number}")

    return load


def update(chunk: int) -> Callable[[RunningStore, Path, list[bytes]], None]:
    def load(store: RunningStore, data: Path, lines: list[bytes]) -> None:
        for number, body in enumerate(chunks(lines, chunk)):
            text = f"INSERT DATA {{ GRAPH <{GRAPH}> {{\n{body.decode()}}} }}"
            answer = store.update(text)
            check(answer.status, answer.text, f"INSERT DATA chunk {number}")

    return load


def bulk(store: RunningStore, data: Path, lines: list[bytes]) -> None:
    if store.kind == "oxigraph":
        store.stop()
        command = [oxigraph_binary(), "load", "--location", str(store.folder / "db"),
                   "--file", str(data), "--graph", GRAPH]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
        store.start()
        return
    folder = store.folder / "load"
    for old in folder.glob("*.nt"):
        old.unlink()
    shutil.copy(data, folder / data.name)
    store.isql(
        "DELETE FROM DB.DBA.LOAD_LIST;\n"
        f"ld_dir('{folder}', '{data.name}', '{GRAPH}');\n"
        "rdf_loader_run();\ncheckpoint;"
    )
    errors = store.isql("SELECT ll_file FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;")
    if data.name in errors:
        raise RuntimeError(f"ld_dir: {errors}")


def drop(store: RunningStore) -> None:
    answer = store.update(f"DROP SILENT GRAPH <{GRAPH}>")
    check(answer.status, answer.text, "DROP")
    if store.kind == "virtuoso":
        store.isql("checkpoint;")


def visibility(store: RunningStore, data: Path, expected: int) -> set[int]:
    """Counts a reader saw while one PUT loaded the whole file (0 and ``expected`` are fine)."""
    seen: set[int] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.add(count(store))
            done.wait(0.05)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        gsp_put(store, data, [])
    finally:
        done.set()
        reader.join(60)
    seen.add(count(store))
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stores", nargs="+", default=["oxigraph", "virtuoso"])
    parser.add_argument("--methods", nargs="+", default=[
        "gsp-put", "gsp-post-50000", "update-10000", "update-50000", "bulk"])  # fmt: skip
    parser.add_argument("--visibility", action="store_true")
    parser.add_argument("--work", type=Path, help="keep generated data here (default: temporary)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="store-load-"))
    work.mkdir(parents=True, exist_ok=True)
    methods: dict[str, Callable[[RunningStore, Path, list[bytes]], None]] = {
        "gsp-put": gsp_put,
        "bulk": bulk,
    }
    for name in args.methods:
        if name.startswith("gsp-post-"):
            methods[name] = gsp_post(int(name.rsplit("-", 1)[1]))
        elif name.startswith("update-"):
            methods[name] = update(int(name.rsplit("-", 1)[1]))
    starts = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}
    print("| store | triples | method | triples/s (median) | seconds (each run) |")
    print("| --- | ---: | --- | ---: | --- |")
    for kind in args.stores:
        folder = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=work))
        store = starts[kind](folder)
        try:
            for size in args.triples:
                data = ntriples(work, size)
                lines = data.read_bytes().splitlines(keepends=True)
                for name in args.methods:
                    times = []
                    for _ in range(args.repeat):
                        drop(store)
                        began = time.perf_counter()
                        try:
                            methods[name](store, data, lines)
                        except RuntimeError as error:
                            print(f"| {kind} | {len(lines):,} | {name} | failed | {error} |")
                            break
                        times.append(time.perf_counter() - began)
                        found = count(store)
                        if found != len(lines):
                            raise SystemExit(f"{kind} {name}: {found} triples, not {len(lines)}")
                    if times:
                        rate = len(lines) / statistics.median(times)
                        each = ", ".join(f"{t:.1f}" for t in times)
                        print(
                            f"| {kind} | {len(lines):,} | {name} | {rate:,.0f} | {each} |",
                            flush=True,
                        )
                if args.visibility:
                    drop(store)
                    seen = sorted(visibility(store, data, len(lines)))
                    partial = [n for n in seen if 0 < n < len(lines)]
                    print(
                        f"visibility {kind} {len(lines):,}: counts seen {seen}; "
                        f"half-loaded: {bool(partial)}"
                    )
                drop(store)
        finally:
            store.stop()
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
