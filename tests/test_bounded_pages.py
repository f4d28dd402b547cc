"""Lists that grow with the data are bounded on the request path: home, class pages, sitemap.

The limits are lowered here so that the shipped data crosses them; the production values
(100 clusters, 1,000 instances, 50,000 URLs) are crossed only by a region's or a country's
data (see benchmarks/scale.py).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable

import pytest
from flask import Flask
from rdflib import RDF, Graph, URIRef

from clusterld.dataset.store import get_holder
from clusterld.namespaces import CLD
from clusterld.publishing.progress import Progress
from clusterld.web import documents
from clusterld.web.pages import resources
from clusterld.web.views import metadata as metadata_views

HYDRA = "http://www.w3.org/ns/hydra/core#"
CLUSTERS = "/class/cld/EducationIndustryCluster"


def test_home_lists_the_first_clusters_and_links_to_all(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "HOME_CLUSTERS", 3)
    client = make_app().test_client()
    page = client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert page.count('data-label="№"') == 3
    assert "The first 3 of 9" in page and CLUSTERS in page
    answer = client.get("/", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    turtle = Graph().parse(data=answer, format="turtle")
    cld = CLD.EducationIndustryCluster
    assert len(set(turtle.subjects(RDF.type, cld))) == 3


def test_a_long_class_is_split_into_linked_pages(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents, "CLASS_PAGE_SIZE", 4)
    client = make_app().test_client()
    seen: set[str] = set()
    for number in (1, 2, 3):
        query = f"?page={number}" if number > 1 else ""
        graph = Graph().parse(data=client.get(f"{CLUSTERS}.ttl{query}").get_data(as_text=True))
        cld = CLD.EducationIndustryCluster
        on_page = {str(s) for s in graph.subjects(RDF.type, cld)}
        assert len(on_page) == (4 if number < 3 else 1) and not on_page & seen
        seen |= on_page
        assert (None, URIRef(f"{HYDRA}first"), None) in graph  # every page names the first
        assert (number < 3) == (f"{HYDRA}next" in {str(p) for p in graph.predicates()})
    assert len(seen) == 9  # 4 + 4 + 1, each cluster on exactly one page
    html = client.get(f"{CLUSTERS}.html?page=2").get_data(as_text=True)
    assert 'rel="prev"' in html and 'rel="next"' in html and "Page 2 of 3" in html
    assert client.get(f"{CLUSTERS}?page=4").status_code == 404
    assert client.get(f"{CLUSTERS}?page=x").status_code == 404


def test_a_large_sitemap_becomes_an_index(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metadata_views, "SITEMAP_LIMIT", 50)
    app = make_app()
    client = app.test_client()
    index = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<sitemapindex" in index
    parts = re.findall(r"<loc>http://localhost(/sitemap-\d+\.xml)</loc>", index)
    urls: list[str] = []
    for part in parts:
        urls += re.findall(r"<loc>([^<]+)</loc>", client.get(part).get_data(as_text=True))
    expected = len(get_holder(app).store.thing_paths)
    assert len(urls) == len(set(urls)) and len(urls) > expected  # things, plus other pages
    assert all(len(chunk) <= 50 for chunk in (urls[i : i + 50] for i in range(0, len(urls), 50)))
    assert client.get(f"/sitemap-{len(parts) + 1}.xml").status_code == 404


def test_progress_draws_a_live_line_on_a_terminal_and_logs_each_phase(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream = io.StringIO()
    progress = Progress(stream, live=True)
    caplog.set_level(logging.INFO, logger="clusterld.publish")
    with progress.phase("load data", total=1_000_000) as phase:
        phase._last_draw = -1.0  # draw now, not after the first 0.2 s
        phase.update(250_000)
    drawn = stream.getvalue()
    assert "load data: 250,000 triples" in drawn and "/s" in drawn and "s left" in drawn
    assert any(r.getMessage().startswith("load data: 250,000 triples") for r in caplog.records)
    quiet = io.StringIO()
    with Progress(quiet, live=False).phase("dumps") as phase:
        phase.update(10)
    assert quiet.getvalue() == ""  # not a terminal: the log line only
