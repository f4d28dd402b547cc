"""Linked Data resources: things redirect to their documents, documents negotiate formats.

``/id/<path>`` answers ``303 See Other`` to ``/doc/<path>``; documents, the ontology, the
shapes and class pages answer in the format of their suffix or of ``Accept``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from clusterld.dataset.store import get_store
from clusterld.errors import NotFound
from clusterld.metadata import metadata_graph
from clusterld.web import documents
from clusterld.web.render import CONTEXT_CACHE, add_caching, render

bp = Blueprint("resources", __name__)

FORMAT_SUFFIX = "<any(ttl, jsonld, nt, rdf, html):ext>"


@bp.get("/id/<path:path>")
def thing(path: str) -> WerkzeugResponse:
    """A thing is not a document: ``303`` to the document that describes it."""
    stem, ext = documents.split_suffix(path)
    canonical = _canonical_or_404(stem)
    target = f"{canonical}.{ext}" if ext else canonical
    status = 303 if canonical == stem else 301
    location = url_for(".thing", path=target, **_query()) if status == 301 else None
    return _redirect(location or url_for(".document", path=target, **_query()), status)


@bp.get("/doc/<path:path>")
def document(path: str) -> WerkzeugResponse:
    stem, ext = documents.split_suffix(path)
    canonical = _canonical_or_404(stem)
    if canonical != stem:
        target = f"{canonical}.{ext}" if ext else canonical
        return _redirect(url_for(".document", path=target, **_query()), 301)
    all_incoming = request.args.get("incoming") == "all"
    return render(documents.thing_document(get_store(), stem, all_incoming=all_incoming), ext)


@bp.get("/ontology")
@bp.get(f"/ontology.{FORMAT_SUFFIX}")
def ontology(ext: str | None = None) -> Response:
    """The ontology's documentation: one document for every ``cld:Term`` (hash IRIs of the
    shared vocabulary, ``https://w3id.org/clusterld/ontology#Term``; anchors of the page)."""
    return render(documents.vocabulary_document(get_store(), "ontology"), ext)


@bp.get("/shapes")
@bp.get(f"/shapes.{FORMAT_SUFFIX}")
def shapes(ext: str | None = None) -> Response:
    """The SHACL shapes: one document for every ``{base}shapes#Shape``."""
    return render(documents.vocabulary_document(get_store(), "shapes"), ext)


@bp.get("/ontology/<path:version>")
def ontology_version(version: str) -> WerkzeugResponse:
    """A version IRI of the ontology (``{VOCABULARY}/<version>``, which w3id.org redirects
    here): ``303`` to the ontology document when it is current."""
    store = get_store()
    if not documents.is_version_iri(store, version):
        raise NotFound(f"The ontology has no version {version!r}.")
    return _redirect(url_for(".ontology", **_query()), 303)


@bp.get("/ontology/")
@bp.get("/shapes/")
def vocabulary_slash() -> WerkzeugResponse:
    """One canonical form: no trailing slash."""
    name = request.path.rstrip("/").rsplit("/", 1)[1]
    return _redirect(url_for(f".{name}", **_query()), 301)


@bp.get("/graph/<name>")
def named_graph(name: str) -> Response:
    """A named graph of the dataset, whole."""
    stem, ext = documents.split_suffix(name)
    store = get_store()
    parts = {
        "data": store.data,
        "ontology": store.ontology,
        "shapes": store.shapes,
        "metadata": metadata_graph(store, current_app.config),
    }
    document = documents.graph_document(store, stem, parts)
    if document is None:
        raise NotFound(f"The dataset has no graph named {stem!r}.")
    return render(document, ext)


@bp.get("/class/<prefix>/<name>/")
def class_slash(prefix: str, name: str) -> WerkzeugResponse:
    """One canonical form: no trailing slash."""
    return _redirect(url_for(".class_page", prefix=prefix, name=name, **_query()), 301)


@bp.get("/class/<prefix>/<name>")
def class_page(prefix: str, name: str) -> Response:
    """A class and its instances."""
    stem, ext = documents.split_suffix(name)
    store = get_store()
    cls = documents.class_iri(store, prefix, stem)
    if cls is None:
        raise NotFound(f"No class {prefix}:{stem} has instances in this dataset.")
    page = request.args.get("page", "1")
    last = documents.class_pages(store, cls)
    if not page.isdigit() or not 1 <= int(page) <= last:
        raise NotFound(f"The class {prefix}:{stem} has pages 1 to {last}, not {page!r}.")
    return render(documents.class_document(store, prefix, stem, cls, page=int(page)), ext)


@bp.get("/context.jsonld")
def jsonld_context() -> Response:
    """The JSON-LD context of every document: cached long, readable from any origin."""
    store = get_store()
    response = Response(
        documents.context_text(store), content_type="application/ld+json; charset=utf-8"
    )
    response.headers["Cache-Control"] = CONTEXT_CACHE
    add_caching(response, store, "context")
    response.make_conditional(request)
    return response


def _query() -> dict[str, Any]:
    """The request's query parameters, carried over to the address it is sent to."""
    return dict(request.args)


def _canonical_or_404(path: str) -> str:
    canonical = documents.canonical_path(get_store(), path)
    if canonical is None:
        raise NotFound(f"Nothing is published at this address (id/{path}).")
    return canonical


def _redirect(location: str, status: int) -> WerkzeugResponse:
    response = redirect(location, status)
    return response
