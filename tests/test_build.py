"""``clusterld build``: a static copy of the site that a plain web server can publish.

The site is built once, through the CLI, under a base with a path (``/lod/``), so that the
files, the links and the server configuration all have to respect the script root.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from flask import Flask
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from clusterld.cli import cli
from clusterld.dataset.store import Store, get_holder
from clusterld.formats import DOCUMENT_FORMATS, RDF_FORMATS
from clusterld.metadata.common import DCAT, SPDX
from clusterld.metadata.dumps import DUMPS, dump_files
from clusterld.publishing.server_config import accept_patterns
from clusterld.web.documents import id_paths

BASE = "http://static.example/lod/"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = CliRunner().invoke(cli, ["build", "--out", str(out), "--base-uri", BASE])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    return out / "lod"  # the document root holds the site under its path


@pytest.fixture(scope="module")
def app(make_app) -> Flask:  # type: ignore[no-untyped-def]
    """The same dataset under the same base, to compare the files with live answers."""
    return make_app(BASE_URI=BASE)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def store(app: Flask) -> Store:
    return get_holder(app).store


def test_every_resource_has_a_document_in_every_format(site: Path, store: Store) -> None:
    paths = sorted(id_paths(store).values())
    assert len(paths) > 100
    for path in paths:
        for fmt in DOCUMENT_FORMATS:
            assert (site / "doc" / f"{path}.{fmt.suffix}").is_file(), f"{path}.{fmt.suffix}"
        assert (site / "doc" / f"{path}.html.ru").is_file(), path  # the Russian page


@pytest.mark.parametrize("stem", ["index", "catalog", "ontology", "shapes", ".well-known/void"])
def test_negotiated_pages_have_every_variant(site: Path, stem: str) -> None:
    for fmt in DOCUMENT_FORMATS:
        assert (site / f"{stem}.{fmt.suffix}").is_file(), f"{stem}.{fmt.suffix}"


def test_class_pages_are_written(site: Path) -> None:
    assert (site / "class" / "cld" / "EducationIndustryCluster.html").is_file()
    assert (site / "class" / "org" / "Membership.ttl").is_file()


def test_static_files_are_the_server_answers(site: Path, app: Flask) -> None:
    client = app.test_client()
    for fmt in RDF_FORMATS:
        served = client.get(f"/doc/cluster/industrial.{fmt.suffix}", base_url=BASE)
        written = (site / "doc" / "cluster" / f"industrial.{fmt.suffix}").read_bytes()
        assert written == served.data, fmt.suffix
    assert (site / "robots.txt").read_text() == client.get("/robots.txt", base_url=BASE).text
    # the icons every page links to (the static site answers /favicon.ico too)
    for path in ("favicon.ico", "static/favicon.svg"):
        served = client.get(f"/{path}", base_url=BASE)
        assert (site / path).read_bytes() == served.data, path
        served.close()


def test_dumps_are_written_with_the_announced_checksums(site: Path, store: Store) -> None:
    catalog = Graph().parse(site / "catalog.ttl", format="turtle")
    announced = {
        str(catalog.value(d, DCAT.downloadURL)): str(
            catalog.value(catalog.value(d, SPDX.checksum), SPDX.checksumValue)
        )
        for d in catalog.subjects(predicate=DCAT.downloadURL)
    }
    assert len(announced) == len(DUMPS)
    for url, checksum in announced.items():
        assert url.startswith(BASE)
        written = (site / url[len(BASE) :]).read_bytes()
        assert hashlib.sha256(written).hexdigest() == checksum
        assert written == dump_files(store)[url.rsplit("/", 1)[1]].body
    dump = Graph().parse(site / "dumps" / "clusterld.ttl", format="turtle")
    assert isomorphic(dump, store.data)


def test_every_sitemap_page_is_a_file(site: Path) -> None:
    root = ElementTree.parse(site / "sitemap.xml").getroot()
    locations = [loc.text or "" for loc in root.iter(f"{SITEMAP}loc")]
    assert locations[0] == BASE
    for url in locations:
        assert url.startswith(BASE)
        relative = urlsplit(url).path[len(urlsplit(BASE).path) :] or "index.html"
        assert (site / relative).is_file(), url
    robots = (site / "robots.txt").read_text()
    assert f"Sitemap: {BASE}sitemap.xml" in robots


def test_html_links_stay_under_the_base(site: Path) -> None:
    page = (site / "doc" / "cluster" / "industrial.html").read_text()
    links = re.findall(r'href="(/[^"]*)"', page)
    assert links and all(link.startswith("/lod/") for link in links)


def test_dynamic_endpoints_are_not_copied(site: Path) -> None:
    assert not (site / "sparql").exists() and not (site / "sparql.html").exists()
    assert not (site / "validate").exists()


# --- server configuration --------------------------------------------------------------------


def test_nginx_config_negotiates_every_format(site: Path) -> None:
    config = (site / "nginx.conf").read_text()
    assert config.count("{") == config.count("}")
    for fmt in DOCUMENT_FORMATS:
        assert re.search(rf"^\s+{re.escape(fmt.media_type)} {fmt.suffix};$", config, re.M), fmt
    for pattern, suffix in accept_patterns():
        assert f'"~*{pattern}" ".{suffix}";' in config
    assert "location ~ ^/lod/id/(.+)$" in config
    assert "return 303 /lod/doc/$1;" in config
    assert f"root {site.parent.resolve()};" in config
    assert "application/gzip gz;" in config  # a download, not a Content-Encoding


# CI installs nginx (.ci/run); there a missing nginx is a failure, not a skip.
@pytest.mark.skipif(
    shutil.which("nginx") is None and not os.environ.get("CI"), reason="nginx is not installed"
)
def test_nginx_accepts_the_config(site: Path) -> None:
    checked = subprocess.run(
        ["nginx", "-t", "-c", str(site / "nginx.conf")], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    assert "warn" not in checked.stderr


def test_htaccess_negotiates_and_redirects(site: Path) -> None:
    config = (site / ".htaccess").read_text()
    for fmt in RDF_FORMATS:
        assert f"AddType {fmt.media_type} .{fmt.suffix}" in config
        assert f"RewriteRule ^(.*)$ $1.{fmt.suffix} [L]" in config
    assert "RewriteRule ^id/(.+)$ /lod/doc/$1 [R=303,L]" in config
    assert "RemoveEncoding .gz" in config


def test_build_refuses_data_that_does_not_conform(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        "<https://clusterld.example/tomsk/id/org/x> a org:FormalOrganization ;\n"
        '    rdfs:label "x" .\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["build", "--out", str(tmp_path / "out"), "--data", str(bad)])
    assert result.exit_code == 1
    assert not (tmp_path / "out").exists()


def test_the_dataset_iri_is_published_in_the_static_void(site: Path) -> None:
    void = Graph().parse(site / ".well-known" / "void.ttl", format="turtle")
    assert (URIRef(f"{BASE}id/dataset"), None, None) in void
