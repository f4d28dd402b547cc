"""Metadata for harvesters: ``/.well-known/void``, ``/catalog``, ``/dumps/<file>``, sitemap, robots.

The VoID description and the DCAT-AP catalog negotiate like every document (Turtle when the
client does not say; HTML for browsers), and by profile too (:mod:`clusterld.web.profiles`:
DCAT-AP 3 or 2.1.1 for the catalog); dumps are plain downloads whose ``ETag`` is their
SHA-256, the checksum the catalog announces.  The home page is announced to harvesters with
``Link: rel="describedby"`` headers and, through the ``_dataset_metadata.html`` include, with
``<link>`` elements and the schema.org ``Dataset``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

from flask import Blueprint, Response, current_app, request, send_file, url_for
from flask.sansio.blueprints import BlueprintSetupState
from markupsafe import Markup

from clusterld.dataset.store import get_store
from clusterld.errors import NotAcceptable, NotFound
from clusterld.formats import DOCUMENT_FORMATS, HTML
from clusterld.metadata import OFFERED, Profile, schema_org_dataset
from clusterld.metadata.dumps import dump_file
from clusterld.metadata.profiles import ALTERNATES
from clusterld.web.discovery import page_addresses, robots_txt, sitemap_index_xml, sitemap_xml
from clusterld.web.pages.metadata import alternates_document, metadata_document
from clusterld.web.profiles import (
    ACCEPT_PROFILE,
    MEDIA_TYPE_ARG,
    PROFILE_ARG,
    add_profile_headers,
    choose_profile,
    format_for_media_type,
    not_acceptable_response,
)
from clusterld.web.proxy import public_iri
from clusterld.web.render import add_caching, render

bp = Blueprint("metadata", __name__)


@bp.record_once
def check_settings(state: BlueprintSetupState) -> None:
    """Malformed metadata settings stop the application at start, not at the first request."""
    Profile.from_settings(state.app.config)


FORMAT_SUFFIX = "<any(ttl, jsonld, nt, rdf, html):ext>"
DUMP_CACHE = "public, max-age=300"
STREAM_FROM = 8 * 1024 * 1024
"""Dumps larger than this are streamed from disk; smaller ones are read whole (simpler)."""
SITEMAP_LIMIT = 50_000
"""Most URLs in one sitemap file (sitemaps.org protocol 0.9)."""


@bp.get("/.well-known/void")
@bp.get(f"/.well-known/void.{FORMAT_SUFFIX}")
def void(ext: str | None = None) -> Response:
    """The VoID description (VoID §7.2 discovery): Turtle unless the client asks otherwise."""
    return _profiled("void", ext)


@bp.get("/catalog")
@bp.get(f"/catalog.{FORMAT_SUFFIX}")
def catalog(ext: str | None = None) -> Response:
    """The catalog of the datasets, their dumps and the SPARQL endpoint: DCAT-AP 3, or 2.1.1."""
    return _profiled("catalog", ext)


def _profiled(kind: str, ext: str | None) -> Response:
    """The ``kind`` description in the profile and format the request asks for (or its list
    of profiles, ``?_profile=alt``), with the headers that name and list the profiles."""
    offered = OFFERED[kind]
    try:
        chosen = choose_profile(
            offered, request.args.get(PROFILE_ARG), request.headers.get(ACCEPT_PROFILE)
        )
        if ext is None:  # a suffix wins over ?_mediatype=, as over Accept
            named = format_for_media_type(request.args.get(MEDIA_TYPE_ARG))
            ext = named.suffix if named else None
    except NotAcceptable as error:
        return not_acceptable_response(error, offered)
    store = get_store()
    if chosen is ALTERNATES:
        document = alternates_document(store, kind)
    else:
        document = metadata_document(store, current_app.config, kind, chosen)
    response = render(document, ext)
    fmt = next(f for f in DOCUMENT_FORMATS if f.media_type == response.mimetype)
    add_profile_headers(response, offered, chosen, url_for(f".{kind}"), fmt)
    return response


@bp.get("/dumps/<name>")
def dump(name: str) -> Response:
    """One dump file, with the size and checksum that the catalog announces."""
    store = get_store()
    file = dump_file(store, name)
    if file is None:
        raise NotFound(f"There is no dump called {name!r}; the catalog lists them all.")
    modified = store.loaded_at.replace(microsecond=0)
    if file.byte_size > STREAM_FROM:  # streamed from the file written at publish time
        response = send_file(
            file.path,
            mimetype=file.dump.content_type,
            etag=file.sha256,
            last_modified=modified,
            conditional=True,
        )
    else:
        response = Response(file.body, content_type=file.dump.content_type)
        response.set_etag(file.sha256)
        response.last_modified = modified
        response.make_conditional(request, accept_ranges=True, complete_length=file.byte_size)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = DUMP_CACHE
    response.headers["Link"] = f'<{url_for(".catalog")}>; rel="describedby"; type="text/turtle"'
    return response


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every HTML page, for search engines, modified when the dataset version was published;
    past the protocol's 50,000 URLs a file, a sitemap index of numbered sitemaps."""
    store = get_store()
    urls = _page_urls()
    if len(urls) <= SITEMAP_LIMIT:
        body = sitemap_xml(urls, store.loaded_at)
    else:
        parts = range(1, -(-len(urls) // SITEMAP_LIMIT) + 1)
        sitemaps = [urljoin(store.base, url_for(".sitemap_part", number=n)) for n in parts]
        body = sitemap_index_xml(sitemaps, store.loaded_at)
    return _text(body, "application/xml; charset=utf-8", "sitemap")


@bp.get("/sitemap-<int:number>.xml")
def sitemap_part(number: int) -> Response:
    """One numbered sitemap of a sitemap index."""
    urls = _page_urls()[(number - 1) * SITEMAP_LIMIT : number * SITEMAP_LIMIT]
    if number < 1 or not urls or len(_page_urls()) <= SITEMAP_LIMIT:
        raise NotFound("No such sitemap; /sitemap.xml lists them.")
    body = sitemap_xml(urls, get_store().loaded_at)
    return _text(body, "application/xml; charset=utf-8", "sitemap", str(number))


def _page_urls() -> list[str]:
    """The URL of every HTML page, once per version.

    Absolute URLs come from the base IRI, never from the request's Host header (which a
    client chooses); url_for's paths already carry the base's own path.
    """
    store = get_store()

    def build() -> list[str]:
        return [
            urljoin(store.base, a.url() if a.endpoint == "home.index" else a.url(HTML))
            for a in page_addresses(store)
        ]

    urls: list[str] = store.cached(("sitemap-urls",), build)
    return urls


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
