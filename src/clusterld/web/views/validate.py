"""The validation service, the publishing status and per-resource conformance.

``GET /validate`` is a form for people; ``POST /validate`` validates an RDF body (or a form's
file or text) against the published shapes and answers with the ``sh:ValidationReport``;
``GET /validate/id/<path>`` is the published report restricted to one resource; ``GET
/status`` says which version is published and why the last reload was refused, if it was.
Nothing a client sends is stored: validation happens on a copy (see ``validation_service``),
which is also why the form needs no CSRF token -- a forged POST could change nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from rdflib import URIRef
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from clusterld.dataset.store import get_holder, get_store
from clusterld.errors import ClusterLDError, NotFound, RDFSyntaxError
from clusterld.formats import HTML
from clusterld.validation import service
from clusterld.validation.upload import supported_media_types
from clusterld.web.conformance import conformance
from clusterld.web.pages.validation import (
    JSON_SUMMARY,
    REPORT_FORMATS,
    STATUS_FORMATS,
    body_too_large,
    choose_format,
    error_format,
    form_field,
    form_values,
    language,
    link,
    page,
    read_upload,
    refuse_form,
    report_response,
    rows,
)

bp = Blueprint("validation", __name__)
bp.add_app_template_global(conformance, "conformance")

NO_STORE = "no-store"


@bp.before_request
def limit_body() -> None:
    """Refuse bodies over ``VALIDATE_MAX_BYTES`` (413), whether sized or chunked."""
    limit = int(current_app.config["VALIDATE_MAX_BYTES"])
    request.max_content_length = limit
    request.max_form_memory_size = limit


@bp.after_request
def allow_cross_origin(response: Response) -> Response:
    """Announce the media types the service reads (CORS is app-wide: clusterld.web.cors)."""
    if request.endpoint in ("validation.validate", "validation.validate_body"):
        response.headers["Accept-Post"] = ", ".join(supported_media_types())
    return response


@bp.route("/validate", methods=["GET", "HEAD"])
def validate() -> Response:
    lang = language()
    return page("validate.html", lang, form=form_values(lang), title_key="validate_title")


@bp.post("/validate")
def validate_body() -> Response:
    fmt = choose_format(REPORT_FORMATS)
    store = get_store()
    upload = read_upload(store)
    with_data = (request.args.get("with") or form_field("with")) == "data"
    max_derived = int(current_app.config["INFERENCE_MAX_TRIPLES"])
    outcome = service.validate_upload(store, upload, with_data=with_data, max_derived=max_derived)
    if fmt is HTML:
        lang = language()
        response = page(
            "validate.html",
            lang,
            title_key="validate_title",
            form=form_values(lang),
            outcome=outcome,
            counts=service.counts(outcome.report),
            rows=rows(outcome.report, outcome.graph, store, lang),
        )
    else:
        response = report_response(outcome.report, outcome.graph, fmt)
    response.headers["Cache-Control"] = NO_STORE
    return response


@bp.route("/validate/id/<path:path>", methods=["GET", "HEAD"])
def resource_report(path: str) -> Response:
    store = get_store()
    node = URIRef(f"{store.base}id/{path}")
    if (node, None, None) not in store.data:
        raise NotFound(f"{node} is not a resource of the published data.")
    fmt = choose_format(REPORT_FORMATS)
    focus = service.focus_report(store, node)
    if fmt is not HTML:
        return report_response(focus.report, store.data, fmt, shapes=focus.shapes)
    lang = language()
    return page(
        "report.html",
        lang,
        title_key="resource_report",
        formats=REPORT_FORMATS,
        focus=focus,
        counts=service.counts(focus.report),
        rows=rows(focus.report, store.data, store, lang),
        shapes=[service.shape_link(store.shapes, s, lang, link(s, store)) for s in focus.shapes],
        page=link(node, store),
    )


@bp.route("/status", methods=["GET", "HEAD"])
def status() -> Response:
    fmt = choose_format(STATUS_FORMATS)
    holder = get_holder()
    state = service.publishing_status(holder)
    if fmt is HTML:
        lang = language()
        failure = holder.last_failure
        report = failure.report if failure is not None else None
        found = rows(report, holder.store.data, holder.store, lang) if report else []
        response = page(
            "status.html",
            lang,
            title_key="status_title",
            formats=STATUS_FORMATS,
            state=state,
            rows=found,
        )
    else:
        response = jsonify(state)
    response.headers["Cache-Control"] = NO_STORE
    return response


@bp.errorhandler(ClusterLDError)
def handle_error(error: ClusterLDError) -> Response:
    where: dict[str, Any] = {}
    if isinstance(error, RDFSyntaxError):
        where = {"line": error.line, "column": error.column}
    return error_response(error.status, error.title, error.detail, **where)


@bp.errorhandler(RequestEntityTooLarge)
def handle_too_large(error: RequestEntityTooLarge) -> Response:
    refuse_form()  # the page shown with the error must not read the body again
    if too_many_parts(error):
        parts = request.max_form_parts
        return error_response(
            413,
            "Too many form parts",
            f"The form has more than {parts} parts (fields and files); this service reads at "
            "most that many. Send the document as one file, or as the request body with its "
            "RDF media type.",
        )
    limit = int(current_app.config["VALIDATE_MAX_BYTES"])
    return error_response(413, "Request body too large", body_too_large(limit))


def too_many_parts(error: RequestEntityTooLarge) -> bool:
    """Whether werkzeug refused a multipart form for its number of parts, not its size.

    werkzeug raises the same bare 413 for both; the part count is checked in one place, the
    multipart decoder's ``next_event`` (the size in ``receive_data`` and the body stream).
    """
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    if traceback is None:
        return False
    frame = traceback.tb_frame
    return frame.f_code.co_name == "next_event" and "multipart" in frame.f_code.co_filename


@bp.errorhandler(HTTPException)
def handle_http_error(error: HTTPException) -> Response:
    return error_response(error.code or 500, error.name, error.description or error.name)


def error_response(
    status: int, title: str, detail: str, *, line: int | None = None, column: int | None = None
) -> Response:
    """An error as JSON, as the form page (after a form POST), as HTML, or as plain text."""
    error = {"status": status, "title": title, "detail": detail, "line": line, "column": column}
    if request.method == "POST":
        try:
            request.form  # noqa: B018  (read now: the page below shows the form again)
        except RequestEntityTooLarge:  # a form over the limit, refused for another reason first
            refuse_form()
    fmt = error_format()
    if fmt is JSON_SUMMARY:
        response = jsonify(error)
    elif fmt is HTML and request.endpoint == "validation.validate_body":
        lang = language()
        response = page(
            "validate.html", lang, title_key="validate_title", form=form_values(lang), error=error
        )
    elif fmt is HTML:
        response = page("error.html", language(), status=status, title=title, detail=detail)
    else:
        position = [f"{name} {error[name]}" for name in ("line", "column") if error[name]]
        heading = ", ".join([f"{status} {title}", *position])
        response = Response(f"{heading}\n\n{detail}\n", mimetype="text/plain")
    response.status_code = status
    response.headers["Cache-Control"] = NO_STORE
    response.vary.add("Accept")  # JSON, the form page or text: the representation depends on it
    return response
