"""How crawlers find the dataset: ``robots.txt``, ``sitemap.xml`` and the list of HTML pages.

Search engines (and Google Dataset Search) start from ``robots.txt``, which names the
sitemap; the sitemap lists every HTML page: the home page, the page of every resource, of
every class, the ontology, the shapes, the catalog and the VoID description.  The static
build crawls from the same list, so a page missing here would be missing there too.
"""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

from clusterld.dataset.store import Store
from clusterld.web.addresses import Address
from clusterld.web.pages.resources import class_address

SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
ROBOTS_DISALLOW = ("/sparql?",)
"""Query URLs of the SPARQL endpoint: crawling them would only run arbitrary queries."""


def page_addresses(store: Store) -> list[Address]:
    """Every HTML page of the dataset, in a stable order."""
    addresses = [
        Address("home.index"),
        Address("metadata.catalog"),
        Address("metadata.void"),
        Address("resources.ontology"),
        Address("resources.shapes"),
    ]
    class_pages = (class_address(store, cls) for cls in store.classes)
    addresses += sorted(
        (a for a in class_pages if a is not None), key=lambda a: sorted(a.values.items())
    )
    addresses += [
        Address("resources.document", {"path": path}, suffix_key="path")
        for path in store.thing_paths
    ]
    return addresses


def sitemap_xml(urls: list[str], lastmod: datetime) -> str:
    """A sitemap (sitemaps.org protocol 0.9) listing ``urls``, all modified at ``lastmod``."""
    when = lastmod.replace(microsecond=0).isoformat()
    entries = "".join(
        f"<url><loc>{escape(url)}</loc><lastmod>{when}</lastmod></url>\n" for url in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="{SITEMAP_NAMESPACE}">\n{entries}</urlset>\n'
    )


def sitemap_index_xml(sitemaps: list[str], lastmod: datetime) -> str:
    """A sitemap index (sitemaps.org protocol 0.9) naming numbered sitemaps."""
    when = lastmod.replace(microsecond=0).isoformat()
    entries = "".join(
        f"<sitemap><loc>{escape(url)}</loc><lastmod>{when}</lastmod></sitemap>\n"
        for url in sitemaps
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="{SITEMAP_NAMESPACE}">\n{entries}</sitemapindex>\n'
    )


def robots_txt(sitemap_url: str, root: str = "") -> str:
    """Everything may be crawled but SPARQL queries; the sitemap is named."""
    disallow = "".join(f"Disallow: {root}{path}\n" for path in ROBOTS_DISALLOW)
    return f"User-agent: *\n{disallow}Allow: {root}/\n\nSitemap: {sitemap_url}\n"
