"""Cacheable SPARQL: ETags from the version, the query, the format and the limits; 304 without
running the query; the in-process answer cache; and a new version changing every ETag.

The app serves a store of its own (published here), so that a second version can be
published into it and reloaded.  Runs are counted on the service's ``run``, the one place
where a query goes to a worker.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clusterld import config
from clusterld.dataset.store import get_holder
from clusterld.publishing.publish import publish
from clusterld.sparql.cache import ENTRY_OVERHEAD, ResultCache
from clusterld.sparql.results import Rendered
from clusterld.sparql.service import SparqlService, get_service
from clusterld.sparql.syntax import normalise
from clusterld.web.server import reload_dataset

BASE = "http://localhost/"
JSON = "application/sparql-results+json"
LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?label WHERE { <http://localhost/id/org/elesy> rdfs:label ?label } ORDER BY ?label"
)


def publish_data(data: Path, store: Path) -> None:
    publish(config.load({"BASE_URI": BASE, "DATA_PATHS": [data]}), store)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A store folder with one version, and a copy of the data to change."""
    root = tmp_path_factory.mktemp("cache-store")
    data = root / "data"
    shutil.copytree(config.defaults()["DATA_PATHS"][0], data)
    publish_data(data, root / "store")
    return root / "store", data


@pytest.fixture(scope="module")
def app(published: tuple[Path, Path], make_app: Callable[..., Flask]) -> Iterator[Flask]:
    application = make_app(STORE=str(published[0]))
    yield application
    get_service(application).close()


