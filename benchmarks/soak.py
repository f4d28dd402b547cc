"""Soak test: run `clusterld serve` under mixed load for minutes and check it stays healthy.

    python benchmarks/soak.py                 # 3 minutes on ~50 000 generated triples
    python benchmarks/soak.py --minutes 30 --triples 200000 --clients 8 --report soak.md

Not a unit test: it is bounded (every wait has a limit; the server is stopped at the end)
and uses only 127.0.0.1. It starts the server on generated data in a temporary folder with a
tiny SPARQL timeout and worker memory cap, then runs concurrent clients that mix documents
in every format, SPARQL queries (some hitting the timeout or the memory cap, some malformed or
updates), validation uploads (some oversized or malformed), and reloads (SIGHUP after editing
the data folder; every other edit is invalid). Every few seconds it samples throughput,
latency percentiles, answers by status, the server's worker processes and the resident memory
of the server and its workers (from /proc). At the end it reports whether the goals hold; see
benchmarks/README.md for the goals and how "flat" is judged. Exit status 0: every goal holds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

HOST = "127.0.0.1"
BASE = "https://clusterld.example/tomsk/"
START_LIMIT = 600.0
RELOAD_LIMIT = 300.0
REQUEST_TIMEOUT = 60.0
SPARQL_TIMEOUT = 2
WORKER_MEMORY = 1024
WORKERS = 2
WHY_503 = {
    "timeout": ("SPARQL_TIMEOUT",),
    "memory": ("SPARQL_WORKER_MEMORY",),
    "busy": ("stayed busy", "SPARQL_MAX_WAITING"),
}
DECLARED_503 = tuple(marker for markers in WHY_503.values() for marker in markers)
PROBE_GOAL = 1.0
"""Seconds under which the 99th percentile of /healthz and /readyz probes must stay."""

ACCEPTS = [
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
    "text/html",
    "application/json",
    "*/*",
]
SUFFIXES = ["", ".ttl", ".jsonld", ".nt", ".rdf", ".html"]
PLAIN_GET = [
    "/",
    "/index.jsonld",
    "/catalog",
    "/catalog.ttl",
    "/.well-known/void",
    "/ontology",
    "/shapes.html",
    "/class/cld/EducationIndustryCluster",
    "/sitemap.xml",
    "/status",
    "/dumps/clusterld-ontology.ttl",
]
GOOD_QUERIES = [
    "SELECT ?c ?label WHERE { ?c a <https://w3id.org/clusterld/ontology#"
    "EducationIndustryCluster> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 50",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "ASK { ?s a <http://www.w3.org/ns/org#Membership> }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "CONSTRUCT WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } LIMIT 200",
    "DESCRIBE <https://clusterld.example/tomsk/id/org/org-{n}>",
]
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
HUNGRY_QUERY = "SELECT ?a ?d { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
BAD_QUERIES = ["SELECT * WHERE { ?s ?p }", "INSERT DATA { <a:b> <a:c> <a:d> }", "LOAD <http://x/>"]
GOOD_UPLOAD = (
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    '<https://clusterld.example/tomsk/id/org/org-1> rdfs:label "Org {n}"@en .\n'
)


# --- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, folder: Path, data: Path, threads: int) -> None:
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log = folder / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERLD_")}
        env.update(
            CLUSTERLD_CACHE_DIR=str(folder / "cache"),
            CLUSTERLD_SPARQL_TIMEOUT=str(SPARQL_TIMEOUT),
            CLUSTERLD_SPARQL_WORKER_MEMORY=str(WORKER_MEMORY),
            CLUSTERLD_SPARQL_WORKERS=str(WORKERS),
        )
        command = [sys.executable, "-m", "clusterld", "serve", "--host", HOST]
        command += ["--port", str(self.port), "--data", str(data), "--base-uri", BASE]
        command += ["--threads", str(threads)]
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + START_LIMIT
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                sys.exit(f"the server did not start; see {self.log}:\n{self.log.read_text()}")
            try:
                if request(self, "GET", "/status").status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        return self.process.returncode


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]
    seconds: float


def request(
    server: Server,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = REQUEST_TIMEOUT,
) -> Answer:
    started = time.monotonic()
    connection = http.client.HTTPConnection(HOST, server.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        found = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, data, found, time.monotonic() - started)
    finally:
        connection.close()


# --- what the clients do ------------------------------------------------------------------


@dataclass
class Tally:
    """Everything measured, shared by the threads (under one lock)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    done: list[tuple[float, float, str, int]] = field(default_factory=list)
    """(finished at, seconds, kind, status) of every request."""
    undeclared: list[str] = field(default_factory=list)
    """Answers that break a goal: an undeclared 5xx, a refused connection, a timeout."""
    samples: list[dict[str, float]] = field(default_factory=list)
    probes: list[tuple[str, int, float]] = field(default_factory=list)
    reloads: list[dict[str, object]] = field(default_factory=list)
    refusals: Counter[str] = field(default_factory=Counter)
    """The declared 503s, by request kind and reason."""

    def record(self, kind: str, answer: Answer | None, error: str | None = None) -> None:
        with self.lock:
            if answer is None:
                self.done.append((time.monotonic(), 0.0, kind, 0))
                self.undeclared.append(f"{kind}: {error}")
                return
            self.done.append((time.monotonic(), answer.seconds, kind, answer.status))
            if answer.status == 503:
                text = answer.body.decode("utf-8", "replace")
                why = next((w for w, ms in WHY_503.items() if any(m in text for m in ms)), "?")
                self.refusals[f"{kind}: {why}"] += 1
            if answer.status >= 500:
                text = answer.body.decode("utf-8", "replace")
                if not (answer.status == 503 and any(d in text for d in DECLARED_503)):
                    self.undeclared.append(f"{kind}: {answer.status} {text[:200]!r}")


