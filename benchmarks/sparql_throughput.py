"""SPARQL throughput and latency: ClusterLD's /sparql against rdflib-endpoint, same data, same run.

    python benchmarks/sparql_throughput.py [--triples 100000] [--duration 10] [--connections 4]

Generates ~100k triples of our model, serves them with ``clusterld serve --data`` (waitress,
pyoxigraph workers) and with rdflib-endpoint (uvicorn), checks that both give the same
answers, then loads each with wrk (GET with an encoded query, Accept: SPARQL JSON) for every
query in turn and prints requests/s, latency percentiles and the ratio.  It installs what it
lacks (wrk from Debian, rdflib-endpoint and uvicorn from PyPI), talks only to 127.0.0.1, and
stops both servers when done; every step has a time limit.
"""

from __future__ import annotations

import argparse
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
GOAL = 5.0
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
    """Install wrk (Debian) and rdflib-endpoint with uvicorn (PyPI) if they are missing."""
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
        return fetch(url, "ASK {}", timeout=5) is not None
    except OSError:
        return False


def fetch(endpoint: str, query: str, timeout: float = 120) -> dict[str, object]:
    request = urllib.request.Request(
        f"{endpoint}?{urllib.parse.urlencode({'query': query})}",
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def same_answers(ours: str, theirs: str, text: str) -> tuple[int, float]:
    """Both endpoints give the same rows (as sets): the number of rows, and the seconds
    rdflib-endpoint took for one request."""

    def rows(endpoint: str) -> set[str]:
        document = fetch(endpoint, text, timeout=SEQUENTIAL_LIMIT)
        bindings = document["results"]["bindings"]  # type: ignore[index]
        return {json.dumps(_normalised(b), sort_keys=True) for b in bindings}

    mine = rows(ours)
    started = time.monotonic()
    other = rows(theirs)
    seconds = time.monotonic() - started
    if mine != other:
        sys.exit(f"the endpoints disagree on\n{text}\n{len(mine)} rows against {len(other)}")
    return len(mine), seconds


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


def run_wrk(endpoint: str, query: str, args: argparse.Namespace, folder: Path) -> Load:
    parsed = urllib.parse.urlsplit(endpoint)
    script = folder / "query.lua"
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
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    ensure_tools()
    sys.path.insert(0, str(HERE))
    from generate import generate

    with tempfile.TemporaryDirectory(prefix="clusterld-bench-") as tmp:
        folder = Path(tmp)
        data = generate(folder / "data", args.triples)
        ours = f"http://127.0.0.1:{free_port()}/sparql"
        theirs = f"http://127.0.0.1:{free_port()}/sparql"
        env = {**os.environ, "BENCH_DATA": str(data), "PYTHONPATH": str(HERE)}
        clusterld = [
            sys.executable, "-m", "clusterld", "serve", "--data", str(data),
            "--host", "127.0.0.1", "--port", ours.split(":")[2].split("/")[0],
            "--base-uri", BASE,
        ]  # fmt: skip
        uvicorn = [
            sys.executable, "-m", "uvicorn", "rdflib_endpoint_app:app",
            "--host", "127.0.0.1", "--port", theirs.split(":")[2].split("/")[0],
            "--log-level", "warning", "--app-dir", str(HERE),
        ]  # fmt: skip
        print(f"Data: {args.triples} triples wanted, in {data}", flush=True)
        started = time.monotonic()
        with (
            server(clusterld, ours, env, folder / "clusterld.log"),
            server(uvicorn, theirs, env, folder / "rdflib-endpoint.log"),
        ):
            print(f"Both servers up after {time.monotonic() - started:.0f} s", flush=True)
            report(queries(), ours, theirs, args, folder)
    return 0


def report(
    texts: dict[str, str], ours: str, theirs: str, args: argparse.Namespace, folder: Path
) -> None:
    header = (
        f"{'query':36} {'rows':>5} | {'ClusterLD req/s':>15} {'p50 ms':>8} {'p99 ms':>8} | "
        f"{'rdflib-endpoint req/s':>21} {'p50 ms':>8} {'p99 ms':>8} | {'ratio':>7}"
    )
    print(
        f"\nwrk: {args.connections} connections, {args.duration} s per query and server "
        "(rdflib-endpoint timed request by request where it is too slow for wrk)\n"
    )
    print(header)
    print("-" * len(header))
    ratios = []
    for name, text in texts.items():
        rows, their_seconds = same_answers(ours, theirs, text)
        mine = run_wrk(ours, text, args, folder)
        if their_seconds * 20 > args.duration:  # fewer than ~20 requests: wrk cannot tell
            other = sequential(theirs, text, their_seconds)
        else:
            other = run_wrk(theirs, text, args, folder)
        ratio = mine.requests_per_second / other.requests_per_second
        ratios.append(ratio)
        errors = mine.errors or other.errors
        flag = f" (errors: {mine.errors}/{other.errors})" if errors else ""
        print(
            f"{name:36} {rows:>5} | {mine.requests_per_second:>15.1f} {mine.p50_ms:>8.1f} "
            f"{mine.p99_ms:>8.1f} | {other.requests_per_second:>21.2f} {other.p50_ms:>8.1f} "
            f"{other.p99_ms:>8.1f} | {ratio:>6.1f}x{flag}",
            flush=True,
        )
    worst = min(ratios)
    verdict = "met" if worst >= GOAL else "NOT met"
    print(f"\nLowest ratio {worst:.1f}x: the goal of {GOAL:g}x on every query is {verdict}.")


if __name__ == "__main__":
    sys.exit(main())
