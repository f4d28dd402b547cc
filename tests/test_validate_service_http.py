"""``POST /validate`` and ``GET /validate``: every input form, every report format, every error."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from werkzeug.test import TestResponse

from clusterld.dataset.store import get_holder

# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

UPLOADS = Path(__file__).parent / "data" / "upload"
BASE = "http://localhost/"
COMPANY = f"{BASE}id/org/upload-test-company"
MEDIA_TYPES = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
VALID, INVALID = "organisation", "organisation-without-english-label"


@pytest.fixture(scope="module")
def app(any_app: Flask) -> Flask:
    """Every test here runs over each backend (embedded, Oxigraph server, Virtuoso): its
    answers must not depend on where the triples are."""
    return any_app


def body(name: str) -> bytes:
    return (UPLOADS / name).read_bytes()


def post(
    client: FlaskClient, data: bytes, content_type: str, accept: str = "application/json", **kw: str
) -> TestResponse:
    return client.post(
        "/validate",
        data=data,
        headers={"Content-Type": content_type, "Accept": accept},
        query_string=kw,
    )


def report_graph(response: TestResponse, rdf_format: str) -> Graph:
    return Graph().parse(data=response.get_data(as_text=True), format=rdf_format)


def conforms(graph: Graph) -> bool:
    (value,) = graph.objects(None, SH.conforms)
    assert isinstance(value, Literal)
    return bool(value.toPython())


@pytest.mark.parametrize("suffix", sorted(MEDIA_TYPES))
@pytest.mark.parametrize(("stem", "expected"), [(VALID, True), (INVALID, False)])
def test_every_syntax_by_content_type(
    client: FlaskClient, suffix: str, stem: str, expected: bool
) -> None:
    response = post(client, body(f"{stem}.{suffix}"), MEDIA_TYPES[suffix])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json is not None and response.json["conforms"] is expected


@pytest.mark.parametrize("suffix", sorted(MEDIA_TYPES))
@pytest.mark.parametrize(("stem", "expected"), [(VALID, True), (INVALID, False)])
def test_every_syntax_as_a_file_from_the_form(
    client: FlaskClient, suffix: str, stem: str, expected: bool
) -> None:
    """The form's file field: the format comes from the file's extension."""
    name = f"{stem}.{suffix}"
    response = client.post(
        "/validate",
        data={"file": (io.BytesIO(body(name)), name), "syntax": "", "lang": "en"},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json is not None and response.json["conforms"] is expected


@pytest.mark.parametrize(
    ("suffix", "syntax"),
    [
        ("ttl", "turtle"),
        ("jsonld", "json-ld"),
        ("nt", "n-triples"),
        ("rdf", "rdf-xml"),
        ("ttl", ""),
    ],
)
@pytest.mark.parametrize(("stem", "expected"), [(VALID, True), (INVALID, False)])
def test_every_syntax_as_pasted_text(
    client: FlaskClient, suffix: str, syntax: str, stem: str, expected: bool
) -> None:
    """The form's text field with its format select ('' lets the server recognise it)."""
    text = body(f"{stem}.{suffix}").decode("utf-8")
    response = client.post(
        "/validate",
        data={"data": text, "syntax": syntax},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json is not None and response.json["conforms"] is expected


@pytest.mark.parametrize(
    ("accept", "query", "rdf_format"),
    [
        ("text/turtle", {}, "turtle"),
        ("application/ld+json", {}, "json-ld"),
        ("application/n-triples", {}, "nt"),
        ("application/rdf+xml", {}, "xml"),
        ("", {}, "turtle"),  # no Accept: Turtle
        ("text/html", {"format": "ttl"}, "turtle"),  # ?format= wins over Accept
        ("text/html", {"format": "json-ld"}, "json-ld"),
    ],
)
def test_report_as_rdf(client: FlaskClient, accept: str, query: dict, rdf_format: str) -> None:
    response = post(client, body(f"{INVALID}.ttl"), "text/turtle", accept, **query)
    assert response.status_code == 200
    graph = report_graph(response, rdf_format)
    assert (None, RDF.type, SH.ValidationReport) in graph
    assert conforms(graph) is False
    assert set(graph.objects(None, SH.focusNode)) == {URIRef(COMPANY)}


def test_report_of_conforming_data_as_rdf(client: FlaskClient) -> None:
    response = post(client, body(f"{VALID}.ttl"), "text/turtle", "text/turtle")
    graph = report_graph(response, "turtle")
    assert conforms(graph) is True
    assert not set(graph.objects(None, SH.result))


def test_json_summary(client: FlaskClient) -> None:
    response = post(client, body(f"{INVALID}.ttl"), "text/turtle", "application/json")
    assert response.content_type == "application/json"
    summary = response.json
    assert summary is not None
    assert summary["conforms"] is False
    assert summary["counts"] == {"violation": 1, "warning": 0, "info": 0}
    (result,) = summary["results"]
    assert result["focus_node"] == COMPANY
    assert result["path"] == "rdfs:label"
    assert result["severity"] == "violation"
    assert result["message"]["en"] == "An English label is required (rdfs:label tagged @en)."
    assert result["message"]["ru"].startswith("Нужно название на английском языке")


@pytest.mark.parametrize(
    ("lang", "present", "absent"),
    [
        ("en", "An English label is required", "Нужно название на английском"),
        ("ru", "Нужно название на английском", "An English label is required"),
    ],
)
def test_html_report_in_the_chosen_language(
    client: FlaskClient, lang: str, present: str, absent: str
) -> None:
    by_query = post(client, body(f"{INVALID}.ttl"), "text/turtle", "text/html", lang=lang)
    by_form = client.post(
        "/validate",
        data={"data": body(f"{INVALID}.ttl").decode(), "lang": lang},
        headers={"Accept": "text/html"},
    )
    for response in (by_query, by_form):
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert response.content_type.startswith("text/html")
        assert f'<html lang="{lang}">' in page
        assert present in page and absent not in page
        assert "upload-test-company" in page


def test_html_report_shows_markup_in_values_as_text(client: FlaskClient) -> None:
    response = post(client, body("script-label.ttl"), "text/turtle", "text/html")
    page = response.get_data(as_text=True)
    assert "&lt;script&gt;alert(" in page
    assert "<script>alert(" not in page


def test_a_clients_iri_is_never_a_link(client: FlaskClient) -> None:
    """An IRI in the upload may be ``javascript:``; only our own pages are linked."""
    data = b'<javascript:alert(1)> <http://www.w3.org/2000/01/rdf-schema#label> "x" .'
    page = post(client, data, "text/turtle", "text/html").get_data(as_text=True)
    assert "javascript:alert(1)" in page
    assert 'href="javascript:' not in page


@pytest.mark.parametrize(
    ("content_type", "data", "line", "column"),
    [
        ("text/turtle", b"@prefix ex: <http://example.org/> .\nex:a ex:b .\n", 2, 10),
        ("application/ld+json", b'{\n  "@id": "http://example.org/a",\n  "p": ]\n}', 3, 8),
        # the column of an RDF/XML error is the loader's business (see test_loading.py)
        ("application/rdf+xml", b'<?xml version="1.0"?>\n<rdf:RDF>\n<a></b>\n', 2, ...),
        # N-Triples errors carry no column: the loader finds the line
        ("application/n-triples", b"<http://a.example/s> <http://a.example/p> .\n", 1, None),
    ],
)
def test_a_syntax_error_is_400_with_its_line_and_column(
    client: FlaskClient, content_type: str, data: bytes, line: int, column: object
) -> None:
    as_json = post(client, data, content_type, "application/json")
    assert as_json.status_code == 400
    assert as_json.json is not None
    assert as_json.json["line"] == line
    if column is not ...:
        assert as_json.json["column"] == column
    assert as_json.json["title"] == "RDF syntax error"
    as_text = post(client, data, content_type, "text/turtle")
    assert as_text.status_code == 400
    assert as_text.content_type.startswith("text/plain")
    assert f"line {line}" in as_text.get_data(as_text=True)


def test_a_syntax_error_in_the_form_shows_the_form_again(client: FlaskClient) -> None:
    text = "@prefix ex: <http://example.org/> .\nex:a ex:b .\n"
    response = client.post("/validate", data={"data": text}, headers={"Accept": "text/html"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in page and "line 2, column 10" in page
    assert "ex:a ex:b ." in page  # the pasted text is kept for correcting


def test_an_empty_form_is_400(client: FlaskClient) -> None:
    response = client.post("/validate", data={"data": "  "}, headers={"Accept": "application/json"})
    assert response.status_code == 400


@pytest.mark.parametrize("content_type", ["text/plain", "application/pdf", None])
def test_unsupported_media_type_is_415_listing_the_supported_ones(
    client: FlaskClient, content_type: str | None
) -> None:
    headers = {"Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post("/validate", data=b"<a> <b> <c> .", headers=headers)
    assert response.status_code == 415
    assert response.json is not None
    for media_type in ("text/turtle", "application/ld+json", "application/n-triples"):
        assert media_type in response.json["detail"]
        assert media_type in response.headers["Accept-Post"]


@pytest.mark.parametrize("path", ["/validate", "/validate/id/org/elesy", "/status"])
def test_an_unknown_format_parameter_is_400_listing_the_accepted_ones(
    client: FlaskClient, path: str
) -> None:
    if path == "/validate":  # the form page only comes as HTML; the report's formats are POST's
        response = post(client, body(f"{VALID}.ttl"), "text/turtle", format="bogus")
    else:
        response = client.get(f"{path}?format=bogus", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json is not None and response.json["title"] == "Unknown format"
    detail = response.json["detail"]
    assert "'bogus'" in detail and "html" in detail and "json" in detail
    if path != "/status":
        assert "turtle (or ttl)" in detail and "json-ld (or jsonld)" in detail


def test_an_unknown_format_parameter_is_negotiated_like_other_errors(client: FlaskClient) -> None:
    page = post(client, body(f"{VALID}.ttl"), "text/turtle", "text/html", format="bogus")
    assert page.status_code == 400 and page.content_type.startswith("text/html")
    text = post(client, body(f"{VALID}.ttl"), "text/turtle", "text/turtle", format="bogus")
    assert text.status_code == 400 and text.content_type.startswith("text/plain")
    assert text.get_data(as_text=True).startswith("400 Unknown format")


def test_nothing_acceptable_is_406(client: FlaskClient) -> None:
    response = post(client, body(f"{VALID}.ttl"), "text/turtle", "image/png")
    assert response.status_code == 406


@pytest.fixture(scope="module")
def small_app(make_app: Callable[..., Flask]) -> Flask:
    """An application that accepts bodies of at most 1000 bytes and 5 triples."""
    return make_app(VALIDATE_MAX_BYTES=1000, VALIDATE_MAX_TRIPLES=5)


def triples(count: int) -> bytes:
    return "".join(
        f'<http://example.org/s> <http://example.org/p> "{n}" .\n' for n in range(count)
    ).encode()


def test_a_document_over_the_triple_limit_is_413_and_not_validated(
    small_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("validated a document over the limit")

    monkeypatch.setattr("clusterld.validation.service.validate", refuse)
    client = small_app.test_client()
    response = post(client, triples(6), "text/turtle", **{"with": "data"})
    assert response.status_code == 413
    assert response.json is not None and response.json["status"] == 413
    detail = response.json["detail"]
    assert "more than 5 triples" in detail and "at most 5 triples" in detail
    assert "VALIDATE_MAX_TRIPLES" in detail and "clusterld validate" in detail and "Split" in detail
    as_text = post(client, triples(6), "application/n-triples", "text/turtle")
    assert as_text.status_code == 413 and as_text.content_type.startswith("text/plain")
    assert "413 Document too large" in as_text.get_data(as_text=True)
    page = client.post(
        "/validate", data={"data": triples(6).decode()}, headers={"Accept": "text/html"}
    )
    assert page.status_code == 413
    assert 'role="alert"' in page.get_data(as_text=True)
    assert "VALIDATE_MAX_TRIPLES" in page.get_data(as_text=True)


def test_the_triple_limit_counts_the_document_before_the_merge(small_app: Flask) -> None:
    """Five triples merged with the whole published data are still validated."""
    response = post(small_app.test_client(), triples(5), "text/turtle", **{"with": "data"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json is not None and response.json["conforms"] is True


@pytest.mark.parametrize("size", [1001, 50_000])
def test_a_body_over_the_limit_is_413(small_app: Flask, size: int) -> None:
    data = b"#" * (size - 1) + b"\n"
    response = post(small_app.test_client(), data, "text/turtle")
    assert response.status_code == 413
    assert response.json is not None and response.json["status"] == 413


def test_a_body_over_the_limit_says_the_limit_and_what_to_do(small_app: Flask) -> None:
    client = small_app.test_client()
    as_json = post(client, b"#" * 5000, "text/turtle")
    assert as_json.status_code == 413
    assert as_json.json is not None
    assert as_json.json["title"] == "Request body too large"
    detail = as_json.json["detail"]
    assert "at most 1000 bytes (0.000954 MiB" in detail and "VALIDATE_MAX_BYTES" in detail
    assert "Split" in detail and "clusterld validate" in detail
    as_text = post(client, b"#" * 5000, "text/turtle", "text/turtle")  # errors: plain text
    assert as_text.status_code == 413 and as_text.content_type.startswith("text/plain")
    assert as_text.get_data(as_text=True).startswith("413 Request body too large\n\n")
    assert "VALIDATE_MAX_BYTES" in as_text.get_data(as_text=True)


def test_a_form_over_the_limit_shows_the_form_with_the_limit(small_app: Flask) -> None:
    """The page shown with the error does not try to read the refused form again."""
    response = small_app.test_client().post(
        "/validate?lang=en",
        data={"file": (io.BytesIO(b"#" * 5000), "big.ttl"), "lang": "ru"},
        headers={"Accept": "text/html"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and "at most 1000 bytes" in page and "<form" in page


def test_the_default_body_limit_is_named_in_mib(client: FlaskClient) -> None:
    response = post(client, b"#" * (2 * 1024 * 1024 + 1), "text/turtle")
    assert response.status_code == 413
    assert response.json is not None
    assert "at most 2097152 bytes (2 MiB, setting VALIDATE_MAX_BYTES)" in response.json["detail"]


def test_a_chunked_body_over_the_limit_is_413(small_app: Flask) -> None:
    """No Content-Length: the server stops reading at the limit (as under waitress)."""
    response = small_app.test_client().post(
        "/validate",
        input_stream=io.BytesIO(b"#" * 5000 + b"\n"),
        headers={"Content-Type": "text/turtle", "Accept": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413


def test_a_form_over_the_limit_is_413(small_app: Flask) -> None:
    response = small_app.test_client().post(
        "/validate",
        data={"file": (io.BytesIO(b"#" * 5000), "big.ttl")},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


def test_a_body_at_the_limit_is_validated(small_app: Flask) -> None:
    data = b"#" * 999 + b"\n"
    response = post(small_app.test_client(), data, "text/turtle")
    assert response.status_code == 200
    assert response.json is not None and response.json["conforms"] is True


def test_a_new_member_conforms_only_with_the_published_data(client: FlaskClient) -> None:
    alone = post(client, body("new-member.ttl"), "text/turtle")
    merged = post(client, body("new-member.ttl"), "text/turtle", **{"with": "data"})
    assert alone.json is not None and merged.json is not None
    assert alone.json["conforms"] is False
    membership = f"{BASE}id/membership/industrial/upload-new-member"
    failing = {(r["focus_node"], r["path"]) for r in alone.json["results"]}
    assert (membership, "org:organization") in failing  # the cluster is not described
    assert (membership, "org:role") in failing
    assert merged.json["conforms"] is True, merged.json


def test_the_form_checkbox_merges_the_published_data(client: FlaskClient) -> None:
    text = body("new-member.ttl").decode()
    response = client.post(
        "/validate", data={"data": text, "with": "data"}, headers={"Accept": "application/json"}
    )
    assert response.json is not None and response.json["conforms"] is True


def test_validating_stores_and_publishes_nothing(app: Flask, client: FlaskClient) -> None:
    holder = get_holder(app)
    before = holder.store
    version, size = before.version, len(before.data)
    for query in ({}, {"with": "data"}):
        post(client, body("new-member.ttl"), "text/turtle", **query)
        client.post("/validate", data={"data": body("new-member.ttl").decode(), **query})
    assert holder.store is before
    assert (before.version, len(before.data)) == (version, size)
    assert client.get("/doc/org/upload-new-member").status_code == 404
    assert client.get("/status").json["triples"]["data"] == size  # type: ignore[index]


class _Listener(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.end_headers()
        self.wfile.write(b'{"@context": {"p": "http://example.org/p"}}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def listener() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that records any request made to it."""
    server = HTTPServer(("127.0.0.1", 0), _Listener)
    hits: list[str] = []
    _Listener.hits = hits
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "make_context",
    [
        lambda url: f"{url}/context.jsonld",
        lambda url: [f"{url}/context.jsonld"],
        lambda url: {"@import": f"{url}/context.jsonld"},
    ],
)
def test_a_remote_json_ld_context_is_never_fetched(
    client: FlaskClient, listener: tuple[str, list[str]], make_context: Callable[[str], object]
) -> None:
    url, hits = listener
    document = {"@context": make_context(url), "@id": "http://example.org/x", "p": "v"}
    response = post(client, json.dumps(document).encode(), "application/ld+json")
    assert response.status_code == 400
    assert response.json is not None and "never fetches" in response.json["detail"]
    assert hits == []


def test_an_rdf_xml_external_entity_is_never_fetched(
    client: FlaskClient, listener: tuple[str, list[str]]
) -> None:
    url, hits = listener
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e SYSTEM "{url}/entity">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/">\n'
        '<rdf:Description rdf:about="http://example.org/x"><ex:p>&e;</ex:p></rdf:Description>\n'
        "</rdf:RDF>\n"
    ).encode()
    response = post(client, data, "application/rdf+xml")
    assert response.status_code in (200, 400)
    assert hits == []


def test_our_own_context_is_accepted(client: FlaskClient) -> None:
    response = post(client, body(f"{INVALID}.jsonld"), "application/ld+json")
    assert response.status_code == 200
    assert response.json is not None and response.json["results"][0]["focus_node"] == COMPANY


def test_the_form_page(client: FlaskClient) -> None:
    response = client.get("/validate", headers={"Accept": "text/html"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'method="post"' in page and 'enctype="multipart/form-data"' in page
    for control in ('name="data"', 'type="file"', 'name="syntax"', 'name="lang"', 'name="with"'):
        assert control in page
    assert '<label for="data">' in page and '<label for="file">' in page
    assert "text/turtle" in response.headers["Accept-Post"]
    assert "<script" not in page.split("</footer>")[0]  # works without JavaScript


def test_the_form_page_in_russian(client: FlaskClient) -> None:
    page = client.get("/validate?lang=ru").get_data(as_text=True)
    assert '<html lang="ru">' in page and "Проверить" in page


@pytest.mark.parametrize("path", ["/validate", "/status", "/validate/id/cluster/industrial"])
def test_head_answers_like_get_without_a_body(client: FlaskClient, path: str) -> None:
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content_type == get.content_type
    assert head.get_data() == b""


def test_cross_origin_clients_may_post(client: FlaskClient) -> None:
    preflight = client.options(
        "/validate",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    response = post(client, body(f"{VALID}.ttl"), "text/turtle")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "no-store"


def test_only_published_resources_are_links_in_the_report(client: FlaskClient) -> None:
    """The upload is not published: its new member has no page to link to, the shape has."""
    response = post(client, body("new-member.ttl"), "text/turtle", "text/html")
    page = response.get_data(as_text=True)
    assert "upload-new-member" in page
    assert 'href="/doc/org/upload-new-member"' not in page
    assert 'href="/shapes#OrganisationKindShape"' in page
