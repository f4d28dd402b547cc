"""The query UI: YASGUI from this package (no CDN), the examples as tabs, a form without JS."""

from __future__ import annotations

import json
import re
from importlib import resources

from flask.testing import FlaskClient

from clusterld.sparql.examples import example_queries

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def page(client: FlaskClient, path: str = "/sparql") -> str:
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_a_browser_gets_the_query_ui(client: FlaskClient) -> None:
    html = page(client)
    assert "<title>SPARQL endpoint" in html
    assert 'id="yasgui"' in html
    assert "/static/yasgui/yasgui.min.js" in html and "/static/yasgui/yasgui.min.css" in html
    # our contrast and focus fixes load after YASGUI's own styles
    assert html.index("/static/yasgui/yasgui.min.css") < html.index(
        "/static/yasgui/clusterld-yasgui.css"
    )
    assert 'type="text/turtle" href="/sparql?format=ttl"' in html  # the description


def test_nothing_is_loaded_from_elsewhere(client: FlaskClient) -> None:
    html = page(client)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assets = [s for s in sources if s.endswith((".js", ".css"))]
    assert assets and all(s.startswith("/") for s in assets), assets


def test_the_examples_are_the_tabs(client: FlaskClient) -> None:
    html = page(client)
    config = json.loads(
        re.search(
            r'<script type="application/json" id="sparql-config">(.*?)</script>', html, re.S
        ).group(1)  # type: ignore[union-attr]
    )
    examples = example_queries("http://localhost/")
    assert [tab["title"]["en"] for tab in config["examples"]] == [e.title["en"] for e in examples]
    assert [tab["query"] for tab in config["examples"]] == [e.text for e in examples]
    assert config["endpoint"] == "/sparql"
    assert "{limit}" in config["truncated"]["en"]
    # names for the controls YASGUI leaves unnamed, in both languages (clusterld-sparql.js)
    for key in ("endpoint", "editor", "editorArea", "tabName", "addTab", "pageSize"):
        assert config["labels"][key]["en"] and config["labels"][key]["ru"], key


def test_without_javascript_a_form_and_links_run_the_examples(client: FlaskClient) -> None:
    html = page(client)
    assert '<form id="sparql-form" method="get" action="/sparql">' in html
    links = re.findall(r'href="(/sparql\?query=[^"]+)"', html)
    assert len(links) == len(example_queries())
    response = client.get(links[0].replace("&amp;", "&"))
    assert response.status_code == 200


def test_the_page_speaks_russian(client: FlaskClient) -> None:
    html = page(client, "/sparql?lang=ru")
    assert "SPARQL-точка доступа" in html
    assert "Примеры запросов" in html


def test_the_vendored_yasgui_is_served_with_its_licence(client: FlaskClient) -> None:
    folder = resources.files("clusterld.web") / "static" / "yasgui"
    assert "MIT License" in (folder / "LICENSE").read_text(encoding="utf-8")
    total = 0
    for name in ("yasgui.min.js", "yasgui.min.css", "clusterld-sparql.js", "clusterld-yasgui.css"):
        response = client.get(f"/static/yasgui/{name}")
        assert response.status_code == 200
        total += len(response.get_data())
        response.close()
    assert total < 1_500_000, "keep the vendored UI small"


def test_the_page_embeds_the_service_description(client: FlaskClient) -> None:
    html = page(client)
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert script is not None
    document = json.dumps(json.loads(script.group(1)))
    assert "http://www.w3.org/ns/sparql-service-description#endpoint" in document
    assert "http://localhost/sparql" in document