def document_request(rng: random.Random, things: list[str]) -> tuple[str, dict[str, str]]:
    if rng.random() < 0.2:
        return rng.choice(PLAIN_GET), {"Accept": rng.choice(ACCEPTS)}
    thing = rng.choice(things)
    suffix = rng.choice(SUFFIXES)
    headers = {"Accept": rng.choice(ACCEPTS)} if not suffix else {}
    if rng.random() < 0.3:
        headers["Accept-Language"] = rng.choice(["ru", "en", "ru;q=0.5, en"])
    path = ("/id/" if rng.random() < 0.1 else "/doc/") + thing + ("" if rng.random() < 0.1 else "")
    return (path if path.startswith("/id/") else path + suffix), headers


def sparql_request(rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str]]:
    """(kind, path, body, headers) of one SPARQL request."""
    roll = rng.random()
    if roll < 0.02:
        kind, query = "sparql-slow", SLOW_QUERY
    elif roll < 0.04:
        kind, query = "sparql-hungry", HUNGRY_QUERY
    elif roll < 0.12:
        kind, query = "sparql-bad", rng.choice(BAD_QUERIES)
    else:
        kind = "sparql"
        query = rng.choice(GOOD_QUERIES).replace("{n}", str(rng.randrange(0, 800)))
    accept = rng.choice(
        ["application/sparql-results+json", "text/csv", "application/sparql-results+xml", "*/*"]
    )
    if query.startswith(("CONSTRUCT", "DESCRIBE")):
        accept = rng.choice(["text/turtle", "application/ld+json", "application/n-triples"])
    headers = {"Accept": accept}
    if rng.random() < 0.5:
        return kind, "/sparql?" + urlencode({"query": query}), None, headers
    if rng.random() < 0.5:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return kind, "/sparql", urlencode({"query": query}).encode(), headers
    headers["Content-Type"] = "application/sparql-query"
    return kind, "/sparql", query.encode(), headers


def upload_request(rng: random.Random) -> tuple[str, bytes, dict[str, str]]:
    roll = rng.random()
    headers = {"Content-Type": "text/turtle", "Accept": rng.choice(["application/json", "*/*"])}
    if roll < 0.15:
        return "validate-oversized", b"# padding\n" * 300_000, headers  # 3 MB > 2 MiB
    if roll < 0.35:
        return "validate-malformed", b"<http://a.example/s> <http://a.example/p> .\n", headers
    body = GOOD_UPLOAD.replace("{n}", str(rng.randrange(1000))).encode()
    return "validate", body, headers


