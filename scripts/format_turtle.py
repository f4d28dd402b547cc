#!/usr/bin/env python3
"""Write ClusterLD's Turtle files the way a person would: one deterministic layout.

    python scripts/format_turtle.py FILE...           rewrite the files in place
    python scripts/format_turtle.py --check FILE...   list the files that would change; exit 1

The layout:

* the file's leading comment block (its first lines starting with ``#``) is kept verbatim;
* the conventional prefixes (``schema:``, ``org:``, ``skos:``, ``cld:`` ...), from one fixed
  table, only those the file uses, in the table's order;
* one block per resource, grouped into sections by kind (:data:`SECTIONS`: by the IRI's path
  for the data, by the class for the ontology and the shapes), each section headed by a
  ``# ── Title ──`` line generated from that table, so the formatter is the only source of
  those comments; blocks sorted by IRI inside a section;
* inside a block ``a`` first, then the labels, then the other predicates in a fixed order;
  each further object on its own line; untagged, then ``@ru``, then ``@en`` literals;
* blank nodes written inline as ``[ ... ]`` and lists as ``( ... )``, never as ``_:`` labels;
* literals as readable UTF-8.

The RDF graph never changes: the output is parsed again and must be isomorphic to the
input, or the file is left alone and the formatter fails.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

SOURCE_BASE = "https://clusterld.example/tomsk/"
"""The placeholder base the shipped files are written under (clusterld.namespaces)."""

VOCABULARY = "https://w3id.org/clusterld/ontology"
"""The ontology's persistent IRI, never rebased (clusterld.namespaces)."""

ID = SOURCE_BASE + "id/"
CLD = Namespace(VOCABULARY + "#")
ORG = Namespace("http://www.w3.org/ns/org#")
ROV = Namespace("http://www.w3.org/ns/regorg#")
SCHEMA = Namespace("http://schema.org/")  # the files use http, as schema.org's own RDF did
PROV = Namespace("http://www.w3.org/ns/prov#")

PREFIXES: tuple[tuple[str, str], ...] = (
    # standard vocabularies
    ("rdf", str(RDF)),
    ("rdfs", str(RDFS)),
    ("owl", str(OWL)),
    ("xsd", str(XSD)),
    ("skos", str(SKOS)),
    ("dcterms", str(DCTERMS)),
    ("foaf", str(FOAF)),
    ("org", str(ORG)),
    ("rov", str(ROV)),
    ("schema", str(SCHEMA)),
    ("prov", str(PROV)),
    ("sh", str(SH)),
    ("vann", "http://purl.org/vocab/vann/"),
    ("void", "http://rdfs.org/ns/void#"),
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("adms", "http://www.w3.org/ns/adms#"),
    ("cc", "http://creativecommons.org/ns#"),
    # ClusterLD's own: the ontology, the shapes, and one prefix per kind of thing under id/
    ("cld", str(CLD)),
    ("shapes", SOURCE_BASE + "shapes#"),
    ("project", ID + "project/"),
    ("cluster", ID + "cluster/"),
    ("council", ID + "council/"),
    ("roadmap", ID + "roadmap/"),
    ("orgs", ID + "org/"),
    ("scheme", ID + "scheme/"),
    ("role", ID + "concept/membership-role/"),
    ("legal", ID + "concept/legal-form/"),
    ("kind", ID + "concept/organisation-kind/"),
    ("industry", ID + "concept/industry/"),
    ("source", ID + "source/"),
    ("place", ID + "place/"),
)
"""Prefix and namespace, in the order they are declared.  (Membership IRIs have a ``/`` in
their local part, which Turtle cannot abbreviate without escapes, so they stay in full.)"""


@dataclass(frozen=True)
class Section:
    """One kind of resource: what it is called in its ``# ── Title ──`` line, and how to know it.

    A resource belongs to the first section (in table order) whose ``iris`` prefix its IRI
    starts with; failing that, to the first whose ``classes`` it has as an ``rdf:type`` or,
    for a shape, as its ``sh:targetClass``; failing that (shapes of a property), to the first
    whose ``properties`` hold its ``sh:path`` or ``sh:targetSubjectsOf``; failing that, to the
    section of the resources that refer to it.  ``note`` is printed under the title in the
    data files; the ontology and the shapes explain themselves in rdfs:comment and sh:message.
    """

    title: str
    note: str = ""
    iris: tuple[str, ...] = ()
    classes: tuple[URIRef, ...] = ()
    properties: tuple[URIRef, ...] = ()


