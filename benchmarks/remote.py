"""Remote stores: documents and SPARQL over Virtuoso and the Oxigraph server, beside the
embedded store, same data, same run (issue 12, item 7).

    python benchmarks/remote.py                         # 1M triples, ~30 minutes
    python benchmarks/remote.py --size 100000 --duration 5 --report remote.md   # quick

In one run, on one machine, everything on 127.0.0.1:

1. **Data**: ``benchmarks/generate.py`` writes ``--size`` triples of our model.
2. **Stores**: the Oxigraph server and Virtuoso, started by the launchers of
   ``tests/stores.py`` in the work folder; ``clusterld publish --store URL`` publishes the data
   into each (``CLUSTERLD_STORE_UPDATE_URL``, ``..._GSP_URL``, ``..._USER``/``..._PASSWORD``
   in the environment, as ``tests/backends.py``), and ``clusterld publish --store DIR`` into
   an embedded store. Wall time of each; for the remote ones the phases ``upload``, ``check``
   and ``switch`` from the publish log (the local gate is shared through
   ``CLUSTERLD_CACHE_DIR``: the first remote publish runs it, the second reuses it).
3. **Serving**: ``clusterld serve --store ... --base-uri B`` for each backend, one waitress
   process, the same settings (``SPARQL_CACHE_MB=0``, ``SPARQL_TIMEOUT=120``,
   ``SPARQL_MAX_ROWS`` above every answer; ``STORE_REFRESH`` default), ready at ``/readyz``.
4. **Documents**: a sequential cold pass (every path asked once, for the first time: a
   disjoint sample of things per format) gives the latency of first requests; then wrk,
   8 connections, ``--duration`` s per format, each request one of 1,000 sampled things, in
   Turtle, JSON-LD and HTML. **Round trips**: for a remote store a second, fresh server is
   started with its ``STORE`` pointing at a counting proxy (asyncio, loopback) in front of
   the store, and the same cold pass counts the requests each document sends to the store
   (the version pointer's refresh, at most once per ``STORE_REFRESH``, is counted apart).
   Latency is measured without the proxy (it adds a hop), round trips with it.
5. **SPARQL**: the example queries and a point lookup, XML results, ``--repeats`` requests
   each after a warm-up, alternating between ClusterLD's ``/sparql`` (answer cache off) and
   the store queried directly with the same dataset: for a remote store the same query
   ClusterLD sends (its graph names mapped, ``BASE``) with the same ``default-graph-uri``
   and ``named-graph-uri``; for the embedded store ``oxigraph serve-read-only`` on the very
   same Oxigraph folder. Overhead = p50 through ClusterLD - p50 direct.
6. **Memory**: resident memory of each ClusterLD server (with its SPARQL workers) after the
   load, and of each store.
7. **Report**: markdown tables, each goal met or missed with its numbers, the load average
   before and after every step and what else used the CPU (``--report FILE`` writes it).

Goals (issue 12): over a remote store at 1M triples, a document's p50 is at most 2 round
trips to the store and at most 10 ms on loopback; ``/sparql`` adds at most 1 ms (p50) over
querying the store directly.

Every wait is bounded; every server and store is stopped at the end (``try``/``finally``,
and ``atexit`` in ``tests/stores.py``). Credentials are the launchers' fixed loopback test
ones and are never printed. It installs what it lacks (wrk from Debian as root, the
``oxigraph`` CLI from PyPI).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from scale import FORMATS, ensure_tools, tree_rss_mb, wrk  # noqa: E402
from sparql_throughput import BASE, Load, free_port, queries  # noqa: E402

from stores import RunningStore, start_oxigraph, start_virtuoso  # noqa: E402

BIN = Path(sys.executable).parent
RESULTS_XML = "application/sparql-results+xml"
STARTUP_LIMIT = 900.0  # seconds for a server to be ready
REQUEST_LIMIT = 300.0  # seconds one request may take
PUBLISH_LIMIT = 3600.0  # seconds one publish may take
POINTER = "urn:x-clusterld:current"  # the version pointer's refresh query names this
PHASE = re.compile(r"\b(\w[\w -]*?): (?:[\d,]+ triples, )?([\d.]+) s$")
SERVE_SETTINGS = {
    "CLUSTERLD_SPARQL_CACHE_MB": "0",
    "CLUSTERLD_SPARQL_TIMEOUT": "120",
    "CLUSTERLD_SPARQL_MAX_ROWS": "10000000",
    "CLUSTERLD_SPARQL_MAX_BYTES": str(1 << 30),
}


# -- measurements ---------------------------------------------------------------------------


@dataclass
class Measured:
    """Everything measured for one backend."""

    name: str
    publish_seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    ready: float = 0.0
    cold: dict[str, list[float]] = field(default_factory=dict)  # seconds per first request
    trips: dict[str, list[int]] = field(default_factory=dict)  # store requests per document
    pointer_checks: int = 0
    trip_queries: dict[str, int] = field(default_factory=dict)  # query shapes seen, counted
    load: dict[str, Load] = field(default_factory=dict)
    sparql: dict[str, tuple[float, float, int, int]] = field(default_factory=dict)
    server_mb: float = 0.0
    store_mb: float = 0.0
    loads: list[tuple[str, float]] = field(default_factory=list)  # (step, load average)


def note(found: Measured | None, step: str, log: list[str]) -> None:
    """Record the load average at a step, and what else is using the CPU."""
    load = os.getloadavg()[0]
    if found is not None:
        found.loads.append((step, load))
    others = busy_processes()
    line = f"[{time.strftime('%H:%M:%S')}] {step}: load {load:.2f}; busy: {others}"
    print(line, flush=True)
    log.append(line)


def busy_processes(top: int = 6, interval: float = 1.0) -> str:
    """The processes using most CPU over the next ``interval`` seconds (from
    ``/proc/*/stat``; names and % of one core only, no command lines)."""

    def ticks() -> dict[int, tuple[str, int]]:
        found = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    name, rest = (entry / "stat").read_text().split(" (", 1)[1].rsplit(")", 1)
                except (OSError, IndexError, ValueError):
                    continue
                fields = rest.split()
                found[int(entry.name)] = (name, int(fields[11]) + int(fields[12]))
        return found

    before = ticks()
    time.sleep(interval)
    after = ticks()
    hertz = os.sysconf("SC_CLK_TCK")
    used = sorted(
        (
            ((t - before[pid][1]) / hertz / interval * 100, name)
            for pid, (name, t) in after.items()
            if pid in before
        ),
        reverse=True,
    )
    return ", ".join(f"{name} {cpu:.0f}%" for cpu, name in used[:top] if cpu >= 1) or "idle"


# -- processes ------------------------------------------------------------------------------


def run_logged(command: list[str], env: dict[str, str], log: Path) -> float:
    """Run a command to completion (bounded); its wall seconds."""
    began = time.monotonic()
    with log.open("w") as output:
        try:
            subprocess.run(
                command, env=env, stdout=output, stderr=subprocess.STDOUT,
                timeout=PUBLISH_LIMIT, check=True,
            )  # fmt: skip
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            sys.exit(f"{command[:3]} failed ({error}); {log}:\n{tail}")
    return time.monotonic() - began


def phases(log: Path) -> dict[str, float]:
    """The publish phases and their seconds, from the log lines ``<phase>: [N triples, ]S s``."""
    found: dict[str, float] = {}
    for line in log.read_text(errors="replace").splitlines():
        match = PHASE.search(line.strip())
        if match:
            name = match.group(1).split()[-1]
            found[name] = found.get(name, 0.0) + float(match.group(2))
    return found


_SERVERS: list[subprocess.Popen[bytes]] = []


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    if process in _SERVERS:
        _SERVERS.remove(process)


@contextmanager
def serving(
    command: list[str], probe: str, env: dict[str, str], log: Path
) -> Iterator[tuple[int, float]]:
    """Start a server in its own process group; yield its pid and the seconds until
    ``probe`` answered 200; stop it (the group) at the end, whatever happens."""
    began = time.monotonic()
    with log.open("w") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    _SERVERS.append(process)
    try:
        while status(probe) != 200:
            if process.poll() is not None or time.monotonic() - began > STARTUP_LIMIT:
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
                sys.exit(f"{command[:2]} did not get ready; {log}:\n{tail}")
            time.sleep(0.05)
        yield process.pid, time.monotonic() - began
    finally:
        _stop(process)


def stop_servers() -> None:
    for process in list(_SERVERS):
        _stop(process)


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


def get(url: str, accept: str) -> float:
    """Seconds for one GET, read whole; it must answer 200."""
    began = time.monotonic()
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=REQUEST_LIMIT) as answer:
        answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{url}: {answer.status}")
    return time.monotonic() - began


def post_query(url: str, fields: list[tuple[str, str]]) -> tuple[float, bytes]:
    """Seconds for one form-encoded SPARQL POST (XML results), and the body."""
    body = urllib.parse.urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": RESULTS_XML}
    began = time.monotonic()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=REQUEST_LIMIT) as answer:
        data = answer.read()
    return time.monotonic() - began, data


# -- the counting proxy ---------------------------------------------------------------------


class CountingProxy:
    """A TCP proxy on 127.0.0.1 in front of a store that reads the HTTP requests going in
    (request line, headers, a ``Content-Length`` body) and records each one; answers are
    passed back byte for byte.  Runs its own event loop in a thread."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.seen: list[tuple[str, str]] = []  # (path, query text or "")
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    def __enter__(self) -> CountingProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the counting proxy did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def count(self) -> int:
        with self._lock:
            return len(self.seen)

    def since(self, start: int) -> list[tuple[str, str]]:
        with self._lock:
            return self.seen[start:]

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = int(server.sockets[0].getsockname()[1])
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            self._loop.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def answers() -> None:
            with contextlib.suppress(ConnectionError):
                while data := await up_reader.read(1 << 16):
                    writer.write(data)
                    await writer.drain()
            writer.close()

        back = asyncio.create_task(answers())
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                target = lines[0].split(b" ")[1].decode("latin-1")
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                body = await reader.readexactly(length) if length else b""
                form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
                if not form:
                    form = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(target).query))
                with self._lock:
                    self.seen.append((urllib.parse.urlsplit(target).path, form.get("query", "")))
                up_writer.write(head + body)
                await up_writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            up_writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(back, 5)


def shape(query: str) -> str:
    """A short name for a query ClusterLD sent (to say which ones a document costs)."""
    text = " ".join(query.split())
    if POINTER in text:
        return "version pointer"
    if "?inl ?inlabel" in text:
        return "description (one query)"
    if text.startswith("CONSTRUCT") and "Membership" in text:
        return "memberships (one CONSTRUCT)"
    if text.startswith("ASK"):
        return "ASK " + text[4:60]
    return text[:70]


# -- one backend ----------------------------------------------------------------------------


@dataclass
class Backend:
    name: str  # embedded | oxigraph | virtuoso
    location: str  # the STORE: a folder or the query URL
    env: dict[str, str]
    store: RunningStore | None = None


def publish(backend: Backend, data: Path, work: Path, found: Measured, log: list[str]) -> None:
    note(found, f"{backend.name}: publish starts", log)
    command = [str(BIN / "clusterld"), "publish", "--store", backend.location]
    command += ["--base-uri", BASE, "--data", str(data)]
    path = work / f"publish-{backend.name}.log"
    found.publish_seconds = run_logged(command, backend.env, path)
    found.phases = phases(path)
    note(found, f"{backend.name}: published in {found.publish_seconds:.1f} s", log)


def cold_pass(
    origin: str, samples: dict[str, list[str]], proxy: CountingProxy | None, found: Measured
) -> None:
    """Each path once, one after another: seconds (or store requests, through a proxy)."""
    for name, accept in FORMATS.items():
        for path in samples[name]:
            before = proxy.count() if proxy else 0
            seconds = get(f"{origin}/doc/{path}", accept)
            if proxy is None:
                found.cold.setdefault(name, []).append(seconds)
                continue
            sent = proxy.since(before)
            queries_sent = [q for _, q in sent if POINTER not in q]
            found.pointer_checks += len(sent) - len(queries_sent)
            found.trips.setdefault(name, []).append(len(queries_sent))
            for query in queries_sent:
                kind = shape(query)
                found.trip_queries[kind] = found.trip_queries.get(kind, 0) + 1


def settle(proxy: CountingProxy, quiet: float = 3.0, limit: float = 180.0) -> None:
    """Wait until the server's start-up work (warming pages) sends the store nothing more."""
    began, last, count = time.monotonic(), time.monotonic(), proxy.count()
    while time.monotonic() - last < quiet and time.monotonic() - began < limit:
        time.sleep(0.2)
        if proxy.count() != count:
            count, last = proxy.count(), time.monotonic()


def serve_command(location: str, port: int) -> list[str]:
    return [str(BIN / "clusterld"), "serve", "--store", location, "--base-uri", BASE,
            "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip


def sparql_pairs(
    ours: str,
    direct: str,
    dataset: list[tuple[str, str]],
    rename: dict[str, str],
    args: argparse.Namespace,
) -> dict[str, tuple[float, float, int, int]]:
    """Per query: p50 seconds through ClusterLD, p50 direct, rows each (XML results)."""
    from clusterld.sparql.remote import rename_graphs

    found = {}
    for name, text in queries().items():
        theirs_text = f"BASE <{BASE}sparql>\n{rename_graphs(text, rename)}" if rename else text
        ask_ours = [("query", text)]
        ask_direct = [("query", theirs_text), *dataset]
        try:
            _, body_ours = post_query(ours, ask_ours)  # warm-up, and the rows
            _, body_direct = post_query(direct, ask_direct)
        except (urllib.error.HTTPError, TimeoutError) as error:
            print(f"warning: {name}: {error}; not measured")
            continue
        times_ours: list[float] = []
        times_direct: list[float] = []
        began = time.monotonic()
        while len(times_ours) < args.repeats and (
            len(times_ours) < 3 or time.monotonic() - began < args.query_budget
        ):
            times_ours.append(post_query(ours, ask_ours)[0])
            times_direct.append(post_query(direct, ask_direct)[0])
        found[name] = (
            statistics.median(times_ours),
            statistics.median(times_direct),
            body_ours.count(b"<result>"),
            body_direct.count(b"<result>"),
        )
    return found


def measure(
    backend: Backend,
    found: Measured,
    samples: dict[str, list[str]],
    sample: list[str],
    args: argparse.Namespace,
    work: Path,
    log: list[str],
) -> None:
    env = {**backend.env, **SERVE_SETTINGS}
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    command = serve_command(backend.location, port)
    note(found, f"{backend.name}: serve starts", log)
    with serving(command, f"{origin}/readyz", env, work / f"serve-{backend.name}.log") as (
        pid,
        ready,
    ):
        found.ready = ready
        time.sleep(args.settle)  # the start-up warm-up of the first pages
        note(found, f"{backend.name}: cold pass", log)
        cold_pass(origin, samples, None, found)
        for name, accept in FORMATS.items():
            note(found, f"{backend.name}: wrk {name}", log)
            found.load[name] = wrk(origin, [f"/doc/{p}" for p in sample], accept, args, work)
        note(found, f"{backend.name}: SPARQL", log)
        found.sparql = sparql_against(backend, origin, args, work)
        found.server_mb = tree_rss_mb(pid)
        if backend.store is not None and backend.store._process is not None:
            found.store_mb = tree_rss_mb(backend.store._process.pid)
        note(found, f"{backend.name}: measured", log)
    if backend.store is None:
        return
    # Round trips: a fresh server whose STORE is the counting proxy in front of the store.
    with CountingProxy(backend.store.port) as proxy:
        path = urllib.parse.urlsplit(backend.location).path
        location = f"http://127.0.0.1:{proxy.port}{path}"
        port = free_port()
        origin = f"http://127.0.0.1:{port}"
        note(found, f"{backend.name}: round trips (through the proxy)", log)
        with serving(
            serve_command(location, port), f"{origin}/readyz", env,
            work / f"serve-{backend.name}-proxied.log",
        ):  # fmt: skip
            settle(proxy)
            cold_pass(origin, samples, proxy, found)


def sparql_against(
    backend: Backend, origin: str, args: argparse.Namespace, work: Path
) -> dict[str, tuple[float, float, int, int]]:
    ours = f"{origin}/sparql"
    if backend.store is not None:
        from clusterld.dataset.endpoint import Endpoint, EndpointConfig
        from clusterld.dataset.remote import current_version, version_graphs
        from clusterld.dataset.store import PARTS

        endpoint = Endpoint(EndpointConfig(query_url=backend.store.query_url))
        version = current_version(endpoint, BASE)
        endpoint.close()
        assert version is not None
        graphs = version_graphs(BASE, version)
        parts = [graphs[part] for part in PARTS]
        dataset = [("default-graph-uri", g) for g in parts]
        dataset += [("named-graph-uri", g) for g in parts]
        rename = {f"{BASE}graph/{part}": graphs[part] for part in PARTS}
        return sparql_pairs(ours, backend.store.query_url, dataset, rename, args)
    # The embedded store: the Oxigraph server on the very same folder, read-only.
    folder = Path(backend.location) / "current" / "oxigraph"
    port = free_port()
    command = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(folder),
               "--bind", f"127.0.0.1:{port}"]  # fmt: skip
    probe = f"http://127.0.0.1:{port}/query?query=ASK%7B%7D"
    with serving(command, probe, dict(os.environ), work / "oxigraph-read-only.log"):
        return sparql_pairs(ours, f"http://127.0.0.1:{port}/query", [], {}, args)


# -- report -----------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(results: list[Measured], size: int, triples: int, log: list[str]) -> list[str]:
    out = [f"### {size:,} generated triples ({triples:,} served)", ""]
    out += ["| | " + " | ".join(r.name for r in results) + " |"]
    out += ["| --- |" + " ---: |" * len(results)]

    def row(label: str, values: list[str]) -> None:
        out.append(f"| {label} | " + " | ".join(values) + " |")

    row("publish, wall s", [f"{r.publish_seconds:.1f}" for r in results])
    for phase in ("upload", "check", "switch"):
        row(
            f"… of which {phase}, s",
            [f"{r.phases[phase]:.1f}" if phase in r.phases else "—" for r in results],
        )
    row(
        "… the local part (gate, dumps, ...), s",
        [
            f"{r.publish_seconds - sum(r.phases.get(p, 0.0) for p in ('upload', 'check', 'switch', 'retire')):.1f}"  # noqa: E501
            if "upload" in r.phases or "switch" in r.phases
            else "—"
            for r in results
        ],
    )
    row("ready after start, s", [f"{r.ready:.2f}" for r in results])
    row("ClusterLD server RSS after the load, MB", [f"{r.server_mb:.0f}" for r in results])
    row(
        "store RSS after the load, MB",
        [f"{r.store_mb:.0f}" if r.store_mb else "—" for r in results],
    )

    out += ["", "Documents, first request (sequential, each path once):", ""]
    out += ["| backend | format | n | p50 ms | p95 ms | max ms | round trips p50 | p95 | max |"]
    out += ["| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        for name in FORMATS:
            cold = r.cold.get(name, [])
            trips = r.trips.get(name)
            t = (
                f"{statistics.median(trips):.0f} | {pct(trips, 0.95):.0f} | {max(trips)}"  # type: ignore[type-var]
                if trips
                else "— | — | —"
            )
            out.append(
                f"| {r.name} | {name} | {len(cold)} | {pct(cold, 0.5) * 1000:.1f} | "
                f"{pct(cold, 0.95) * 1000:.1f} | {max(cold) * 1000:.1f} | {t} |"
            )
    out += ["", "Documents under load (wrk, random of 1,000 things):", ""]
    out += ["| backend | format | req/s | p50 ms | p99 ms | errors |"]
    out += ["| --- | --- | ---: | ---: | ---: | ---: |"]
    for r in results:
        for name, load in r.load.items():
            out.append(
                f"| {r.name} | {name} | {load.requests_per_second:,.0f} | {load.p50_ms:.1f} | "
                f"{load.p99_ms:.1f} | {load.errors} |"
            )
    for r in results:
        if r.trip_queries:
            total = sum(len(v) for v in r.trips.values())
            kinds = "; ".join(
                f"{k}: {v}" for k, v in sorted(r.trip_queries.items(), key=lambda kv: -kv[1])
            )
            out += ["", f"Store requests of {total} first documents over {r.name}: {kinds}; "
                    f"version-pointer checks besides: {r.pointer_checks}."]  # fmt: skip

    out += ["", "SPARQL, XML results, p50 of the repeats (ClusterLD cache off):", ""]
    out += [
        "| backend | query | rows ClusterLD / direct | ClusterLD ms | direct ms | overhead ms |"
    ]
    out += ["| --- | --- | ---: | ---: | ---: | ---: |"]
    for r in results:
        direct = "Oxigraph server, same folder" if r.name == "embedded" else r.name
        for name, (ours, theirs, rows_ours, rows_theirs) in r.sparql.items():
            out.append(
                f"| {r.name} (vs {direct}) | {name} | {rows_ours} / {rows_theirs} | "
                f"{ours * 1000:.1f} | {theirs * 1000:.1f} | {(ours - theirs) * 1000:+.1f} |"
            )
    out += ["", "Load average (1 min) at each step:", ""]
    for r in results:
        out.append(f"- {r.name}: " + ", ".join(f"{step} {load:.1f}" for step, load in r.loads))
    out += ["", "What else used the CPU (ps, at each step):", "", "```", *log, "```"]
    return out


def goals(results: list[Measured], size: int) -> list[str]:
    out = ["| goal | backend | met | measured |", "| --- | --- | --- | --- |"]
    at = f"{size:,}"
    for r in results:
        if r.name == "embedded":
            continue
        for name in FORMATS:
            trips = r.trips.get(name, [])
            if trips:
                p50 = statistics.median(trips)
                met = p50 <= 2
                out.append(
                    f"| {at}: document p50 ≤ 2 round trips ({name}) | {r.name} | "
                    f"{'met' if met else '**missed**'} | p50 {p50:.0f}, p95 "
                    f"{pct(trips, 0.95):.0f}, max {max(trips)} |"  # type: ignore[type-var]
                )
        for name in FORMATS:
            cold, load = r.cold.get(name, []), r.load.get(name)
            p50 = pct(cold, 0.5) * 1000 if cold else float("inf")
            out.append(
                f"| {at}: document p50 ≤ 10 ms, first request ({name}) | {r.name} | "
                f"{'met' if p50 <= 10 else '**missed**'} | {p50:.1f} ms |"
            )
            if load is not None:
                out.append(
                    f"| {at}: document p50 ≤ 10 ms, under wrk load ({name}) | {r.name} | "
                    f"{'met' if load.p50_ms <= 10 else '**missed**'} | {load.p50_ms:.1f} ms |"
                )
    for r in results:
        for name, (ours, theirs, _, _) in r.sparql.items():
            extra = (ours - theirs) * 1000
            out.append(
                f"| {at}: /sparql adds ≤ 1 ms p50 ({name}) | {r.name} | "
                f"{'met' if extra <= 1 else '**missed**'} | {extra:+.1f} ms "
                f"({ours * 1000:.1f} vs {theirs * 1000:.1f}) |"
            )
    return out


# -- main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="triples to generate")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per format")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--cold", type=int, default=200, help="first requests per format")
    parser.add_argument("--repeats", type=int, default=20, help="requests per SPARQL query")
    parser.add_argument("--query-budget", type=float, default=30.0, help="seconds per query")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds after ready")
    parser.add_argument("--backends", default="embedded,oxigraph,virtuoso")
    parser.add_argument("--work", type=Path, help="keep data, stores and logs here")
    parser.add_argument("--report", type=Path, help="write the tables to this file")
    args = parser.parse_args()
    ensure_tools()
    work = args.work or Path(tempfile.mkdtemp(prefix="clusterld-remote-"))
    work.mkdir(parents=True, exist_ok=True)
    log: list[str] = []
    note(None, f"start ({os.cpu_count()} cores, work in {work})", log)
    try:
        results, triples = run(args, work, log)
    finally:
        stop_servers()
    note(None, "end", log)
    lines = report(results, args.size, triples, log)
    lines += ["", *goals(results, args.size)]
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    if args.report:
        args.report.write_text(text)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def run(args: argparse.Namespace, work: Path, log: list[str]) -> tuple[list[Measured], int]:
    data = work / f"data-{args.size}"
    if not data.exists():
        generator = [sys.executable, str(HERE / "generate.py"), str(data)]
        subprocess.run([*generator, "--triples", str(args.size)], check=True, timeout=1800,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    env = {**os.environ, "CLUSTERLD_CACHE_DIR": str(work / "cache")}
    for name in list(env):
        if name.startswith("CLUSTERLD_STORE"):
            del env[name]
    names = args.backends.split(",")
    backends: list[Backend] = []
    stores: list[RunningStore] = []
    try:
        for name in names:
            if name == "embedded":
                folder = work / "embedded"
                shutil.rmtree(folder, ignore_errors=True)
                backends.append(Backend(name, str(folder), env))
                continue
            folder = work / name
            shutil.rmtree(folder, ignore_errors=True)
            store = (start_oxigraph if name == "oxigraph" else start_virtuoso)(folder)
            stores.append(store)
            remote = {
                **env,
                "CLUSTERLD_STORE_UPDATE_URL": store.update_url,
                "CLUSTERLD_STORE_GSP_URL": store.gsp_url,
            }
            if store.user is not None:
                remote["CLUSTERLD_STORE_USER"] = store.user
                remote["CLUSTERLD_STORE_PASSWORD"] = store.password or ""
            backends.append(Backend(name, store.query_url, remote, store))
        results = [Measured(b.name) for b in backends]
        for backend, found in zip(backends, results, strict=True):
            publish(backend, data, work, found, log)
        things, triples = thing_paths(backends, work)
        rng = random.Random(7)
        pool = rng.sample(things, min(len(things), 1000 + 3 * args.cold))
        sample, rest = pool[:1000], pool[1000:]
        samples = {n: rest[i * args.cold : (i + 1) * args.cold] for i, n in enumerate(FORMATS)}
        for backend, found in zip(backends, results, strict=True):
            measure(backend, found, samples, sample, args, work, log)
            if backend.store is not None:  # leave the machine to the next one
                backend.store.stop()
        return results, triples
    finally:
        for store in stores:
            with contextlib.suppress(Exception):
                store.stop()


def thing_paths(backends: list[Backend], work: Path) -> tuple[list[str], int]:
    """The things' paths and the triple count, from a local copy of the version (the
    embedded store, else the remote publish's cache): every backend holds the same."""
    import json

    for folder in [work / "embedded" / "current", *sorted((work / "cache").rglob("things.txt"))]:
        folder = folder if folder.is_dir() else folder.parent
        if (folder / "things.txt").is_file():
            manifest = json.loads((folder / "manifest.json").read_text())
            triples = sum(manifest["triples"].values())
            return (folder / "things.txt").read_text().split(), triples
    sys.exit(f"no things.txt found under {work}")


if __name__ == "__main__":
    sys.exit(main())