def client(
    server: Server, tally: Tally, things: list[str], seed: int, stop: threading.Event
) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        roll = rng.random()
        try:
            if roll < 0.55:
                path, headers = document_request(rng, things)
                kind, answer = "document", request(server, "GET", path, headers=headers)
            elif roll < 0.85:
                kind, path, body, headers = sparql_request(rng)
                method = "GET" if body is None else "POST"
                answer = request(server, method, path, body=body, headers=headers)
            else:
                kind, body, headers = upload_request(rng)
                answer = request(server, "POST", "/validate", body=body, headers=headers)
        except (OSError, http.client.HTTPException) as error:
            if stop.is_set():
                return
            # An oversized upload may be cut off by the server once it has answered 413.
            if kind == "validate-oversized" and isinstance(error, ConnectionError):
                tally.record(kind, Answer(413, b"", {}, 0.0))
                continue
            tally.record(kind, None, f"{type(error).__name__}: {error}")
            continue
        tally.record(kind, answer)


PROBES = (
    ("/", "/"),
    ("/sparql", "/sparql?query=ASK%20%7B%7D"),
    ("/healthz", "/healthz"),
    ("/readyz", "/readyz"),
)


def prober(server: Server, tally: Tally, stop: threading.Event) -> None:
    """Once a second: do / and the health probes answer, does /sparql answer a trivial query?"""
    while not stop.wait(1.0):
        for name, path in PROBES:
            try:
                answer = request(server, "GET", path, headers={"Accept": "*/*"}, timeout=15)
                status = answer.status
                seconds = answer.seconds
            except (OSError, http.client.HTTPException):
                status, seconds = 0, 15.0
            with tally.lock:
                tally.probes.append((name, status, seconds))


# --- reloads --------------------------------------------------------------------------------


def status(server: Server) -> dict[str, object]:
    answer = request(server, "GET", "/status", headers={"Accept": "application/json"})
    found: dict[str, object] = json.loads(answer.body)
    return found


def etag_of_home(server: Server) -> str:
    return request(server, "GET", "/", headers={"Accept": "text/turtle"}).headers.get("etag", "")


def reloader(server: Server, data: Path, tally: Tally, stop: threading.Event, every: float) -> None:
    """Alternate valid and invalid edits of the data folder, each followed by SIGHUP."""
    number = 0
    while not stop.wait(every):
        number += 1
        valid = number % 2 == 1
        before = status(server)
        etag = etag_of_home(server)
        bad = data / "soak-bad.ttl"
        if valid:
            (data / f"soak-{number}.ttl").write_text(
                "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                f'<{BASE}id/org/org-{number}> rdfs:comment "soak edit {number}"@en .\n',
                encoding="utf-8",
            )
            what = "new file with a comment"
        elif number % 4 == 2:
            bad.write_text("<http://a.example/s> <http://a.example/p> .\n", encoding="utf-8")
            what = "syntax error"
        else:
            bad.write_text(
                "@prefix org: <http://www.w3.org/ns/org#> .\n"
                "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                f'<{BASE}id/org/soak-bad> a org:Organization ; rdfs:label "только русский"@ru .\n',
                encoding="utf-8",
            )
            what = "no English label (does not conform)"
        started = time.monotonic()
        server.process.send_signal(signal.SIGHUP)
        outcome = "timed out"
        after = before
        while time.monotonic() - started < RELOAD_LIMIT:
            time.sleep(0.5)
            after = status(server)
            failure = after.get("last_reload_failure")
            if valid and after["version"] != before["version"]:
                new_etag = etag_of_home(server)
                outcome = "published" if new_etag != etag else "published, same ETag"
                break
            if (
                not valid
                and isinstance(failure, dict)
                and failure != before.get("last_reload_failure")
            ):
                untouched = after["version"] == before["version"] and etag_of_home(server) == etag
                outcome = "refused, version untouched" if untouched else "refused, VERSION CHANGED"
                break
        bad.unlink(missing_ok=True)
        with tally.lock:
            tally.reloads.append(
                {
                    "edit": what,
                    "valid": valid,
                    "outcome": outcome,
                    "seconds": round(time.monotonic() - started, 1),
                    "from": before["version"],
                    "to": after["version"],
                }
            )


