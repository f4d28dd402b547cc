"""Health probes under slow SPARQL: how long /healthz and /readyz wait when queries hold the server.

    python benchmarks/probes.py                  # the server as it is
    python benchmarks/probes.py --unbounded      # as before issue 13's fix: no bound on waiters

Starts ``clusterld serve`` (waitress, ``--threads``) on the shipped data with a short
``SPARQL_TIMEOUT``, keeps ``--queries`` slow queries running at once (each a cross join that
runs into the timeout, sent again as soon as it is answered) and meanwhile probes ``/healthz``
and ``/readyz`` five times a second.  Reports the probes' latency percentiles and the
queries' answers.  Loopback only; every wait is bounded; the server is killed at the end.
``--unbounded`` starts the server with the SPARQL admission bound lifted, to measure the
behaviour the bound replaced.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

HOST = "127.0.0.1"
SLOW = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
UNBOUNDED = (
    "import sys; from clusterld.sparql.service import SparqlService; "
    "SparqlService.fit_to_threads = lambda self, threads: setattr(self, 'max_in_flight', 10**6); "
    "from clusterld.cli import main; sys.argv[0] = 'clusterld'; main()"
)


def get(port: int, path: str, timeout: float) -> tuple[int, float]:
    started = time.monotonic()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    except OSError:
        return 0, time.monotonic() - started
    finally:
        connection.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=16, help="slow queries kept running")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--timeout", type=int, default=3, help="SPARQL_TIMEOUT")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--unbounded", action="store_true")
    args = parser.parse_args()
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = int(sock.getsockname()[1])
    folder = Path(tempfile.mkdtemp(prefix="clusterld-probes-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERLD_")}
    env.update(CLUSTERLD_SPARQL_TIMEOUT=str(args.timeout), CLUSTERLD_CACHE_DIR=str(folder))
    launcher = ["-c", UNBOUNDED] if args.unbounded else ["-m", "clusterld"]
    command = [sys.executable, *launcher, "serve", "--host", HOST, "--port", str(port)]
    command += ["--threads", str(args.threads)]
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while get(port, "/readyz", 5)[0] != 200:
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit("the server did not become ready")
            time.sleep(0.2)
        stop = threading.Event()
        answers: Counter[int] = Counter()
        probes: list[tuple[str, int, float]] = []
        path = "/sparql?" + urllib.parse.urlencode({"query": SLOW})

        def slow() -> None:
            while not stop.is_set():
                answers[get(port, path, args.timeout * 3 + 10)[0]] += 1

        def probe() -> None:
            while not stop.wait(0.2):
                for name in ("/healthz", "/readyz"):
                    status, seconds = get(port, name, 30)
                    probes.append((name, status, seconds))

        workers = [threading.Thread(target=slow) for _ in range(args.queries)]
        workers.append(threading.Thread(target=probe))
        for worker in workers:
            worker.start()
        time.sleep(args.seconds)
        stop.set()
        for worker in workers:
            worker.join(args.timeout * 3 + 40)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
    mode = "unbounded (before)" if args.unbounded else "bounded (now)"
    print(f"{mode}: {args.queries} slow queries, {args.threads} threads, {args.seconds:g} s")
    print("| probe | probes | not 200 | p50 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in ("/healthz", "/readyz"):
        seconds = [p[2] for p in probes if p[0] == name]
        bad = sum(1 for p in probes if p[0] == name and p[1] != 200)
        print(
            f"| {name} | {len(seconds)} | {bad} | {percentile(seconds, 50) * 1000:.0f} | "
            f"{percentile(seconds, 99) * 1000:.0f} | {max(seconds, default=0) * 1000:.0f} |"
        )
    print("slow query answers by status:", dict(sorted(answers.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
