"""The same application over each backend: the embedded store and each real remote store.

``backend_app(kind, ...)`` publishes the shipped dataset (or other settings) into the
backend and builds an application serving it, so that a test module can run its tests over
every backend by overriding its ``app`` fixture (see ``tests/conftest.py``: ``any_app``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from clusterld import config
from clusterld.dataset.endpoint import PASSWORD_VARIABLE, USER_VARIABLE
from clusterld.publishing.remote import publish_remote
from clusterld.web.app import create_app
from stores import RunningStore

BACKENDS = ("embedded", "oxigraph", "virtuoso")
BASE = "http://localhost/"


def store_settings(store: RunningStore) -> dict[str, Any]:
    """The settings that name ``store`` (its credentials go in the environment, as users
    must give them)."""
    if store.user is not None:
        os.environ[USER_VARIABLE] = store.user
        os.environ[PASSWORD_VARIABLE] = store.password or ""
    return {
        "STORE": store.query_url,
        "STORE_UPDATE_URL": store.update_url,
        "STORE_GSP_URL": store.gsp_url,
    }


def publish_into(store: RunningStore, **settings: Any) -> str:
    """Publish a dataset (the shipped one by default) into ``store``; its version."""
    return publish_remote(config.load({"BASE_URI": BASE, **settings, **store_settings(store)}))


def backend_app(store: RunningStore | None, **settings: Any) -> Flask:
    """An application over ``store`` (None: the embedded store), the dataset published."""
    if store is None:
        return create_app({"TESTING": True, "BASE_URI": BASE, **settings})
    publish_into(store, **settings)
    remote: Mapping[str, Any] = store_settings(store)
    return create_app({"TESTING": True, "BASE_URI": BASE, **settings, **remote})
