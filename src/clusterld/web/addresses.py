"""Where each IRI of the dataset is served on this server, and the IRIs of its documents.

Things ``{base}id/<path>`` are described by the document ``{base}doc/<path>``; the ontology
and the shapes are hash namespaces served whole at ``/ontology`` and ``/shapes``.  The
ontology's IRIs are not under the base (they are :data:`clusterld.namespaces.VOCABULARY`,
shared by every deployment) but are documented here all the same, so links to its terms stay
on this server as anchors of ``/ontology``, and a version IRI ``{VOCABULARY}/<v>`` is
``/ontology/<v>``.  Links in
pages are built from these with ``url_for``, so they resolve on the server that answered,
whatever host the base IRI names (e.g. behind a reverse proxy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from rdflib import URIRef

from clusterld.formats import Format
from clusterld.namespaces import VOCABULARY, in_vocabulary


@dataclass(frozen=True)
class Address:
    """A page of this server: a Flask endpoint, its URL values and an optional anchor."""

    endpoint: str
    values: dict[str, str] = field(default_factory=dict)
    anchor: str | None = None
    suffix_key: str | None = None
    """The URL value that a format's suffix is appended to (else it is the ``ext`` value)."""

    def url(self, fmt: Format | None = None, /, **query: str) -> str:
        """The URL of the page (of one format's variant when ``fmt`` is given)."""
        values: dict[str, Any] = dict(self.values)
        if fmt is not None:
            if self.suffix_key:
                values[self.suffix_key] = f"{values[self.suffix_key]}.{fmt.suffix}"
            else:
                values["ext"] = fmt.suffix
        if self.anchor:
            values["_anchor"] = self.anchor
        values.update(query)
        return url_for(self.endpoint, **values)


def local_address(base: str, iri: str) -> Address | None:
    """The page of this server that describes ``iri``: an IRI under ``base`` or of the
    vocabulary; ``None`` for any other."""
    if in_vocabulary(iri):
        iri = f"{base}ontology{iri[len(VOCABULARY) :]}"
    elif not iri.startswith(base):
        return None
    rest = iri[len(base) :]
    name, _, fragment = rest.partition("#")
    if name.startswith("id/") and len(name) > 3 and not fragment:
        return Address("resources.document", {"path": name[3:]}, suffix_key="path")
    if name in ("ontology", "shapes"):
        return Address(f"resources.{name}", anchor=fragment or None)
    if name.startswith("graph/") and "/" not in name[6:] and not fragment:
        return Address("resources.named_graph", {"name": name[6:]}, suffix_key="name")
    if name.startswith("ontology/") and not fragment:
        return Address("resources.ontology_version", {"version": name[len("ontology/") :]})
    return None


def thing_iri(base: str, path: str) -> URIRef:
    """The IRI of the thing whose document path is ``path``."""
    return URIRef(f"{base}id/{path}")


def document_iri(base: str, path: str) -> URIRef:
    """The IRI of the (format-independent) document that describes ``{base}id/<path>``."""
    return URIRef(f"{base}doc/{path}")
