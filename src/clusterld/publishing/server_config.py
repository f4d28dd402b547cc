"""Web-server configurations that serve a ``clusterld build`` as ``clusterld serve`` does.

Generated from the format registry (:mod:`clusterld.formats`), so a new format needs no
edit here: each negotiated URL ``X`` is answered with the file ``X.<suffix>`` of the format
the ``Accept`` header asks for (Turtle when it names none, HTML for browsers), and the
Russian page ``X.html.ru`` when ``?lang=ru`` or ``Accept-Language`` asks for Russian.
Things ``/id/x`` answer ``303 See Other`` to their documents ``/doc/x``.  The nginx
configuration is the template ``nginx.conf.in`` beside this module, filled from that registry.

Header matching is simpler than the server's (no q-values: the first format the header
names, in our order of preference, wins); for exact negotiation run ``clusterld serve``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from clusterld.config import request_timeout
from clusterld.formats import DOCUMENT_ALIASES, DOCUMENT_FORMATS, HTML, RDF_FORMATS, Format

OTHER_TYPES: dict[str, str] = {
    # suffix -> media type of the other files a build writes
    "gz": "application/gzip",
    "xml": "application/xml",
    "txt": "text/plain",
    "css": "text/css",
    "js": "application/javascript",
    "svg": "image/svg+xml",
    "png": "image/png",
    "ico": "image/vnd.microsoft.icon",  # as the server sends /favicon.ico (IANA-registered)
    "ru": "text/html",  # x.html.ru: the Russian page
}
TEXT_TYPES = ("text/turtle", "application/ld+json", "application/rdf+xml")
"""Served with ``charset=utf-8`` besides nginx's default text/html (N-Triples takes no charset)."""


def accept_patterns() -> list[tuple[str, str]]:
    """(regular expression on ``Accept``, suffix) in order of preference: RDF first, then HTML."""
    entries: list[tuple[str, Format]] = []
    for fmt in (*RDF_FORMATS, HTML):
        entries += [(media_type, fmt) for media_type in (fmt.media_type, *fmt.aliases)]
        entries += [(alias, target) for alias, target in DOCUMENT_ALIASES.items() if target is fmt]
    return [(re.escape(media_type), fmt.suffix) for media_type, fmt in entries]


def nginx_config(*, root: str, docroot: Path, port: int = 8080) -> str:
    """A complete ``nginx.conf`` serving ``docroot`` at ``root`` (``""`` for the site root)."""
    types = sorted(
        {(f.media_type, f.suffix) for f in DOCUMENT_FORMATS}
        | {(media_type, suffix) for suffix, media_type in OTHER_TYPES.items()}
    )
    return _nginx_template().render(
        root=root,
        docroot=docroot,
        port=port,
        types=types,
        text_types=TEXT_TYPES,
        accept_patterns=accept_patterns(),
    )


def nginx_proxy_config(
    settings: Mapping[str, Any],
    *,
    upstreams: Sequence[str],
    listen: str,
    server_name: str = "_",
    run_dir: str = "/tmp/clusterld-nginx-proxy",
    backend_keepalive: int = 75,
) -> str:
    """A complete ``nginx.conf`` proxying to live ClusterLD servers (``host:port`` each).

    Its limits follow the settings, so nginx never cuts what ClusterLD would answer: the read
    timeout is :func:`clusterld.config.request_timeout`, the body limit a little above
    ``VALIDATE_MAX_BYTES`` (ClusterLD answers 413 itself, with advice), the request line
    room for a query of ``SPARQL_MAX_QUERY_LENGTH`` characters, URL-encoded.
    """
    max_query = int(settings["SPARQL_MAX_QUERY_LENGTH"])
    return _template("nginx-proxy.conf.in").render(
        upstreams=upstreams,
        listen=listen,
        server_name=server_name,
        run_dir=run_dir,
        root=urlsplit(str(settings.get("BASE_URI") or "/")).path.rstrip("/"),
        timeout=int(request_timeout(settings) + 0.999),
        max_body=f"{int(settings['VALIDATE_MAX_BYTES']) // 1024 + 64}k",
        max_request_line=f"{max(8, (3 * max_query + 2048) // 1024 + 1)}k",
        backend_keepalive=backend_keepalive,
    )


def _nginx_template() -> jinja2.Template:
    return _template("nginx.conf.in")


@cache
def _template(name: str) -> jinja2.Template:
    """A configuration template shipped in this package (``nginx.conf.in``, ...).

    Jinja2 rather than ``string.Template``: nginx's own ``$variables`` would each need
    escaping as ``$$`` there, while Jinja2's ``{{ }}`` never occurs in an nginx config, and
    its loops keep the shape of each generated line in the template.
    """
    environment = jinja2.Environment(
        autoescape=False,  # a config file, not HTML
        undefined=jinja2.StrictUndefined,  # a missing value fails, never writes ""
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = resources.files("clusterld.publishing") / name
    return environment.from_string(template.read_text(encoding="utf-8"))


def htaccess(*, root: str) -> str:
    """An Apache ``.htaccess`` (mod_rewrite, mod_headers, mod_mime) doing the same."""
    types = "\n".join(
        f"AddType {f.media_type} .{f.suffix}" for f in DOCUMENT_FORMATS if f is not HTML
    )
    rules = "\n".join(
        f"RewriteCond %{{HTTP_ACCEPT}} {pattern.replace(chr(92), '')} [NC]\n"
        "RewriteCond %{REQUEST_FILENAME} !-f\n"
        f"RewriteCond %{{REQUEST_FILENAME}}.{suffix} -f\n"
        f"RewriteRule ^(.*)$ $1.{suffix} [L]"
        for pattern, suffix in accept_patterns()
    )
    return f"""# Apache configuration by `clusterld build`: serves this folder as ClusterLD does.
# Needs mod_rewrite, mod_headers and mod_mime, and AllowOverride FileInfo.
{types}
AddType application/gzip .gz
RemoveEncoding .gz
AddLanguage ru .ru
AddCharset utf-8 .ttl .jsonld .rdf .html .ru .xml .txt
Header always set Access-Control-Allow-Origin "*"
Header always merge Vary "Accept, Accept-Language"

RewriteEngine On
RewriteBase {root or "/"}/
# Things are not documents: 303 to the document that describes them.
RewriteRule ^id/(.+)$ {root}/doc/$1 [R=303,L]
# The home page and the Russian pages.
RewriteRule ^$ index [L]
RewriteCond %{{QUERY_STRING}} (^|&)lang=ru(&|$) [OR]
RewriteCond %{{HTTP:Accept-Language}} ^ru [NC]
RewriteCond %{{REQUEST_FILENAME}}.html.ru -f
RewriteCond %{{HTTP_ACCEPT}} text/html [NC]
RewriteRule ^(.*)$ $1.html.ru [L]
# Negotiated URLs: the variant the Accept header names first in our order of preference.
{rules}
# Anything else that has a Turtle variant: Turtle.
RewriteCond %{{REQUEST_FILENAME}} !-f
RewriteCond %{{REQUEST_FILENAME}}.ttl -f
RewriteRule ^(.*)$ $1.ttl [L]
"""
