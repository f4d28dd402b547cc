"""``/sparql``: the read-only SPARQL 1.1 Protocol endpoint, its service description and query UI."""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for
from werkzeug.http import is_resource_modified

from clusterld.dataset.store import Store, get_store
from clusterld.sparql import description
from clusterld.sparql.protocol import read_operation
from clusterld.sparql.service import Answer, Prepared, get_service
from clusterld.web.pages import sparql as pages
from clusterld.web.proxy import public_iri

bp = Blueprint("sparql", __name__)

MAX_ROWS_HEADER = "X-SPARQL-MaxRows"
SHARED_CACHE = "public, max-age=300"
"""GET answers: any cache may keep one five minutes, then revalidate it by ``ETag`` (which
stays valid until the next version is published); the same as documents."""
PRIVATE_CACHE = "private"
"""POST answers: the client may keep them, shared caches must not (RFC 9111 §5.2.2.7)."""


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def query() -> Response:
    """Answer a query; without one, describe the service (RDF) or show the query UI (HTML)."""
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": "GET, HEAD, POST, OPTIONS"})
    service, store = get_service(), get_store()
    operation = read_operation(request, max_length=service.limits.max_query_length)
    if operation.query is None:
        return describe(store, operation.formats)
    prepared = service.prepare(
        store, operation, accept=request.headers.get("Accept"), base_iri=endpoint_iri(store)
    )
    if request.method == "POST":
        response = answer_response(service.respond(store, prepared))
        response.headers["Cache-Control"] = PRIVATE_CACHE
        return response
    if not is_resource_modified(
        request.environ, etag=prepared.key, last_modified=store.loaded_at.replace(microsecond=0)
    ):  # the client has this answer: 304, without running the query
        response = Response(status=304)
    else:
        response = answer_response(service.respond(store, prepared))
    add_validators(response, store, prepared)
    return response


def add_validators(response: Response, store: Store, prepared: Prepared) -> None:
    """``ETag`` (the answer's key), ``Last-Modified`` (the version) and ``Cache-Control``."""
    response.set_etag(prepared.key)
    response.last_modified = store.loaded_at.replace(microsecond=0)
    response.headers["Cache-Control"] = SHARED_CACHE
    response.vary.add("Accept")


def describe(store: Store, format_parameters: tuple[str, ...]) -> Response:
    """The service description in RDF, or the query UI for a browser."""
    fmt = description.choose_format(request.headers.get("Accept"), format_parameters)
    catalog = public_iri(store.base, "metadata.catalog")
    body: str | bytes
    if fmt.rdflib_format is None:
        body = pages.query_page(store, endpoint_iri(store))
    else:
        see_also = (catalog, public_iri(store.base, "metadata.void"))
        graph = description.service_description(get_service(), store, endpoint_iri(store), see_also)
        body = graph.serialize(format=fmt.rdflib_format, encoding="utf-8")
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    response.headers["Link"] = f'<{catalog}>; rel="describedby"; type="text/turtle"'
    return response


def answer_response(answer: Answer) -> Response:
    """A query's answer; a cut one names the row limit in ``X-SPARQL-MaxRows``."""
    response = Response(answer.rendered.body, content_type=answer.format.content_type)
    response.vary.add("Accept")
    if answer.rendered.truncated:
        response.headers[MAX_ROWS_HEADER] = str(get_service().limits.max_rows)
    return response


def endpoint_iri(store: Store) -> str:
    """The endpoint's public IRI: the dataset's base plus this route (not the Host header)."""
    return public_iri(store.base, "sparql.query")


@bp.after_app_request
def announce_methods(response: Response) -> Response:
    """A 405 from /sparql names the methods it takes (CORS is app-wide: clusterld.web.cors).

    Registered app-wide so that it also reaches answers that no view produced (405).
    """
    if request.path != url_for("sparql.query"):
        return response
    if response.status_code == 405:
        response.headers["Allow"] = "GET, HEAD, POST, OPTIONS"
    return response