# --- samples of the processes ---------------------------------------------------------------


def children(pid: int, command: str) -> list[int]:
    """The live child processes of ``pid`` whose command line contains ``command``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) != pid or fields[0] == "Z":
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if command in cmdline:
            found.append(int(entry.name))
    return found


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def sampler(server: Server, tally: Tally, stop: threading.Event, every: float) -> None:
    last = time.monotonic()
    while not stop.wait(every):
        now = time.monotonic()
        workers = children(server.pid, "clusterld.sparql.worker")
        publishers = children(server.pid, "clusterld.publishing.isolated")
        with tally.lock:
            window = [d for d in tally.done if last < d[0] <= now]
            statuses = Counter(d[3] for d in window)
        seconds = sorted(d[1] for d in window if d[3])
        tally.samples.append(
            {
                "t": now,
                "rps": len(window) / (now - last),
                "p50": percentile(seconds, 50) * 1000,
                "p95": percentile(seconds, 95) * 1000,
                "p99": percentile(seconds, 99) * 1000,
                "workers": len(workers),
                "server_mb": rss_mb(server.pid),
                "workers_mb": sum(rss_mb(w) for w in workers),
                "smallest_worker_mb": min((rss_mb(w) for w in workers), default=0.0),
                "publisher_mb": sum(rss_mb(w) for w in publishers),
                "load": os.getloadavg()[0],
                "errors": sum(n for s, n in statuses.items() if s >= 400 or s == 0),
            }
        )
        last = now


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[index]


# --- the report -----------------------------------------------------------------------------


def flat(values: list[float], tolerance: float, slack: float = 0.0) -> tuple[bool, float, float]:
    """Whether the last third's median is within ``tolerance`` (a fraction) of the middle
    third's, or within ``slack`` of it in absolute terms (for small values)."""
    third = len(values) // 3
    middle = statistics.median(values[third : 2 * third] or values)
    last = statistics.median(values[2 * third :] or values)
    return abs(last - middle) <= max(middle * tolerance, slack), middle, last


