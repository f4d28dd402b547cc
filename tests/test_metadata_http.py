"""A harvester that knows only the server's address finds, downloads and verifies everything.

Everything here goes through the test client, as a portal would over HTTP: the VoID
description and the catalog negotiate formats, every announced download answers with the
announced media type, size and checksum, and the data dump loads exactly the data graph.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, VOID

from clusterld import metadata
from clusterld.dataset.store import Store, get_holder
from clusterld.formats import RDF_FORMATS
from clusterld.metadata.common import DCAT, SPDX, VCARD, SiteURLs
from clusterld.metadata.dumps import DUMPS, dump_files

# rdflib 7's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def app(any_app: Flask) -> Flask:
    """Every test here runs over each backend (embedded, Oxigraph server, Virtuoso): its
    answers must not depend on where the triples are."""
    return any_app


@pytest.fixture(scope="module")
def store(app: Flask) -> Store:
    return get_holder(app).store


@pytest.fixture(scope="module")
def context(app: Flask) -> dict[str, Any]:
    """The published JSON-LD context, fetched once, so parsers never reach for the network."""
    with app.test_client() as client:
        return client.get("/context.jsonld").get_json()  # type: ignore[no-any-return]


def path_of(url: str) -> str:
    return urlsplit(str(url)).path


def parse(response: Any, context: dict[str, Any]) -> Graph:
    """Parse an RDF response by its media type, with the JSON-LD context inlined."""
    rdf_format = {
        "text/turtle": "turtle",
        "application/ld+json": "json-ld",
        "application/n-triples": "nt",
        "application/rdf+xml": "xml",
    }[response.mimetype]
    data = response.get_data(as_text=True)
    if rdf_format == "json-ld":
        data = json.dumps({**json.loads(data), "@context": context["@context"]})
    return Graph().parse(data=data, format=rdf_format)


# --- the descriptions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "text/turtle"),  # no Accept: Turtle
        ("*/*", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        (BROWSER, "text/html"),  # people get the downloads page
    ],
)
@pytest.mark.parametrize("path", ["/.well-known/void", "/catalog"])
def test_descriptions_negotiate(
    client: FlaskClient, path: str, accept: str | None, media_type: str
) -> None:
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.suffix)
@pytest.mark.parametrize("kind", ["void", "catalog"])
def test_descriptions_parse_to_the_same_graph_in_every_format(
    client: FlaskClient, app: Flask, store: Store, context: dict[str, Any], kind: str, fmt: Any
) -> None:
    with app.test_request_context():
        path = url_for(f"metadata.{kind}", ext=fmt.suffix)
    expected = (metadata.void_graph if kind == "void" else metadata.catalog_graph)(
        store, app.config
    )
    assert isomorphic(parse(client.get(path), context), expected)


def test_void_is_at_the_well_known_address(client: FlaskClient, store: Store) -> None:
    graph = Graph().parse(data=client.get("/.well-known/void").get_data(as_text=True))
    assert (store.iris.dataset, RDF.type, VOID.Dataset) in graph


def test_addresses_in_the_metadata_are_the_routes(app: Flask, store: Store) -> None:
    urls = SiteURLs(store.base)
    with app.test_request_context():
        assert url_for("metadata.catalog", _external=True) == str(urls.catalog)
        assert url_for("metadata.void", _external=True) == str(urls.void)
        assert url_for("metadata.sitemap", _external=True) == str(urls.sitemap)
        assert url_for("metadata.dump", name="x.ttl", _external=True) == str(urls.dump("x.ttl"))


def test_catalog_etag_survives_a_restart_and_changes_with_the_content(
    make_app: Any, client: FlaskClient, tmp_path: Path
) -> None:
    # The same content is the same published version, whenever and wherever it is opened:
    # caches keep the metadata and the dumps across restarts and between server processes.
    same = make_app().test_client()

    def headers(browser: FlaskClient, path: str) -> tuple[str, str]:
        with browser.get(path) as response:
            return response.headers["ETag"], response.headers["Last-Modified"]

    for path in ("/catalog.ttl", "/.well-known/void.ttl", "/dumps/clusterld.ttl"):
        assert headers(client, path) == headers(same, path)
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parents[1] / "data", data)
    with open(data / "extra.ttl", "w", encoding="utf-8") as extra:
        extra.write('<urn:x:a> <urn:x:p> "a new triple"@en .\n')
    changed = make_app(DATA_PATHS=[data]).test_client()
    for path in ("/catalog.ttl", "/.well-known/void.ttl", "/dumps/clusterld.ttl"):
        assert headers(client, path)[0] != headers(changed, path)[0]


# --- the dumps -----------------------------------------------------------------------------


def announced_downloads(client: FlaskClient) -> list[tuple[str, str, int, str]]:
    """(URL, media type, byte size, SHA-256) of every distribution in the served catalog."""
    catalog = Graph().parse(data=client.get("/catalog.ttl").get_data(as_text=True))
    found = []
    for distribution in catalog.subjects(RDF.type, DCAT.Distribution):
        media = catalog.value(distribution, DCAT.compressFormat) or catalog.value(
            distribution, DCAT.mediaType
        )
        checksum = catalog.value(distribution, SPDX.checksum)
        found.append(
            (
                str(catalog.value(distribution, DCAT.downloadURL)),
                str(media).rsplit("/media-types/", 1)[1],
                int(catalog.value(distribution, DCAT.byteSize)),  # type: ignore[arg-type]
                str(catalog.value(checksum, SPDX.checksumValue)),
            )
        )
    return found


def test_every_announced_download_answers_as_announced(client: FlaskClient) -> None:
    downloads = announced_downloads(client)
    assert len(downloads) == len(DUMPS)
    for url, media_type, size, sha256 in downloads:
        response = client.get(path_of(url))
        assert response.status_code == 200, url
        assert response.mimetype == media_type, url
        assert int(response.headers["Content-Length"]) == size == len(response.data)
        assert hashlib.sha256(response.data).hexdigest() == sha256, url


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 200),
        ({"If-None-Match": "{etag}"}, 304),  # same version: not modified
        ({"If-None-Match": '"another"'}, 200),
        ({"If-Modified-Since": "{last_modified}"}, 304),
        ({"Range": "bytes=0-9"}, 206),  # resumable downloads
    ],
)
def test_dumps_answer_conditional_requests(
    client: FlaskClient, headers: dict[str, str], status: int
) -> None:
    first = client.get("/dumps/clusterld.nt.gz")
    values = {"etag": first.headers["ETag"], "last_modified": first.headers["Last-Modified"]}
    response = client.get(
        "/dumps/clusterld.nt.gz", headers={k: v.format(**values) for k, v in headers.items()}
    )
    assert response.status_code == status
    if status == 206:
        assert len(response.data) == 10


def test_dump_headers(client: FlaskClient, store: Store) -> None:
    response = client.get("/dumps/clusterld.nt.gz")
    assert response.headers["Content-Type"] == "application/gzip"
    assert "Content-Encoding" not in response.headers  # a file download, not a transfer coding
    assert 'filename="clusterld.nt.gz"' in response.headers["Content-Disposition"]
    assert response.headers["ETag"] == f'"{dump_files(store)["clusterld.nt.gz"].sha256}"'
    assert response.headers["Last-Modified"]
    head = client.head("/dumps/clusterld.nt.gz")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == response.headers["Content-Length"]
    assert client.get("/dumps/clusterld.xlsx").status_code == 404


# --- discovery -----------------------------------------------------------------------------


def test_robots_names_the_sitemap_and_blocks_only_queries(client: FlaskClient) -> None:
    robots = client.get("/robots.txt")
    assert robots.mimetype == "text/plain"
    text = robots.get_data(as_text=True)
    assert re.search(r"^Sitemap: http://localhost/sitemap\.xml$", text, re.M)
    disallowed = re.findall(r"^Disallow: (.*)$", text, re.M)
    assert disallowed == ["/sparql?"]


def test_sitemap_lists_every_html_page(client: FlaskClient, store: Store) -> None:
    root = ET.fromstring(client.get("/sitemap.xml").data)
    entries = {
        path_of(url.findtext(f"{SITEMAP}loc") or ""): url.findtext(f"{SITEMAP}lastmod")
        for url in root.iter(f"{SITEMAP}url")
    }
    pages = {"/", "/ontology.html", "/shapes.html", "/catalog.html", "/.well-known/void.html"}
    assert pages <= set(entries)
    assert "/class/cld/EducationIndustryCluster.html" in entries
    things = {
        str(s)[len(store.base) + 3 :]
        for s in store.data.subjects()
        if isinstance(s, URIRef) and s.startswith(f"{store.base}id/")
    }
    assert {f"/doc/{thing}.html" for thing in things} <= set(entries)
    assert all(entries.values())  # every page has a lastmod


def test_sitemap_pages_are_html(client: FlaskClient) -> None:
    root = ET.fromstring(client.get("/sitemap.xml").data)
    locs = [path_of(u.findtext(f"{SITEMAP}loc") or "") for u in root.iter(f"{SITEMAP}url")]
    for path in locs[:12] + locs[-3:]:  # every kind of page; the build test fetches them all
        response = client.get(path, headers={"Accept": BROWSER})
        assert response.status_code == 200, path
        assert response.mimetype == "text/html", path


def test_home_page_names_the_void_and_the_catalog(client: FlaskClient) -> None:
    links = client.get("/", headers={"Accept": BROWSER}).headers["Link"]
    assert '</.well-known/void>; rel="describedby"' in links
    assert '</catalog>; rel="describedby"' in links


def described_by(response: Any) -> dict[str, str]:
    """The ``rel="describedby"`` targets of a response's ``Link`` header, by title."""
    found = {}
    for target, params in re.findall(r"<([^>]+)>((?:;[^,]*)*)", response.headers.get("Link", "")):
        if 'rel="describedby"' in params:
            title = re.search(r'title="([^"]*)"', params)
            found[title.group(1) if title else ""] = target
    return found


