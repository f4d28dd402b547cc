"""``/healthz`` and ``/readyz``: liveness, and readiness that waits for the SPARQL workers and
fails when the published version is gone."""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from clusterld import config
from clusterld.dataset.store import get_holder
from clusterld.publishing.publish import publish
from clusterld.sparql.service import get_service


def test_healthz_answers_without_any_query(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_data() == b"ok\n"
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_waits_for_the_sparql_workers(make_app: Callable[..., Flask]) -> None:
    app = make_app()  # a new app: its SPARQL workers start at the first /readyz
    client = app.test_client()
    try:
        first = client.get("/readyz")
        seen = [first.status_code]
        deadline = time.monotonic() + 60
        response = first
        while response.status_code != 200 and time.monotonic() < deadline:
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "1"
            assert response.get_json()["reason"] == "the SPARQL workers are starting"
            time.sleep(0.05)
            response = client.get("/readyz")
            seen.append(response.status_code)
        assert response.status_code == 200, seen
        body = response.get_json()
        assert body["status"] == "ready" and body["sparql_workers"] >= 1
        assert body["version"] == get_holder(app).store.version
        assert seen[0] == 503  # nothing was started before the first probe
    finally:
        get_service(app).close()


def test_readyz_fails_when_the_published_version_is_gone(
    tmp_path: Path, make_app: Callable[..., Flask]
) -> None:
    root = tmp_path / "store"
    folder = publish(config.load({"BASE_URI": "http://localhost/"}), root)
    app = make_app(STORE=str(root))
    try:
        moved = tmp_path / "moved"
        os.rename(folder, moved)  # e.g. pruned or deleted by hand
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert "no longer in the store" in response.get_json()["reason"]
        assert app.test_client().get("/healthz").status_code == 200  # alive all the same
        shutil.move(moved, folder)
    finally:
        get_service(app).close()


def test_issue_13_readyz_stays_ready_while_workers_are_replaced(
    make_app: Callable[..., Flask],
) -> None:
    """Workers killed at a timeout are replaced in the background; the process stays ready."""
    app = make_app()
    client = app.test_client()
    pool = get_service(app).pool
    try:
        deadline = time.monotonic() + 60
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "never ready"
            time.sleep(0.05)
        for pid in pool.pids:
            os.kill(pid, signal.SIGKILL)
        while pool.pids:  # none alive now: each is replaced when a query finds it gone
            assert time.monotonic() < deadline, "the workers did not stop"
            time.sleep(0.05)
        response = client.get("/readyz")
        assert response.status_code == 200, response.get_json()
    finally:
        get_service(app).close()
