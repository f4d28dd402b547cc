"""Run the application under waitress, a production WSGI server, with clean shutdown."""

from __future__ import annotations

import logging
import signal
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
from clusterld.web.app import DEFAULT_BASE_URI, create_app
from clusterld.web.warmup import warm_in_background

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

log = logging.getLogger("clusterld")


def run_server(overrides: Mapping[str, Any], *, host: str, port: int, threads: int) -> int:
    """Load, validate and serve the dataset until Ctrl-C or SIGTERM; return an exit code."""
    configure_logging()
    started = time.monotonic()
    try:
        app = create_app(overrides)
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
        return 2
    except ClusterLDError as error:
        click.echo(f"error: {error.detail}", err=True)
        return 2
    server = make_server(app, host=host, port=port, threads=threads)
    warm_in_background(app)
    with app.app_context():
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

    holder = get_holder(app)

    def reload(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=reload_dataset, args=(holder, app), name="reload").start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, reload)
    try:
        server.run()  # returns once a signal has interrupted it (waitress swallows the signal)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    log.info("Stopped")
    return 0


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


def configure_logging() -> None:
    """Log lines with their time and level on standard error (publishing phases included)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")


def print_refusal(error: InvalidDataError, *, action: str = "nothing is served") -> None:
    """Print why the data was refused: the same readable report as ``clusterld validate``."""
    click.echo(f"error: the data does not conform to the shapes; {action}.", err=True)
    click.echo(error.detail, err=True)


def reload_dataset(holder: StoreHolder, app: Flask | None = None) -> None:
    """Reload on SIGHUP: publish the new version if it conforms, else keep the old one."""
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
            warm_in_background(app)
