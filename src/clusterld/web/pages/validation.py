"""The HTTP side of the validation views: read what a client sends, answer as it asks.

Kept out of ``views/validate.py`` so the views stay a few lines each. Reading covers an RDF
body (format by ``Content-Type``) and the HTML form (a file, or pasted text with a format
select); answering covers the report's formats (``?format=`` wins over ``Accept``) and the
pages, which share ``templates/base.html`` with the rest of the site.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, jsonify, render_template, request, url_for
from rdflib import Graph, URIRef
from rdflib.term import Node

from clusterld.dataset.store import Store
from clusterld.errors import ClusterLDError, InputError, NotAcceptable
from clusterld.formats import HTML, JSON_LD, N_TRIPLES, RDF_XML, TURTLE, Format, negotiate
from clusterld.i18n import LANGUAGES
from clusterld.shacl.engine import ValidationReport
from clusterld.validation import service
from clusterld.validation.upload import (
    FORM_TYPES,
    decode,
    format_named,
    format_of_file,
    guess_format,
    input_format,
    limit_triples,
    read_graph,
)
from clusterld.validation.words import translator
from clusterld.web.addresses import local_address
from clusterld.web.jsonld import context, context_iri
from clusterld.web.language import choose_language

JSON_SUMMARY = Format("json", "application/json", "json", "JSON summary")
TEXT = Format("text", "text/plain", "txt", "text")
REPORT_FORMATS: tuple[Format, ...] = (TURTLE, JSON_LD, JSON_SUMMARY, N_TRIPLES, RDF_XML, HTML)
STATUS_FORMATS: tuple[Format, ...] = (JSON_SUMMARY, HTML)
LANGUAGE_NAMES = {"ru": "Русский", "en": "English"}
FORM_REFUSED = "clusterld_form_refused"


class UnknownFormat(ClusterLDError):
    """``?format=`` names no format that the endpoint offers."""

    status = 400
    title = "Unknown format"


def choose_format(offered: tuple[Format, ...]) -> Format:
    """``?format=`` (a format's name or suffix) wins over ``Accept``.

    :raises UnknownFormat: ``?format=`` names no format offered here (400, listing them).
    :raises NotAcceptable: nothing offered satisfies ``Accept``.
    """
    asked = request.args.get("format")
    if asked:
        fmt = _named(asked, offered)
        if fmt is None:
            names = ", ".join(
                f.name if f.suffix == f.name else f"{f.name} (or {f.suffix})" for f in offered
            )
            raise UnknownFormat(
                f"There is no format '{asked}' here; ?format= accepts: {names}. "
                "Leave it out to choose by the Accept header."
            )
        return fmt
    fmt = negotiate(request.headers.get("Accept"), offered)
    if fmt is None:
        raise NotAcceptable("Available as: " + ", ".join(f.media_type for f in offered) + ".")
    return fmt


def _named(asked: str, offered: tuple[Format, ...]) -> Format | None:
    return next((f for f in offered if asked.lower() in (f.name, f.suffix)), None)


def error_format() -> Format:
    """Errors come as JSON (to JSON and JSON-LD clients), HTML, or else plain text.

    A known ``?format=`` decides, as for the answer itself; an unknown one is ignored here
    (its own error is negotiated by ``Accept``).
    """
    asked = (request.args.get("format") or "").lower()
    if _named(asked, REPORT_FORMATS) is not None:
        if asked in ("json", JSON_LD.name, JSON_LD.suffix):
            return JSON_SUMMARY
        return HTML if asked == HTML.name else TEXT
    aliases = {JSON_LD.media_type: JSON_SUMMARY}
    offered = (TEXT, JSON_SUMMARY, HTML)
    return negotiate(request.headers.get("Accept"), offered, extra_aliases=aliases) or TEXT


def read_upload(store: Store) -> Graph:
    """The client's graph, from the body or from the form's file or text field.

    :raises UnsupportedMediaType: a body in a media type we do not read.
    :raises RDFSyntaxError: the document does not parse (with its line and column).
    :raises DocumentTooLarge: it has more than ``VALIDATE_MAX_TRIPLES`` triples.
    """
    if request.mimetype in FORM_TYPES:
        text, fmt, source = _read_form()
    else:
        fmt = input_format(request.headers.get("Content-Type"))
        source = "request body"
        text = decode(request.get_data(cache=False), source=source)
    source_base = current_app.config["SOURCE_BASE"]
    prefixes = {prefix: str(ns) for prefix, ns in store.iris.prefixes().items()}
    own = context(prefixes)["@context"]  # ours, under either base: resolved here, not fetched
    contexts = {context_iri(base): own for base in (store.base, source_base)}
    limit = int(current_app.config["VALIDATE_MAX_TRIPLES"])
    graph = read_graph(
        text,
        fmt,
        source=source,
        base=store.base,
        source_base=source_base,
        contexts=contexts,
        max_triples=limit,
    )
    limit_triples(graph, limit, source=source)
    return graph


def _read_form() -> tuple[str, Format, str]:
    """Text, format and name of what the form sent: the file if one was chosen, else the text."""
    chosen = form_field("syntax")
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        source = upload.filename
        text = decode(upload.read(), source=source)
        fmt = format_named(chosen) if chosen else format_of_file(source, upload.mimetype)
        return text, fmt or guess_format(text), source
    text = request.form.get("data", "")
    if not text.strip():
        raise InputError("Paste RDF text or choose a file to validate.")
    return text, format_named(chosen) if chosen else guess_format(text), "pasted text"


def form_field(name: str) -> str:
    """A field of the HTML form (empty when the request is not a form, or it was refused)."""
    if request.mimetype not in FORM_TYPES or g.get(FORM_REFUSED, False):
        return ""
    return request.form.get(name, "")


def refuse_form() -> None:
    """Read nothing more of this request's form (its body was refused as too large)."""
    setattr(g, FORM_REFUSED, True)


def body_too_large(limit: int) -> str:
    """What a client whose body is over ``VALIDATE_MAX_BYTES`` (``limit``) should know."""
    return (
        f"The request body is larger than this service accepts: at most {limit} bytes "
        f"({limit / 2**20:.3g} MiB, setting VALIDATE_MAX_BYTES). Split the document into "
        "smaller ones, or validate it on your own machine with `clusterld validate`, which has "
        "no limit."
    )


def language() -> str:
    """The report's language: the form's choice, else ``?lang=``, else ``Accept-Language``."""
    asked = form_field("lang") if request.method == "POST" else ""
    return asked if asked in LANGUAGES else choose_language()


def form_values(lang: str) -> dict[str, Any]:
    """What the form shows: the choices just made, so that a person can correct and resend."""
    return {
        "data": form_field("data"),
        "syntax": form_field("syntax"),
        "with_data": (request.args.get("with") or form_field("with")) == "data",
        "syntaxes": [TURTLE, JSON_LD, N_TRIPLES, RDF_XML],
        "languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in LANGUAGES],
    }


def rows(report: ValidationReport, graph: Graph, store: Store, lang: str) -> list[service.Row]:
    return service.rows(report, graph, lang, link=lambda node: link(node, store))


def link(node: Node | None, store: Store) -> str | None:
    """The URL of our own page for a published ``node``, else ``None``.

    A client's IRI is never a link: it may be ``javascript:``, or name a page that does not
    exist because the upload is not published.
    """
    if not isinstance(node, URIRef) or (node, None, None) not in store.union:
        return None
    address = local_address(store.base, str(node))
    return address.url() if address is not None else None


def report_response(
    report: ValidationReport, graph: Graph, fmt: Format, *, shapes: tuple[Node, ...] | None = None
) -> Response:
    """A report as RDF or as the plain JSON summary (with the targeting shapes, if given)."""
    if fmt is JSON_SUMMARY:
        body = service.summary(report, graph)
        if shapes is not None:
            body["shapes"] = [service.node_id(shape) for shape in shapes]
        response = jsonify(body)
    else:
        assert fmt.rdflib_format is not None
        text = report.results_graph.serialize(format=fmt.rdflib_format)
        response = Response(text, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response


def page(
    template: str,
    lang: str,
    *,
    title_key: str | None = None,
    formats: tuple[Format, ...] = (),
    **values: Any,
) -> Response:
    """A page of the site in ``lang``, with links to its other formats and languages."""
    words = translator(lang)
    other = next(code for code in LANGUAGES if code != lang)
    same_page = request.method in ("GET", "HEAD") and request.endpoint is not None
    here = request.endpoint if same_page and request.endpoint else "validation.validate"
    args = dict(request.view_args or {}) if same_page else {}
    values.setdefault("title", words[title_key] if title_key else "")
    body = render_template(
        template,
        lang=lang,
        other_lang=other,
        t=words,
        switch_url=url_for(here, **args, lang=other),
        formats=[(f, url_for(here, **args, format=f.name)) for f in formats],
        **values,
    )
    response = Response(body, content_type=HTML.content_type)
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Content-Language"] = lang
    return response
