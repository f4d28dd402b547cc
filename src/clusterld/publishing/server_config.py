"""Web-server configurations that serve a ``clusterld build`` as ``clusterld serve`` does.

Generated from the format registry (:mod:`clusterld.formats`), so a new format needs no
edit here: each negotiated URL ``X`` is answered with the file ``X.<suffix>`` of the format
the ``Accept`` header asks for (Turtle when it names none, HTML for browsers), and the
Russian page ``X.html.ru`` when ``?lang=ru`` or ``Accept-Language`` asks for Russian.
Things ``/id/x`` answer ``303 See Other`` to their documents ``/doc/x``.

Header matching is simpler than the server's (no q-values: the first format the header
names, in our order of preference, wins); for exact negotiation run ``clusterld serve``.
"""

from __future__ import annotations

import re
from pathlib import Path

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
    mapping = "\n".join(
        f'        "~*{pattern}" ".{suffix}";' for pattern, suffix in accept_patterns()
    )
    types = "\n".join(
        f"        {media_type} {suffix};"
        for media_type, suffix in sorted(
            {(f.media_type, f.suffix) for f in DOCUMENT_FORMATS}
            | {(media_type, suffix) for suffix, media_type in OTHER_TYPES.items()}
        )
    )
    home = f"{root}/index"
    return f"""# nginx configuration by `clusterld build`: serves this folder as ClusterLD does.
# Test it with `nginx -t -c $PWD/nginx.conf`; or copy the map blocks into your http {{}} and
# the server block into your site. Negotiation is simplified: see clusterld/server_config.py.
worker_processes 1;
pid /tmp/clusterld-nginx.pid;
error_log stderr;
events {{ worker_connections 64; }}

http {{
    access_log off;
    client_body_temp_path /tmp/clusterld-nginx-body;
    proxy_temp_path /tmp/clusterld-nginx-proxy;
    fastcgi_temp_path /tmp/clusterld-nginx-fastcgi;
    uwsgi_temp_path /tmp/clusterld-nginx-uwsgi;
    scgi_temp_path /tmp/clusterld-nginx-scgi;

    types {{
{types}
    }}
    default_type application/octet-stream;
    charset utf-8;
    charset_types {" ".join(TEXT_TYPES)} text/plain application/xml;

    # The variant of a negotiated URL: by Accept, in our order of preference; Turtle by default.
    map $http_accept $clusterld_ext {{
        default ".ttl";
{mapping}
    }}
    # The language of a page: ?lang= first, then Accept-Language; English by default.
    map $http_accept_language $clusterld_accept_lang {{
        default "";
        "~*^ru" ".ru";
    }}
    map $arg_lang $clusterld_lang {{
        default $clusterld_accept_lang;
        "ru" ".ru";
        "en" "";
    }}

    server {{
        listen {port};
        root {docroot};

        # Things are not documents: 303 to the document that describes them.
        location ~ ^{root}/id/(.+)$ {{
            add_header Vary Accept always;
            add_header Access-Control-Allow-Origin "*" always;
            return 303 {root}/doc/$1;
        }}
        location = {root}/ {{
            add_header Vary "Accept, Accept-Language" always;
            add_header Access-Control-Allow-Origin "*" always;
            try_files {home}$clusterld_ext$clusterld_lang {home}$clusterld_ext =404;
        }}
        location {root}/ {{
            add_header Vary "Accept, Accept-Language" always;
            add_header Access-Control-Allow-Origin "*" always;
            try_files $uri$clusterld_lang $uri
                      $uri$clusterld_ext$clusterld_lang $uri$clusterld_ext $uri.ttl =404;
        }}
    }}
}}
"""


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
