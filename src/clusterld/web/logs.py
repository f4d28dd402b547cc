"""Log lines of the server: as text for people, or one JSON object a line for collectors;
and the access log, one line per request, written by a WSGI middleware.

The access log is ours rather than the HTTP server's, so that it reads the same under
waitress (one process) and gunicorn (``--workers``): logger ``clusterld.access``, with the
request's fields in the JSON object.  ``/healthz`` and ``/readyz`` are left out unless asked
for: a balancer probing every second would drown the requests that matter.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

LOG_FORMATS = ("text", "json")
HEALTH_PATHS = ("/healthz", "/readyz")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(message)s"
MAX_LOGGED_TARGET = 2000
"""Characters of a request target logged (a GET query may be 150 kB once encoded)."""

access_log = logging.getLogger("clusterld.access")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and a request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            entry.update(http)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(log_format: str = "text") -> None:
    """Log on standard error, as text (time, level, message) or JSON lines; like
    ``logging.basicConfig``, nothing changes where logging is already set up (tests)."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


class AccessLog:
    """WSGI middleware: log each request once its answer has been sent (or abandoned)."""

    def __init__(self, app: WSGIApplication, *, health: bool = False) -> None:
        self.app = app
        self.health = health

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not self.health and path.endswith(HEALTH_PATHS):
            return self.app(environ, start_response)
        started = time.perf_counter()
        status = ["-"]

        def recording(
            status_line: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            status[0] = status_line.split(" ", 1)[0]
            return start_response(status_line, headers, exc_info)

        body = self.app(environ, recording)
        return _Logged(body, lambda sent: _log(environ, status[0], sent, started))


class _Logged:
    """An answer's body that counts its bytes and logs the request when the server closes it."""

    def __init__(self, body: Iterable[bytes], done: Callable[[int], None]) -> None:
        self.body = body
        self.done = done
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.body:
            self.sent += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.done(self.sent)


def _log(environ: WSGIEnvironment, status: str, sent: int, started: float) -> None:
    target = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    if environ.get("QUERY_STRING"):
        target += "?" + environ["QUERY_STRING"]
    if len(target) > MAX_LOGGED_TARGET:
        target = target[:MAX_LOGGED_TARGET] + "..."
    fields = {
        "remote": environ.get("REMOTE_ADDR", "-"),
        "method": environ.get("REQUEST_METHOD", "-"),
        "target": target,
        "status": int(status) if status.isdigit() else None,
        "bytes": sent,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "user_agent": environ.get("HTTP_USER_AGENT", ""),
    }
    access_log.info(
        '%s "%s %s" %s %d %.1fms',
        fields["remote"],
        fields["method"],
        target,
        status,
        sent,
        fields["duration_ms"],
        extra={"http": fields},
    )
