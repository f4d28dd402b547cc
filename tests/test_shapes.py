"""The SHACL shapes: each rule catches a small broken fixture, with its message in Russian and
English and on the right focus node; the shapes pass SHACL-SHACL; and they do not depend on the
base IRI the dataset is published under.

Fixtures: ``data/valid/minimal.ttl`` conforms; every file in ``data/invalid/`` is a copy of it
with one thing broken (see the comment at the top of each file).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from clusterld import config
from clusterld.dataset.loading import load_graph, parse_file
from clusterld.namespaces import SOURCE_BASE
from clusterld.shacl.engine import ValidationReport, validate, validate_shapes

FIXTURES = Path(__file__).parent / "data"
VALID = FIXTURES / "valid" / "minimal.ttl"
INVALID = FIXTURES / "invalid"
OTHER_BASES = ("https://example.org/a/", "http://localhost:9999/")


@dataclass(frozen=True)
class Broken:
    """A broken fixture and the violation it must cause: focus node (a path under ``id/``)
    and substrings of the English and Russian ``sh:resultMessage``."""

    name: str
    focus: str
    en: str
    ru: str

    @property
    def path(self) -> Path:
        return INVALID / f"{self.name}.ttl"

    def focus_node(self, base: str = SOURCE_BASE) -> URIRef:
        return URIRef(f"{base}id/{self.focus}")


CLUSTER = "cluster/example"
COLLEGE = "org/example-college"
COMPANY = "org/example-company"
BRANCH = "org/example-college-branch"
COMPANY_MEMBERSHIP = "membership/example/example-company"
SOURCE_PAGE = "source/example-page"
PARTICIPANT_ROLE = "concept/membership-role/participant"

LEAD_EN, LEAD_RU = "exactly one lead organisation", "ровно одна ведущая организация"
ISSUED_EN = "date of issue (dcterms:issued) must be an xsd:date"
ISSUED_RU = "Дата публикации (dcterms:issued) должна иметь тип xsd:date"
LANG_EN = "A label (rdfs:label) must carry the language tag @ru or @en"
LANG_RU = "У названия (rdfs:label) должен быть языковой тег @ru или @en"

BROKEN: tuple[Broken, ...] = (
    Broken("cluster-without-lead", CLUSTER, LEAD_EN, LEAD_RU),
    Broken("cluster-with-two-leads", CLUSTER, LEAD_EN, LEAD_RU),
    Broken(
        "cluster-without-industry",
        CLUSTER,
        "A cluster must have exactly one industry",
        "У кластера должна быть ровно одна отрасль",
    ),
    Broken(
        "cluster-without-source",
        CLUSTER,
        "A cluster must name its source (dcterms:source",
        "У кластера должен быть указан источник",
    ),
    Broken(
        "organisation-without-russian-label",
        COLLEGE,
        "A Russian label is required (rdfs:label tagged @ru)",
        "Нужно название на русском языке",
    ),
    Broken(
        "organisation-without-english-label",
        COLLEGE,
        "An English label is required (rdfs:label tagged @en)",
        "Нужно название на английском языке",
    ),
    # the English label lost its tag: also "English label required", on the same node
    Broken("label-without-language", COLLEGE, LANG_EN, LANG_RU),
    Broken("label-in-german", COLLEGE, LANG_EN, LANG_RU),
    Broken(
        "membership-without-member",
        COMPANY_MEMBERSHIP,
        "A membership must have exactly one member (org:member)",
        "У членства должен быть ровно один член (org:member)",
    ),
    Broken(
        "membership-without-organisation",
        COMPANY_MEMBERSHIP,
        "A membership must have exactly one organisation",
        "У членства должна быть ровно одна организация",
    ),
    Broken(
        "membership-without-role",
        COMPANY_MEMBERSHIP,
        "A membership must have at least one role (org:role)",
        "У членства должна быть хотя бы одна роль (org:role)",
    ),
    Broken(
        "membership-without-source",
        COMPANY_MEMBERSHIP,
        "A membership must name its source",
        "У членства должен быть указан источник",
    ),
    Broken("issued-as-string", SOURCE_PAGE, ISSUED_EN, ISSUED_RU),
    Broken("issued-as-datetime", SOURCE_PAGE, ISSUED_EN, ISSUED_RU),
    Broken(
        "homepage-as-literal",
        COLLEGE,
        "A homepage (foaf:homepage) must be an IRI, not a literal",
        "Сайт (foaf:homepage) должен быть IRI, а не строкой",
    ),
    Broken(
        "organisation-without-kind",
        COMPANY,
        "An organisation must have a kind",
        "У организации должен быть указан вид",
    ),
    Broken(
        "registered-organisation-without-legal-form",
        COLLEGE,
        "A registered organisation must have exactly one legal form (rov:orgType)",
        "У юридического лица должна быть ровно одна организационно-правовая форма",
    ),
    # rov:orgType points at a concept of another scheme: sh:node LegalFormShape fails
    Broken(
        "legal-form-outside-scheme",
        COLLEGE,
        "A registered organisation must have exactly one legal form (rov:orgType)",
        "У юридического лица должна быть ровно одна организационно-правовая форма",
    ),
    Broken(
        "unit-without-parent",
        BRANCH,
        "A unit must belong to exactly one formal organisation",
        "Подразделение должно входить ровно в одну организацию",
    ),
    Broken(
        "concept-without-scheme",
        PARTICIPANT_ROLE,
        "A concept must belong to a concept scheme",
        "Понятие должно входить в схему понятий",
    ),
    Broken(
        "concept-with-two-russian-preflabels",
        PARTICIPANT_ROLE,
        "at most one per language",
        "не больше одного на язык",
    ),
)
BROKEN_PARAMS = [pytest.param(case, id=case.name) for case in BROKEN]


@dataclass(frozen=True)
class ReportedResult:
    """A top-level ``sh:result`` of a report graph, read straight from the graph."""

    focus: Node
    messages: dict[str, str]


def reported_results(report: ValidationReport) -> list[ReportedResult]:
    """The results that the ``sh:ValidationReport`` lists with ``sh:result``."""
    graph = report.results_graph
    (report_node,) = graph.subjects(RDF.type, SH.ValidationReport)
    found = []
    for result in graph.objects(report_node, SH.result):
        messages = {
            message.language or "": str(message)
            for message in graph.objects(result, SH.resultMessage)
            if isinstance(message, Literal)
        }
        found.append(ReportedResult(graph.value(result, SH.focusNode), messages))
    return found


def load(path: Path, base: str = SOURCE_BASE) -> Graph:
    return load_graph([path], source_base=SOURCE_BASE, base=base)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_graph(config.load()["SHAPES_PATHS"], source_base=SOURCE_BASE, base=SOURCE_BASE)


@pytest.fixture(scope="module")
def shipped_data() -> Graph:
    return load_graph(config.load()["DATA_PATHS"], source_base=SOURCE_BASE, base=SOURCE_BASE)


# --- The fixtures themselves ----------------------------------------------------------------


def test_minimal_fixture_conforms(shapes: Graph) -> None:
    report = validate(load(VALID), shapes)
    assert report.conforms, report.text
    assert reported_results(report) == []


def test_every_broken_fixture_is_in_the_table() -> None:
    on_disk = {path.stem for path in INVALID.glob("*.ttl")}
    assert on_disk == {case.name for case in BROKEN}
    assert not [p for p in INVALID.iterdir() if p.suffix != ".ttl"], "only Turtle fixtures here"


@pytest.mark.parametrize("case", BROKEN_PARAMS)
def test_broken_fixture_differs_minimally_from_the_valid_one(case: Broken) -> None:
    valid, broken = set(parse_file(VALID)), set(parse_file(case.path))
    removed, added = valid - broken, broken - valid
    assert 1 <= len(removed) + len(added) <= 2, (removed, added)


# --- Each rule catches its fixture, with its messages -------------------------------------


@pytest.mark.parametrize("case", BROKEN_PARAMS)
def test_shapes_catch_broken_fixture_with_its_message(case: Broken, shapes: Graph) -> None:
    report = validate(load(case.path), shapes)
    assert not report.conforms
    results = reported_results(report)
    assert any(
        result.focus == case.focus_node()
        and case.en in result.messages.get("en", "")
        and case.ru in result.messages.get("ru", "")
        for result in results
    ), [(str(r.focus), r.messages) for r in results]
    # the break is local: nothing else in the fixture is reported
    assert {result.focus for result in results} == {case.focus_node()}


@pytest.mark.parametrize("case", BROKEN_PARAMS)
def test_every_result_has_a_message_in_russian_and_english(case: Broken, shapes: Graph) -> None:
    for result in reported_results(validate(load(case.path), shapes)):
        assert set(result.messages) == {"ru", "en"}, result.messages
        assert all(text.strip() for text in result.messages.values())


def test_every_property_shape_has_a_message_in_russian_and_english(shapes: Graph) -> None:
    property_shapes = set(shapes.objects(None, SH.property)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    assert len(property_shapes) >= 14
    for shape in property_shapes:
        messages = shapes.objects(shape, SH.message)
        languages = sorted(m.language or "" for m in messages if isinstance(m, Literal))
        assert languages == ["en", "ru"], shape


def test_nested_details_are_not_reported_as_results(shapes: Graph) -> None:
    report = validate(load(INVALID / "legal-form-outside-scheme.ttl"), shapes)
    assert len(reported_results(report)) == 1
    assert len(report.results) == 1


@pytest.mark.parametrize("case", BROKEN_PARAMS)
def test_validation_results_mirror_the_report_graph(case: Broken, shapes: Graph) -> None:
    """``ValidationReport.results`` carries the focus nodes and messages of the report."""
    report = validate(load(case.path), shapes)
    reported = {(r.focus, tuple(sorted(r.messages.items()))) for r in reported_results(report)}
    unpacked = {(r.focus_node, tuple(sorted(r.messages.items()))) for r in report.results}
    assert reported <= unpacked
    assert report.count(SH.Violation) >= len(reported)


# --- SHACL-SHACL ------------------------------------------------------------------------------


def test_shapes_conform_to_shacl_shacl(shapes: Graph) -> None:
    report = validate_shapes(shapes)
    assert report.conforms, report.text


def test_shacl_shacl_catches_a_malformed_shape(shapes: Graph) -> None:
    """The meta-validation is real: a shape with a non-integer sh:minCount fails it."""
    broken = Graph() + shapes
    shape = URIRef(f"{SOURCE_BASE}shapes#ClusterSourceShape")
    broken.set((shape, SH.minCount, Literal("one")))
    assert not validate_shapes(broken).conforms


# --- Base independence ------------------------------------------------------------------------


def iris(graph: Graph) -> Iterator[URIRef]:
    for triple in graph:
        yield from (term for term in triple if isinstance(term, URIRef))


@pytest.mark.parametrize("base", OTHER_BASES)
def test_rebased_data_conforms_to_rebased_shapes(base: str, shipped_data: Graph) -> None:
    settings = config.load()
    data = load_graph(settings["DATA_PATHS"], source_base=SOURCE_BASE, base=base)
    shapes = load_graph(settings["SHAPES_PATHS"], source_base=SOURCE_BASE, base=base)
    assert len(data) == len(shipped_data)
    assert not [iri for iri in iris(data) if iri.startswith(SOURCE_BASE)]
    assert any(iri.startswith(f"{base}id/cluster/") for iri in iris(data))
    report = validate(data, shapes)
    assert report.conforms, report.text


@pytest.mark.parametrize("base", OTHER_BASES)
def test_rebased_data_conforms_to_shapes_as_written(base: str, shapes: Graph) -> None:
    """The real base independence: the shapes as shipped check data published anywhere."""
    data = load_graph(config.load()["DATA_PATHS"], source_base=SOURCE_BASE, base=base)
    assert not [iri for iri in iris(data) if iri.startswith(SOURCE_BASE)]
    report = validate(data, shapes)
    assert report.conforms, report.text


@pytest.mark.parametrize("base", OTHER_BASES)
@pytest.mark.parametrize(
    "rebase_shapes", [True, False], ids=["shapes-rebased", "shapes-as-written"]
)
@pytest.mark.parametrize(
    "case", [pytest.param(case, id=case.name) for case in BROKEN if case.focus == CLUSTER]
)
def test_rebased_broken_fixture_is_still_caught(
    case: Broken, rebase_shapes: bool, base: str, shapes: Graph
) -> None:
    shapes_used = load(config.load()["SHAPES_PATHS"][0], base) if rebase_shapes else shapes
    report = validate(load(case.path, base), shapes_used)
    assert not report.conforms
    assert {r.focus for r in reported_results(report)} == {case.focus_node(base)}
    assert any(case.en in r.messages["en"] for r in reported_results(report))


def test_rebased_valid_fixture_conforms_to_shapes_as_written(shapes: Graph) -> None:
    for base in OTHER_BASES:
        report = validate(load(VALID, base), shapes)
        assert report.conforms, report.text


def path_iris(graph: Graph, path: Node) -> Iterator[Node]:
    """Every IRI a SHACL property path mentions (sequence, inverse, alternative, ...)."""
    if isinstance(path, URIRef):
        yield path
    elif isinstance(path, BNode):  # a list (rdf:first/rdf:rest) or sh:inversePath etc.
        for inner in graph.objects(path):
            if inner != RDF.nil:
                yield from path_iris(graph, inner)


def test_shape_constraints_name_no_iri_under_the_source_base(shapes: Graph) -> None:
    named: list[Node] = []
    for predicate in (
        SH.hasValue,
        SH["class"],
        SH.targetClass,
        SH.targetNode,
        SH.targetSubjectsOf,
        SH.targetObjectsOf,
        SH.datatype,
    ):
        named.extend(shapes.objects(None, predicate))
    for value_list in shapes.objects(None, SH["in"]):
        named.extend(Collection(shapes, value_list))
    for path in shapes.objects(None, SH.path):
        named.extend(path_iris(shapes, path))
    assert len(set(named)) >= 10, "the shapes should constrain something"
    under_base = [str(term) for term in named if str(term).startswith(SOURCE_BASE)]
    assert under_base == []


def test_only_shape_names_are_under_the_source_base(shapes: Graph) -> None:
    shape_types = (SH.NodeShape, SH.PropertyShape)
    allowed = {s for t in shape_types for s in shapes.subjects(RDF.type, t)}
    allowed.add(URIRef(f"{SOURCE_BASE}shapes"))  # the shapes document itself
    under_base = {iri for iri in iris(shapes) if iri.startswith(SOURCE_BASE)}
    assert under_base, "shape names are written under the source base"
    assert under_base <= allowed, sorted(under_base - allowed)
