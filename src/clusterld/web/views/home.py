"""The home page, and the words and links that every page template can use."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request, send_from_directory, url_for
from werkzeug.routing import BuildError

from clusterld.dataset.store import get_store
from clusterld.i18n import LANGUAGES, translator
from clusterld.web import documents
from clusterld.web.language import choose_language
from clusterld.web.render import render

bp = Blueprint("home", __name__)

FAVICON_MAX_AGE = 7 * 24 * 3600


@bp.get("/")
@bp.get("/index.<any(ttl, jsonld, nt, rdf, html):ext>")
def index(ext: str | None = None) -> Response:
    """The nine clusters with their industries, lead organisations and member counts."""
    return render(documents.home_document(get_store()), ext)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The site's icon where every browser looks for it (a 404 here is an error in the console of
    every page); pages name it, and the SVG drawing it comes from, in ``<link rel="icon">``."""
    assert current_app.static_folder is not None
    return send_from_directory(
        current_app.static_folder,
        "favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=FAVICON_MAX_AGE,
    )


@bp.app_context_processor
def page_defaults() -> dict[str, Any]:
    """Defaults for templates that extend ``base.html`` (a view's own values win)."""
    lang = choose_language()
    other = next(code for code in LANGUAGES if code != lang)
    return {
        "lang": lang,
        "other_lang": other,
        "t": translator(lang),
        "switch_url": _switch_url(other),
        "nav_url": nav_url,
        "clusters_url": nav_url(
            "resources.class_page",
            "/class/cld/EducationIndustryCluster",
            prefix="cld",
            name="EducationIndustryCluster",
        ),
    }


def nav_url(endpoint: str, fallback: str, **values: Any) -> str:
    """``url_for(endpoint)``, or ``fallback`` under the app's root while no view serves it."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return request.script_root + fallback


def _switch_url(other: str) -> str | None:
    if request.endpoint is None or request.view_args is None:
        return None
    values: dict[str, Any] = {**request.view_args, **request.args, "lang": other}
    return url_for(request.endpoint, **values)
