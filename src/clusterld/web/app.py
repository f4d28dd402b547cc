"""The Flask application factory: the only place that wires things together."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from clusterld import config
from clusterld.dataset import store
from clusterld.dataset.endpoint import StoreDown, StoreTimeout, is_remote, shown
from clusterld.errors import ConfigError, register_error_handlers
from clusterld.publishing.publish import open_published, remote_endpoint
from clusterld.sparql import service as sparql_service
from clusterld.web import cors, hosts, proxy
from clusterld.web.views import register_blueprints

DEFAULT_BASE_URI = "http://localhost/"
MAX_REFRESH = 300.0
"""Longest STORE_REFRESH: well inside the grace before a replaced version is dropped."""
"""Base used when none is configured: the host that Flask's test client requests."""


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build an application serving the dataset that the configuration names.

    Configuration order, later wins: defaults < ``CLUSTERLD_*`` environment < ``overrides``.

    :raises clusterld.dataset.store.InvalidDataError: the data does not conform to the shapes.
    :raises clusterld.errors.InputError: a dataset file cannot be read or parsed.
    """
    app = Flask(__name__)
    settings = config.load(overrides)
    base_given = bool(settings.get("BASE_URI"))
    settings["BASE_URI"] = settings.get("BASE_URI") or DEFAULT_BASE_URI
    app.config.from_mapping(settings)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    remote = is_remote(settings.get("STORE"))
    if remote and not base_given:
        raise ConfigError(
            f"serving the remote store {shown(settings['STORE'])} needs --base-uri "
            "(BASE_URI): one store may hold the datasets of several deployments"
        )
    follow = float(settings["STORE_REFRESH"]) if remote else None
    if follow is not None and not 0 <= follow <= MAX_REFRESH:
        raise ConfigError(
            f"STORE_REFRESH must be between 0 and {MAX_REFRESH:g} seconds: a replaced version "
            "is dropped from the store 10 minutes after a publish, and a server must have "
            "moved on by then"
        )
    endpoint = remote_endpoint(settings) if remote else None  # one pool for every version
    store.init_app(
        app,
        lambda: open_published(app.config, endpoint),
        follow_every=follow,
        transient=(StoreDown, StoreTimeout),
    )
    if settings.get("STORE") and not remote:
        adopt_store_base(app, base_given=base_given)
    sparql_service.init_app(app)
    register_error_handlers(app)
    cors.init_app(app)
    register_blueprints(app)
    proxy.install(app)
    hosts.install(app)
    return app


def adopt_store_base(app: Flask, *, base_given: bool) -> None:
    """Serve a published store under the base it was published with.

    IRIs are rebased when a version is published, so a store can only be served under its
    own base; a different ``BASE_URI`` is a configuration error, not something to guess.
    """
    published = store.get_holder(app).store.base
    if base_given and app.config["BASE_URI"] != published:
        raise ConfigError(
            f"the store {app.config['STORE']} was published under {published}, not "
            f"{app.config['BASE_URI']}; serve it without --base-uri, or publish it again "
            "with the base you want"
        )
    app.config["BASE_URI"] = published
