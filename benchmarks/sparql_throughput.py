"""SPARQL throughput and latency: ClusterLD in production against rdflib-endpoint and the
Oxigraph server, same data, same run.

    python benchmarks/sparql_throughput.py [--triples 100000] [--duration 10]
        [--connections 8] [--repeat 3] [--only one-cluster-labels] [--health]

Generates ~100k triples of our model and publishes them once (``clusterld publish``) into a
store that every server reads: ClusterLD as deployed (``clusterld serve --store --workers 2``,
gunicorn), once with its answer cache off (cold) and once with it on (warm); rdflib-endpoint
under uvicorn; ``oxigraph serve-read-only`` on the very same Oxigraph folder.  It checks that
all give the same answers, then loads each with wrk, every query in two ways: **cold**, each
request a distinct query (a trailing ``VALUES ?cold { n }`` with n counting up, which changes
no answer; no cache can hit), and **warm**, the same query repeated.  It prints requests/s and
latency percentiles, medians over ``--repeat`` runs, and the ratios.  ``--health`` also
measures ``/healthz`` while queries hit the timeout and uploads are validated.  It installs
what it lacks (wrk from Debian; rdflib-endpoint, uvicorn and oxigraph from PyPI), talks only
to 127.0.0.1, and stops every server when done; every step has a time limit.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASE = "https://clusterld.example/tomsk/"
GOALS = {  # (mode, peer): the least ratio wanted on the point lookup
    ("cold", "rdflib-endpoint"): 3.0,
    ("cold", "oxigraph"): 0.3,
    ("warm", "oxigraph"): 0.4,
}
HEALTH_GOAL_MS = 100.0
STARTUP_LIMIT = 600.0  # seconds for a server to load (ClusterLD validates 100k triples first)
SEQUENTIAL_LIMIT = 300.0  # seconds one request may take
CLUSTER = f"{BASE}id/cluster/cluster-7"


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def queries() -> dict[str, str]:
    """The example queries (the one place they are kept), pointed at a generated cluster."""
    sys.path.insert(0, str(ROOT / "src"))
    from clusterld.sparql.examples import example_queries

    found = {
        "one-cluster-labels": (
            f"SELECT ?label WHERE {{ <{CLUSTER}> <http://www.w3.org/2000/01/rdf-schema#label> "
            "?label }"
        )
    }
    for example in example_queries(BASE):
        found[example.slug] = example.text.replace(f"{BASE}id/cluster/industrial", CLUSTER)
    return found


def ensure_tools() -> None:
    """Install wrk (Debian), rdflib-endpoint with uvicorn and oxigraph (PyPI) if missing."""
    if shutil.which("wrk") is None:
        if os.geteuid() != 0:
            sys.exit("wrk is missing: apt-get install wrk (as root), then run again")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, timeout=300)
    try:
        import rdflib_endpoint  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        pip = [sys.executable, "-m", "pip", "install", "-q", "rdflib-endpoint", "uvicorn"]
        subprocess.run(pip, check=True, timeout=600)
    if not oxigraph_command().exists():
        pip = [sys.executable, "-m", "pip", "install", "-q", "oxigraph"]
        subprocess.run(pip, check=True, timeout=600)


def oxigraph_command() -> Path:
    """The ``oxigraph`` CLI of the PyPI package ``oxigraph``, beside this Python."""
    return Path(sys.executable).parent / "oxigraph"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(command: list[str], url: str, env: dict[str, str], log: Path) -> Iterator[None]:
    """Run a server in its own process group until the block ends; wait until it answers."""
    with log.open("w") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + STARTUP_LIMIT
            while not answers(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"{command[0]} did not start; see {log}")
                time.sleep(0.5)
            yield
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def answers(url: str) -> bool:
    try:
        return fetch(url, "ASK { ?s ?p ?o }", timeout=5) is not None
    except (OSError, ValueError):
        return False


def fetch(endpoint: str, query: str, timeout: float = 120) -> dict[str, object]:
    request = urllib.request.Request(
        f"{endpoint}?{urllib.parse.urlencode({'query': query})}",
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def same_answers(endpoints: dict[str, str], text: str) -> tuple[int, dict[str, float]]:
    """Every endpoint gives the same rows (as sets): the number of rows, and the seconds each
    took for one request."""
    seen: dict[str, set[str]] = {}
    seconds: dict[str, float] = {}
    for name, endpoint in endpoints.items():
        started = time.monotonic()
        document = fetch(endpoint, text, timeout=SEQUENTIAL_LIMIT)
        seconds[name] = time.monotonic() - started
        if "boolean" in document:
            seen[name] = {json.dumps(document["boolean"])}
            continue
        bindings = document["results"]["bindings"]  # type: ignore[index]
        seen[name] = {json.dumps(_normalised(b), sort_keys=True) for b in bindings}
    first_name, first = next(iter(seen.items()))
    for name, rows in seen.items():
        if rows != first:
            sys.exit(f"{name} and {first_name} disagree on\n{text}\n{len(rows)} rows, {len(first)}")
    return len(first), seconds


def sequential(endpoint: str, text: str, seconds: float) -> Load:
    """Throughput of a server too slow for wrk to measure: time requests one after another.

    rdflib-endpoint evaluates in one process under the GIL, so concurrent requests would not
    raise its throughput; they would only leave work running after wrk stops.
    """
    times = [seconds]
    while sum(times) < 10 and len(times) < 5:
        started = time.monotonic()
        fetch(endpoint, text, timeout=SEQUENTIAL_LIMIT)
        times.append(time.monotonic() - started)
    times.sort()
    median_ms = times[len(times) // 2] * 1000
    return Load(len(times) / sum(times), median_ms, times[-1] * 1000, len(times), 0)


def _normalised(binding: dict[str, dict[str, str]]) -> dict[str, object]:
    """Terms without the details engines may spell differently (GROUP_CONCAT order)."""
    return {
        name: sorted(term["value"].split(" | ")) if " | " in term["value"] else term["value"]
        for name, term in binding.items()
    }


COLD_SCRIPT = """
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  counter = id * 100000000
end
function request()
  counter = counter + 1
  return wrk.format("GET", prefix .. counter .. suffix)
