"""Run the application: under waitress in one process (the default), or under gunicorn with
several worker processes (``--workers``), with clean shutdown and reloads on SIGHUP.

Why gunicorn for several processes: one Python process handles HTTP at a few thousand
requests a second whatever its thread count (the GIL), so more throughput needs more
processes, and gunicorn is the mature pre-fork WSGI server: it restarts a dead worker, stops
gracefully on SIGTERM (it closes the listening socket, then lets each worker finish the
requests in flight, up to the request timeout) and is plain Python.  Its ``gthread`` workers
keep connections alive (a reverse proxy's upstream keep-alive) and a slow SPARQL query holds
one thread, not a whole process.  The application is built in each worker, not preloaded:
opening a published store costs milliseconds, and an Oxigraph store opened before ``fork``
must not be used by the children.  Several processes need ``--store``: the workers only ever
open the store's current version, and SIGHUP, forwarded by the master to every worker, makes
each switch to the newest one, so a restarted worker and the others agree.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from types import FrameType
from typing import TYPE_CHECKING, Any

import click
from flask import Flask

from clusterld import config
from clusterld.dataset.inference import InferenceTooLarge, source_of
from clusterld.dataset.store import InvalidDataError, StoreHolder, get_holder, get_store
from clusterld.errors import ClusterLDError
from clusterld.sparql.service import get_service
from clusterld.web import logs
from clusterld.web.app import DEFAULT_BASE_URI, create_app
from clusterld.web.warmup import warm_in_background

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

log = logging.getLogger("clusterld")

KEEPALIVE = 75
"""Seconds gunicorn keeps an idle connection: longer than the proxy keeps its idle upstream
connections (nginx's ``keepalive_timeout`` 60 s), so the proxy always closes first."""


def run_server(
    overrides: Mapping[str, Any],
    *,
    host: str,
    port: int,
    threads: int,
    workers: int = 1,
    log_format: str = "text",
    log_health: bool = False,
) -> int:
    """Load, validate and serve the dataset until Ctrl-C or SIGTERM; return an exit code."""
    configure_logging(log_format)
    started = time.monotonic()
    app = _checked_app(overrides)
    if isinstance(app, int):
        return app
    if workers > 1:
        with contextlib.suppress(ClusterLDError):  # a remote store may answer only later
            store = get_holder(app).store
            log.info("Version %s (%d triples) checked", store.version, store.triple_count("data"))
        settings = dict(app.config)
        del app  # each worker opens the store itself, after fork
        gc.collect()
        return run_gunicorn(
            overrides,
            settings,
            host=host,
            port=port,
            threads=threads,
            workers=workers,
            log_health=log_health,
        )
    app.wsgi_app = logs.AccessLog(app.wsgi_app, health=log_health)  # type: ignore[method-assign]
    server = make_server(app, host=host, port=port, threads=threads)
    get_service(app).fit_to_threads(threads)  # start the workers now: /readyz waits for them
    warm_in_background(app)
    with app.app_context(), contextlib.suppress(ClusterLDError):  # the store may come later
        store = get_store()
        log.info(
            "Serving version %s (%d triples) at http://%s:%s/ (base IRI %s), ready in %.1f s",
            store.version,
            store.triple_count("data"),
            host,
            server.effective_port,
            store.base,
            time.monotonic() - started,
        )

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # waitress closes its sockets on this, as on Ctrl-C

    signal.signal(signal.SIGTERM, stop)
    install_reload(app)
    try:
        server.run()  # returns once a signal has interrupted it (waitress swallows the signal)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    log.info("Stopped")
    return 0


def _checked_app(overrides: Mapping[str, Any]) -> Flask | int:
    """The application, or the exit code after saying why the data or settings were refused
    (1: the data does not conform, 2: anything else)."""
    try:
        return create_app(overrides)
    except InvalidDataError as error:
        print_refusal(error)
        return 1
    except InferenceTooLarge as error:
        settings = config.load(overrides)
        where = source_of(
            error,
            settings["DATA_PATHS"],
            source_base=settings["SOURCE_BASE"],
            base=settings.get("BASE_URI") or DEFAULT_BASE_URI,
        )
        click.echo(f"error: {where}: {error.detail}", err=True)
    except ClusterLDError as error:
        click.echo(f"error: {error.detail}", err=True)
    return 2


def install_reload(app: Flask) -> Reloads:
    """Reload the dataset on SIGHUP, in a thread (a reload may publish for a while)."""
    reloads = Reloads(get_holder(app), app)

    def reload(signum: int, frame: FrameType | None) -> None:
        reloads.request()

    signal.signal(signal.SIGHUP, reload)
    return reloads


class Reloads:
    """Reloads asked for by SIGHUP, coalesced: one runs at a time, and however many signals
    arrive while it runs, one more follows it (which sees every edit made before it starts).

    Issue 13 found 114 signals making 114 reloads in 108 threads; with each publish in a
    child process, that would also be 114 processes.  The signal handler only sets an event
    (it may interrupt the main thread anywhere, so it takes no lock); one thread, started
    on the first signal, runs the reloads.
    """

    def __init__(self, holder: StoreHolder, app: Flask | None = None) -> None:
        self.holder, self.app = holder, app
        self._wanted = threading.Event()
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        """Ask for a reload (from a signal handler: no lock, no wait)."""
        self._wanted.set()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="reload", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            if self._wanted.wait(timeout=60.0):  # a bounded wait, in a loop: idle until asked
                self._wanted.clear()
                reload_dataset(self.holder, self.app)


def gunicorn_options(
    settings: Mapping[str, Any], *, host: str, port: int, threads: int, workers: int
) -> dict[str, Any]:
    """gunicorn's settings for ``clusterld serve --workers``: timeouts from the SPARQL timeout."""
    timeout = config.request_timeout(settings)
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [bind],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": int(timeout + 0.999),  # a worker silent this long is killed and replaced
        "graceful_timeout": int(timeout + 0.999),  # SIGTERM: requests in flight may finish
        "keepalive": KEEPALIVE,
        "accesslog": None,  # ours (clusterld.web.logs.AccessLog): same under waitress
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "clusterld",
        "limit_request_line": 0,  # a GET query may be long: the endpoint's own limit answers 414
        "preload_app": False,
        "logger_class": _gunicorn_logger_class(),
        "control_socket_disable": True,  # gunicorn 25+: no management socket in $HOME
    }


