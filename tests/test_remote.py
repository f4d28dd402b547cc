"""ClusterLD over a real remote store (the Oxigraph server, Virtuoso): publishing into named
graphs, following the current version, faults, and what each document costs.

The suites whose answers must not depend on the backend (documents, SPARQL protocol,
metadata, validation) run over every backend through ``any_app``; this module tests what
only a remote store has.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from rdflib import URIRef

from backends import BASE, backend_app, publish_into, store_settings
from clusterld import config
from clusterld.cli import cli
from clusterld.dataset.endpoint import (
    PASSWORD_VARIABLE,
    USER_VARIABLE,
    Endpoint,
    EndpointConfig,
    StoreRefused,
)
from clusterld.dataset.remote import (
    RemoteStore,
    control_graph,
    current_version,
    describe_query,
    membership_query,
    version_graphs,
)
from clusterld.dataset.store import get_holder
from clusterld.namespaces import CLD, IRIScheme
from clusterld.publishing.remote import (
    RemotePublishFailed,
    drop_retired,
    publish_remote,
    publishing_lease,
    write_things,
)
from clusterld.web.app import create_app
from stores import RunningStore

SHIPPED = config.dataset_root()


def variant(tmp_path: Path, name: str, comment: str) -> dict[str, object]:
    """The shipped data plus one triple that tells the variant apart."""
    extra = tmp_path / f"{name}.ttl"
    extra.write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f'<https://clusterld.example/tomsk/id/cluster/industrial> rdfs:comment "{comment}"@en .\n',
        encoding="utf-8",
    )
    return {"DATA_PATHS": [SHIPPED / "data", extra]}


def endpoint(store: RunningStore) -> Endpoint:
    return Endpoint(EndpointConfig.from_settings(store_settings(store)))


def remote_app(store: RunningStore, base: str = BASE, **settings: object) -> Flask:
    return create_app({"TESTING": True, "BASE_URI": base, **store_settings(store), **settings})


def test_documents_cost_at_most_two_queries(remote_store: RunningStore) -> None:
    """The goal of issue 12: a document costs at most 2 round trips to the store.  An RDF
    document costs one (its description); its HTML page one more at most (the memberships
    of an organisation); then every format comes from what the version remembers."""
    app = backend_app(remote_store)
    store = get_holder(app).store
    assert isinstance(store, RemoteStore)
    client = app.test_client()
    for path in ("org/department-of-industry-and-energy", "cluster/industrial", "org/elesy"):
        for suffix, most in (("ttl", 1), ("html", 1), ("jsonld", 0), ("nt", 0), ("rdf", 0)):
            store.endpoint.round_trips = 0
            response = client.get(f"/doc/{path}.{suffix}")
            assert response.status_code == 200, response.text
            assert store.endpoint.round_trips <= most, (path, suffix)


def test_a_new_version_is_followed_without_a_reload(
    remote_store: RunningStore, tmp_path: Path
) -> None:
    first = publish_into(remote_store, **variant(tmp_path, "a", "variant A"))
    app = remote_app(remote_store, STORE_REFRESH=0)
    client = app.test_client()
    assert "variant A" in client.get("/doc/cluster/industrial.nt").text
    second = publish_into(remote_store, **variant(tmp_path, "b", "variant B"))
    assert second != first
    body = client.get("/doc/cluster/industrial.nt").text
    assert "variant B" in body and "variant A" not in body
    assert client.get("/status", headers={"Accept": "application/json"}).json["version"] == second


def test_no_half_published_version_is_ever_seen(remote_store: RunningStore, tmp_path: Path) -> None:
    """Issue 12's goal: 100 publishes interleaved with reads, and every read is one whole
    version (A, B or C, the version and the body agreeing), never a mix, an error or a 404."""
    variants = [variant(tmp_path, name, f"variant {name}") for name in "ABC"]
    versions = [publish_into(remote_store, **v) for v in variants]
    app = remote_app(remote_store, STORE_REFRESH=0)
    bodies = {}
    for version, v in zip(versions, variants, strict=True):
        publish_into(remote_store, **v)
        response = app.test_client().get("/doc/cluster/industrial.nt")
        bodies[version] = response.text
    assert len(set(bodies.values())) == 3
    seen: list[tuple[int, str, str]] = []
    stop = threading.Event()

    def read() -> None:
        client = app.test_client()
        while not stop.is_set():
            response = client.get("/doc/cluster/industrial.nt")
            seen.append((response.status_code, response.headers.get("ETag", ""), response.text))

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for n in range(100):
            publish_into(remote_store, **variants[n % 3])
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=60)
    assert len(seen) >= 100
    assert {status for status, _, _ in seen} == {200}
    by_etag: dict[str, str] = {}
    for _, etag, body in seen:
        assert body in bodies.values()
        assert by_etag.setdefault(etag, body) == body  # one ETag, one body: never a mix
    assert len({body for _, _, body in seen}) >= 2  # the readers did see versions change


def test_a_failed_publish_leaves_the_served_version(
    remote_store: RunningStore, tmp_path: Path
) -> None:
    before = publish_into(remote_store)
    settings = {**store_settings(remote_store)}
    env = {
        "CLUSTERLD_STORE_UPDATE_URL": settings["STORE_UPDATE_URL"],
        "CLUSTERLD_STORE_GSP_URL": settings["STORE_GSP_URL"],
    }
    # Invalid data: the gate refuses it before anything reaches the store.
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        "<https://clusterld.example/tomsk/id/org/nameless> a org:Organization .\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    args = ["publish", "--store", remote_store.query_url, "--base-uri", BASE]
    refused = runner.invoke(
        cli, [*args, "--data", str(SHIPPED / "data"), "--data", str(bad)], env=env
    )
    assert refused.exit_code == 1, refused.output
    # Wrong credentials: the store refuses the upload; exit 3, message without the password.
    if remote_store.user is not None:
        other = tmp_path / "other"
        other.mkdir()
        data = variant(other, "wrong", "never published")["DATA_PATHS"]
        wrong = runner.invoke(
            cli,
            [*args, *(f"--data={path}" for path in data)],  # type: ignore[attr-defined]
            env={**env, "CLUSTERLD_STORE_PASSWORD": "not-the-password"},
        )
        assert wrong.exit_code == 3, wrong.output
        assert "CLUSTERLD_STORE_PASSWORD" in wrong.output
        assert "not-the-password" not in wrong.output
    assert current_version(endpoint(remote_store), BASE) == before


def test_retired_versions_are_dropped_after_the_grace(
    remote_store: RunningStore, tmp_path: Path
) -> None:
    base = f"http://retire.example/{remote_store.kind}/"
    old = publish_into(remote_store, BASE_URI=base, **variant(tmp_path, "old", "old"))
    new = publish_into(remote_store, BASE_URI=base, **variant(tmp_path, "new", "new"))
    client = endpoint(remote_store)
    graph = version_graphs(base, old)["data"]
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    assert int(client.select(count)[0][0].value) > 0
    assert drop_retired(client, base, datetime.now(UTC)) == []  # still within the grace
    later = datetime.now(UTC) + timedelta(hours=1)
    assert drop_retired(client, base, later) == [old]
    assert int(client.select(count)[0][0].value) == 0
    assert current_version(client, base) == new
    control, record = control_graph(base), version_graphs(base, old)["record"]
    rows = client.select(f"SELECT ?p WHERE {{ GRAPH <{control}> {{ <{record}> ?p ?o }} }}")
    assert rows == []


def test_store_down_answers_503_then_recovers(remote_store: RunningStore) -> None:
    app = backend_app(remote_store)
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    remote_store.stop()
    try:
        for path in (
            "/doc/org/department-of-industry-and-energy",
            "/sparql?query=ASK%7B%7D",
            "/readyz",
        ):
            response = client.get(path)
            assert response.status_code == 503, (path, response.text)
            assert response.headers.get("Retry-After"), path
            assert "Traceback" not in response.text
    finally:
        remote_store.start()
    assert client.get("/readyz").status_code == 200
    assert client.get("/doc/org/department-of-industry-and-energy").status_code == 200
    assert client.get("/sparql?query=ASK%7B%7D").status_code == 200


def test_a_store_that_hangs_times_out_with_504(remote_store: RunningStore) -> None:
    publish_into(remote_store)
    app = remote_app(remote_store, STORE_TIMEOUT=1, SPARQL_TIMEOUT=1)
    client = app.test_client()
    process = remote_store._process
    assert process is not None
    os.kill(process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        response = client.get("/doc/cluster/forestry.ttl")
        assert response.status_code == 504, response.text
        assert time.monotonic() - started < 10
        query = client.get(
            "/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%201"
        )
        assert query.status_code == 503
        assert "SPARQL_TIMEOUT" in query.text
    finally:
        os.kill(process.pid, signal.SIGCONT)
    assert client.get("/doc/cluster/forestry.ttl").status_code == 200


def test_serving_a_remote_store_needs_a_base(remote_store: RunningStore) -> None:
    result = CliRunner().invoke(cli, ["serve", "--store", remote_store.query_url, "--port", "0"])
    assert result.exit_code == 2
    assert "--base-uri" in result.output


def test_two_deployments_share_the_vocabulary_in_one_store(remote_store: RunningStore) -> None:
    """Issue 12: regions publishing into one store share the ontology's term IRIs, so one
    query over the store counts the clusters of every region, from each one's current
    version (the control graphs say which)."""
    bases = [f"http://region-{n}.example/{remote_store.kind}/" for n in ("a", "b")]
    for base in bases:
        publish_into(remote_store, BASE_URI=base)
    query = f"""
        SELECT ?control (COUNT(DISTINCT ?cluster) AS ?clusters) WHERE {{
          GRAPH ?control {{ ?control <urn:x-clusterld:current> ?record }}
          BIND(IRI(REPLACE(STR(?record), "/graph/record/", "/graph/data/")) AS ?data)
          GRAPH ?data {{ ?cluster a <{CLD.EducationIndustryCluster}> }}
          FILTER(STRSTARTS(STR(?control), "http://region-"))
        }} GROUP BY ?control ORDER BY ?control"""
    rows = endpoint(remote_store).select(query)
    counted = {str(control.value): int(n.value) for control, n in rows}
    assert counted == {control_graph(base): 9 for base in bases}
    # ... and each deployment's own endpoint sees its own nine only.
    count = f"SELECT (COUNT(?c) AS ?n) WHERE {{ ?c a <{CLD.EducationIndustryCluster}> }}"
    for base in bases:
        app = remote_app(remote_store, base)
        answer = app.test_client().get(
            "/sparql",
            query_string={"query": count},
            headers={"Accept": "text/csv"},
            base_url=base.rstrip("/").rsplit("/", 1)[0],
        )
        assert answer.status_code == 200, answer.text
        assert answer.text.splitlines()[1] == "9"


def test_publishing_needs_only_an_update_endpoint(remote_store: RunningStore) -> None:
    """Without a Graph Store Protocol endpoint, a version is loaded by SPARQL Update in small
    INSERT DATA requests, and serves the same documents."""
    base = f"http://update-only.example/{remote_store.kind}/"
    settings = {**store_settings(remote_store), "STORE_GSP_URL": None, "BASE_URI": base}
    version = publish_remote(config.load(settings))
    assert current_version(endpoint(remote_store), base) == version
    app = create_app({"TESTING": True, **settings})
    embedded = create_app({"TESTING": True, "BASE_URI": base})
    for path in ("/doc/cluster/industrial.nt", "/doc/org/elesy.ttl", "/ontology.nt"):
        remote = app.test_client().get(path, base_url="http://update-only.example")
        assert remote.status_code == 200, remote.text
        assert (
            remote.data
            == embedded.test_client().get(path, base_url="http://update-only.example").data
        )


def test_a_server_started_while_the_store_is_down_serves_once_it_is_up(
    remote_store: RunningStore,
) -> None:
    """A fleet must not crash-loop while its store restarts: the server starts, answers
    503 (ready: no; alive: yes), and serves as soon as the store answers."""
    publish_into(remote_store)
    remote_store.stop()
    try:
        app = remote_app(remote_store, STORE_REFRESH=0)
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 503
        down = client.get("/doc/cluster/industrial.ttl")
        assert down.status_code == 503 and down.headers.get("Retry-After")
        assert client.get("/sparql?query=ASK%7B%7D").status_code == 503
    finally:
        remote_store.start()
    assert client.get("/doc/cluster/industrial.ttl").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_queries_see_only_their_deployment(remote_store: RunningStore) -> None:
    """A query's own FROM cannot reach another deployment's graphs or the control graph:
    the dataset sent to the store is always this version's (unknown names are empty)."""
    other = f"http://other.example/{remote_store.kind}/"
    version = publish_into(remote_store, BASE_URI=other)
    app = backend_app(remote_store)
    client = app.test_client()
    for graph in (version_graphs(other, version)["data"], control_graph(other)):
        for clause in (f"FROM <{graph}>", f"FROM NAMED <{graph}>"):
            pattern = "{ ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }"
            query = f"SELECT (COUNT(*) AS ?n) {clause} WHERE {{ {pattern} }}"
            answer = client.get(
                "/sparql", query_string={"query": query}, headers={"Accept": "text/csv"}
            )
            assert answer.status_code == 200, answer.text
            assert answer.text.splitlines()[1] == "0", (clause, answer.text)
    # The public name of this deployment's data graph still works in FROM.
    own = "SELECT (COUNT(*) AS ?n) FROM <http://localhost/graph/data> WHERE { ?s ?p ?o }"
    answer = client.get("/sparql", query_string={"query": own}, headers={"Accept": "text/csv"})
    assert int(answer.text.splitlines()[1]) > 1000


