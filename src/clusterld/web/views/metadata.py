"""Metadata for harvesters: ``/.well-known/void``, ``/catalog``, ``/dumps/<file>``, sitemap, robots.

The VoID description and the DCAT-AP catalog negotiate like every document (Turtle when the
client does not say; HTML for browsers); dumps are plain downloads whose ``ETag`` is their
SHA-256, the checksum the catalog announces.  The home page is announced to harvesters with
``Link: rel="describedby"`` headers and, through the ``_dataset_metadata.html`` include, with
``<link>`` elements and the schema.org ``Dataset``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

from flask import Blueprint, Response, current_app, request, url_for
from flask.sansio.blueprints import BlueprintSetupState
from markupsafe import Markup

from clusterld.dataset.store import get_store
from clusterld.errors import NotFound
from clusterld.formats import HTML
from clusterld.metadata import Profile, schema_org_dataset
from clusterld.metadata.dumps import dump_file
from clusterld.web.discovery import page_addresses, robots_txt, sitemap_xml
from clusterld.web.pages.metadata import metadata_document
from clusterld.web.proxy import public_iri
from clusterld.web.render import add_caching, render

bp = Blueprint("metadata", __name__)


@bp.record_once
def check_settings(state: BlueprintSetupState) -> None:
    """Malformed metadata settings stop the application at start, not at the first request."""
    Profile.from_settings(state.app.config)


FORMAT_SUFFIX = "<any(ttl, jsonld, nt, rdf, html):ext>"
DUMP_CACHE = "public, max-age=300"


@bp.get("/.well-known/void")
@bp.get(f"/.well-known/void.{FORMAT_SUFFIX}")
def void(ext: str | None = None) -> Response:
    """The VoID description (VoID §7.2 discovery): Turtle unless the client asks otherwise."""
    return render(metadata_document(get_store(), current_app.config, "void"), ext)


@bp.get("/catalog")
@bp.get(f"/catalog.{FORMAT_SUFFIX}")
def catalog(ext: str | None = None) -> Response:
    """The DCAT-AP 3 catalog of the datasets, their dumps and the SPARQL endpoint."""
    return render(metadata_document(get_store(), current_app.config, "catalog"), ext)


@bp.get("/dumps/<name>")
def dump(name: str) -> Response:
    """One dump file, with the size and checksum that the catalog announces."""
    store = get_store()
    file = dump_file(store, name)
    if file is None:
        raise NotFound(f"There is no dump called {name!r}; the catalog lists them all.")
    response = Response(file.body, content_type=file.dump.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = DUMP_CACHE
    response.headers["Link"] = f'<{url_for(".catalog")}>; rel="describedby"; type="text/turtle"'
    response.set_etag(file.sha256)
    response.last_modified = store.loaded_at.replace(microsecond=0)
    response.make_conditional(request, accept_ranges=True, complete_length=file.byte_size)
    return response


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every HTML page, for search engines, modified when the dataset version was loaded."""
    store = get_store()
    # Absolute URLs from the base IRI, never from the request's Host header (which a client
    # chooses); url_for's paths already carry the base's own path.
    urls = [
        urljoin(store.base, a.url() if a.endpoint == "home.index" else a.url(HTML))
        for a in page_addresses(store)
    ]
    body = sitemap_xml(urls, store.loaded_at)
    return _text(body, "application/xml; charset=utf-8", "sitemap")


@bp.get("/robots.txt")
def robots() -> Response:
    """Crawl everything but SPARQL queries; the sitemap is named here."""
    body = robots_txt(public_iri(get_store().base, "metadata.sitemap"), request.script_root)
    return _text(body, "text/plain; charset=utf-8", "robots")


def _text(body: str, content_type: str, *key: str) -> Response:
    response = Response(body, content_type=content_type)
    add_caching(response, get_store(), *key, get_store().loaded_at.isoformat())
    response.make_conditional(request)
    return response


@bp.after_app_request
def announce_metadata(response: Response) -> Response:
    """The home page names the VoID description and the catalog (``rel="describedby"``)."""
    if request.endpoint == "home.index" and response.status_code == 200:
        links = [
            f'<{url_for(endpoint)}>; rel="describedby"; type="text/turtle"; title="{title}"'
            for endpoint, title in (("metadata.void", "VoID"), ("metadata.catalog", "DCAT-AP"))
        ]
        existing = response.headers.get("Link")
        response.headers["Link"] = ", ".join(filter(None, (existing, *links)))
    return response


@bp.app_context_processor
def metadata_helpers() -> dict[str, Any]:
    """``schema_org_dataset_json(lang)`` for templates (see ``_dataset_metadata.html``)."""
    return {"schema_org_dataset_json": schema_org_dataset_json}


def schema_org_dataset_json(lang: str = "en") -> Markup:
    """The schema.org ``Dataset`` as JSON that is safe inside ``<script>`` (JSON-LD §7)."""
    markup = schema_org_dataset(get_store(), current_app.config, lang=lang)
    text = json.dumps(markup, ensure_ascii=False, indent=1)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