def run_gunicorn(
    overrides: Mapping[str, Any],
    settings: Mapping[str, Any],
    *,
    host: str,
    port: int,
    threads: int,
    workers: int,
    log_health: bool,
) -> int:
    """Serve with gunicorn until SIGTERM (graceful) or SIGINT; SIGHUP reloads every worker."""
    from gunicorn.app.base import BaseApplication
    from gunicorn.arbiter import Arbiter

    options = gunicorn_options(settings, host=host, port=port, threads=threads, workers=workers)

    class ReloadingArbiter(Arbiter):  # type: ignore[misc]
        def handle_hup(self) -> None:
            """Not gunicorn's restart of every worker: each worker reloads itself, keeping
            the version it serves if the new one is refused (as one process does)."""
            log.info("Reloading the dataset in every worker")
            self.kill_workers(signal.SIGHUP)

    class Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for name, value in options.items():
                if name in self.cfg.settings:  # older gunicorn lacks some
                    self.cfg.set(name, value)
            self.cfg.set("post_worker_init", _post_worker_init)
            self.cfg.set("worker_exit", _worker_exit)

        def load(self) -> WSGIApplication:
            return worker_app(overrides, threads=threads, log_health=log_health)

        def run(self) -> None:
            ReloadingArbiter(self).run()

    log.info(
        "Serving with gunicorn: %d workers x %d threads at http://%s:%s/, request timeout %g s",
        workers,
        threads,
        host,
        port,
        options["timeout"],
    )
    try:
        Application().run()
    except SystemExit as stop:
        return int(stop.code or 0)
    return 0


_worker_flask_app: Flask | None = None


