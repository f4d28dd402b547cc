"""Errors that ClusterLD raises for bad input; the edges (CLI, HTTP) turn them into messages.

ClusterLDError
 ├── InputError            a file or folder cannot be used (missing, unknown format)
 │    ├── RDFSyntaxError   a file is not valid RDF: names the file, line and column
 │    └── InputTooLarge    input within the byte limits that would cost more than a limit (413)
 ├── ConfigError           a setting has a value that cannot work
 └── UnsupportedMediaType  a request body in a media type the endpoint does not read (415):
                           POST /validate and POST /sparql alike, each with its own detail
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from clusterld.formats import Format, negotiate


class ClusterLDError(Exception):
    """Base class: carries a short title and a detail that tells the user what to do."""

    status = 500
    title = "ClusterLD error"
    retry_after: int | None = None
    """Seconds after which the same request may succeed (``Retry-After``), if it may."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as class and attributes, whatever ``__init__`` takes: a publish in a child
        process sends its error back whole (an ``InvalidDataError`` with its report, an
        ``RDFSyntaxError`` with its file and line), which ``Exception``'s default, calling the
        class with ``args`` again, cannot do for subclasses with other parameters."""
        return (_restore, (type(self), self.detail, dict(self.__dict__)))


def _restore(cls: type[ClusterLDError], detail: str, state: dict[str, Any]) -> ClusterLDError:
    error = cls.__new__(cls)
    Exception.__init__(error, detail)
    error.__dict__.update(state)
    return error


class InputError(ClusterLDError):
    status = 400
    title = "Input cannot be read"


class RDFSyntaxError(InputError):
    """An RDF document with a syntax error, located as precisely as the parser allows."""

    title = "RDF syntax error"

    def __init__(
        self, source: str, message: str, *, line: int | None = None, column: int | None = None
    ) -> None:
        self.source = source
        self.message = message
        self.line = line
        self.column = column
        where = source
        if line is not None:
            where += f", line {line}"
            if column is not None:
                where += f", column {column}"
        super().__init__(f"{where}: {message}")


class InputTooLarge(InputError):
    """Input whose processing would exceed a configured limit (triples, derived triples).

    An input error (the CLI exits 2) that HTTP answers with 413: the request is refused
    because of its size, not because it is malformed.
    """

    status = 413
    title = "Input too large"


class ConfigError(ClusterLDError):
    title = "Configuration error"


class NotFound(ClusterLDError):
    status = 404
    title = "Not found"


class NotAcceptable(ClusterLDError):
    status = 406
    title = "Not acceptable"


class UnsupportedMediaType(ClusterLDError):
    """A request body in a media type (or charset) that the endpoint does not read."""

    status = 415
    title = "Unsupported media type"


def register_error_handlers(app: Flask) -> None:
    """Render every error as HTML, JSON or plain text, by the request's ``Accept`` header."""

    @app.errorhandler(ClusterLDError)
    def handle_clusterld_error(error: ClusterLDError) -> Response:
        response = error_response(error.status, error.title, error.detail)
        if error.retry_after is not None:  # RFC 9110 §10.2.3: when to try again
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException) -> Response:
        status = error.code or 500
        return error_response(status, error.name, error.description or error.name)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        app.logger.exception("unhandled error")
        return error_response(500, "Internal server error", "The server failed; see its log.")


def error_response(status: int, title: str, detail: str) -> Response:
    """One error shape (status, title, detail) in the representation the client prefers."""
    html = Format("html", "text/html", "html", "HTML")
    json = Format("json", "application/json", "json", "JSON", None, ("application/ld+json",))
    text = Format("text", "text/plain", "txt", "text")
    chosen = negotiate(request.headers.get("Accept"), (text, json, html)) or text
    if chosen is html:
        body = render_template("error.html", status=status, title=title, detail=detail)
        response = Response(body, status=status, mimetype="text/html")
    elif chosen is json:
        response = jsonify(status=status, title=title, detail=detail)
        response.status_code = status
    else:
        response = Response(f"{status} {title}\n\n{detail}\n", status=status, mimetype="text/plain")
    response.vary.add("Accept")  # the representation of the error depends on it
    return response