SECTIONS: tuple[Section, ...] = (
    Section("Ontology header", classes=(OWL.Ontology,)),
    Section(
        "Dataset",
        "The dataset as a whole: titles, licence, languages, source and the shapes it meets.",
        iris=(ID + "dataset",),
    ),
    Section("Sources", "The documents the data was taken from.", iris=(ID + "source/",)),
    Section("Places", "The region the clusters are in.", iris=(ID + "place/",)),
    Section(
        "Regional project",
        "The regional project that the clusters were set up to implement.",
        iris=(ID + "project/",),
        classes=(CLD.RegionalProject,),
    ),
    Section(
        "Clusters",
        "The education-industry clusters: industry, lead organisation and members.\n"
        "Every membership is also described as an org:Membership below (with its role).",
        iris=(ID + "cluster/",),
        classes=(CLD.EducationIndustryCluster, ORG.OrganizationalCollaboration),
    ),
    Section(
        "Cluster councils",
        "The councils set up to organise the clusters' activity.",
        iris=(ID + "council/",),
        classes=(CLD.ClusterCouncil,),
    ),
    Section(
        "Roadmaps",
        "The roadmaps that plan the clusters' activity (linked with dcterms:subject).",
        iris=(ID + "roadmap/",),
        classes=(CLD.Roadmap,),
    ),
    Section(
        "Organisations",
        "Colleges, schools, enterprises, government bodies and unions (org:Organization):\n"
        "their names, kinds and legal forms are in organisations.ttl, their clusters in\n"
        "clusters.ttl (org:memberOf).",
        iris=(ID + "org/",),
        classes=(
            ORG.Organization,
            ORG.FormalOrganization,
            ROV.RegisteredOrganization,
            ORG.OrganizationalUnit,
        ),
    ),
    Section(
        "Memberships",
        "Who belongs to what, and in which role: one org:Membership per member and group.",
        iris=(ID + "membership/",),
        classes=(ORG.Membership,),
    ),
    Section(
        "Concept schemes",
        "The code lists; each is recognised by its skos:notation.",
        iris=(ID + "scheme/",),
        classes=(SKOS.ConceptScheme,),
    ),
    Section(
        "Membership roles",
        "The roles an organisation has in a cluster or a union (org:role).",
        iris=(ID + "concept/membership-role/",),
    ),
    Section(
        "Legal forms",
        "Organisational and legal forms, after OKOPF (rov:orgType).",
        iris=(ID + "concept/legal-form/",),
    ),
    Section(
        "Kinds of organisation",
        "What kind of body an organisation is (org:classification).",
        iris=(ID + "concept/organisation-kind/",),
    ),
    Section(
        "Industries",
        "The industries the clusters train their workforce for (cld:industry).",
        iris=(ID + "concept/industry/",),
    ),
    Section("Concepts", classes=(SKOS.Concept,)),
    Section("Classes", classes=(OWL.Class, RDFS.Class)),
    Section(
        "Properties",
        classes=(OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property),
    ),
    Section(
        "Labels",
        properties=(RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel),
    ),
    Section("Dates", properties=(DCTERMS.issued, DCTERMS.created, DCTERMS.modified)),
    Section("Web addresses", properties=(FOAF.homepage, FOAF.page, SCHEMA.url)),
)
OTHER = Section("Other resources")

FIRST_PREDICATES: tuple[URIRef, ...] = (
    RDF.type,
    SH.path,
    RDFS.label,
    SKOS.prefLabel,
    SKOS.altLabel,
    SKOS.hiddenLabel,
    SH.name,
    ROV.legalName,
    DCTERMS.title,
    RDFS.comment,
    SKOS.definition,
    DCTERMS.description,
    SKOS.notation,
    DCTERMS.identifier,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    RDFS.domain,
    RDFS.range,
    SH.targetClass,
    SH.targetSubjectsOf,
)
"""Predicates that open a block, in this order; the others follow sorted by name, then
:data:`LAST_PREDICATES`."""

LAST_PREDICATES: tuple[URIRef, ...] = (
    SH.message,
    SKOS.changeNote,
    SKOS.editorialNote,
    DCTERMS.source,
    PROV.wasDerivedFrom,
)

