"""Serving under a base IRI that has a path, e.g. ``https://data.example.org/tomsk/``.

Decision: with such a base, routes are matched on the path relative to the base's path,
and a request may arrive with the prefix (a proxy that passes the path through, as in
``proxy_pass http://127.0.0.1:8080;``) or without it (a proxy that strips it, as in
``proxy_pass http://127.0.0.1:8080/;``, or a request straight to the server).  Either way
every link the server writes carries the prefix (``SCRIPT_NAME``), because people and
crawlers follow links through the proxy, and the proxy accepts only prefixed paths.
A base whose first path segment is one of the server's own routes is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask

from clusterld.errors import ConfigError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class BasePath:
    """WSGI middleware: strip the base's path prefix when present; always link with it."""

    def __init__(self, app: WSGIApplication, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == self.prefix or path.startswith(self.prefix + "/"):
            environ["PATH_INFO"] = path[len(self.prefix) :] or "/"
        environ["SCRIPT_NAME"] = self.prefix
        return self.app(environ, start_response)


def base_path(base: str) -> str:
    """The path of a base IRI without its final slash: ``/tomsk`` ('' for a root base)."""
    return urlsplit(base).path.rstrip("/")


def install(app: Flask) -> None:
    """Mount ``app`` under the path of its ``BASE_URI`` (nothing to do for a root base).

    :raises ConfigError: the base's first path segment is also a route of the server.
    """
    prefix = base_path(app.config["BASE_URI"])
    if not prefix:
        return
    first = prefix.split("/")[1]
    taken = {_first_segment(rule.rule) for rule in app.url_map.iter_rules()}
    if first in taken:
        raise ConfigError(
            f"BASE_URI {app.config['BASE_URI']!r}: its path starts with /{first}, which is "
            "also a route of the server; publish under another path."
        )
    app.wsgi_app = BasePath(app.wsgi_app, prefix)  # type: ignore[method-assign]


def _first_segment(rule: str) -> str:
    segment = rule.lstrip("/").split("/", 1)[0]
    return segment.split("<", 1)[0].split(".", 1)[0]


def public_iri(base: str, endpoint: str, **values: Any) -> str:
    """The public IRI of a route: the base plus the route's path below the base's own path.

    ``url_for`` already carries the base's path (``SCRIPT_NAME``); joining it to the whole base
    would write the prefix twice.
    """
    from flask import url_for

    path = url_for(endpoint, **values)
    prefix = base_path(base)
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix) :]
    return base + path.lstrip("/")
