"""The profiles (specifications) that the metadata descriptions conform to, and their listing.

A harvester that speaks only DCAT-AP 2.1.1 rejects a DCAT-AP 3 catalog (and the reverse), so
``/catalog`` is offered in both, chosen by W3C *Content Negotiation by Profile*
(https://www.w3.org/TR/dx-prof-conneg/).  This module names each profile once: its token (for
``?_profile=``), its URI (for ``Accept-Profile`` and ``Content-Profile``) and what it is; and it
builds the "alternate profiles" graph (the spec's ALTR vocabulary) that lists what a resource
offers.  Which profile a request gets is decided in :mod:`clusterld.web.profiles`; no Flask here.

The DCAT-AP URIs are the release IRIs that the official SHACL shapes of each release use for
themselves (``https://semiceu.github.io/DCAT-AP/releases/3.0.1``); the version-less DCAT-AP
namespace ``http://data.europa.eu/r5r/`` is accepted as a name of the current release.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from clusterld.metadata.common import new_graph

PROF = Namespace("http://www.w3.org/ns/dx/prof/")
ALTR = Namespace("http://www.w3.org/ns/dx/connegp/altr#")


@dataclass(frozen=True)
class MetadataProfile:
    """A specification a description can conform to, as content negotiation names it.

    (Not :class:`clusterld.metadata.common.Profile`, which holds the publisher's settings.)
    """

    token: str
    """Short name for ``?_profile=`` and ``Link: …; token=``."""
    uri: str
    """The profile's identifier, for ``Accept-Profile`` and ``Content-Profile``."""
    label: str
    comment: str
    aliases: tuple[str, ...] = ()
    """Other URIs that clients may use for the same profile."""

    def is_named(self, name: str) -> bool:
        """Whether ``name`` (a token or a URI, as a client wrote it) names this profile."""
        return name == self.token or name == self.uri or name in self.aliases


DCAT_AP_3 = MetadataProfile(
    token="dcat-ap-3",
    uri="https://semiceu.github.io/DCAT-AP/releases/3.0.1",
    label="DCAT-AP 3.0.1",
    comment="DCAT Application Profile for data portals in Europe, version 3.0.1: checksums in "
    "SHA-256, byte sizes as xsd:nonNegativeInteger, the EU distribution-status table.",
    aliases=("http://data.europa.eu/r5r/", "https://semiceu.github.io/DCAT-AP/releases/3.0.1/"),
)
DCAT_AP_2 = MetadataProfile(
    token="dcat-ap-2",
    uri="https://semiceu.github.io/DCAT-AP/releases/2.1.1",
    label="DCAT-AP 2.1.1",
    comment="DCAT Application Profile for data portals in Europe, version 2.1.1, for harvesters "
    "that have not moved to version 3: checksums in SHA-1, byte sizes as xsd:decimal, the ADMS "
    "status vocabulary.",
    aliases=("https://semiceu.github.io/DCAT-AP/releases/2.1.1/", "dcat-ap-2.1.1"),
)
VOID = MetadataProfile(
    token="void",
    uri="http://www.w3.org/TR/void/",
    label="VoID",
    comment="Describing Linked Datasets with the VoID Vocabulary (W3C Interest Group Note).",
    aliases=("http://rdfs.org/ns/void#", "http://rdfs.org/ns/void"),
)
ALTERNATES = MetadataProfile(
    token="alt",
    uri="http://www.w3.org/ns/dx/connegp/altr",
    label="Alternate representations",
    comment="The list of the profiles and formats in which this resource is offered "
    "(Content Negotiation by Profile, alternate representations data model).",
)
"""Not a description of the resource but the list of its representations (QSA ``_profile=alt``)."""

OFFERED: dict[str, tuple[MetadataProfile, ...]] = {
    "catalog": (DCAT_AP_3, DCAT_AP_2),
    "void": (VOID,),
}
"""The profiles each metadata description is offered in, the default first."""


def alternates_graph(
    resource: URIRef,
    profiles: Sequence[MetadataProfile],
    media_types: Sequence[str],
    url: Mapping[tuple[str, str], str],
    title: Mapping[str, str],
) -> Graph:
    """What ``resource`` is offered as: one ``altr:Representation`` per profile and media type.

    ``url[(token, media_type)]`` is the address of each representation; the first profile's
    first media type is the default.  Each profile is described with PROF (its token, label).
    ``title`` (by language) names the list.
    """
    graph = new_graph()
    graph.bind("altr", ALTR)
    graph.bind("prof", PROF)
    graph.add((resource, RDF.type, RDFS.Resource))
    for lang, text in title.items():
        graph.add((resource, RDFS.label, Literal(text, lang=lang)))
    for profile in profiles:
        node = URIRef(profile.uri)
        graph.add((node, RDF.type, PROF.Profile))
        graph.add((node, PROF.hasToken, Literal(profile.token)))
        graph.add((node, RDFS.label, Literal(profile.label, lang="en")))
        graph.add((node, RDFS.comment, Literal(profile.comment, lang="en")))
        for media_type in media_types:
            representation = URIRef(url[(profile.token, media_type)])
            default = profile is profiles[0] and media_type == media_types[0]
            link = ALTR.hasDefaultRepresentation if default else ALTR.hasRepresentation
            graph.add((resource, link, representation))
            graph.add((representation, RDF.type, ALTR.Representation))
            graph.add((representation, DCTERMS.conformsTo, node))
            graph.add((representation, DCTERMS["format"], Literal(media_type)))
    return graph