def report(tally: Tally, args: argparse.Namespace, triples: int, start_seconds: float) -> str:
    lines: list[str] = []
    out = lines.append
    done = tally.done
    duration = args.minutes * 60
    out(
        f"- machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    out(
        f"- data: {triples} triples generated (benchmarks/generate.py); server ready in "
        f"{start_seconds:.0f} s; {args.clients} clients for {args.minutes:g} min; "
        f"SPARQL_TIMEOUT={SPARQL_TIMEOUT} s, SPARQL_WORKER_MEMORY={WORKER_MEMORY} MB, "
        f"{WORKERS} workers, {args.threads} server threads"
    )
    during = [s["load"] for s in tally.samples] or [0.0]
    out(
        f"- machine load (1-minute load average, {os.cpu_count()} cores): before "
        f"{args.load_before:.2f}, during median {statistics.median(during):.2f} "
        f"(max {max(during):.2f}), after {args.load_after:.2f}"
    )
    out("")
    by_kind: dict[str, Counter[int]] = {}
    for _, _, kind, code in done:
        by_kind.setdefault(kind, Counter())[code] += 1
    out(f"Requests: {len(done)} in {duration:.0f} s ({len(done) / duration:.1f}/s overall).")
    out("")
    out("| kind | requests | answers by status |")
    out("| --- | ---: | --- |")
    for kind in sorted(by_kind):
        counts = by_kind[kind]
        shown = ", ".join(f"{code or 'no answer'}: {n}" for code, n in sorted(counts.items()))
        out(f"| {kind} | {sum(counts.values())} | {shown} |")
    out("")
    all_seconds = sorted(d[1] for d in done if d[3])
    out(
        f"Latency over the run: p50 {percentile(all_seconds, 50) * 1000:.0f} ms, "
        f"p95 {percentile(all_seconds, 95) * 1000:.0f} ms, "
        f"p99 {percentile(all_seconds, 99) * 1000:.0f} ms."
    )
    out("")
    out(
        "503 answers (all declared unless listed under the goals): "
        + (", ".join(f"{k} {n}" for k, n in sorted(tally.refusals.items())) or "none")
        + "."
    )
    out("")
    out(
        "| t (s) | req/s | p50 ms | p95 ms | p99 ms | 4xx/5xx | workers | server MB "
        "| workers MB | smallest worker MB | publishing child MB | load |"
    )
    out("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    first = tally.samples[0]["t"] - args.sample if tally.samples else 0
    for s in tally.samples:
        out(
            f"| {s['t'] - first:.0f} | {s['rps']:.1f} | {s['p50']:.0f} | {s['p95']:.0f} | "
            f"{s['p99']:.0f} | {s['errors']:.0f} | {s['workers']:.0f} | {s['server_mb']:.0f} | "
            f"{s['workers_mb']:.0f} | {s['smallest_worker_mb']:.0f} | "
            f"{s['publisher_mb']:.0f} | {s['load']:.1f} |"
        )
    out("")
    out("| reload | edit | outcome | seconds | version |")
    out("| ---: | --- | --- | ---: | --- |")
    for number, r in enumerate(tally.reloads, 1):
        out(
            f"| {number} | {r['edit']} | {r['outcome']} | {r['seconds']} | "
            f"{r['from']} → {r['to']} |"
        )
    out("")

    goals: list[tuple[str, bool, str]] = []
    goals.append(
        (
            "no 5xx but declared ones (503 timeout, memory, busy); no refused connection",
            not tally.undeclared,
            f"{len(tally.undeclared)} undeclared"
            + (f": {tally.undeclared[:5]}" if tally.undeclared else ""),
        )
    )
    server_mb = [s["server_mb"] for s in tally.samples]
    total_mb = [s["server_mb"] + s["workers_mb"] for s in tally.samples]
    idle_worker_mb = [s["smallest_worker_mb"] for s in tally.samples]
    workers = [s["workers"] for s in tally.samples]
    if len(tally.samples) >= 6:
        ok_server, mid, last = flat(server_mb, 0.10)
        goals.append(
            (
                "server memory flat (last third's median within 10% of the middle third's)",
                ok_server,
                f"{mid:.0f} MB → {last:.0f} MB",
            )
        )
        ok_idle, mid, last = flat(idle_worker_mb, 0.10, slack=32.0)
        goals.append(
            (
                "worker memory flat (same rule, or within 32 MB, on the smallest worker of each "
                "sample: one not in a memory-hungry query)",
                ok_idle,
                f"{mid:.0f} MB → {last:.0f} MB (server + all workers: "
                f"{statistics.median(total_mb):.0f} MB median, {max(total_mb):.0f} MB max)",
            )
        )
        ok_workers, mid, last = flat([float(w) for w in workers], 0.0)
        goals.append(
            (
                f"worker processes flat (same medians) and never above {WORKERS}",
                ok_workers and max(workers) <= WORKERS,
                f"median {mid:.0f} → {last:.0f}, range {min(workers):.0f}–{max(workers):.0f}",
            )
        )
    else:
        goals.append(("enough samples to judge memory (6)", False, f"{len(tally.samples)}"))
    for name in ("/healthz", "/readyz"):
        probes = [p for p in tally.probes if p[0] == name]
        seconds = sorted(p[2] for p in probes)
        ok = all(p[1] == 200 for p in probes) and percentile(seconds, 99) < PROBE_GOAL
        goals.append(
            (
                f"{name} answered 200 every time, p99 under {PROBE_GOAL:g} s (a probe a second)",
                ok,
                f"{sum(p[1] == 200 for p in probes)}/{len(probes)} answered 200, "
                f"p99 {percentile(seconds, 99) * 1000:.0f} ms, "
                f"slowest {max(seconds, default=0):.2f} s",
            )
        )
    for name in ("/", "/sparql"):
        probes = [p for p in tally.probes if p[0] == name]
        answered = [p for p in probes if p[1] == 200]
        slow = max((p[2] for p in probes), default=0.0)
        declared = [p for p in probes if p[1] == 503]
        ok = len(answered) + len(declared) == len(probes) and len(probes) > 0
        goals.append(
            (
                f"{name} answering throughout (a probe a second)",
                ok,
                f"{len(answered)}/{len(probes)} answered 200"
                + (f", {len(declared)} declared 503 (busy)" if declared else "")
                + f", slowest {slow:.2f} s",
            )
        )
    valid = [r for r in tally.reloads if r["valid"]]
    invalid = [r for r in tally.reloads if not r["valid"]]
    goals.append(
        (
            "every valid reload published (new version and ETag)",
            bool(valid) and all(r["outcome"] == "published" for r in valid),
            f"{sum(r['outcome'] == 'published' for r in valid)}/{len(valid)}",
        )
    )
    goals.append(
        (
            "every invalid reload refused, served version untouched",
            bool(invalid) and all(r["outcome"] == "refused, version untouched" for r in invalid),
            f"{sum(r['outcome'] == 'refused, version untouched' for r in invalid)}/{len(invalid)}",
        )
    )
    goals.append(("the server stops cleanly on SIGTERM (exit 0)", args.exit_code == 0, ""))
    out("| goal | holds | measured |")
    out("| --- | --- | --- |")
    for name, ok, measured in goals:
        out(f"| {name} | {'yes' if ok else '**no**'} | {measured} |")
    args.all_hold = all(ok for _, ok, _ in goals)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--triples", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--threads", type=int, default=8, help="the server's threads")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--reload-every", type=float, default=20.0, help="seconds between edits")
    parser.add_argument("--report", type=Path, help="also write the report to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    args.load_before = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="clusterld-soak-"))
    data = generate(folder / "data", args.triples)
    triples = sum(1 for line in (data / "generated.ttl").open(encoding="utf-8") if line.strip())
    print(f"Data in {data}; starting the server ...", flush=True)
    started = time.monotonic()
    server = Server(folder, data, args.threads)
    start_seconds = time.monotonic() - started
    sitemap = request(server, "GET", "/sitemap.xml").body.decode()
    things = sorted(
        {
            quote(loc.split("/doc/", 1)[1].rsplit(".html", 1)[0])
            for loc in sitemap.split("<loc>")[1:]
            if "/doc/" in loc.split("</loc>")[0]
        }
    )
    print(f"Ready in {start_seconds:.0f} s, {len(things)} documents; soaking ...", flush=True)
    tally = Tally()
    stop = threading.Event()
    threads: list[threading.Thread] = []
    jobs: list[tuple[Callable[..., None], tuple[object, ...]]] = [
        (client, (server, tally, things, n, stop)) for n in range(args.clients)
    ]
    jobs += [(prober, (server, tally, stop)), (sampler, (server, tally, stop, args.sample))]
    jobs.append((reloader, (server, data, tally, stop, args.reload_every)))
    for target, arguments in jobs:
        thread = threading.Thread(target=target, args=arguments, daemon=True)
        thread.start()
        threads.append(thread)
    try:
        time.sleep(args.minutes * 60)
    finally:
        stop.set()
        for thread in threads:
            thread.join(RELOAD_LIMIT)
        args.exit_code = server.stop()
        args.load_after = os.getloadavg()[0]
    text = report(tally, args, triples_in(server, triples), start_seconds)
    print(text)
    if args.report:
        args.report.write_text(text + "\n", encoding="utf-8")
    if args.keep:
        print(f"Kept {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if args.all_hold else 1


def triples_in(server: Server, fallback: int) -> int:
    """The data triples the server logged it serves, else the generated file's line count."""
    for line in server.log.read_text(errors="replace").splitlines():
        if "Serving version" in line and "triples)" in line:
            return int(line.split("(", 1)[1].split()[0])
    return fallback


if __name__ == "__main__":
    sys.exit(main())
