"""The language of a page: ``?lang=`` when given (the switch link sets it), otherwise
``Accept-Language``; English when neither names a language ClusterLD speaks."""

from __future__ import annotations

from flask import request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from clusterld.i18n import DEFAULT_LANGUAGE, LANGUAGES


def choose_language() -> str:
    """The language of the page for the current request."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    header = request.headers.get("Accept-Language")
    if header:
        best = parse_accept_header(header, LanguageAccept).best_match(LANGUAGES)
        if best:
            return best
    return DEFAULT_LANGUAGE


def language_is_explicit() -> bool:
    """Whether the reader chose the language with ``?lang=`` (links then keep it)."""
    return request.args.get("lang") in LANGUAGES