end
"""


def run_wrk(
    endpoint: str, query: str, args: argparse.Namespace, folder: Path, *, cold: bool = False
) -> Load:
    """Load ``endpoint`` with ``query``; ``cold``: every request a distinct query."""
    parsed = urllib.parse.urlsplit(endpoint)
    script = folder / "query.lua"
    if cold:
        opened = urllib.parse.urlencode({"query": query + "\nVALUES ?cold { "})
        prefix = f"{parsed.path}?{opened}"
        script.write_text(
            'wrk.headers["Accept"] = "application/sparql-results+json"\n'
            f"prefix = {json.dumps(prefix)}\n"
            f"suffix = {json.dumps(urllib.parse.quote(' }'))}\n" + COLD_SCRIPT
        )
    else:
        path = f"{parsed.path}?{urllib.parse.urlencode({'query': query})}"
        script.write_text(
            'wrk.method = "GET"\n'
            f"wrk.path = {json.dumps(path)}\n"
            'wrk.headers["Accept"] = "application/sparql-results+json"\n'
        )
    command = [
        "wrk",
        f"-t{min(2, args.connections)}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "60s",
        "--latency",
        "-s",
        str(script),
        f"{parsed.scheme}://{parsed.netloc}",
    ]
    out = subprocess.run(
        command, capture_output=True, text=True, timeout=args.duration + 90, check=True
    ).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> Load:
    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    return Load(
        requests_per_second=float(rps.group(1)) if rps else 0.0,
        p50_ms=ms("50%"),
        p99_ms=ms("99%"),
        requests=int(total.group(1)) if total else 0,
        errors=(int(errors.group(1)) if errors else 0)
        + (int(timeouts.group(1)) if timeouts else 0),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per query")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure (median)")
    parser.add_argument("--workers", type=int, default=2, help="ClusterLD server processes")
    parser.add_argument("--only", action="append", help="only these queries (repeatable)")
    parser.add_argument("--health", action="store_true", help="also /healthz under mixed load")
    args = parser.parse_args()
    ensure_tools()
    sys.path.insert(0, str(HERE))
    from generate import generate

    with tempfile.TemporaryDirectory(prefix="clusterld-bench-") as tmp:
        folder = Path(tmp)
        data = generate(folder / "data", args.triples)
        store = folder / "store"
        print(f"Data: {args.triples} triples wanted, in {data}; publishing", flush=True)
        subprocess.run(
            [sys.executable, "-m", "clusterld", "publish", "--store", str(store),
             "--data", str(data), "--base-uri", BASE],
            check=True, timeout=STARTUP_LIMIT, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        ports = {name: free_port() for name in ("cold", "warm", "rdflib", "oxigraph")}
        url = {name: f"http://127.0.0.1:{port}/sparql" for name, port in ports.items()}
        env = {**os.environ, "BENCH_STORE": str(store), "PYTHONPATH": str(HERE)}

        def clusterld(port: int) -> list[str]:
            return [
                sys.executable, "-m", "clusterld", "serve", "--store", str(store),
                "--workers", str(args.workers), "--host", "127.0.0.1", "--port", str(port),
                "--log-format", "json",
            ]  # fmt: skip

        uvicorn = [
            sys.executable, "-m", "uvicorn", "rdflib_endpoint_app:app",
            "--host", "127.0.0.1", "--port", str(ports["rdflib"]),
            "--log-level", "warning", "--app-dir", str(HERE),
        ]  # fmt: skip
        oxigraph = [
            str(oxigraph_command()), "serve-read-only",
            "--location", str((store / "current" / "oxigraph").resolve()),
            "--bind", f"127.0.0.1:{ports['oxigraph']}",
        ]  # fmt: skip
        started = time.monotonic()
        with (
            server(clusterld(ports["cold"]), url["cold"], {**env, "CLUSTERLD_SPARQL_CACHE_MB": "0"},
                   folder / "clusterld-cold.log"),
            server(clusterld(ports["warm"]), url["warm"], env, folder / "clusterld-warm.log"),
            server(uvicorn, url["rdflib"], env, folder / "rdflib-endpoint.log"),
            server(oxigraph, url["oxigraph"], env, folder / "oxigraph.log"),
        ):  # fmt: skip
            print(f"All servers up after {time.monotonic() - started:.0f} s", flush=True)
            texts = queries()
            if args.only:
                texts = {name: text for name, text in texts.items() if name in args.only}
            report(texts, url, args, folder)
            if args.health:
                health_under_load(url["warm"], args, folder)
    return 0


PEERS = ("rdflib-endpoint", "oxigraph")


def measure(
    endpoint: str, text: str, args: argparse.Namespace, folder: Path, *, cold: bool, slow: float
) -> Load:
    """The median of ``--repeat`` runs by throughput (one timed sequence for a slow server)."""
    if slow * 20 > args.duration:  # fewer than ~20 requests: wrk cannot tell
        return sequential(endpoint, text, slow)
    runs = sorted(
        (run_wrk(endpoint, text, args, folder, cold=cold) for _ in range(args.repeat)),
        key=lambda load: load.requests_per_second,
    )
    return runs[len(runs) // 2]


def report(
    texts: dict[str, str], url: dict[str, str], args: argparse.Namespace, folder: Path
) -> None:
    print(
        f"\nwrk: {args.connections} connections, {args.duration} s per run, median of "
        f"{args.repeat} runs (rdflib-endpoint timed request by request where too slow for wrk)"
    )
    header = (
        f"{'query':34} {'mode':4} {'rows':>5} | {'ClusterLD':>9} {'p50':>6} {'p99':>6} | "
        f"{'rdflib-ep':>9} {'p50':>6} {'p99':>6} | {'oxigraph':>9} {'p50':>6} {'p99':>6} | "
        f"{'vs rdflib':>9} {'vs oxigraph':>11}"
    )
    print(header)
    print("-" * len(header))
    endpoints = {
        "ClusterLD": url["cold"],
        "rdflib-endpoint": url["rdflib"],
        "oxigraph": url["oxigraph"],
    }
    ratios: dict[tuple[str, str, str], float] = {}
    for name, text in texts.items():
        rows, seconds = same_answers(endpoints, text)
        for mode in ("cold", "warm"):
            cold = mode == "cold"
            # Only rdflib-endpoint is timed request by request when slow: it evaluates in one
            # process under the GIL, so concurrency would not help it; the others get wrk.
            ours = measure(url[mode], text, args, folder, cold=cold, slow=0.0)
            peers = {
                "rdflib-endpoint": measure(
                    url["rdflib"], text, args, folder, cold=cold, slow=seconds["rdflib-endpoint"]
                ),
                "oxigraph": measure(url["oxigraph"], text, args, folder, cold=cold, slow=0.0),
            }
            cells = [f"{name:34} {mode:4} {rows:>5}"]
            for load in (ours, *peers.values()):
                flag = "!" if load.errors else " "
                rps, p50, p99 = load.requests_per_second, load.p50_ms, load.p99_ms
                cells.append(f"{rps:>8.1f}{flag} {p50:>6.1f} {p99:>6.1f}")
            for peer, load in peers.items():
                ratios[(name, mode, peer)] = ours.requests_per_second / load.requests_per_second
            cells.append(
                f"{ratios[(name, mode, 'rdflib-endpoint')]:>8.2f}x "
                f"{ratios[(name, mode, 'oxigraph')]:>10.2f}x"
            )
            print(" | ".join(cells), flush=True)
    print("\n(! : wrk counted errors or timeouts in that run)")
    for (mode, peer), goal in GOALS.items():
        key = ("one-cluster-labels", mode, peer)
        if key in ratios:
            verdict = "met" if ratios[key] >= goal else "NOT met"
            print(f"point lookup, {mode}, vs {peer}: {ratios[key]:.2f}x (goal {goal:g}x) {verdict}")


SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def health_under_load(endpoint: str, args: argparse.Namespace, folder: Path) -> None:
    """``/healthz`` latency while queries run into the timeout, uploads are validated and
    wrk loads the point lookup: the goal is every probe within 100 ms."""
    import threading

    base = endpoint.rsplit("/", 1)[0]
    stop = threading.Event()
    upload = generate_upload()

    def timeouts() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):  # the expected 503 after SPARQL_TIMEOUT
                fetch(endpoint, SLOW_QUERY, timeout=60)

    def uploads() -> None:
        while not stop.is_set():
            request = urllib.request.Request(
                f"{base}/validate", data=upload, method="POST",
                headers={"Content-Type": "text/turtle", "Accept": "application/json"},
            )  # fmt: skip
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(request, timeout=60) as response,
            ):
                response.read()

    threads = [threading.Thread(target=t, daemon=True) for t in (timeouts, timeouts, uploads)]
    for thread in threads:
        thread.start()
    lookups = threading.Thread(
        target=run_wrk, args=(endpoint, queries()["one-cluster-labels"], args, folder),
        kwargs={"cold": True}, daemon=True,
    )  # fmt: skip
    lookups.start()
    time.sleep(2)
    latencies = []
    deadline = time.monotonic() + args.duration
    while time.monotonic() < deadline:
        started = time.monotonic()
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
            response.read()
        latencies.append((time.monotonic() - started) * 1000)
        time.sleep(0.05)
    stop.set()
    lookups.join(args.duration + 120)
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    worst = latencies[-1]
    verdict = "met" if worst <= HEALTH_GOAL_MS else "NOT met"
    print(
        f"\n/healthz under load (2 queries running into the timeout, 1 upload loop, wrk on the "
        f"cold point lookup): {len(latencies)} probes, p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"max {worst:.1f} ms; goal every probe within {HEALTH_GOAL_MS:g} ms: {verdict}"
    )


def generate_upload() -> bytes:
    """A document of ~5000 triples for POST /validate (near the default limit of 10 000)."""
    lines = ["@prefix ex: <http://example.org/> ."]
    lines += [f'ex:s{i} ex:p ex:o{i} ; ex:label "thing {i}"@en .' for i in range(2500)]
    return "\n".join(lines).encode()


if __name__ == "__main__":
    sys.exit(main())