def test_a_harvester_that_knows_only_the_address(
    client: FlaskClient, store: Store, context: dict[str, Any]
) -> None:
    """Address → home's Link → VoID → catalog → every data dump, verified, is the data graph."""
    found = described_by(client.get("/"))
    void_url, catalog_url = found["VoID"], found["DCAT-AP"]
    void = parse(client.get(void_url, headers={"Accept": "text/turtle"}), context)
    described = URIRef(f"{store.base}{void_url.lstrip('/')}")
    dataset = void.value(described, FOAF.primaryTopic)  # the VoID file names its dataset
    assert dataset == store.iris.dataset
    assert URIRef(f"{store.base}{catalog_url.lstrip('/')}") in set(
        void.objects(dataset, RDFS.seeAlso)
    )
    catalog = parse(client.get(catalog_url, headers={"Accept": "application/ld+json"}), context)
    checksums = {
        catalog.value(d, DCAT.downloadURL): catalog.value(
            catalog.value(d, SPDX.checksum), SPDX.checksumValue
        )
        for d in catalog.objects(dataset, DCAT.distribution)
    }
    dumps = set(void.objects(dataset, VOID.dataDump))
    assert dumps == set(checksums) and len(dumps) == 5
    for url in dumps:
        body = client.get(path_of(url)).data
        assert hashlib.sha256(body).hexdigest() == str(checksums[url])
        name = str(url).rsplit("/", 1)[1]
        if name.endswith(".gz"):
            body, name = gzip.decompress(body), name.removesuffix(".gz")
        rdf_format = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdf": "xml"}
        loaded = Graph().parse(data=body, format=rdf_format[name.rsplit(".", 1)[1]])
        assert isomorphic(loaded, store.data), name


