"""Warming a new version's caches in the background, so that first requests are fast.

Opening a version takes a tenth of a second, but the home page, the VoID, the catalog and
the sitemap are computed on their first request (a few hundred milliseconds at a million
triples).  Right after a start or a reload, a thread asks the application for them itself,
in the formats browsers and harvesters ask for, so that the first visitor finds them ready.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

log = logging.getLogger("clusterld")

PAGES = ("/", "/.well-known/void", "/catalog", "/sitemap.xml", "/robots.txt")
ACCEPTS = ("text/html", "text/turtle")


def warm(app: Flask) -> None:
    """Request the pages every visitor starts from, once each (errors are only logged)."""
    started = time.monotonic()
    client = app.test_client()
    for page in PAGES:
        for accept in ACCEPTS:
            for language in ("en", "ru") if accept == "text/html" else ("en",):
                headers = {"Accept": accept, "Accept-Language": language}
                with client.get(page, headers=headers) as response:
                    if response.status_code >= 500:
                        log.warning("Warming %s (%s) answered %s", page, accept, response.status)
    log.info("Warmed the first pages in %.2f s", time.monotonic() - started)


def warm_in_background(app: Flask) -> threading.Thread:
    """Start :func:`warm` in a daemon thread (it never delays serving)."""
    thread = threading.Thread(target=warm, args=(app,), name="warm-up", daemon=True)
    thread.start()
    return thread
