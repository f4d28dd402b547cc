"""Health probes never wait behind SPARQL (issue 13, item 4; the soak saw /healthz wait 8 s).

A real server on loopback (waitress in one process, gunicorn with ``--workers``), more slow
queries at once than it has threads: while they are still running, ``/healthz`` and
``/readyz`` answer, and the queries beyond what may wait get ``503`` with ``Retry-After`` at
once.  Not a timing benchmark: the probe's only deadline is shorter than the queries' run.
Every wait is bounded; the server is killed at the end.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from clusterld import config
from clusterld.publishing.publish import publish

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="needs POSIX signals")

HOST = "127.0.0.1"
START_TIMEOUT = 90.0
SPARQL_TIMEOUT = 12
"""Long enough that the slow queries are surely still running when the probes are sent."""
PROBE_TIMEOUT = 5.0
THREADS = 4
SLOW_QUERIES = 10
ENDLESS = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, timeout: float) -> tuple[int, dict[str, str]]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


@pytest.fixture(params=["waitress", "gunicorn"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A server with 1 SPARQL worker per process and 4 threads, ready (workers loaded)."""
    port = free_port()
    data = tmp_path / "data"
    shutil.copytree(config.defaults()["DATA_PATHS"][0], data)
    command = [sys.executable, "-m", "clusterld", "serve", "--host", HOST, "--port", str(port)]
    command += ["--threads", str(THREADS)]
    if request.param == "gunicorn":
        store = tmp_path / "store"
        base = f"http://{HOST}:{port}/"
        publish(config.load({"BASE_URI": base, "DATA_PATHS": [data]}), store)
        command += ["--store", str(store), "--workers", "2"]
    else:
        command += ["--data", str(data), "--base-uri", f"http://{HOST}:{port}/"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERLD_")}
    env.update(
        CLUSTERLD_SPARQL_TIMEOUT=str(SPARQL_TIMEOUT),
        CLUSTERLD_SPARQL_WORKERS="1",
        CLUSTERLD_CACHE_DIR=str(tmp_path / "cache"),
    )
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"not ready:\n{log.read_text()}"
            try:
                if get(port, "/readyz", 5)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        yield port, log
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def test_issue_13_probes_answer_while_slow_queries_hold_the_server(
    server: tuple[int, Path],
) -> None:
    port, log = server
    answers: list[tuple[int, dict[str, str]]] = []
    path = "/sparql?" + urllib.parse.urlencode({"query": ENDLESS})

    def slow() -> None:
        try:
            answers.append(get(port, path, SPARQL_TIMEOUT * 3))
        except OSError:
            answers.append((0, {}))

    queries = [threading.Thread(target=slow, daemon=True) for _ in range(SLOW_QUERIES)]
    for query in queries:
        query.start()
    time.sleep(1.0)  # the queries reach the server and take (or are refused) its threads
    for probe in ("/healthz", "/readyz"):
        status, _ = get(port, probe, PROBE_TIMEOUT)  # before the fix: a timeout here
        assert status == 200, probe
    still_running = sum(query.is_alive() for query in queries)
    assert still_running >= 1, "the probes were answered only after the slow queries"
    for query in queries:
        query.join(SPARQL_TIMEOUT * 3 + 5)
    assert len(answers) == SLOW_QUERIES
    refused_at_once = [headers for status, headers in answers if status == 503]
    assert all(status == 503 for status, _ in answers), answers  # timed out, or refused
    assert any(headers.get("retry-after") == "1" for headers in refused_at_once)
