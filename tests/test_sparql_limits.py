"""Limits that keep the server alive, and every refusal: each a clear answer, never a hang.

One app with small limits (1 s, 5 rows, 2 000 characters) is shared by the module; its two
workers are started before the tests that time them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
from flask import Flask

from clusterld.dataset.store import get_store
from clusterld.errors import ConfigError
from clusterld.sparql.service import Limits, get_service
from sparql_support import parse_graph, parse_result, sparql_app

EXPLOSIVE = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
SIMPLE = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def limited(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    with sparql_app(make_app, timeout=1, max_rows=5, max_query_length=2000, workers=2) as app:
        with app.app_context():
            get_service(app).warm_up(get_store())
        wait_for(lambda: get_service(app).pool.idle_count == 2)
        yield app


def wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def get(app: Flask, query: str, **params: str) -> object:
    return app.test_client().get("/sparql", query_string={"query": query, **params})


def test_a_runaway_query_is_stopped_while_another_is_answered(limited: Flask) -> None:
    pool = get_service(limited).pool
    before = set(pool.pids)
    slow: dict[str, object] = {}

    def run_explosive() -> None:
        started = time.monotonic()
        slow["response"] = get(limited, EXPLOSIVE)
        slow["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run_explosive)
    thread.start()
    time.sleep(0.3)  # the explosive query is running in one worker by now
    started = time.monotonic()
    quick = limited.test_client().get("/sparql", query_string={"query": SIMPLE})
    quick_seconds = time.monotonic() - started
    thread.join(10)

    assert quick.status_code == 200 and parse_result(quick).askAnswer is True
    assert quick_seconds < 0.6, "a simple query waited for the runaway one"
    response = slow["response"]
    assert response.status_code == 503  # type: ignore[attr-defined]
    assert "stopped after 1 seconds" in response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert 0.9 < slow["seconds"] < 2.0  # type: ignore[operator]
    killed = before - set(pool.pids)
    assert len(killed) == 1, "the worker that ran the runaway query was stopped"
    (pid,) = killed
    assert not os.path.exists(f"/proc/{pid}"), "its process is gone: its CPU is free"
    wait_for(lambda: pool.idle_count == 2)  # a replacement took its place
    assert get(limited, SIMPLE).status_code == 200  # type: ignore[attr-defined]


def test_a_query_that_needs_too_much_memory_is_stopped(make_app: Callable[..., Flask]) -> None:
    """Sorting the cross product fills memory fast: the worker dies at its cap, not the host."""
    hungry = "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"
    with sparql_app(make_app, timeout=20, workers=1, worker_memory=400) as app:
        client = app.test_client()
        assert client.get("/sparql", query_string={"query": SIMPLE}).status_code == 200
        (pid,) = get_service(app).pool.pids
        started = time.monotonic()
        response = client.get("/sparql", query_string={"query": hungry})
        assert response.status_code == 503
        assert "more than 400 MB" in response.get_data(as_text=True)
        assert time.monotonic() - started < 15, "stopped by the memory cap, not the timeout"
        assert not os.path.exists(f"/proc/{pid}")
        assert client.get("/sparql", query_string={"query": SIMPLE}).status_code == 200


def test_a_timeout_answers_in_the_negotiated_format(limited: Flask) -> None:
    response = limited.test_client().get(
        "/sparql", query_string={"query": EXPLOSIVE}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 503
    assert response.get_json()["title"] == "SPARQL query not answered"
    wait_for(lambda: get_service(limited).pool.idle_count == 2)


@pytest.mark.parametrize(
    ("query", "fmt"),
    [
        ("SELECT ?s ?p ?o { ?s ?p ?o }", "json"),
        ("SELECT ?s ?p ?o { ?s ?p ?o }", "xml"),
        ("SELECT ?s ?p ?o { ?s ?p ?o }", "tsv"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "nt"),
        ("DESCRIBE ?s { ?s a ?class }", "turtle"),
    ],
)
def test_an_answer_cut_at_the_row_limit_says_so(limited: Flask, query: str, fmt: str) -> None:
    response = get(limited, query, format=fmt)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.headers["X-SPARQL-MaxRows"] == "5"  # type: ignore[attr-defined]
    if query.startswith("SELECT"):
        assert len(list(parse_result(response))) == 5  # type: ignore[arg-type]
    else:
        assert len(parse_graph(response)) == 5  # type: ignore[arg-type]


def test_an_answer_within_the_limit_is_not_marked(limited: Flask) -> None:
    response = get(limited, "SELECT ?s { ?s ?p ?o } LIMIT 5")
    assert "X-SPARQL-MaxRows" not in response.headers  # type: ignore[attr-defined]
    assert len(list(parse_result(response))) == 5  # type: ignore[arg-type]


def test_the_row_limit_header_is_readable_by_browser_clients(limited: Flask) -> None:
    response = get(limited, "SELECT ?s { ?s ?p ?o }")
    assert "X-SPARQL-MaxRows" in response.headers["Access-Control-Expose-Headers"]  # type: ignore[attr-defined]


def test_a_query_of_the_maximum_length_runs(limited: Flask) -> None:
    query = SIMPLE + " #" + "x" * (2000 - len(SIMPLE) - 2)
    assert len(query) == 2000
    assert get(limited, query).status_code == 200  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("method", "status"),
    [("GET", 414), ("form", 413), ("direct", 413)],
)
def test_a_longer_query_is_refused(limited: Flask, method: str, status: int) -> None:
    query = SIMPLE + " #" + "x" * 2000
    client = limited.test_client()
    if method == "GET":
        response = client.get("/sparql", query_string={"query": query})
    elif method == "form":
        response = client.post("/sparql", data={"query": query})
    else:
        response = client.post(
            "/sparql", data=query.encode(), content_type="application/sparql-query"
        )
    assert response.status_code == status
    assert "at most 2000" in response.get_data(as_text=True)


class Listener:
    """A loopback TCP listener that counts the connections it receives."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.socket.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "select * {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",  # a codepoint escape
        "PREFIX ex: <http://example.org/> ASK {{ ?s ex:p 1 . SERVICE <{url}> {{ ?s ?p ?o }} }}",
    ],
)
def test_service_is_refused_and_nothing_leaves_the_server(
    limited: Flask, listener: Listener, template: str
) -> None:
    query = template.format(url=f"http://127.0.0.1:{listener.port}/sparql")
    response = get(limited, query)
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert "SERVICE" in response.get_data(as_text=True)  # type: ignore[attr-defined]
    time.sleep(0.2)
    assert listener.connections == 0


