"""``/status`` and the publishing gate over HTTP: what is served before, during, after reloads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS

from clusterld.cli import cli
from clusterld.dataset.store import InvalidDataError, get_holder, get_store
from clusterld.errors import RDFSyntaxError

BASE = "http://localhost/"
ELESY = f"{BASE}id/org/elesy"
ORG_FILE = "organisations.ttl"


@pytest.fixture()
def own_app(make_app: Callable[..., Flask], data_copy: Path) -> Flask:
    return make_app(DATA_PATHS=[data_copy])


def edit(folder: Path, old: str, new: str) -> None:
    path = folder / ORG_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def english_label(client: FlaskClient) -> tuple[str, str]:
    """EleSy's English label in its Turtle document, and the document's ETag."""
    response = client.get("/doc/org/elesy.ttl")
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    (label,) = (o for o in graph.objects(URIRef(ELESY), RDFS.label) if o.language == "en")
    return str(label), response.headers["ETag"]


def test_status_as_json(app: Flask, client: FlaskClient) -> None:
    store = get_holder(app).store
    response = client.get("/status")  # no Accept: JSON
    assert response.status_code == 200
    assert response.content_type == "application/json"
    state = response.json
    assert state is not None
    assert state["version"] == store.version
    assert state["loaded_at"] == store.loaded_at.isoformat(timespec="seconds")
    assert state["triples"] == {
        "data": len(store.data),
        "ontology": len(store.ontology),
        "shapes": len(store.shapes),
    }
    assert state["conforms"] is True
    assert state["counts"] == {"violation": 0, "warning": 0, "info": 0}
    assert state["last_reload_failure"] is None
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("accept", "query", "expected"),
    [
        ("text/html", "", "text/html"),
        ("application/json", "", "application/json"),
        ("*/*", "", "application/json"),
        ("text/html", "?format=json", "application/json"),
        ("application/json", "?format=html", "text/html"),
    ],
)
def test_status_negotiation(client: FlaskClient, accept: str, query: str, expected: str) -> None:
    response = client.get(f"/status{query}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.content_type.split(";")[0] == expected


def test_status_page_for_people(app: Flask, client: FlaskClient) -> None:
    page = client.get("/status", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert get_holder(app).store.version in page
    assert "SIGHUP" in page
    assert "None: the last reload, if any, succeeded." in page


def test_status_refuses_unacceptable_formats(client: FlaskClient) -> None:
    assert client.get("/status", headers={"Accept": "image/png"}).status_code == 406


def test_a_refused_reload_changes_nothing_served_and_shows_why(
    own_app: Flask, data_copy: Path
) -> None:
    client = own_app.test_client()
    holder = get_holder(own_app)
    before = client.get("/status").json
    document = client.get("/doc/org/elesy.ttl")
    edit(data_copy, '"EleSy"@en', '"EleSy"')  # no English label any more
    with pytest.raises(InvalidDataError):
        holder.reload()

    after = client.get("/status").json
    assert after is not None and before is not None
    assert after["version"] == before["version"] and after["triples"] == before["triples"]
    failure = after["last_reload_failure"]
    assert failure["title"] == "Data does not conform to the shapes"
    violations = failure["report"]["counts"]["violation"]
    plural = "" if violations == 1 else "s"
    assert (
        failure["error"]
        == f"the data does not conform to the shapes: {violations} violation{plural}"
    )
    assert failure["report"]["conforms"] is False
    assert {r["focus_node"] for r in failure["report"]["results"]} == {ELESY}
    assert any("English label" in r["message"]["en"] for r in failure["report"]["results"])

    again = client.get("/doc/org/elesy.ttl")
    assert again.get_data() == document.get_data()
    assert again.headers["ETag"] == document.headers["ETag"]
    assert english_label(client)[0] == "EleSy"

    page = client.get("/status?lang=ru", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Нужно название на английском языке" in page
    assert before["version"] in page


def test_a_reload_with_a_syntax_error_shows_where(own_app: Flask, data_copy: Path) -> None:
    (data_copy / "broken.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(RDFSyntaxError):
        get_holder(own_app).reload()
    failure = own_app.test_client().get("/status").json["last_reload_failure"]  # type: ignore[index]
    assert failure["report"] is None
    assert "broken.ttl, line 1" in failure["error"]
    page = own_app.test_client().get("/status?format=html").get_data(as_text=True)
    assert "broken.ttl, line 1" in page


def test_a_good_reload_changes_the_version_and_the_etags(own_app: Flask, data_copy: Path) -> None:
    client = own_app.test_client()
    holder = get_holder(own_app)
    edit(data_copy, '"EleSy"@en', '"EleSy"')
    with pytest.raises(InvalidDataError):
        holder.reload()
    before, etag = client.get("/status").json, english_label(client)[1]
    edit(data_copy, '"EleSy"', '"EleSy Company"@en')
    holder.reload()
    after = client.get("/status").json
    assert before is not None and after is not None
    assert after["version"] != before["version"]
    assert after["loaded_at"] >= before["loaded_at"]
    assert after["last_reload_failure"] is None
    label, new_etag = english_label(client)
    assert label == "EleSy Company" and new_etag != etag


def test_one_request_sees_one_version_even_across_a_reload(own_app: Flask, data_copy: Path) -> None:
    """``get_store`` is pinned for the whole request, however often a view calls it."""
    with own_app.test_request_context("/"):
        first = get_store()
        edit(data_copy, '"EleSy"@en', '"EleSy Company"@en')
        get_holder(own_app).reload()
        assert get_store() is first
    with own_app.test_request_context("/"):
        assert get_store() is not first


def test_concurrent_requests_during_reloads_never_see_a_mix(
    own_app: Flask, data_copy: Path
) -> None:
    """Each response comes from one version: an ETag always goes with the same label, and
    ``/status`` always pairs a version with that version's triple count."""
    holder = get_holder(own_app)
    documents: list[tuple[str, str]] = []
    states: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        client = own_app.test_client()
        try:
            while not stop.is_set():
                documents.append(english_label(client))
                state = client.get("/status").json
                states.append((state["version"], state["triples"]["data"]))  # type: ignore[index]
        except BaseException as error:  # noqa: BLE001 (reported by the main thread)
            errors.append(error)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    published = {holder.store.version: len(holder.store.data)}
    label = "EleSy"
    try:
        for number in range(1, 4):
            new = f"EleSy v{number}"
            edit(data_copy, f'"{label}"@en', f'"{new}"@en')
            with (data_copy / ORG_FILE).open("a", encoding="utf-8") as file:
                file.write(f'\n<urn:x:{number}> <urn:x:p> "{number}" .\n')
            store = holder.reload()
            published[store.version] = len(store.data)
            label = new
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=30)
    assert not errors, errors
    assert len(published) == 4
    assert states and all(published.get(version) == size for version, size in states)
    labels_by_etag: dict[str, set[str]] = {}
    for text, etag in documents:
        labels_by_etag.setdefault(etag, set()).add(text)
    assert all(len(labels) == 1 for labels in labels_by_etag.values()), labels_by_etag


