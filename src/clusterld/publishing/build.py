"""``clusterld build``: the whole site as files, for a plain web server without Python.

The build asks the application itself, through Flask's test client, for every page it can
reach from the home page, ``robots.txt``, the sitemap and the metadata, so the static site
answers with exactly the bytes the server would.  Negotiated URLs (``/doc/x``, ``/catalog``)
are not files: their variants are (``/doc/x.ttl``, ``/doc/x.html``, and the Russian page
``/doc/x.html.ru``), and the generated web-server configuration picks one by ``Accept`` and
``Accept-Language`` and answers things (``/id/x``) with ``303`` to their documents.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.test import TestResponse

from clusterld.metadata.dumps import DUMPS
from clusterld.publishing.server_config import htaccess, nginx_config

DYNAMIC_BLUEPRINTS = frozenset({"sparql", "validation"})
"""Endpoints that compute answers per request (queries, uploads): a static site has none."""

SEEDS = ("/", "/robots.txt", "/sitemap.xml", "/.well-known/void", "/catalog", "/context.jsonld")
LANGUAGE_VARIANTS = ("ru",)
"""Besides the default (English) page, each HTML page is written in these languages."""

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@dataclass
class Site:
    """What a build wrote, and what it saw but could not write."""

    out: Path
    files: list[Path] = field(default_factory=list)
    negotiated: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


class _Links(HTMLParser):
    """Collects ``href`` and ``src`` of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name in ("href", "src") and value]


def build(app: Flask, out: Path) -> Site:
    """Crawl ``app`` and write every page it serves under ``out``, plus server configurations."""
    crawler = _Crawler(app, out)
    crawler.run()
    site = crawler.site
    root = crawler.root
    for name, text in (
        ("nginx.conf", nginx_config(root=root, docroot=out.resolve())),
        (".htaccess", htaccess(root=root)),
    ):
        site.files.append(_write(out / root.lstrip("/") / name, text.encode("utf-8")))
    return site


class _Crawler:
    def __init__(self, app: Flask, out: Path) -> None:
        self.app, self.site = app, Site(out)
        base = app.config["BASE_URI"]
        parts = urlsplit(base)
        self.base, self.origin = base, f"{parts.scheme}://{parts.netloc}"
        self.root = parts.path.rstrip("/")  # the script root: "" or e.g. "/tomsk"
        self.client = app.test_client()
        self.adapter = app.url_map.bind(parts.netloc, script_name=self.root or "/")
        self.seen: set[str] = set()
        self.queue: deque[str] = deque()

    def run(self) -> None:
        for seed in (*SEEDS, *(f"/dumps/{dump.name}" for dump in DUMPS)):
            self.enqueue(self.root + seed)
        while self.queue:
            self.visit(self.queue.popleft())

    def enqueue(self, url: str) -> None:
        """Queue a same-site URL (path only: queries and fragments are not files)."""
        parts = urlsplit(urljoin(self.base, url))
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            return
        path = parts.path
        if not (path == self.root or path.startswith(self.root + "/")) or path in self.seen:
            return
        self.seen.add(path)
        self.queue.append(path)

    def visit(self, path: str) -> None:
        local = path[len(self.root) :] or "/"
        if not self.is_static(local):
            self.skip("dynamic")
            return
        response = self.client.get(local, base_url=self.base)
        try:
            self.save(response, local, path)
        finally:
            response.close()  # static files are streamed from open files

    def save(self, response: TestResponse, local: str, path: str) -> None:
        """Write a response (or, if negotiated, queue its variants) and follow its links."""
        if response.status_code != 200:
            self.skip(str(response.status_code))
            return
        for target in _alternates(response):
            self.enqueue(target)
        if _is_negotiated(response, local):
            self.site.negotiated.append(path)
            return
        self.site.files.append(_write(self.file_for(path), response.data))
        self.follow(response, local, path)

    def follow(self, response: TestResponse, local: str, path: str) -> None:
        """Queue the links of a page, and write its other-language variants."""
        if response.mimetype == "text/html":
            parser = _Links()
            parser.feed(response.get_data(as_text=True))
            for link in parser.found:
                self.enqueue(urljoin(self.origin + path, link))
            if "Accept-Language" in response.headers.get("Vary", ""):
                for lang in LANGUAGE_VARIANTS:
                    variant = self.client.get(
                        local, base_url=self.base, query_string={"lang": lang}
                    )
                    self.site.files.append(_write(self.file_for(f"{path}.{lang}"), variant.data))
                    variant.close()
        elif response.mimetype == "application/xml" and local.endswith("sitemap.xml"):
            for loc in ElementTree.fromstring(response.data).iter(f"{SITEMAP}loc"):
                self.enqueue(loc.text or "")

    def is_static(self, local: str) -> bool:
        try:
            endpoint, _ = self.adapter.match(local, method="GET")
        except HTTPException:
            return True  # a redirect or 404: let the response say so
        return str(endpoint).split(".", 1)[0] not in DYNAMIC_BLUEPRINTS

    def file_for(self, path: str) -> Path:
        segments = [s for s in path.split("/") if s]
        if any(s in (".", "..") for s in segments):
            raise ValueError(f"refusing to write outside the output folder: {path}")
        return self.site.out.joinpath(*segments)

    def skip(self, reason: str) -> None:
        self.site.skipped[reason] = self.site.skipped.get(reason, 0) + 1


def _alternates(response: TestResponse) -> list[str]:
    header = response.headers.get("Link", "")
    return re.findall(r'<([^>]+)>;[^,]*rel="alternate"', header)


def _is_negotiated(response: TestResponse, local: str) -> bool:
    """A URL whose representation depends on ``Accept`` and that names no format itself."""
    last = local.rsplit("/", 1)[-1]
    return "Accept" in response.headers.get("Vary", "").split(", ") and "." not in last


def _write(path: Path, body: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return path
