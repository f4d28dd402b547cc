"""Shared fixtures: the application on the shipped dataset, its test client, a CLI runner, and
real SPARQL stores (``oxigraph_server``, ``virtuoso_server``, ``remote_store``).

Building an app loads and validates the whole dataset, so ``app`` is built once per session;
tests that need other settings build their own with ``make_app``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

from backends import BACKENDS, backend_app
from clusterld import config
from clusterld.web.app import create_app
from stores import RunningStore, StoreUnavailable, start_oxigraph, start_virtuoso

TESTS = Path(__file__).parent
FIXTURES = TESTS / "data"

# Property-based tests (tests/test_properties.py): a short, repeatable run by default; a long
# one on demand with HYPOTHESIS_PROFILE=nightly (see the README).  Time is bounded by the tests
# themselves, not by hypothesis's deadline, which a shared machine would trip at random.
_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci",
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=_SLOW,
)
settings.register_profile(
    "nightly", max_examples=2000, deadline=None, print_blob=True, suppress_health_check=_SLOW
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session", autouse=True)
def _no_clusterld_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A developer's own CLUSTERLD_* settings must not change what the tests see, and the
    versions the tests publish go to a cache of the session's own (subprocesses inherit it)."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("CLUSTERLD_")}
    for name in saved:
        del os.environ[name]
    os.environ["CLUSTERLD_CACHE_DIR"] = str(tmp_path_factory.mktemp("publish-cache"))
    yield
    del os.environ["CLUSTERLD_CACHE_DIR"]
    os.environ.update(saved)


@pytest.fixture(scope="session")
def embedded_app() -> Flask:
    """The application serving the shipped dataset under ``http://localhost/``."""
    application = create_app({"TESTING": True})
    return application


@pytest.fixture(scope="session")
def app(embedded_app: Flask) -> Flask:
    """The application of most tests: the embedded store (modules whose answers must not
    depend on the backend override this with ``any_app``)."""
    return embedded_app


@pytest.fixture()
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A private, editable copy of the shipped data (for reloads and faults)."""
    folder = tmp_path / "data"
    shutil.copytree(config.defaults()["DATA_PATHS"][0], folder)
    return folder


@pytest.fixture(scope="session")
def make_app() -> Callable[..., Flask]:
    """Build an application with settings of the test's own."""

    def build(**settings: Any) -> Flask:
        return create_app({"TESTING": True, **settings})

    return build


# Real SPARQL stores (tests/stores.py), each started once per session and only when a test
# asks for it. A store that is not installed is a skip on a developer's machine but a failure
# in CI, where .ci/run installs both (as with Chromium for the browser tests).
def _store_or_skip(start: Callable[[Path], RunningStore], folder: Path) -> RunningStore:
    try:
        return start(folder)
    except StoreUnavailable as missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing}; CI must install it (.ci/run)")
        pytest.skip(str(missing))


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStore]:
    """The Oxigraph server (`oxigraph serve`) on a free loopback port, in a folder of its own."""
    store = _store_or_skip(start_oxigraph, tmp_path_factory.mktemp("oxigraph"))
    yield store
    store.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStore]:
    """Virtuoso (`virtuoso-t`) with its own virtuoso.ini, user `clusterld`, loopback ports."""
    store = _store_or_skip(start_virtuoso, tmp_path_factory.mktemp("virtuoso"))
    yield store
    store.stop()


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote_store(request: pytest.FixtureRequest) -> RunningStore:
    """Each real store in turn; only the one a test runs with is started."""
    store: RunningStore = request.getfixturevalue(f"{request.param}_server")
    return store


@pytest.fixture(scope="session", params=BACKENDS)
def any_app(request: pytest.FixtureRequest) -> Flask:
    """The shipped dataset served over each backend in turn: the embedded store, the Oxigraph
    server, Virtuoso (test modules whose answers must not depend on the backend override
    their ``app`` with this)."""
    if request.param == "embedded":
        application: Flask = request.getfixturevalue("embedded_app")
        return application
    return backend_app(request.getfixturevalue(f"{request.param}_server"))
