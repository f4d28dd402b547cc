"""`clusterld serve` for real: rdflib dereferences IRIs over HTTP; SIGTERM stops it cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from clusterld.namespaces import CLD, ORG

# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    process = subprocess.Popen(
        [sys.executable, "-m", "clusterld", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base, timeout=2) as response:
                assert response.status == 200
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.communicate()[0].decode(errors="replace")
                pytest.fail(f"clusterld serve did not start:\n{output}")
            time.sleep(0.2)
    yield base, process
    if process.poll() is None:
        process.kill()
        process.communicate()


@pytest.mark.parametrize("rdf_format", [None, "turtle", "json-ld", "xml", "nt"])
def test_rdflib_dereferences_a_thing(
    server: tuple[str, subprocess.Popen[bytes]], rdf_format: str | None
) -> None:
    base, _ = server
    cluster = URIRef(f"{base}id/cluster/industrial")
    graph = Graph().parse(str(cluster), format=rdf_format)
    assert (cluster, ORG.hasMember, URIRef(f"{base}id/org/elesy")) in graph
    assert {label.language for label in graph.objects(cluster, SKOS.prefLabel)} == {"ru", "en"}


@pytest.mark.parametrize(
    ("path", "subject"),
    [
        # the documentation of the shared vocabulary, served here: its terms are not under base
        ("ontology#EducationIndustryCluster", f"{CLD}EducationIndustryCluster"),
        ("shapes#ClusterShape", "shapes#ClusterShape"),
        ("id/dataset", "id/dataset"),
        ("id/scheme/industry", "id/scheme/industry"),
    ],
)
def test_rdflib_dereferences_hash_and_other_iris(
    server: tuple[str, subprocess.Popen[bytes]], path: str, subject: str
) -> None:
    base, _ = server
    graph = Graph().parse(f"{base}{path}")
    assert (URIRef(subject if ":" in subject else f"{base}{subject}"), None, None) in graph


def test_home_page_is_served_to_browsers(server: tuple[str, subprocess.Popen[bytes]]) -> None:
    base, _ = server
    for language, name in (("en", "Industrial Cluster"), ("ru", "Промышленный кластер")):
        headers = {"Accept": "text/html", "Accept-Language": language}
        request = urllib.request.Request(base, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            page = response.read().decode()
        assert f'<html lang="{language}">' in page
        assert name in page


def test_sigterm_stops_the_server_with_exit_code_0(
    server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    _, process = server
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=30)[0].decode(errors="replace")
    assert process.returncode == 0, output
    assert "Stopped" in output  # it went through the orderly shutdown, not a crash
