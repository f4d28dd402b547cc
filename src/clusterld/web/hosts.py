"""The request's ``Host`` header: never the source of an IRI, and never a 500.

Every absolute IRI the server writes comes from ``BASE_URI``; the ``Host`` header is the
client's to choose, so a ``Host: evil.example`` must not reach a sitemap, ``robots.txt`` or
a redirect (werkzeug's own redirects, such as merging ``//`` in a path, are absolute and
built from it).  A ``Host`` that is not a host name at all (an empty label, one longer than
63 characters) makes every ``url_for`` fail; such a request is answered 400, rendered with
the base's host in its place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, request
from werkzeug.sansio.utils import host_is_trusted

from clusterld.errors import ClusterLDError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

REFUSED_HOST = "clusterld.refused_host"


class InvalidHost(ClusterLDError):
    status = 400
    title = "Invalid Host header"


def valid_host(value: str) -> bool:
    """Whether a ``Host`` header value is one werkzeug can build URLs with.

    werkzeug checks the characters (a name, an IPv4 or IPv6 address, a port up to 65535;
    ASCII only, as HTTP requires: IDNs come as punycode) and treats any other value as an
    empty host; building a URL then IDNA-encodes the name, which fails on an empty label or
    one longer than 63 characters.
    """
    if not host_is_trusted(value):
        return False
    try:
        value.partition(":")[0].encode("idna")
    except UnicodeError:
        return False
    return True


class HostCheck:
    """WSGI middleware: put the base's host in place of an invalid ``Host`` (and note it)."""

    def __init__(self, app: WSGIApplication, base_host: str) -> None:
        self.app = app
        self.base_host = base_host

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST")
        if host is not None and not valid_host(host):
            environ[REFUSED_HOST] = host
            environ["HTTP_HOST"] = self.base_host
        return self.app(environ, start_response)


def install(app: Flask) -> None:
    """Check every request's ``Host``; make absolute redirects point under ``BASE_URI``."""
    base = urlsplit(app.config["BASE_URI"])
    app.wsgi_app = HostCheck(app.wsgi_app, base.netloc)  # type: ignore[method-assign]

    @app.before_request
    def refuse_invalid_host() -> None:
        refused = request.environ.get(REFUSED_HOST)
        if refused is not None:
            raise InvalidHost(
                f"The Host header {refused[:100]!r} is not a host name or address: ASCII "
                "letters, digits, '-' and '.' (IDNs in punycode), each part between dots 1 to "
                f"63 characters long, and an optional port. This site is {app.config['BASE_URI']}"
            )

    @app.after_request
    def redirect_under_the_base(response: Response) -> Response:
        location = response.headers.get("Location")
        if location is None:
            return response
        target = urlsplit(location)
        if target.netloc and target.netloc.lower() == request.host.lower():
            response.headers["Location"] = urlunsplit(
                (base.scheme, base.netloc, target.path, target.query, target.fragment)
            )
        return response