@pytest.mark.parametrize(
    "call",
    [
        'PREFIX b: <bif:> SELECT (b:http_get("http://127.0.0.1:9/") AS ?x) {}',
        'SELECT (<bif:sys_stat>("st_dbms_name") AS ?x) {}',
        'SELECT (<http://www.openlinksw.com/schemas/bif#http_get>("http://127.0.0.1:9/") AS ?x) {}',
    ],
)
def test_store_extension_functions_are_refused(remote_store: RunningStore, call: str) -> None:
    app = backend_app(remote_store)
    answer = app.test_client().get("/sparql", query_string={"query": call})
    assert answer.status_code == 403, answer.text
    assert "function" in answer.text


def test_a_streaming_answer_is_cut_at_the_time_limit(remote_store: RunningStore) -> None:
    """A store that streams a huge answer never pauses: the whole answer has a deadline."""
    publish_into(remote_store)
    app = remote_app(remote_store, SPARQL_TIMEOUT=2, SPARQL_CACHE_MB=0)
    started = time.monotonic()
    answer = app.test_client().get(
        "/sparql",
        query_string={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"},
        headers={"Accept": "text/csv"},
    )
    assert answer.status_code in (503, 504), answer.text[:300]
    assert time.monotonic() - started < 15


def test_a_malformed_query_is_located_as_embedded(remote_store: RunningStore) -> None:
    app = backend_app(remote_store)
    answer = app.test_client().get(
        "/sparql", query_string={"query": "SELECT * WHERE {\n ?s ?p \n}"}
    )
    assert answer.status_code == 400
    assert "line 3" in answer.text


def test_publishing_into_a_store_needs_a_base(remote_store: RunningStore) -> None:
    result = CliRunner().invoke(cli, ["publish", "--store", remote_store.query_url])
    assert result.exit_code == 2
    assert "--base-uri" in result.output


def test_label_lookups_filter_rather_than_join_a_values_table() -> None:
    """The Oxigraph server joins a ``VALUES`` block first: ``?m ?lp ?label VALUES ?lp {...}``
    read every label in the store for each document (1.1 s at 20,000 triples, against
    14 ms with a ``FILTER``; ``benchmarks/remote.py``).  The label predicates are filtered."""
    subject = URIRef(f"{BASE}id/cluster/industrial")
    for query in (
        describe_query(subject, 50, 2, data=f"{BASE}graph/data/v"),
        membership_query(subject, IRIScheme(BASE)),
    ):
        assert "VALUES" not in query
        assert "FILTER(?lp IN (<http://www.w3.org/2004/02/skos/core#prefLabel>" in query


def test_a_large_upload_is_sent_authenticated_from_the_first_byte(
    remote_store: RunningStore,
) -> None:
    """Virtuoso answers a write without credentials ``401`` and resets the connection
    before reading a large body, so a write that waits for the challenge never gets it
    (publishing a million triples failed with "Connection reset by peer"): each write
    carries its credentials from the first send."""
    graph = "urn:x-clusterld-test:large"
    count = 100_000
    value = "x" * 120
    body = "".join(f'<urn:x:s{i}> <urn:x:p> "{value}" .\n' for i in range(count)).encode()
    assert len(body) > 12 * 1024 * 1024
    client = patient(remote_store)
    try:
        client.put_graph(graph, body)
        client.put_graph(graph, b'<urn:x:one> <urn:x:p> "more" .\n', append=True)
        rows = client.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graphs=(graph,))
        assert int(rows[0][0].value) == count + 1
    finally:
        client.update(f"DROP SILENT GRAPH <{graph}>")
        client.close()


