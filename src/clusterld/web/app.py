"""The Flask application factory: the only place that wires things together."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from clusterld import config
from clusterld.dataset import store
from clusterld.errors import register_error_handlers
from clusterld.metadata import published_graphs
from clusterld.sparql import service as sparql_service
from clusterld.web import cors, hosts, proxy
from clusterld.web.views import register_blueprints

DEFAULT_BASE_URI = "http://localhost/"
"""Base used when none is configured: the host that Flask's test client requests."""


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build an application serving the dataset that the configuration names.

    Configuration order, later wins: defaults < ``CLUSTERLD_*`` environment < ``overrides``.

    :raises clusterld.dataset.store.InvalidDataError: the data does not conform to the shapes.
    :raises clusterld.errors.InputError: a dataset file cannot be read or parsed.
    """
    app = Flask(__name__)
    settings = config.load(overrides)
    settings["BASE_URI"] = settings.get("BASE_URI") or DEFAULT_BASE_URI
    app.config.from_mapping(settings)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    store.init_app(app)
    sparql_service.init_app(app, graph_source=published_graphs(app.config))
    register_error_handlers(app)
    cors.init_app(app)
    register_blueprints(app)
    proxy.install(app)
    hosts.install(app)
    return app