@pytest.fixture()
def runs(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The queries that reached a worker during the test (the answer cache starts empty)."""
    service = get_service(app)
    service.results.clear()
    seen: list[str] = []
    original = SparqlService.run

    def counting(self: SparqlService, store, job):  # type: ignore[no-untyped-def]
        seen.append(job.query)
        return original(self, store, job)

    monkeypatch.setattr(service, "run", counting.__get__(service))
    return seen


def get(client: FlaskClient, query: str, accept: str = JSON, **headers: str):  # type: ignore[no-untyped-def]
    return client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": accept, **headers}
    )


def test_a_get_answer_is_cacheable_by_shared_caches(app: Flask, runs: list[str]) -> None:
    response = get(app.test_client(), LABELS)
    assert response.status_code == 200
    assert response.headers["ETag"].strip('"')
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Last-Modified"]
    assert "Accept" in response.headers["Vary"]
    assert "EleSy" in response.get_data(as_text=True)


def test_if_none_match_is_answered_304_without_running_the_query(
    app: Flask, runs: list[str]
) -> None:
    client = app.test_client()
    first = get(client, LABELS)
    assert len(runs) == 1
    get_service(app).results.clear()  # not even the local cache may be what spares the run
    again = get(client, LABELS, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == "public, max-age=300"
    assert len(runs) == 1
    other = get(client, LABELS, **{"If-None-Match": '"someone-elses"'})
    assert other.status_code == 200 and len(runs) == 2


def test_identical_queries_are_answered_from_the_local_cache(app: Flask, runs: list[str]) -> None:
    client = app.test_client()
    first = get(client, LABELS)
    # the same query re-indented, with a comment: the same normal form, key and answer
    reformatted = "  " + LABELS.replace("\n", "  # a comment\n\t").replace(" WHERE ", "\nWHERE\n")
    second = get(client, reformatted)
    assert second.get_data() == first.get_data()
    assert second.headers["ETag"] == first.headers["ETag"]
    assert len(runs) == 1
    assert get_service(app).results.hits == 1


def test_the_etag_names_the_format_the_query_and_the_dataset(app: Flask, runs: list[str]) -> None:
    client = app.test_client()
    etags = {
        get(client, LABELS).headers["ETag"],
        get(client, LABELS, "application/sparql-results+xml").headers["ETag"],
        get(client, LABELS.replace("ORDER BY ?label", "LIMIT 1")).headers["ETag"],
        get(client, LABELS.replace('"', "'")).headers["ETag"],  # no literal to change: same
        client.get(
            "/sparql",
            query_string={"query": LABELS, "default-graph-uri": f"{BASE}graph/data"},
            headers={"Accept": JSON},
        ).headers["ETag"],
    }
    assert len(etags) == 4
    assert len(runs) == 4


def test_the_etag_names_the_limits(
    app: Flask, published: tuple[Path, Path], make_app: Callable[..., Flask]
) -> None:
    other = make_app(STORE=str(published[0]), SPARQL_MAX_ROWS=1)
    try:
        ours, theirs = get(app.test_client(), LABELS), get(other.test_client(), LABELS)
        assert ours.headers["ETag"] != theirs.headers["ETag"]
        assert theirs.headers["X-SPARQL-MaxRows"] == "1"
    finally:
        get_service(other).close()


def test_post_answers_are_private_but_use_the_local_cache(app: Flask, runs: list[str]) -> None:
    client = app.test_client()
    for _ in range(2):
        response = client.post("/sparql", data={"query": LABELS}, headers={"Accept": JSON})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private"
        assert "ETag" not in response.headers
    assert len(runs) == 1


def test_failures_are_not_cached(app: Flask, runs: list[str]) -> None:
    client = app.test_client()
    for _ in range(2):
        assert get(client, "SELECT * WHERE { ?s ?p }").status_code == 400
    assert len(runs) == 2 and len(get_service(app).results) == 0


def test_no_cache_when_its_size_is_zero(
    published: tuple[Path, Path], make_app: Callable[..., Flask]
) -> None:
    app = make_app(STORE=str(published[0]), SPARQL_CACHE_MB=0)
    service = get_service(app)
    try:
        client = app.test_client()
        first, second = get(client, LABELS), get(client, LABELS)
        assert first.get_data() == second.get_data()
        assert first.headers["ETag"] == second.headers["ETag"]  # still revalidatable
        assert len(service.results) == 0 and service.results.hits == 0
    finally:
        service.close()


def test_the_service_description_states_the_caching(app: Flask) -> None:
    text = app.test_client().get("/sparql", headers={"Accept": "text/turtle"}).get_data(True)
    assert ":resultCache 64" in text or "resultCache> 64" in text, text[:2000]
    assert "If-None-Match gets 304 without running the query" in text


def test_a_new_version_changes_every_etag_and_empties_the_cache(
    tmp_path: Path, make_app: Callable[..., Flask]
) -> None:
    data = tmp_path / "data"
    shutil.copytree(config.defaults()["DATA_PATHS"][0], data)
    publish_data(data, tmp_path / "store")
    app = make_app(STORE=str(tmp_path / "store"))
    service = get_service(app)
    client = app.test_client()
    requests = [
        ("/sparql", {"query": LABELS}, JSON),
        ("/sparql", {"query": LABELS}, "text/csv"),
        ("/sparql", {"query": "ASK { ?s ?p ?o }"}, JSON),
        ("/sparql", {"query": "CONSTRUCT WHERE { ?s a ?c } LIMIT 3"}, "text/turtle"),
        ("/doc/org/elesy", {}, "text/turtle"),
        ("/catalog", {}, "text/turtle"),
    ]
    try:
        before = [client.get(p, query_string=q, headers={"Accept": a}) for p, q, a in requests]
        assert all(r.status_code == 200 for r in before)
        assert len(service.results) == 4
        path = data / "organisations.ttl"
        path.write_text(path.read_text().replace('"EleSy"@en', '"EleSy Company"@en'))
        publish_data(data, tmp_path / "store")
        reload_dataset(get_holder(app), app)
        assert len(service.results) == 0
        after = [client.get(p, query_string=q, headers={"Accept": a}) for p, q, a in requests]
        for old, new, request in zip(before, after, requests, strict=True):
            assert new.status_code == 200
            assert new.headers["ETag"] != old.headers["ETag"], request
        assert "EleSy Company" in after[0].get_data(as_text=True)
        stale = client.get(
            "/sparql",
            query_string={"query": LABELS},
            headers={"Accept": JSON, "If-None-Match": before[0].headers["ETag"]},
        )
        assert stale.status_code == 200
    finally:
        service.close()


def test_normalising_keeps_tokens_and_gaps() -> None:
    assert normalise("SELECT  *\n# c\nWHERE {?s ?p ?o}") == "SELECT * WHERE {?s ?p ?o}"
    assert normalise('ASK { ?s ?p "a  #b" }') == 'ASK { ?s ?p "a  #b" }'  # strings intact
    assert normalise("ASK{?s ?p 1.5}") != normalise("ASK{?s ?p 1 .5}")  # gaps are kept
    assert normalise("ASK { <http://x/#a> ?p ?o }") == "ASK { <http://x/#a> ?p ?o }"


def test_the_cache_is_bounded_and_least_recently_used_goes_first() -> None:
    body = b"x" * 1000
    cache = ResultCache(4 * (1000 + ENTRY_OVERHEAD) * 4)  # room for 16 answers
    for index in range(20):
        cache.put("v1", f"k{index}", Rendered(body, 1, False))
        if index == 10:
            assert cache.get("v1", "k5") is not None  # used: kept over older ones
    assert cache.size <= cache.max_bytes and len(cache) == 16
    assert cache.get("v1", "k5") is not None
    assert cache.get("v1", "k0") is None and cache.get("v1", "k19") is not None
    assert cache.get("v2", "k19") is None  # another version never sees these
    cache.put("v2", "k", Rendered(body, 1, False))
    assert len(cache) == 1  # the old version's answers are gone
    cache.put("v2", "huge", Rendered(b"x" * cache.max_bytes, 1, False))
    assert cache.get("v2", "huge") is None and cache.get("v2", "k") is not None
    assert ResultCache(0).enabled is False
