"""Scale: publish once, serve at once — ClusterLD against the Oxigraph server, same data.

    python benchmarks/scale.py                       # 100k and 1M triples, ~15 minutes
    python benchmarks/scale.py --sizes 100000,1000000,10000000 --duration 10

For each size, in one run on one machine:

1. **Data**: ``benchmarks/generate.py`` writes N triples of our model (deterministic).
2. **Publish**: ``clusterld publish`` (load, rebase, materialise, validate, dumps, statistics,
   metadata) against ``oxigraph load`` of the same triples (ClusterLD's own N-Triples dumps,
   so both hold the same materialised data): wall time and peak memory of the process.
3. **Start**: ``clusterld serve --store`` and ``oxigraph serve-read-only``: seconds from the
   process start until the first answer.
4. **Pages**: home, VoID, catalog and sitemap, the first request and the median of repeats.
5. **Documents**: wrk with 8 connections asks for random resources (a Lua script picks one
   of 1,000 sampled things per request): ClusterLD's ``/doc/<path>`` in Turtle, JSON-LD
   and HTML; the Oxigraph server the same resource as a one-resource ``CONSTRUCT`` in
   Turtle (what a Linked Data front end over it would ask).
6. **SPARQL**: the example queries, median latency of 5 after one warm-up, on both.
7. **Memory**: the resident memory of every serving process together (ClusterLD's server
   and its SPARQL workers; the Oxigraph server), after the load.

It prints a table per size and each goal of the scale issue as met or missed, with ratios.
Everything runs on 127.0.0.1; servers are stopped at the end.  It installs what it lacks
(wrk from Debian as root, the ``oxigraph`` CLI from PyPI into the running Python).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sparql_throughput import BASE, Load, free_port, parse_wrk, queries

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
FORMATS = {"turtle": "text/turtle", "json-ld": "application/ld+json", "html": "text/html"}
PAGES = ("/", "/.well-known/void", "/catalog", "/sitemap.xml")


@dataclass
class Measured:
    """Everything measured at one size."""

    size: int
    triples: int = 0
    publish: dict[str, float] | None = None
    oxigraph_load: dict[str, float] | None = None
    ready: float = 0.0
    oxigraph_ready: float = 0.0
    pages: dict[str, tuple[float, float]] | None = None
    documents: dict[str, Load] | None = None
    oxigraph_documents: Load | None = None
    sparql: dict[str, tuple[float, float]] | None = None
    memory_mb: float = 0.0
    oxigraph_memory_mb: float = 0.0
    rows: dict[str, int] | None = None


def ensure_tools() -> None:
    if shutil.which("wrk") is None:
        if os.geteuid() != 0:
            sys.exit("wrk is missing: apt-get install wrk (as root), then run again")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, timeout=300)
    if not (BIN / "oxigraph").exists():
        pip = [sys.executable, "-m", "pip", "install", "-q", "oxigraph"]
        subprocess.run(pip, check=True, timeout=600)


def timed(command: list[str], log: Path) -> dict[str, float]:
    """Run a command to completion: wall seconds and the peak resident MB of its process."""
    started = time.monotonic()
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        sys.exit(f"{command[:2]} failed; see {log}")
    return {"seconds": time.monotonic() - started, "peak_mb": usage.ru_maxrss / 1024}


@contextmanager
def started(command: list[str], probe: str, log: Path) -> Iterator[tuple[int, float]]:
    """Start a server; yield its pid and the seconds until ``probe`` first answered 200."""
    began = time.monotonic()
    with log.open("w") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            while not _ok(probe):
                if process.poll() is not None or time.monotonic() - began > 600:
                    sys.exit(f"{command[0]} did not start; see {log}")
                time.sleep(0.02)
            yield process.pid, time.monotonic() - began
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def _ok(url: str, headers: dict[str, str] | None = None) -> bool:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5):
            return True
    except OSError:
        return False


def seconds_for(url: str, headers: dict[str, str] | None = None) -> float:
    began = time.monotonic()
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=600) as answer:
        answer.read()
    return time.monotonic() - began


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        pending += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def wrk(origin: str, paths: list[str], accept: str, args: argparse.Namespace, folder: Path) -> Load:
    """wrk against ``origin``, each request for one of ``paths`` picked at random."""
    script = folder / "random.lua"
    script.write_text(
        f"local paths = {json.dumps(paths).replace('[', '{').replace(']', '}')}\n"
        "math.randomseed(42)\n"
        "request = function()\n"
        "  return wrk.format('GET', paths[math.random(#paths)], "
        f"{{['Accept'] = {json.dumps(accept)}}})\n"
        "end\n"
    )
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    command += ["--timeout", "30s", "-s", str(script), origin]
    out = subprocess.run(
        command, capture_output=True, text=True, timeout=args.duration + 90, check=True
    ).stdout
    return parse_wrk(out)


def measure(size: int, args: argparse.Namespace, work: Path) -> Measured:
    found = Measured(size)
    data = work / f"data-{size}"
    if not data.exists():
        generator = [sys.executable, str(HERE / "generate.py"), str(data), "--triples", str(size)]
        subprocess.run(generator, check=True, stdout=subprocess.DEVNULL)
    store, oxi = work / f"store-{size}", work / f"oxigraph-{size}"
    shutil.rmtree(store, ignore_errors=True)
    shutil.rmtree(oxi, ignore_errors=True)
    publish = [str(BIN / "clusterld"), "publish", "--store", str(store), "--base-uri", BASE]
    found.publish = timed([*publish, "--data", str(data)], work / f"publish-{size}.log")
    dumps = sorted((store / "current" / "dumps").glob("*.nt"))
    load = [str(BIN / "oxigraph"), "load", "--location", str(oxi)]
    found.oxigraph_load = timed(
        [*load, *(a for d in dumps for a in ("--file", str(d)))], work / f"oxi-load-{size}.log"
    )
    manifest = json.loads((store / "current" / "manifest.json").read_text())
    found.triples = sum(manifest["triples"].values())
    things = (store / "current" / "things.txt").read_text().split()
    sample = random.Random(7).sample(things, min(1000, len(things)))

    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    serve = [str(BIN / "clusterld"), "serve", "--store", str(store), "--port", str(port)]
    with started(serve, f"{origin}/robots.txt", work / f"serve-{size}.log") as (pid, ready):
        found.ready = ready
        found.pages = {}
        for page in PAGES:
            first = seconds_for(origin + page)
            again = statistics.median(seconds_for(origin + page) for _ in range(5))
            found.pages[page] = (first, again)
        found.documents = {
            name: wrk(origin, [f"/doc/{p}" for p in sample], accept, args, work)
            for name, accept in FORMATS.items()
        }
        found.sparql = {
            name: (_latency(f"{origin}/sparql", text), 0.0) for name, text in queries().items()
        }
        found.rows = {name: rows(f"{origin}/sparql", text) for name, text in queries().items()}
        found.memory_mb = tree_rss_mb(pid)

    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    serve = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(oxi)]
    probe = f"{origin}/query?query=ASK%7B%7D"
    with started([*serve, "--bind", f"127.0.0.1:{port}"], probe, work / f"oxi-{size}.log") as (
        pid,
        ready,
    ):
        found.oxigraph_ready = ready
        paths = [_construct_path(f"{BASE}id/{p}") for p in sample]
        found.oxigraph_documents = wrk(origin, paths, "text/turtle", args, work)
        for name, text in queries().items():
            ours, _ = found.sparql[name]
            found.sparql[name] = (ours, _latency(f"{origin}/query", text))
            theirs = rows(f"{origin}/query", text)
            if name != "named-graphs" and theirs != found.rows[name]:  # no named graphs there
                print(f"warning: {name}: {found.rows[name]} rows here, {theirs} there")
        found.oxigraph_memory_mb = tree_rss_mb(pid)
    return found


def _construct_path(iri: str) -> str:
    query = f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}"
    return "/query?" + urllib.parse.urlencode({"query": query})


def _latency(endpoint: str, query: str) -> float:
    """Median seconds of 5 requests after one warm-up (JSON results); infinite when the
    server refuses to answer (a query stopped at ClusterLD's timeout is a 503)."""
    url = f"{endpoint}?{urllib.parse.urlencode({'query': query})}"
    headers = {"Accept": "application/sparql-results+json"}
    try:
        seconds_for(url, headers)
        return statistics.median(seconds_for(url, headers) for _ in range(5))
    except urllib.error.HTTPError as error:
        print(f"warning: {endpoint}: {error.code} for a query; counted as not answered")
        return float("inf")


def rows(endpoint: str, query: str) -> int:
    """How many rows (or the boolean, as 0/1) a query answers: both servers must agree
    (-1: no answer)."""
    url = f"{endpoint}?{urllib.parse.urlencode({'query': query})}"
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=600) as answer:
            result = json.load(answer)
    except urllib.error.HTTPError:
        return -1
    return int(result["boolean"]) if "boolean" in result else len(result["results"]["bindings"])