def test_from_a_remote_graph_is_never_fetched(limited: Flask, listener: Listener) -> None:
    url = f"http://127.0.0.1:{listener.port}/graph"
    response = get(limited, f"SELECT * FROM <{url}> {{ ?s ?p ?o }}")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert list(parse_result(response)) == []  # type: ignore[arg-type]
    response = get(limited, SIMPLE, **{"default-graph-uri": url})
    assert parse_result(response).askAnswer is False  # type: ignore[arg-type]
    time.sleep(0.2)
    assert listener.connections == 0


@pytest.mark.parametrize(
    "send",
    [
        "query=LOAD",  # LOAD sent as a query
        "query=INSERT",  # an update sent as a query
        "update",  # the update parameter of a form
        "update-get",  # ?update= in a GET
        "sparql-update",  # an application/sparql-update body
    ],
)
def test_load_and_updates_are_never_run(limited: Flask, listener: Listener, send: str) -> None:
    url = f"http://127.0.0.1:{listener.port}/data.ttl"
    load = f"LOAD <{url}>"
    insert = "INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }"
    client = limited.test_client()
    if send == "query=LOAD":
        response = client.get("/sparql", query_string={"query": load})
    elif send == "query=INSERT":
        response = client.post("/sparql", data={"query": insert})
    elif send == "update":
        response = client.post("/sparql", data={"update": load})
    elif send == "update-get":
        response = client.get(f"/sparql?update={quote(insert)}")
    else:
        response = client.post(
            "/sparql", data=insert.encode(), content_type="application/sparql-update"
        )
    assert response.status_code == 403
    assert "read-only" in response.get_data(as_text=True)
    assert parse_result(get(limited, "ASK { <urn:x:s> ?p ?o }")).askAnswer is False  # type: ignore[arg-type]
    assert listener.connections == 0


def test_workers_cannot_open_connections(limited: Flask) -> None:
    """Where the OS allows it, workers live in an empty network namespace (defence in depth)."""
    probe = subprocess.run(
        [sys.executable, "-c", ISOLATION_PROBE],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if probe.stdout.strip() == "not-isolated":
        pytest.skip("this machine allows no network namespaces")
    assert probe.stdout.strip() == "blocked", probe.stderr


ISOLATION_PROBE = """
import socket
from clusterld.sparql.worker import isolate_network
server = socket.create_server(("127.0.0.1", 0))
port = server.getsockname()[1]
if not isolate_network():
    print("not-isolated")
else:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2)
        print("connected")
    except OSError:
        print("blocked")
"""


def test_settings_from_the_environment_are_read_as_numbers() -> None:
    limits = Limits.from_settings(
        {
            "SPARQL_TIMEOUT": "2.5",
            "SPARQL_MAX_ROWS": "7",
            "SPARQL_MAX_QUERY_LENGTH": "100",
            "SPARQL_ALLOW_SERVICE": "false",
            "SPARQL_WORKERS": "1",
        }
    )
    assert limits == Limits(2.5, 7, 100, False, 1, 2048)


@pytest.mark.parametrize(
    ("name", "value"),
    [("SPARQL_TIMEOUT", "soon"), ("SPARQL_MAX_ROWS", "0"), ("SPARQL_ALLOW_SERVICE", "maybe")],
)
def test_unusable_settings_are_refused(name: str, value: str) -> None:
    settings = {
        "SPARQL_TIMEOUT": 1,
        "SPARQL_MAX_ROWS": 1,
        "SPARQL_MAX_QUERY_LENGTH": 1,
        "SPARQL_ALLOW_SERVICE": False,
        "SPARQL_WORKERS": 1,
        name: value,
    }
    with pytest.raises(ConfigError):
        Limits.from_settings(settings)
