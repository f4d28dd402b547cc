"""Cross-origin access: every response may be read by browser code on any site.

One app-wide policy instead of a header per view: ClusterLD stores nothing for its clients and
uses no credentials, so ``Access-Control-Allow-Origin: *`` is safe everywhere, and browser
clients (YASGUI, Comunica, portals) must be able to read answers *and* errors, revalidate with
``If-None-Match`` and follow the ``Link`` headers.
"""

from __future__ import annotations

from flask import Flask, Response, request

ALLOWED_HEADERS = "Accept, Accept-Language, Content-Type, If-None-Match, If-Modified-Since, Range"
EXPOSED_HEADERS = (
    "Link, ETag, Last-Modified, Content-Location, Content-Disposition, Vary, Location, "
    "Accept-Post, X-SPARQL-MaxRows"
)
PREFLIGHT_MAX_AGE = "86400"


def init_app(app: Flask) -> None:
    """Add the CORS headers to every response of ``app``, preflight answers included."""
    app.after_request(add_cors_headers)


def add_cors_headers(response: Response) -> Response:
    """Allow any origin; on a preflight, allow the route's methods and the asked headers."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        methods = response.headers.get("Allow", "GET, HEAD, OPTIONS")
        response.headers["Access-Control-Allow-Methods"] = methods
        response.headers["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", ALLOWED_HEADERS
        )
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response