@pytest.mark.parametrize(
    ("lang", "heading"), [("en", "ClusterLD data catalogue"), ("ru", "Каталог")]
)
def test_catalog_page_lists_downloads_with_checksums(
    client: FlaskClient, store: Store, lang: str, heading: str
) -> None:
    page = client.get(f"/catalog.html?lang={lang}").get_data(as_text=True)
    assert heading in page
    for name, file in dump_files(store).items():
        assert f'href="/dumps/{name}"' in page
        assert file.sha256 in page
    assert 'rel="describedby"' in page  # harvesters reading the page find the VoID too


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_home_page_embeds_the_schema_org_dataset(
    client: FlaskClient, app: Flask, store: Store, lang: str
) -> None:
    page = client.get(f"/?lang={lang}", headers={"Accept": BROWSER}).get_data(as_text=True)
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    datasets = [d for d in map(json.loads, scripts) if d.get("@type") == "Dataset"]
    assert datasets == [metadata.schema_org_dataset(store, app.config, lang=lang)]
    assert '<link rel="sitemap"' in page


def test_publisher_settings_reach_the_catalog(make_app: Callable[..., Flask]) -> None:
    """The publisher, contact and frequency are the deployment's, not hard-coded."""
    app = make_app(
        PUBLISHER_NAME="Департамент образования Томской области",
        PUBLISHER_URL="https://publisher.example.org/",
        CONTACT_EMAIL="opendata@publisher.example.org",
        UPDATE_FREQUENCY="ANNUAL",
    )
    catalog = Graph().parse(
        data=app.test_client()
        .get("/catalog", headers={"Accept": "text/turtle"})
        .get_data(as_text=True),
        format="turtle",
    )
    names = {str(name) for name in catalog.objects(None, FOAF.name)}
    assert "Департамент образования Томской области" in names
    assert (None, FOAF.homepage, URIRef("https://publisher.example.org/")) in catalog
    emails = {str(value) for value in catalog.objects(None, VCARD.hasEmail)}
    assert "mailto:opendata@publisher.example.org" in emails
    frequency = URIRef("http://publications.europa.eu/resource/authority/frequency/ANNUAL")
    assert (None, DCTERMS.accrualPeriodicity, frequency) in catalog


@pytest.mark.parametrize(
    ("lang", "void_title", "catalog_title"),
    [
        ("en", "VoID description of the ClusterLD dataset", "ClusterLD data catalogue"),
        ("ru", "Описание VoID набора данных ClusterLD", "Каталог данных ClusterLD"),
    ],
)
def test_the_void_page_has_its_own_title(
    client: FlaskClient, lang: str, void_title: str, catalog_title: str
) -> None:
    """Browser tabs and history must tell the VoID page from the catalog page."""

    def title_and_heading(path: str) -> tuple[str, str]:
        page = client.get(path, query_string={"lang": lang}).get_data(as_text=True)
        title = re.search(r"<title>(.*?) — ClusterLD</title>", page)
        heading = re.search(r"<h1>(.*?)</h1>", page)
        assert title and heading, path
        return title.group(1), heading.group(1)

    assert title_and_heading("/.well-known/void.html") == (void_title, void_title)
    assert title_and_heading("/catalog.html") == (catalog_title, catalog_title)