def test_a_write_with_wrong_credentials_is_refused_with_advice(
    virtuoso_server: RunningStore,
) -> None:
    """Credentials sent up front and refused: the answer names the settings to fix."""
    settings = {"STORE": virtuoso_server.query_url, "STORE_GSP_URL": virtuoso_server.gsp_url}
    environ = {USER_VARIABLE: "clusterld", PASSWORD_VARIABLE: "not-the-password"}
    client = Endpoint(EndpointConfig.from_settings(settings, environ))
    with pytest.raises(StoreRefused, match=PASSWORD_VARIABLE):
        client.put_graph("urn:x-clusterld-test:refused", b"<urn:x:s> <urn:x:p> <urn:x:o> .\n")


def test_the_things_of_a_large_version_are_recorded(remote_store: RunningStore) -> None:
    """The record keeps the things' paths in one literal (1.8 MB at a million triples);
    Virtuoso's Graph Store refuses a literal over about 64 KB, so they go in by SPARQL
    Update."""
    graph = "urn:x-clusterld-test:record"
    paths = "".join(f"org/org-{i}\n" for i in range(30_000))
    assert len(paths) > 300_000
    client = patient(remote_store)
    try:
        write_things(client, graph, BASE, "v1", paths)
        rows = client.select(
            f"SELECT ?v WHERE {{ GRAPH <{graph}> {{ ?s <urn:x-clusterld:things> ?v }} }}"
        )
        assert rows[0][0].value.splitlines() == paths.splitlines()
    finally:
        client.update(f"DROP SILENT GRAPH <{graph}>")
        client.close()


