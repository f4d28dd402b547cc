"""Content negotiation by profile (https://www.w3.org/TR/dx-prof-conneg/) for the metadata.

A harvester asks for a profile with the ``Accept-Profile`` header (profile URIs in angle
brackets, with q-values) or, where it cannot set headers, with the query string ``?_profile=``
(a token or a URI; the spec's QSA realisation).  The answer names what it conforms to in
``Content-Profile`` and ``Link: <uri>; rel="profile"``, and lists every profile the resource
offers: ``Link: <http://www.w3.org/ns/dx/prof/Profile>; rel="type"; token=…; anchor="uri"``
(the spec's token mapping) and ``rel="alternate"`` links to the other profiles'
representations.  ``?_profile=alt`` (or ``Accept-Profile`` with the ALTR profile URI) answers
the list of profiles and formats itself.  A request that names only profiles the resource does
not offer gets ``406`` with the list, rather than a default it did not ask for.

Order of precedence, as for formats (suffix > ``Accept``): ``?_profile=`` > ``Accept-Profile``
> the resource's default profile.  ``?_mediatype=`` chooses the format when no suffix does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlencode

from flask import Response

from clusterld.errors import InputError, NotAcceptable, error_response
from clusterld.formats import DOCUMENT_ALIASES, DOCUMENT_FORMATS, Format
from clusterld.metadata.profiles import ALTERNATES, PROF, MetadataProfile

PROFILE_ARG = "_profile"
MEDIA_TYPE_ARG = "_mediatype"
ACCEPT_PROFILE = "Accept-Profile"

_ENTRY = re.compile(r"\s*(<[^<>]*>|[^\s;,<>]+)\s*((?:;[^,;]*)*)\s*(?:,|$)")
_PARAMETER = re.compile(r'^[\w.-]+\s*=\s*("[^"]*"|[^\s"<>]*)$')
_Q = re.compile(r"^\s*q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*$", re.IGNORECASE)


def parse_accept_profile(header: str) -> list[tuple[str, float]]:
    """The profiles an ``Accept-Profile`` header names, with their q-values, best first.

    ``<uri>`` entries as the spec writes them; bare tokens and ``*`` are accepted too.

    :raises InputError: the header is not a comma-separated list of such entries.
    """
    entries: list[tuple[str, float]] = []
    position = 0
    text = header.strip()
    while position < len(text):
        match = _ENTRY.match(text, position)
        if match is None or match.end() == position:
            raise InputError(
                f"Accept-Profile must list profile URIs in angle brackets, each with an optional "
                f'q-value, e.g. "<{ALTERNATES.uri}>;q=0.5"; cannot read {text[position:]!r}.'
            )
        name, parameters = match.group(1).strip("<>"), match.group(2)
        quality = 1.0
        for parameter in filter(None, (p.strip() for p in parameters.split(";"))):
            if not _PARAMETER.match(parameter):
                raise InputError(
                    f"Accept-Profile: {parameter!r} is not a parameter (name=value) of "
                    f"{match.group(1)}."
                )
            if parameter.lower().startswith("q"):
                q = _Q.match(parameter)
                if q is None:
                    raise InputError(f"Accept-Profile: {parameter!r} is not a q-value (0 to 1).")
                quality = float(q.group(1))
        entries.append((name, quality))
        position = match.end()
    return sorted(entries, key=lambda entry: -entry[1])  # stable: ties keep the client's order


def choose_profile(
    offered: Sequence[MetadataProfile], query: str | None, header: str | None
) -> MetadataProfile:
    """The profile to answer in: the query string's, else the best of the header's, else the
    default (the first offered).  :data:`ALTERNATES` means the list of profiles.

    :raises NotAcceptable: what the client names is not offered (the detail lists what is).
    :raises InputError: the ``Accept-Profile`` header cannot be read.
    """
    candidates = (*offered, ALTERNATES)
    if query is not None and query.strip():  # ?_profile= with no value says nothing
        found = next((p for p in candidates if p.is_named(query.strip())), None)
        if found is None:
            raise NotAcceptable(unavailable(offered, f"{PROFILE_ARG}={query}"))
        return found
    if header is None or not header.strip():
        return offered[0]
    for name, quality in parse_accept_profile(header):
        if quality <= 0:
            continue
        if name == "*":
            return offered[0]
        found = next((p for p in candidates if p.is_named(name)), None)
        if found is not None:
            return found
    raise NotAcceptable(unavailable(offered, f"{ACCEPT_PROFILE}: {header}"))


def unavailable(offered: Sequence[MetadataProfile], asked: str) -> str:
    """The body of a ``406``: what was asked, and every profile on offer with token and URI."""
    listed = "; ".join(
        f"{p.label}: {PROFILE_ARG}={p.token} or {ACCEPT_PROFILE}: <{p.uri}>"
        + (" (the default)" if p is offered[0] else "")
        for p in offered
    )
    return (
        f"This resource is not offered in the profile you asked for ({asked}). It is offered "
        f"in: {listed}. {PROFILE_ARG}={ALTERNATES.token} lists its profiles and formats."
    )


def format_for_media_type(media_type: str | None) -> Format | None:
    """The format ``?_mediatype=`` names (``None`` when absent).

    :raises NotAcceptable: no format of the documents has that media type.
    """
    if media_type is None:
        return None
    wanted = media_type.split(";", 1)[0].strip().lower()
    for fmt in DOCUMENT_FORMATS:
        if wanted == fmt.media_type or wanted in fmt.aliases:
            return fmt
    if wanted in DOCUMENT_ALIASES:
        return DOCUMENT_ALIASES[wanted]
    available = ", ".join(f.media_type for f in DOCUMENT_FORMATS)
    raise NotAcceptable(f"{MEDIA_TYPE_ARG}={media_type} is not offered; available: {available}.")


def profile_url(path: str, profile: MetadataProfile, media_type: str | None = None) -> str:
    """``path`` with the query string that selects ``profile`` (and a media type)."""
    query = {PROFILE_ARG: profile.token}
    if media_type:
        query[MEDIA_TYPE_ARG] = media_type
    return f"{path}?{urlencode(query)}"


def token_links(offered: Sequence[MetadataProfile]) -> list[str]:
    """The spec's token mapping: one ``rel="type"`` link per profile on offer, saying that the
    profile (the link's ``anchor``, quoted as RFC 8288 writes it) is a ``prof:Profile``."""
    return [
        f'<{PROF.Profile}>; rel="type"; token="{p.token}"; anchor="{p.uri}"'
        for p in (*offered, ALTERNATES)
    ]


def add_profile_headers(
    response: Response,
    offered: Sequence[MetadataProfile],
    chosen: MetadataProfile,
    path: str,
    fmt: Format,
) -> None:
    """``Content-Profile``, the ``Link``s that name and list the profiles, ``Vary``.

    ``path`` is the resource's URL path (without a query); ``fmt`` the format answered.  An
    HTML page is for people and the same whatever the profile, so it claims no profile.
    """
    links = []
    if fmt.rdflib_format is not None:
        response.headers["Content-Profile"] = f"<{chosen.uri}>"
        links.append(f'<{chosen.uri}>; rel="profile"')
    links += [
        f'<{profile_url(path, p)}>; rel="alternate"; type="{fmt.media_type}"; profile="{p.uri}"'
        for p in (*offered, ALTERNATES)
        if p is not chosen
    ]
    links += token_links(offered)
    existing = response.headers.get("Link")
    response.headers["Link"] = ", ".join(filter(None, (existing, *links)))
    add_vary(response)


def add_vary(response: Response) -> None:
    """Caches must keep one answer per profile asked for, as per format."""
    vary = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    for header in ("Accept", ACCEPT_PROFILE):
        if header not in vary:
            vary.append(header)
    response.headers["Vary"] = ", ".join(vary)


def not_acceptable_response(error: NotAcceptable, offered: Sequence[MetadataProfile]) -> Response:
    """A ``406`` that lists the profiles on offer in its body and in ``Link`` headers."""
    response = error_response(error.status, error.title, error.detail)
    response.headers["Link"] = ", ".join(token_links(offered))
    add_vary(response)
    return response