LANGUAGES = ("ru", "en")
"""Language-tagged literals: untagged first, then these, then any other tag."""

INDENT = "    "
WIDTH = 100
"""A blank node or a list goes on one line if it is short and simple enough to fit."""

RULE = "─"
LOCAL_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?\Z")
INTEGER = re.compile(r"[+-]?[0-9]+\Z")
DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+\Z")


class FormatError(Exception):
    """The file cannot be written in this layout without changing its graph."""


def format_turtle(text: str) -> str:
    """The text of a Turtle document in ClusterLD's layout; the graph stays the same."""
    graph = Graph(bind_namespaces="none")
    graph.parse(data=text, format="turtle")
    output = _Writer(graph).write(_header(text))
    again = Graph(bind_namespaces="none")
    again.parse(data=output, format="turtle")
    if not isomorphic(graph, again):
        raise FormatError("the formatted text would not hold the same graph")
    return output


def _header(text: str) -> list[str]:
    """The leading comment block, verbatim (without trailing blanks at line ends)."""
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line.rstrip())
    return header


class _Writer:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.used: set[str] = set()
        self.referrers: dict[Node, list[Node]] = {}
        for s, _, o in graph:
            if isinstance(o, URIRef | BNode) and o != s:
                self.referrers.setdefault(o, []).append(s)

    # -- the document ---------------------------------------------------------------------

    def write(self, header: list[str]) -> str:
        sections: dict[Section, list[Node]] = {}
        for subject in self._top_subjects():
            sections.setdefault(self._section(subject), []).append(subject)
        body: list[str] = []
        for section in (*SECTIONS, OTHER):
            subjects = sections.get(section)
            if not subjects:
                continue
            body.append(_rule(section.title))
            if section.note and any(str(s).startswith(ID) for s in subjects):
                body.extend(f"# {line}" for line in section.note.splitlines())
            body.append("")
            for subject in sorted(subjects, key=self._subject_key):
                body.extend(self._block(subject))
                body.append("")
        lines = list(header)
        if header:
            lines.append("")
        lines.extend(self._prefix_lines())
        lines.append("")
        lines.extend(body)
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines) + "\n"

    def _prefix_lines(self) -> list[str]:
        used = [(prefix, ns) for prefix, ns in PREFIXES if prefix in self.used]
        width = max((len(prefix) for prefix, _ in used), default=0) + 1
        return [f"@prefix {prefix + ':':<{width}} <{ns}> ." for prefix, ns in used]

    def _top_subjects(self) -> list[Node]:
        """Every subject that gets its own block: IRIs, and blank nodes nobody refers to."""
        subjects = set(self.graph.subjects())
        for subject in subjects:
            if isinstance(subject, BNode) and len(self.referrers.get(subject, [])) > 1:
                raise FormatError(f"blank node {subject.n3()} is used more than once")
        return [s for s in subjects if isinstance(s, URIRef) or s not in self.referrers]

    def _subject_key(self, subject: Node) -> tuple[int, str]:
        """Node shapes before property shapes, then by IRI (blank nodes by their text)."""
        rank = 1 if (subject, RDF.type, SH.PropertyShape) in self.graph else 0
        if isinstance(subject, BNode):
            return rank + 2, "\n".join(self._block(subject, dry=True))
        return rank, str(subject)

    # -- sections -------------------------------------------------------------------------

    def _section(self, subject: Node, seen: frozenset[Node] = frozenset()) -> Section:
        iri = str(subject) if isinstance(subject, URIRef) else None
        classes = {*self.graph.objects(subject, RDF.type)}
        classes.update(self.graph.objects(subject, SH.targetClass))
        properties = {*self.graph.objects(subject, SH.targetSubjectsOf)}
        properties.update(self.graph.objects(subject, SH.path))
        tests: tuple[Callable[[Section], bool], ...] = (
            lambda s: iri is not None and iri.startswith(s.iris),
            lambda s: not classes.isdisjoint(s.classes),
            lambda s: not properties.isdisjoint(s.properties),
        )
        for test in tests:
            for section in SECTIONS:
                if test(section):
                    return section
        # A shape of one resource's (or a blank node inside it): that resource's section
        referrers = {self._root(r) for r in self.referrers.get(subject, [])} - {subject, *seen}
        found = {self._section(r, seen | {subject}) for r in referrers}
        return found.pop() if len(found) == 1 else OTHER

    def _root(self, node: Node) -> Node:
        """The resource whose block a blank node is written in."""
        while isinstance(node, BNode) and len(self.referrers.get(node, [])) == 1:
            node = self.referrers[node][0]
        return node

    # -- blocks ---------------------------------------------------------------------------

    def _block(self, subject: Node, *, dry: bool = False) -> list[str]:
        """The lines of one resource's block, ending in `` .``."""
        if isinstance(subject, BNode):
            lines = self._blank(subject, "", 0, dry)
            lines[-1] += " ."
            return lines
        lines = [self._term(subject, dry=dry)]
        properties = self._properties(subject)
        for i, (predicate, objects) in enumerate(properties):
            end = " ." if i == len(properties) - 1 else " ;"
            lines.extend(self._predicate(predicate, objects, INDENT, end, dry))
        return lines

    def _properties(self, subject: Node) -> list[tuple[URIRef, list[Node]]]:
        by_predicate: dict[URIRef, list[Node]] = {}
        for p, o in self.graph.predicate_objects(subject):
            by_predicate.setdefault(URIRef(str(p)), []).append(o)
        return [(p, by_predicate[p]) for p in sorted(by_predicate, key=self._predicate_key)]

    def _predicate_key(self, predicate: URIRef) -> tuple[int, int, str]:
        if predicate in FIRST_PREDICATES:
            return 0, FIRST_PREDICATES.index(predicate), ""
        if predicate in LAST_PREDICATES:
            return 2, LAST_PREDICATES.index(predicate), ""
        return 1, 0, self._iri(predicate, dry=True)

    def _predicate(
        self, predicate: URIRef, objects: list[Node], indent: str, end: str, dry: bool
    ) -> list[str]:
        """``predicate object`` lines, further objects each on their own line."""
        verb = "a" if predicate == RDF.type else self._iri(predicate, dry=dry)
        ordered = sorted(objects, key=lambda o: self._object(o, "", 0, True)[0])
        lines: list[str] = []
        for n, node in enumerate(ordered):
            start = f"{indent}{verb} " if n == 0 else indent + INDENT
            base = indent if n == 0 else indent + INDENT
            object_lines = self._object(node, base, len(start), dry)[1]
            lines.append(start + object_lines[0])
            lines.extend(object_lines[1:])
            lines[-1] += end if n == len(ordered) - 1 else ","
        return lines

    def _object(
        self, node: Node, indent: str, column: int, dry: bool
    ) -> tuple[tuple[int, str], list[str]]:
        """A sort key and the lines of one object that starts at ``column`` of a line indented
        by ``indent``: its first line without the indentation, the others with it."""
        if isinstance(node, Literal):
            return (1, self._literal_key(node)), [self._literal(node, dry)]
        if isinstance(node, BNode):
            if self._is_list(node):
                lines = self._list(node, indent, column, dry)
            else:
                lines = self._blank(node, indent, column, dry)
            return (2, " ".join(line.strip() for line in lines)), lines
        text = self._term(node, dry=dry)
        return (0, text), [text]

    def _blank(self, node: BNode, indent: str, column: int, dry: bool) -> list[str]:
        """``[ p o ; p o ]`` on one line if it is simple and fits, else one predicate a line."""
        properties = self._properties(node)
        if not properties:
            return ["[]"]
        if len(properties) <= 2 and all(len(objects) == 1 for _, objects in properties):
            parts = [self._predicate(p, objects, "", "", dry) for p, objects in properties]
            line = "[ " + " ; ".join(part[0] for part in parts) + " ]"
            if all(len(part) == 1 for part in parts) and column + len(line) + 2 <= WIDTH:
                return [line]
        lines = ["["]
        for predicate, objects in properties:
            lines.extend(self._predicate(predicate, objects, indent + INDENT, " ;", dry))
        lines.append(indent + "]")
        return lines

    def _is_list(self, node: Node) -> bool:
        """A well-formed RDF list whose cells are used only here."""
        while node != RDF.nil:
            if not isinstance(node, BNode) or len(self.referrers.get(node, [])) != 1:
                return False
            if sorted(map(str, self.graph.predicates(node))) != [str(RDF.first), str(RDF.rest)]:
                return False
            if len(list(self.graph.objects(node, RDF.rest))) != 1:
                return False
            node = self.graph.value(node, RDF.rest)  # type: ignore[assignment]
        return True

    def _list(self, node: Node, indent: str, column: int, dry: bool) -> list[str]:
        """``( a b c )`` on one line if it fits, else one item a line."""
        nodes: list[Node] = []
        while node != RDF.nil:
            nodes.append(self.graph.value(node, RDF.first))  # type: ignore[arg-type]
            node = self.graph.value(node, RDF.rest)  # type: ignore[assignment]
        if not nodes:
            return ["()"]
        items = [self._object(item, "", 0, dry)[1] for item in nodes]
        line = "( " + " ".join(item[0] for item in items) + " )"
        if all(len(item) == 1 for item in items) and column + len(line) + 2 <= WIDTH:
            return [line]
        lines = ["("]
        for item in nodes:
            item_lines = self._object(item, indent + INDENT, len(indent + INDENT), dry)[1]
            lines.append(indent + INDENT + item_lines[0])
            lines.extend(item_lines[1:])
        lines.append(indent + ")")
        return lines

    # -- terms ----------------------------------------------------------------------------

    def _term(self, node: Node, *, dry: bool) -> str:
        if isinstance(node, URIRef):
            return self._iri(node, dry=dry)
        raise FormatError(f"cannot write {node!r} here")

    def _iri(self, iri: URIRef, *, dry: bool) -> str:
        """``prefix:local`` with the longest namespace that fits, else ``<iri>``."""
        fits = [
            (len(namespace), prefix, iri[len(namespace) :])
            for prefix, namespace in PREFIXES
            if iri.startswith(namespace) and LOCAL_NAME.match(iri[len(namespace) :])
        ]
        if not fits:
            return f"<{_escape_iri(iri)}>"
        _, prefix, local = max(fits)
        if not dry:
            self.used.add(prefix)
        return f"{prefix}:{local}"

    def _literal(self, literal: Literal, dry: bool) -> str:
        lexical = str(literal)
        if literal.datatype == XSD.integer and INTEGER.match(lexical):
            return lexical
        if literal.datatype == XSD.decimal and DECIMAL.match(lexical):
            return lexical
        if literal.datatype == XSD.boolean and lexical in ("true", "false"):
            return lexical
        text = _quote(lexical)
        if literal.language:
            return f"{text}@{literal.language}"
        if literal.datatype is not None:
            return f"{text}^^{self._iri(literal.datatype, dry=dry)}"
        return text

    @staticmethod
    def _literal_key(literal: Literal) -> str:
        language = (literal.language or "").lower()
        if not language:
            rank = 0
        elif language in LANGUAGES:
            rank = 1 + LANGUAGES.index(language)
        else:
            rank = 1 + len(LANGUAGES)
        return f"{rank}\t{language}\t{literal.datatype or ''}\t{literal}"


