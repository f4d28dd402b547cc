"""End to end: ``clusterld serve`` in a subprocess reloads on SIGHUP and never publishes
invalid data; SIGTERM stops it cleanly. Loopback only, a free port, every wait bounded."""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="needs POSIX signals")

HOST = "127.0.0.1"
START_TIMEOUT = 60.0
RELOAD_TIMEOUT = 30.0
ORG_FILE = "organisations.ttl"
LIMIT = 1000
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
PUBLISHED_BY = re.compile(r"Publishing in process (\d+)")
GENERATOR = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"
LARGE = 200_000
LARGE_RELOAD_TIMEOUT = 600.0
RSS_GROWTH_LIMIT_MB = 64
"""What the server may grow by when it switches to a 200,000-triple version published by a
child: it opens the version and keeps its small graphs (ontology, shapes, metadata).  The
same publish inside the server grew it by about 330 MB (see benchmarks/README.md)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server:
    """A running ``clusterld serve`` and a tiny HTTP client for it."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log
        self.base = f"http://{HOST}:{port}"

    def get(self, path: str, accept: str = "application/json") -> tuple[int, Message, bytes]:
        """Status, headers (case-insensitive) and body of a GET."""
        request = urllib.request.Request(self.base + path, headers={"Accept": accept})
        try:
            with OPENER.open(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def status(self) -> dict[str, Any]:
        code, _, body = self.get("/status")
        assert code == 200, body
        found: dict[str, Any] = json.loads(body)
        return found

    def wait_for(self, check: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"server exited:\n{self.log.read_text()}"
            try:
                if check():
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {what}:\n{self.log.read_text()}")


@pytest.fixture()
def server(tmp_path: Path, data_copy: Path) -> Iterator[Server]:
    port = free_port()
    log = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERLD_")}
    env["CLUSTERLD_VALIDATE_MAX_BYTES"] = str(LIMIT)  # settings from the environment, too
    command = [sys.executable, "-m", "clusterld", "serve", "--host", HOST, "--port", str(port)]
    command += ["--data", str(data_copy), "--threads", "4"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    running = Server(process, port, log)
    try:
        running.wait_for(lambda: running.get("/status")[0] == 200, START_TIMEOUT, "start")
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def edit(folder: Path, old: str, new: str) -> None:
    path = folder / ORG_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def english_label(server: Server) -> tuple[str, str]:
    code, headers, body = server.get("/doc/org/elesy.ttl", "text/turtle")
    assert code == 200
    graph = Graph().parse(data=body.decode("utf-8"), format="turtle")
    subject = URIRef(f"{server.base}/id/org/elesy")
    (label,) = (o for o in graph.objects(subject, RDFS.label) if o.language == "en")
    return str(label), headers["ETag"]


def test_sighup_reloads_and_never_publishes_invalid_data(server: Server, data_copy: Path) -> None:
    first = server.status()
    assert first["conforms"] is True and first["last_reload_failure"] is None
    label, etag = english_label(server)
    assert label == "EleSy"

    edit(data_copy, '"EleSy"@en', '"EleSy Company"@en')
    server.process.send_signal(signal.SIGHUP)
    server.wait_for(
        lambda: server.status()["version"] != first["version"], RELOAD_TIMEOUT, "reload"
    )
    second = server.status()
    assert second["last_reload_failure"] is None
    assert second["loaded_at"] >= first["loaded_at"]
    label, second_etag = english_label(server)
    assert label == "EleSy Company" and second_etag != etag

    edit(data_copy, '"EleSy Company"@en', '"EleSy Company"')  # no English label: invalid
    server.process.send_signal(signal.SIGHUP)
    server.wait_for(
        lambda: server.status()["last_reload_failure"] is not None, RELOAD_TIMEOUT, "refusal"
    )
    third = server.status()
    assert third["version"] == second["version"]
    assert third["triples"] == second["triples"]
    failure = third["last_reload_failure"]
    assert failure["report"]["conforms"] is False
    assert any("English label" in r["message"]["en"] for r in failure["report"]["results"])
    assert english_label(server) == ("EleSy Company", second_etag)  # still the last valid one
    code, _, page = server.get("/status", "text/html")
    assert code == 200 and b"An English label is required" in page

    edit(data_copy, '"EleSy Company"', '"EleSy Company"@en')
    (data_copy / "broken.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    server.process.send_signal(signal.SIGHUP)
    server.wait_for(
        lambda: server.status()["last_reload_failure"]["title"] == "RDF syntax error",
        RELOAD_TIMEOUT,
        "a refusal of the syntax error",
    )
    failure = server.status()["last_reload_failure"]
    assert f"{data_copy / 'broken.ttl'}, line 1, column 8" in failure["error"]
    assert server.status()["version"] == second["version"]
    code, _, page = server.get("/status", "text/html")
    assert code == 200 and b"broken.ttl, line 1, column 8" in page
    published_by = [int(pid) for pid in PUBLISHED_BY.findall(server.log.read_text())]
    assert len(published_by) >= 3 and server.process.pid not in published_by  # + the first?

    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=20) == 0


def test_a_chunked_body_over_the_limit_is_refused(server: Server) -> None:
    connection = http.client.HTTPConnection(HOST, server.port, timeout=10)
    try:
        chunks = iter([b"#" * 600, b"#" * 600, b"\n"])
        headers = {"Content-Type": "text/turtle", "Accept": "application/json"}
        connection.request("POST", "/validate", body=chunks, headers=headers, encode_chunked=True)
        response = connection.getresponse()
        assert response.status == 413
        response.read()
    finally:
        connection.close()
    small = b"@prefix ex: <http://example.org/> .\n"
    connection = http.client.HTTPConnection(HOST, server.port, timeout=10)
    try:
        connection.request("POST", "/validate", body=small, headers=headers)
        response = connection.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["conforms"] is True
    finally:
        connection.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads /proc")
def test_issue_13_a_large_reload_is_published_by_another_process(
    server: Server, data_copy: Path
) -> None:
    """The soak saw the server grow with every reload (570 MB → 752 MB): publishing ran in it.
    Now a reload to 200,000 triples leaves the server's own memory about where it was."""
    spec = importlib.util.spec_from_file_location("generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    first = server.status()
    for path in ("/", "/doc/org/elesy", "/status", "/catalog"):  # the pages warmed at reload
        server.get(path, "text/html")
    before = rss_mb(server.process.pid)
    generator.generate(data_copy / "generated", LARGE)
    server.process.send_signal(signal.SIGHUP)
    server.wait_for(
        lambda: server.status()["version"] != first["version"], LARGE_RELOAD_TIMEOUT, "reload"
    )
    assert server.status()["triples"]["data"] > LARGE
    for path in ("/", "/doc/org/elesy", "/status", "/catalog"):
        server.get(path, "text/html")
    after = rss_mb(server.process.pid)
    published_by = [int(pid) for pid in PUBLISHED_BY.findall(server.log.read_text())]
    assert published_by and server.process.pid not in published_by
    assert after - before < RSS_GROWTH_LIMIT_MB, f"{before:.0f} MB -> {after:.0f} MB"
