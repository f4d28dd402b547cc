"""Per-resource conformance: where a resource's own validation report is, and its verdict.

Resource pages show it as a badge and resource documents send it as ``Link: <…>;
rel="describedby"``; the report itself is served by ``views/validate.py``. The verdict comes
from the report computed when the published version was loaded, so this costs no validation.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from rdflib import URIRef

from clusterld.dataset.store import get_store
from clusterld.validation.service import focus_conforms
from clusterld.validation.words import translator

REPORT_ENDPOINT = "validation.resource_report"


@dataclass(frozen=True)
class Conformance:
    href: str
    conforms: bool

    def text(self, lang: str) -> str:
        """The verdict in words, for the badge on the resource's page."""
        words = translator(lang)
        return words["conforms"] if self.conforms else words["fails"]

    @property
    def link_header(self) -> str:
        """The value of a ``Link`` header pointing to the report."""
        return f'<{self.href}>; rel="describedby"; title="SHACL validation report"'


def conformance(iri: str) -> Conformance | None:
    """The report link and verdict of ``iri``; ``None`` unless it is a resource of the data."""
    store = get_store()
    prefix = f"{store.base}id/"
    node = URIRef(iri)
    if not iri.startswith(prefix) or not store.in_data(node):
        return None
    href = url_for(REPORT_ENDPOINT, path=iri[len(prefix) :])
    return Conformance(href, focus_conforms(store, node))


def link_header(iri: str) -> str | None:
    """The ``Link`` header value for ``iri``'s validation report, if it has one."""
    found = conformance(iri)
    return found.link_header if found is not None else None