def test_serve_refuses_invalid_data_with_the_report(runner: CliRunner, data_copy: Path) -> None:
    edit(data_copy, '"EleSy"@en', '"EleSy"')
    result = runner.invoke(cli, ["serve", "--port", "0", "--data", str(data_copy)])
    assert result.exit_code == 1
    assert "does not conform" in result.stderr
    assert "EleSy" in result.stderr and "English label" in result.stderr


def test_a_literal_value_of_a_failed_reload_is_reported(own_app: Flask, data_copy: Path) -> None:
    """The failure's report shows the offending value (here a German label)."""
    edit(data_copy, '"EleSy"@en', '"EleSy"@de')
    with pytest.raises(InvalidDataError):
        get_holder(own_app).reload()
    state = own_app.test_client().get("/status").json
    results = state["last_reload_failure"]["report"]["results"]  # type: ignore[index]
    values = [r["value"] for r in results if r["value"]]
    assert {"type": "literal", "value": "EleSy", "xml:lang": "de"} in values


def catalog_modified(client: FlaskClient) -> tuple[set[str], str]:
    response = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    return {str(value) for value in graph.objects(None, DCTERMS.modified)}, response.headers["ETag"]


def test_a_good_reload_changes_the_catalogs_modified_date(own_app: Flask, data_copy: Path) -> None:
    """Harvesters see a new version: the catalog's dct:modified is the version's load time."""
    client = own_app.test_client()
    holder = get_holder(own_app)
    _, etag = catalog_modified(client)
    edit(data_copy, '"EleSy"@en', '"EleSy Company"@en')
    store = holder.reload()
    modified, new_etag = catalog_modified(client)
    assert modified == {store.loaded_at.replace(microsecond=0).isoformat()}
    assert new_etag != etag