def worker_app(
    overrides: Mapping[str, Any], *, threads: int = 8, log_health: bool = False
) -> WSGIApplication:
    """The application of one gunicorn worker (``threads`` threads), with its access log and
    SPARQL workers started."""
    global _worker_flask_app
    app = create_app(overrides)
    app.wsgi_app = logs.AccessLog(app.wsgi_app, health=log_health)  # type: ignore[method-assign]
    get_service(app).fit_to_threads(threads)
    warm_in_background(app)
    _worker_flask_app = app
    with app.app_context():
        log.info("Worker ready, serving version %s", get_store().version)
    return app


def _post_worker_init(worker: Any) -> None:
    if _worker_flask_app is not None:
        install_reload(_worker_flask_app)


def _worker_exit(arbiter: Any, worker: Any) -> None:
    """Leave a worker without Python's finalisation, once its requests are answered.

    Tearing down the interpreter with the Oxigraph store open crashed the worker (SIGSEGV)
    after a clean graceful stop; the SPARQL workers are stopped first, the logs flushed, and
    the exit code gunicorn chose (0, or a boot error) is kept.
    """
    stopping = sys.exc_info()[1]
    code = stopping.code if isinstance(stopping, SystemExit) else 1
    if _worker_flask_app is not None:
        with contextlib.suppress(Exception):
            get_service(_worker_flask_app).close()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 1)


def _gunicorn_logger_class() -> type:
    from gunicorn.glogging import Logger

    class ClusterLDLogger(Logger):  # type: ignore[misc]
        """gunicorn's messages through our handler: text or JSON like every other line."""

        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            self.error_log.handlers = []
            self.error_log.propagate = True

    return ClusterLDLogger


def make_server(app: WSGIApplication, *, host: str, port: int, threads: int) -> Any:
    """A waitress server for ``app`` that refuses ambiguous request framing (see below)."""
    from waitress import create_server

    server = create_server(app, host=host, port=port, threads=threads, ident="ClusterLD")
    server.channel_class = _strict_channel()
    return server


def _strict_channel() -> type:
    """waitress's channel, with a parser that refuses Content-Length beside Transfer-Encoding.

    waitress follows the chunked encoding and ignores Content-Length, keeping the connection
    open; a proxy in front that trusted Content-Length instead would read the rest of the
    body as a second request (request smuggling).  RFC 9112 §6.3 lets a server refuse such a
    message: waitress answers its ParsingError with 400 and closes the connection.
    """
    from waitress.channel import HTTPChannel
    from waitress.parser import HTTPRequestParser, ParsingError

    class StrictParser(HTTPRequestParser):  # type: ignore[misc]
        def parse_header(self, header_plus: bytes) -> None:
            names = {
                line.split(b":", 1)[0].strip().lower()
                for line in header_plus.split(b"\r\n")[1:]
                if b":" in line
            }
            if b"content-length" in names and b"transfer-encoding" in names:
                raise ParsingError(
                    "A request may not have both Content-Length and Transfer-Encoding: send one"
                )
            super().parse_header(header_plus)

    class StrictChannel(HTTPChannel):  # type: ignore[misc]
        parser_class = StrictParser

    return StrictChannel


def configure_logging(log_format: str = "text") -> None:
    """Log lines with their time and level on standard error (publishing phases included)."""
    logs.configure_logging(log_format)


def print_refusal(error: InvalidDataError, *, action: str = "nothing is served") -> None:
    """Print why the data was refused: the same readable report as ``clusterld validate``."""
    click.echo(f"error: the data does not conform to the shapes; {action}.", err=True)
    click.echo(error.detail, err=True)


def reload_dataset(holder: StoreHolder, app: Flask | None = None) -> None:
    """Reload on SIGHUP: publish the new version if it conforms, else keep the old one; then
    drop ``app``'s cached SPARQL answers and warm the new version's first pages."""
    log.info("Reloading the dataset")
    try:
        store = holder.reload()
    except InvalidDataError as error:
        log.error(
            "Reload refused, still serving version %s:\n%s", holder.store.version, error.detail
        )
    except ClusterLDError as error:
        log.error(
            "Reload refused, still serving version %s: %s", holder.store.version, error.detail
        )
    else:
        log.info("Now serving version %s (%d triples)", store.version, store.triple_count("data"))
        if app is not None:
            get_service(app).results.clear()
            warm_in_background(app)
