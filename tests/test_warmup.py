"""Warm-up: a new version's first pages are computed before the first visitor asks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from clusterld.web import warmup
from clusterld.web.pages import resources


def test_warm_fills_the_caches_of_the_first_pages(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    warmup.warm(app)

    def not_again(*args: object, **kwargs: object) -> str:
        raise AssertionError("the home page was built again")

    monkeypatch.setattr(resources, "home_page", not_again)
    client = app.test_client()
    for language in ("en", "ru"):
        page = client.get("/", headers={"Accept": "text/html", "Accept-Language": language})
        assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert client.get("/", headers={"Accept": "text/turtle"}).status_code == 200


def test_warming_in_the_background_does_not_delay_the_caller(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    thread = warmup.warm_in_background(app)
    assert thread.daemon
    thread.join(60)
    assert not thread.is_alive()
