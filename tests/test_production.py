"""The production command, end to end: ``clusterld serve --store DIR --workers 2`` (gunicorn)
in a subprocess, behind a real nginx configured by ``clusterld nginx-config``.

It serves from several processes, logs JSON access lines (not the probes), reloads every
worker on SIGHUP, and on SIGTERM finishes a request in flight while accepting no new one.
Loopback only, free ports, every wait bounded.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clusterld import config
from clusterld.publishing.publish import publish

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="needs POSIX signals")

HOST = "127.0.0.1"
START_TIMEOUT = 60.0
SPARQL_TIMEOUT = 3  # so the request timeout (2 x 3 + 5 s) bounds the test too
WORKERS = 2
LABEL_QUERY = (
    "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?l LIMIT 3"
)
SMALL_TURTLE = b"@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def request(
    port: int, path: str, headers: dict[str, str] | None = None, *, timeout: float = 10
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of one GET on a new connection."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def sparql_path(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


def wait_for(
    check: Callable[[], bool], what: str, log: Path, timeout: float = START_TIMEOUT
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}:\n{log.read_text()[-5000:]}")


class Served:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path, store: Path):
        self.process, self.port, self.log, self.store = process, port, log, store

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        return request(self.port, path, headers)

    def ready_version(self) -> str | None:
        status, _, body = self.get("/readyz")
        return str(json.loads(body)["version"]) if status == 200 else None

    def worker_pids(self) -> set[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def log_lines(self) -> list[dict[str, object]]:
        lines = []
        for line in self.log.read_text().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines


def publish_store(store: Path, base: str, data: Path) -> str:
    folder = publish(config.load({"BASE_URI": base, "DATA_PATHS": [data]}), store)
    return folder.name


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[Served]:
    """``clusterld serve --store --workers 2`` on a store published under an nginx address."""
    data = tmp_path / "data"
    shutil.copytree(config.defaults()["DATA_PATHS"][0], data)
    port = free_port()
    store = tmp_path / "store"
    publish_store(store, f"http://{HOST}:{port}/", data)
    log = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERLD_")}
    env["CLUSTERLD_SPARQL_TIMEOUT"] = str(SPARQL_TIMEOUT)
    env["CLUSTERLD_SPARQL_WORKERS"] = "1"
    command = [sys.executable, "-m", "clusterld", "serve", "--store", str(store)]
    command += ["--host", HOST, "--port", str(port), "--workers", str(WORKERS), "--threads", "4"]
    command += ["--log-format", "json"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    running = Served(process, port, log, store)
    try:
        wait_for(lambda: running.ready_version() is not None, "readiness", log)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def test_several_processes_serve_and_log_json(served: Served) -> None:
    workers = served.worker_pids()
    assert len(workers) == WORKERS, workers
    status, headers, body = served.get(sparql_path(LABEL_QUERY), Accept="application/json")
    assert status == 200 and headers["cache-control"] == "public, max-age=300"
    assert json.loads(body)["results"]["bindings"]
    status, headers, _ = served.get("/doc/org/elesy", Accept="text/turtle")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    assert served.get("/healthz")[0] == 200
    time.sleep(0.3)  # the access line is written once the answer is sent
    lines = served.log_lines()
    access = [line for line in lines if line["logger"] == "clusterld.access"]
    targets = [str(line["target"]) for line in access]
    assert any(t.startswith("/sparql?query=") for t in targets), targets
    assert any(
        t == "/doc/org/elesy" and line["status"] == 200
        for t, line in zip(targets, access, strict=True)
    )
    assert not any(t.endswith(("/healthz", "/readyz")) for t in targets)  # probes left out
    assert all(isinstance(line["duration_ms"], float) for line in access)
    assert any("gunicorn" in str(line["message"]) for line in lines)  # its lines are JSON too


def test_sighup_reloads_every_worker(served: Served, tmp_path: Path) -> None:
    first = served.ready_version()
    status, headers, _ = served.get(sparql_path(LABEL_QUERY))
    old_etag = headers["etag"]
    organisations = tmp_path / "data" / "organisations.ttl"
    text = organisations.read_text(encoding="utf-8")
    organisations.write_text(text.replace('"EleSy"@en', '"EleSy Company"@en'), encoding="utf-8")
    second = publish_store(served.store, f"http://{HOST}:{served.port}/", tmp_path / "data")
    assert second != first
    served.process.send_signal(signal.SIGHUP)
    # New connections land on either worker: every one of many must serve the new version.
    wait_for(
        lambda: all(served.ready_version() == second for _ in range(4 * WORKERS)),
        "the reload of every worker",
        served.log,
        timeout=30,
    )
    for _ in range(4 * WORKERS):
        assert served.ready_version() == second
        status, headers, body = served.get(sparql_path(LABEL_QUERY))
        assert status == 200 and headers["etag"] != old_etag
    now_serving = [
        line for line in served.log_lines() if str(line["message"]).startswith("Now serving")
    ]
    assert len(now_serving) == WORKERS, now_serving
    assert served.process.poll() is None


def test_sigterm_lets_a_request_in_flight_finish_and_takes_no_new_one(served: Served) -> None:
    body = SMALL_TURTLE + b"#" * 4000 + b"\n"
    half = len(body) // 2
    with socket.create_connection((HOST, served.port), timeout=20) as in_flight:
        in_flight.sendall(
            b"POST /validate HTTP/1.1\r\nHost: " + f"{HOST}:{served.port}".encode() + b"\r\n"
            b"Content-Type: text/turtle\r\nAccept: application/json\r\n"
            b"Connection: close\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body[:half]
        )
        time.sleep(0.5)  # a worker thread now waits for the rest of the body
        served.process.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert served.process.poll() is None  # still finishing the request in flight
        with pytest.raises((OSError, http.client.HTTPException)):
            request(served.port, "/healthz", timeout=2)  # refused, reset or never answered
        in_flight.sendall(body[half:])
        answer = b""
        while chunk := in_flight.recv(65536):
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), answer[:500]
    assert json.loads(payload)["conforms"] is True
    assert served.process.wait(timeout=30) == 0
    lines = served.log.read_text()
    assert "SIGSEGV" not in lines and "Traceback" not in lines, lines[-3000:]


# CI installs nginx (.ci/run); there a missing nginx is a failure, not a skip.
@pytest.mark.skipif(
    shutil.which("nginx") is None and not os.environ.get("CI"), reason="nginx is not installed"
)
def test_behind_nginx_with_the_generated_configuration(served: Served) -> None:
    run_dir = Path(tempfile.mkdtemp(prefix="clusterld-nginx-", dir="/tmp"))
    run_dir.chmod(0o755)  # nginx's workers may run as another user
    try:
        front = free_port()
        generated = subprocess.run(
            [sys.executable, "-m", "clusterld", "nginx-config", "--upstream",
             f"{HOST}:{served.port}", "--listen", f"{HOST}:{front}", "--run-dir", str(run_dir)],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "CLUSTERLD_SPARQL_TIMEOUT": str(SPARQL_TIMEOUT)},
        )  # fmt: skip
        assert generated.returncode == 0, generated.stderr
        conf = run_dir / "nginx.conf"
        conf.write_text(generated.stdout)
        assert f"proxy_read_timeout {2 * SPARQL_TIMEOUT + 5}s;" in generated.stdout
        checked = subprocess.run(["nginx", "-t", "-c", str(conf)], capture_output=True, text=True)
        assert checked.returncode == 0 and "warn" not in checked.stderr, checked.stderr
        with (run_dir / "error.log").open("wb") as errors:
            nginx = subprocess.Popen(
                ["nginx", "-c", str(conf), "-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        try:
            wait_for(lambda: request(front, "/healthz")[0] == 200, "nginx", run_dir / "error.log")
            status, headers, body = request(front, sparql_path(LABEL_QUERY))
            assert status == 200 and headers["etag"], body
            assert headers["cache-control"] == "public, max-age=300"
            status, again, body = request(front, sparql_path(LABEL_QUERY), {
                "If-None-Match": headers["etag"]})  # fmt: skip
            assert status == 304 and body == b"" and again["etag"] == headers["etag"]
            status, headers, _ = request(front, "/id/org/elesy", {"Accept": "text/turtle"})
            assert status == 303
            assert headers["location"] == "/doc/org/elesy"
            connection = http.client.HTTPConnection(HOST, front, timeout=10)
            connection.request(
                "POST", "/validate", body=SMALL_TURTLE,
                headers={"Content-Type": "text/turtle", "Accept": "application/json"},
            )  # fmt: skip
            response = connection.getresponse()
            assert response.status == 200 and json.loads(response.read())["conforms"] is True
            connection.close()
            readyz = request(front, "/readyz")
            assert readyz[0] == 200 and json.loads(readyz[2])["sparql_workers"] >= 1
        finally:
            nginx.terminate()
            nginx.wait(timeout=20)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