def report(found: Measured) -> list[tuple[str, bool, str]]:
    """Print the tables of one size; return its goals as (goal, met, figures)."""
    assert found.publish and found.oxigraph_load and found.pages and found.documents
    assert found.oxigraph_documents and found.sparql
    print(f"\n### {found.size:,} generated triples ({found.triples:,} served)\n")
    print("| | ClusterLD | Oxigraph server | ratio |\n| --- | ---: | ---: | ---: |")
    pub, oxl = found.publish, found.oxigraph_load
    print(
        f"| publish / load, s | {pub['seconds']:.1f} | {oxl['seconds']:.1f} | "
        f"{pub['seconds'] / oxl['seconds']:.1f}× |"
    )
    print(f"| peak memory, MB | {pub['peak_mb']:.0f} | {oxl['peak_mb']:.0f} | |")
    print(f"| ready after start, s | {found.ready:.2f} | {found.oxigraph_ready:.2f} | |")
    print(
        f"| resident, all serving processes, MB | {found.memory_mb:.0f} | "
        f"{found.oxigraph_memory_mb:.0f} | |"
    )
    print("\n| documents (random, 8 connections) | req/s | p50 ms | p99 ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, load in found.documents.items():
        print(
            f"| ClusterLD {name} | {load.requests_per_second:,.0f} | {load.p50_ms:.1f} | "
            f"{load.p99_ms:.1f} | {load.errors} |"
        )
    oxd = found.oxigraph_documents
    print(
        f"| Oxigraph CONSTRUCT, Turtle | {oxd.requests_per_second:,.0f} | {oxd.p50_ms:.1f} | "
        f"{oxd.p99_ms:.1f} | {oxd.errors} |"
    )
    print("\n| page | first request, ms | repeated (median of 5), ms |\n| --- | ---: | ---: |")
    for page, (first, again) in found.pages.items():
        print(f"| `{page}` | {first * 1000:.1f} | {again * 1000:.1f} |")
    print("\n| SPARQL query | rows | ClusterLD ms | Oxigraph ms | ratio |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, (ours, theirs) in found.sparql.items():
        count = (found.rows or {}).get(name, 0)
        print(
            f"| {name} | {count} | {ours * 1000:.1f} | {theirs * 1000:.1f} | {ours / theirs:.2f} |"
        )
    return goals(found)


def goals(found: Measured) -> list[tuple[str, bool, str]]:
    assert found.publish and found.pages and found.documents and found.sparql
    at = f"{found.size:,}"
    checks = [
        (f"{at}: ready ≤ 2 s", found.ready <= 2.0, f"{found.ready:.2f} s"),
        (
            f"{at}: serving processes ≤ 1.5 GB",
            found.memory_mb <= 1536,
            f"{found.memory_mb:.0f} MB",
        ),
    ]
    if found.size >= 1_000_000:
        limit = 20.0 if found.size < 10_000_000 else 180.0
        seconds = found.publish["seconds"]
        checks.append((f"{at}: publish ≤ {limit:.0f} s", seconds <= limit, f"{seconds:.1f} s"))
    for name, load in found.documents.items():
        checks.append(
            (
                f"{at}: {name} documents p50 ≤ 5 ms, p99 ≤ 25 ms, ≥ 2,000 req/s",
                load.p50_ms <= 5 and load.p99_ms <= 25 and load.requests_per_second >= 2000,
                f"p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms, "
                f"{load.requests_per_second:,.0f} req/s",
            )
        )
    slowest = max(first for first, _ in found.pages.values())
    checks.append((f"{at}: pages ≤ 50 ms incl. first", slowest <= 0.05, f"{slowest * 1000:.0f} ms"))
    worst = max(ours / theirs for ours, theirs in found.sparql.values())
    checks.append((f"{at}: SPARQL ratio ≤ 1.0", worst <= 1.0, f"worst {worst:.2f}"))
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per format")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--work", type=Path, help="keep data and stores here (default: temp)")
    args = parser.parse_args()
    ensure_tools()
    work = args.work or Path(tempfile.mkdtemp(prefix="clusterld-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.1f}; work in {work}")
    checks = []
    for size in args.sizes.split(","):  # each size reported as soon as it is measured
        checks += report(measure(int(size), args, work))
        sys.stdout.flush()
    print("\n| goal | met | measured |\n| --- | --- | --- |")
    for goal, met, figures in checks:
        print(f"| {goal} | {'met' if met else '**missed**'} | {figures} |")
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
