"""Serving a published store, and the cache that ``serve`` publishes into.

The shipped data is published once per module into a store folder of its own (about half a
second) under a base other than the default, so that what the server serves can only have
come from the store.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from clusterld import config
from clusterld.cli import cli
from clusterld.dataset import versions
from clusterld.dataset.store import StoreUnavailable, get_holder
from clusterld.errors import ConfigError
from clusterld.publishing.publish import publish
from clusterld.web.app import create_app

STORE_BASE = "http://localhost:8765/"
INDUSTRIAL = URIRef(f"{STORE_BASE}id/cluster/industrial")
JSON_RESULTS = "application/sparql-results+json"


@pytest.fixture(scope="module")
def store_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("published") / "store"
    publish(config.load({"BASE_URI": STORE_BASE}), root)
    return root


@pytest.fixture(scope="module")
def store_app(store_root: Path) -> Flask:
    return create_app({"STORE": str(store_root), "TESTING": True})


def test_the_server_takes_the_base_and_the_version_from_the_store(
    store_app: Flask, store_root: Path
) -> None:
    assert store_app.config["BASE_URI"] == STORE_BASE
    store = get_holder(store_app).store
    assert store.folder.resolve() == versions.current(store_root)
    assert store.version == store.folder.name


def test_a_document_is_served_from_the_store(store_app: Flask) -> None:
    with store_app.test_client() as client:
        response = client.get("/doc/cluster/industrial.ttl", base_url=STORE_BASE)
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    labels = {str(label) for label in graph.objects(INDUSTRIAL, RDFS.label)}
    assert labels, "the cluster is described under the store's base"
    assert response.headers["ETag"]


def test_sparql_and_the_catalog_are_served_from_the_store(store_app: Flask) -> None:
    query = f"ASK {{ <{INDUSTRIAL}> ?p ?o }}"
    with store_app.test_client() as client:
        asked = client.get(
            "/sparql",
            query_string={"query": query},
            headers={"Accept": JSON_RESULTS},
            base_url=STORE_BASE,
        )
        catalog = client.get("/catalog", base_url=STORE_BASE)
    assert asked.status_code == 200, asked.get_data(as_text=True)
    assert json.loads(asked.get_data(as_text=True))["boolean"] is True
    assert catalog.status_code == 200


def test_a_base_other_than_the_stores_is_a_configuration_error(store_root: Path) -> None:
    with pytest.raises(ConfigError, match=STORE_BASE):
        create_app({"STORE": str(store_root), "BASE_URI": "http://other/", "TESTING": True})


def test_the_stores_own_base_may_be_given(store_root: Path) -> None:
    app = create_app({"STORE": str(store_root), "BASE_URI": STORE_BASE, "TESTING": True})
    assert app.config["BASE_URI"] == STORE_BASE


def test_an_empty_store_folder_says_how_to_publish(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable) as caught:
        create_app({"STORE": str(tmp_path), "TESTING": True})
    message = str(caught.value)
    assert str(tmp_path) in message
    assert f"publish --store {tmp_path}" in message


def test_two_servers_of_the_same_data_share_one_version_in_the_cache(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shipped = config.defaults()["DATA_PATHS"][0]
    for path in shipped.iterdir():
        (data / path.name).write_bytes(path.read_bytes())
    cache = Path(os.environ["CLUSTERLD_CACHE_DIR"])

    first = get_holder(create_app({"DATA_PATHS": [data], "TESTING": True})).store
    (first.folder / "marker").touch()
    second = get_holder(create_app({"DATA_PATHS": [data], "TESTING": True})).store

    assert second.folder == first.folder
    assert first.folder.parent == cache / "versions"
    assert (second.folder / "marker").exists(), "the second server did not publish again"
    assert not list((cache / "versions").glob(".staging-*"))
    assert versions.current(cache) is None  # the cache has no current version to move


def test_a_cache_dir_setting_wins_over_the_environment(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    app = create_app({"CACHE_DIR": str(cache), "TESTING": True})
    store = get_holder(app).store
    assert store.folder.parent == cache / "versions"
    assert [p.name for p in (cache / "versions").iterdir()] == [store.version]


def test_the_publish_command_makes_a_store_that_serves(tmp_path: Path) -> None:
    """The command the empty-store message names exists and publishes a servable store."""
    root = tmp_path / "store"
    result = CliRunner().invoke(cli, ["publish", "--store", str(root), "--base-uri", STORE_BASE])
    assert result.exit_code == 0, result.output
    current = versions.current(root)
    assert current is not None and current.name in result.output
    app = create_app({"STORE": str(root), "TESTING": True})
    assert get_holder(app).store.folder.resolve() == current


def test_the_publish_command_refuses_invalid_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    invalid = Path(__file__).parent / "data" / "invalid" / "cluster-without-lead.ttl"
    (data / invalid.name).write_bytes(invalid.read_bytes())
    root = tmp_path / "store"
    result = CliRunner().invoke(cli, ["publish", "--store", str(root), "--data", str(data)])
    assert result.exit_code == 1, result.output
    assert "does not conform" in result.output
    assert versions.current(root) is None
    assert not list((root / "versions").glob(".staging-*"))