def patient(store: RunningStore) -> Endpoint:
    """A client that waits long enough for a store busy with a large load."""
    return Endpoint(EndpointConfig.from_settings({**store_settings(store), "STORE_TIMEOUT": 300}))


def test_one_publisher_at_a_time(remote_store: RunningStore, tmp_path: Path) -> None:
    """While a publish holds the lease of a base, another is refused and changes nothing;
    once it is released, publishing works again."""
    base = f"http://lease.example/{remote_store.kind}/"
    before = publish_into(remote_store, BASE_URI=base)
    client = endpoint(remote_store)
    with publishing_lease(client, base):
        with pytest.raises(RemotePublishFailed, match="in progress"):
            publish_into(remote_store, BASE_URI=base, **variant(tmp_path, "x", "refused"))
        assert current_version(client, base) == before
    after = publish_into(remote_store, BASE_URI=base, **variant(tmp_path, "y", "published"))
    assert after != before and current_version(client, base) == after
    control = control_graph(base)
    claims = client.select(
        f"SELECT ?c WHERE {{ GRAPH <{control}> {{ ?c <urn:x-clusterld:claimedAt> ?t }} }}"
    )
    assert claims == []  # every claim withdrawn, the refused one included


def test_the_publish_command_reports_each_phase(
    remote_store: RunningStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="clusterld.publish")
    settings = store_settings(remote_store)
    env = {
        "CLUSTERLD_STORE_UPDATE_URL": settings["STORE_UPDATE_URL"],
        "CLUSTERLD_STORE_GSP_URL": settings["STORE_GSP_URL"],
    }
    data = variant(tmp_path, "phases", "phases")["DATA_PATHS"]
    base = f"http://phases.example/{remote_store.kind}/"
    result = CliRunner().invoke(
        cli,
        ["publish", "--store", remote_store.query_url, "--base-uri", base]
        + [f"--data={path}" for path in data],  # type: ignore[attr-defined]
        env=env,
    )
    assert result.exit_code == 0, result.output
    logged = [record.getMessage() for record in caplog.records]
    for phase in ("upload", "check", "switch", "retire"):
        assert any(line.startswith(f"{phase}:") for line in logged), (phase, logged)
    assert "it is now current" in result.output
    assert current_version(endpoint(remote_store), base) in result.output
