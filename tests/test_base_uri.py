"""One configured base: IRIs under it, links that resolve on the server that answered."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from rdflib import Graph, URIRef

from clusterld.errors import ConfigError
from clusterld.namespaces import ORG

PUBLIC = "https://data.example.org/tomsk/"


@pytest.fixture(scope="module")
def proxied(make_app: Callable[..., Flask]) -> Flask:
    return make_app(BASE_URI=PUBLIC)


@pytest.mark.parametrize("prefix", ["/tomsk", ""])  # a proxy that keeps or strips the prefix
def test_routes_match_with_or_without_the_base_path(proxied: Flask, prefix: str) -> None:
    client = proxied.test_client()
    response = client.get(f"{prefix}/id/cluster/industrial")
    assert response.status_code == 303
    assert response.headers["Location"] == "/tomsk/doc/cluster/industrial"
    document = client.get(f"{prefix}/doc/cluster/industrial", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=document.get_data(as_text=True), format="turtle")
    cluster = URIRef(f"{PUBLIC}id/cluster/industrial")
    assert (cluster, ORG.hasMember, URIRef(f"{PUBLIC}id/org/elesy")) in graph
    assert not any("localhost" in str(term) for triple in graph for term in triple)


def test_links_carry_the_base_path_and_resolve(proxied: Flask) -> None:
    client = proxied.test_client()
    html = client.get("/tomsk/doc/cluster/industrial.html").get_data(as_text=True)
    hrefs = set(re.findall(r'href="(/[^"#]*)', html))
    assert "/tomsk/doc/org/elesy" in hrefs and "/tomsk/static/style.css" in hrefs
    assert all(href.startswith("/tomsk/") for href in hrefs)
    for href in sorted(h for h in hrefs if h.startswith(("/tomsk/doc/", "/tomsk/class/"))):
        assert client.get(href).status_code == 200, href
    assert f'"@context": "{PUBLIC}context.jsonld"' in html


def test_base_with_another_host_and_no_path(make_app: Callable[..., Flask]) -> None:
    client = make_app(BASE_URI="https://lod.example.net/").test_client()
    response = client.get("/id/org/elesy", headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (URIRef("https://lod.example.net/id/org/elesy"), None, None) in graph
    assert client.get("/doc/org/elesy.html").status_code == 200


def test_a_base_path_that_is_a_route_is_refused(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError, match="/doc"):
        make_app(BASE_URI="https://data.example.org/doc/")
