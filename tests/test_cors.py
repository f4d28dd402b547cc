"""CORS everywhere: browser code on any site can read answers and errors, and preflight works."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

PREFLIGHT = {
    "Origin": "https://portal.example.org",
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "accept, if-none-match",
}


@pytest.mark.parametrize(
    "path",
    ["/id/cluster/industrial", "/doc/cluster/industrial", "/ontology", "/catalog", "/sparql"],
)
def test_preflight_allows_the_request(client: FlaskClient, path: str) -> None:
    response = client.options(path, headers=PREFLIGHT)
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"] == "accept, if-none-match"
    assert int(response.headers["Access-Control-Max-Age"]) > 0


@pytest.mark.parametrize(
    ("path", "status"),
    [("/doc/cluster/industrial", 200), ("/id/cluster/industrial", 303), ("/doc/nope", 404)],
)
def test_browser_code_can_read_the_headers_it_needs(
    client: FlaskClient, path: str, status: int
) -> None:
    response = client.get(path, headers={"Accept": "text/turtle", "Origin": "https://x.org"})
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Link", "ETag", "Content-Location", "Location"} <= exposed


def test_errors_vary_with_accept(client: FlaskClient) -> None:
    """A 404 is HTML for browsers and text for others: caches must keep them apart."""
    text = client.get("/doc/cluster/nope", headers={"Accept": "text/turtle"})
    html = client.get("/doc/cluster/nope", headers={"Accept": "text/html"})
    assert text.status_code == html.status_code == 404
    assert text.mimetype == "text/plain" and html.mimetype == "text/html"
    assert "Accept" in text.headers["Vary"] and "Accept" in html.headers["Vary"]


def test_the_sparql_endpoint_iri_keeps_one_base_path(make_app) -> None:  # type: ignore[no-untyped-def]
    """Behind a proxy at a base with a path, the endpoint's IRI has that path once."""
    app = make_app(BASE_URI="https://data.example.org/tomsk/")
    client = app.test_client()
    for path in ("/sparql", "/tomsk/sparql"):
        description = client.get(path, headers={"Accept": "application/n-triples"})
        assert description.status_code == 200
        text = description.get_data(as_text=True)
        assert "<https://data.example.org/tomsk/sparql>" in text
        assert "tomsk/tomsk" not in text


def test_validation_errors_vary_with_accept(client: FlaskClient) -> None:
    """/validate answers an error as JSON, HTML or text by Accept, so caches must know."""
    response = client.post(
        "/validate",
        data="<a> <b> .",
        headers={"Content-Type": "text/turtle", "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert "Accept" in response.headers["Vary"]
