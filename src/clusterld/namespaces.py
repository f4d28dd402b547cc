"""Namespaces and the IRI scheme: the one place where ClusterLD mints IRIs.

The files in ``ontology/``, ``data/`` and ``shapes/`` are written under one placeholder
base, :data:`SOURCE_BASE`.  When they are loaded, every IRI under that base is rewritten to
the base the dataset is published under (see :func:`clusterld.dataset.loading.rebase`), so the same
files serve any host.  Standard vocabularies keep their own, fixed namespaces, and so does
ClusterLD's own vocabulary (:data:`VOCABULARY`, :data:`CLD`): regions that publish into one
shared store must mean the same class by the same IRI, so its terms never move with a base.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD

SOURCE_BASE = "https://clusterld.example/tomsk/"
"""The base IRI that the shipped files are written with."""

VOCABULARY = "https://w3id.org/clusterld/ontology"
"""The IRI of the ClusterLD ontology: persistent (w3id.org), the same in every deployment.

w3id.org redirects it to the documentation of the canonical deployment (``w3id/.htaccess``);
every server also documents it itself at ``{base}ontology``."""

CLD = Namespace(f"{VOCABULARY}#")
"""The namespace of the ontology's terms (preferred prefix ``cld:``), hash IRIs."""


def in_vocabulary(iri: str) -> bool:
    """Whether ``iri`` is the ontology, one of its terms or one of its version IRIs."""
    text = str(iri)  # a URIRef's startswith takes no tuple of prefixes
    return text == VOCABULARY or text.startswith((f"{VOCABULARY}#", f"{VOCABULARY}/"))


ORG = Namespace("http://www.w3.org/ns/org#")
ROV = Namespace("http://www.w3.org/ns/regorg#")
SCHEMA = Namespace("http://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
CC = Namespace("http://creativecommons.org/ns#")

STANDARD_PREFIXES: dict[str, Namespace] = {
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "skos": Namespace(str(SKOS)),
    "dcterms": Namespace(str(DCTERMS)),
    "dcat": Namespace(str(DCAT)),
    "foaf": Namespace(str(FOAF)),
    "prov": Namespace(str(PROV)),
    "sh": Namespace(str(SH)),
    "void": Namespace(str(VOID)),
    "org": ORG,
    "rov": ROV,
    "schema": SCHEMA,
    "vann": VANN,
    "cc": CC,
}


# RFC 3987 §2.2 as regular-expression character classes (``re`` reads the \u escapes).
# ``ucschar`` leaves out the C0/C1 controls, the space and <>"{}|\^` (allowed nowhere).
_UCSCHAR = r"\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U000efffd"
_IPRIVATE = r"\ue000-\uf8ff\U000f0000-\U0010fffd"
_UNRESERVED = rf"A-Za-z0-9\-._~{_UCSCHAR}"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]*:"
IRI_PATTERN = re.compile(
    rf"""
    {_SCHEME}
    (?: //                                                          # authority:
        (?:(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*@)?             #   user information
        (?: \[[0-9A-Fa-f:.]+\]                                      #   IPv6 address
          | \[v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~{_SUB_DELIMS}:]+\]      #   IPvFuture
          | (?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})* )              #   name or IPv4 address
        (?::[0-9]*)?                                                #   port
        (?:/{_PCHAR}*)*                                             # path after an authority
      | /?(?:{_PCHAR}+(?:/{_PCHAR}*)*)?                             # path without authority
    )
    (?:\?(?:{_PCHAR}|[/?{_IPRIVATE}])*)?                            # query
    (?:\#(?:{_PCHAR}|[/?])*)?                                       # fragment
    """,
    re.VERBOSE,
)
r"""An absolute IRI (RFC 3987): no spaces, controls, ``<>"{}|\^`` or backtick, bad escapes."""

_NEVER_IN_IRIS = re.compile(r'[\x00-\x20\x7f-\x9f<>"{}|\\^`]|%(?![0-9A-Fa-f]{2})')
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI, which every RDF tool can read and write."""
    return IRI_PATTERN.fullmatch(text) is not None


def iri_problem(text: str) -> str:
    """What is wrong with ``text``, which is not an IRI, in words for an error message."""
    bad = _NEVER_IN_IRIS.search(text)
    if bad is None:
        if not re.match(_SCHEME, text):
            return "it has no scheme (such as https:), so it is not an absolute IRI"
        return "it is not a well-formed IRI (RFC 3987): check its host, port, brackets and '#'"
    char, position = bad.group(), bad.start() + 1
    if char == "%":
        return f"the % at character {position} is not followed by two hex digits (write % as %25)"
    name = "a space" if char == " " else f"the character U+{ord(char):04X} {char!r}"
    return (
        f"it contains {name} at character {position}, which an IRI may not contain; "
        f"percent-encode it as %{ord(char):02X}"
    )


def show_iri(text: str) -> str:
    """An IRI as ``<...>`` for a message, with control characters made visible."""
    return "<" + _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04X}", text) + ">"


@dataclass(frozen=True)
class IRIScheme:
    """The IRIs of one published dataset: its own under one base, the vocabulary's fixed.

    One pattern for each kind of thing: ``{base}id/{kind}/{slug}`` for things and
    ``{base}shapes#{Shape}`` for shapes; the vocabulary is ``{VOCABULARY}#{Term}`` whatever
    the base, and its documentation is served at ``{base}ontology``.
    """

    base: str

    def __post_init__(self) -> None:
        if not self.base.endswith(("/", "#")):
            raise ValueError(f"a base IRI must end with '/' or '#': {self.base!r}")

    @property
    def ontology(self) -> URIRef:
        """The ontology's IRI (:data:`VOCABULARY`): the same under every base."""
        return URIRef(VOCABULARY)

    @property
    def ontology_document(self) -> URIRef:
        """Where this deployment serves the ontology's documentation (all five formats)."""
        return URIRef(f"{self.base}ontology")

    @property
    def term(self) -> Namespace:
        """Namespace of the ClusterLD ontology's own terms (prefix ``cld:``): :data:`CLD`."""
        return CLD

    @property
    def shapes(self) -> URIRef:
        return URIRef(f"{self.base}shapes")

    @property
    def dataset(self) -> URIRef:
        return URIRef(f"{self.base}id/dataset")

    def thing(self, kind: str, slug: str) -> URIRef:
        """The IRI of a thing, e.g. ``thing("cluster", "industrial")``."""
        return URIRef(f"{self.base}id/{kind}/{slug}")

    def prefixes(self) -> dict[str, Namespace]:
        """Prefixes for serialising this dataset: the standard ones and its own."""
        own = {
            "cld": self.term,
            "cluster": Namespace(f"{self.base}id/cluster/"),
            "orgs": Namespace(f"{self.base}id/org/"),
            "membership": Namespace(f"{self.base}id/membership/"),
        }
        return {**STANDARD_PREFIXES, **own}