def _rule(title: str) -> str:
    line = f"# {RULE * 2} {title} "
    return line + RULE * max(2, 80 - len(line))


def _quote(text: str) -> str:
    if "\n" in text:
        body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r")
        return f'"""{body}"""'
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\t", "\\t")
    )
    return f'"{_escape_controls(escaped)}"'


def _escape_controls(text: str) -> str:
    return "".join(f"\\u{ord(c):04X}" if ord(c) < 0x20 and c != "\n" else c for c in text)


def _escape_iri(iri: str) -> str:
    return "".join(f"\\u{ord(c):04X}" if c in '<>"{}|^`\\' or ord(c) <= 0x20 else c for c in iri)


# -- the command ------------------------------------------------------------------------------


def format_file(path: Path, *, check: bool) -> bool:
    """Format one file (or with ``check`` only look); whether it was (or would be) changed."""
    text = path.read_text(encoding="utf-8")
    formatted = format_turtle(text)
    if formatted == text:
        return False
    if not check:
        path.write_text(formatted, encoding="utf-8", newline="\n")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a file would change"
    )
    args = parser.parse_args(argv)
    changed: list[Path] = []
    failed = False
    for path in _unique(args.files):
        try:
            if format_file(path, check=args.check):
                changed.append(path)
        except (OSError, FormatError, SyntaxError, ValueError) as error:
            print(f"{path}: {error}", file=sys.stderr)
            failed = True
    for path in changed:
        print(f"{'would reformat' if args.check else 'reformatted'} {path}")
    if failed:
        return 2
    return 1 if args.check and changed else 0


def _unique(paths: Iterable[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))


if __name__ == "__main__":
    sys.exit(main())
