"""The two SHACL engines agree: the fast one (``shacl``, Rust) decides the publishing gate,
pyshacl is the reference that ``clusterld validate`` and the validation service use.

Every fixture, the shipped data and a few single-rule mutations are loaded and materialised
as a publish does, then validated by both engines; the verdict and the multiset of results
(focus node, path, value, severity, messages, source shape) must be the same.  A source shape
that is a blank node has a different label in each engine's report, so it is compared by its
``sh:path`` and the IRI of the node shape that has it as ``sh:property``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import shacl
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from clusterld import config
from clusterld.dataset.inference import materialise
from clusterld.dataset.loading import load_graph, parse_text
from clusterld.namespaces import SOURCE_BASE
from clusterld.shacl.engine import (
    ValidationReport,
    ValidationResult,
    report_from_graph,
    validate,
    validate_ntriples_file,
)

FIXTURES = Path(__file__).parent / "data"
MINIMAL = FIXTURES / "valid" / "minimal.ttl"
CASES = sorted((FIXTURES / "invalid").glob("*.ttl")) + sorted((FIXTURES / "valid").glob("*.ttl"))
SETTINGS = config.load()
ROOT = "urn:x-root-shape:"
"""Stands for a blank source shape of the fast engine: the IRI of its enclosing node shape."""

Key = tuple[Node, str | None, Node | None, Node, frozenset[tuple[str, str]], object]


def shipped(key: str) -> Graph:
    return load_graph(SETTINGS[key], source_base=SOURCE_BASE, base=SOURCE_BASE)


ONTOLOGY = shipped("ONTOLOGY_PATHS")
SHAPES = shipped("SHAPES_PATHS")


def materialised(data: Graph) -> Graph:
    materialise(data, ONTOLOGY)
    return data


def reference_keys(report: ValidationReport, shapes: Graph) -> Counter[Key]:
    """pyshacl's results; a blank source shape is the shapes graph's own node."""

    def shape_key(result: ValidationResult) -> object:
        shape = result.source_shape
        if not isinstance(shape, BNode):
            return shape
        parent = _named_parent(shapes, shape)
        path = report.results_graph.value(shape, SH.path)
        rendered = _render(report.results_graph, path) if path is not None else None
        return ("property", parent, rendered)

    return Counter(_key(result, shape_key(result)) for result in report.results)


def fast_keys(nt_file: Path, shapes: Graph) -> tuple[bool, Counter[Key]]:
    """The fast engine's verdict and results, through ``validate_ntriples_file``.

    Its report names a blank source shape by a label of its own, which the shapes graph does
    not know; the engine's raw results say which named shape encloses it (``root_shape``),
    so a second raw run with the same compiled shapes supplies that, and the test checks that
    the two runs report the same results.
    """
    report = validate_ntriples_file(nt_file, shapes)
    compiled = shacl.Shapes.from_text(shapes.serialize(format="nt"), format="ntriples")
    raw = compiled.validate_file(str(nt_file), allow_warnings=True)
    turtle = raw.turtle
    for result in raw.results:
        if result.source_shape and result.source_shape.startswith("_:"):
            assert result.root_shape and result.root_shape.startswith("<"), result
            label = re.escape(result.source_shape) + r"(?![\w.-]*\w)"
            turtle = re.sub(label, f"<{ROOT}{result.root_shape[1:-1]}>", turtle)
    resolved = report_from_graph(Graph().parse(data=turtle, format="turtle"), conforms=raw.conforms)

    def shape_key(result: ValidationResult) -> object:
        shape = result.source_shape
        if isinstance(shape, URIRef) and shape.startswith(ROOT):
            return ("property", URIRef(shape[len(ROOT) :]), result.path)
        return shape

    def blank(keys: Counter[Key]) -> Counter[Key]:
        return Counter({(*k[:5], "blank" if _is_blank(k[5]) else k[5]): n for k, n in keys.items()})

    keys = Counter(_key(result, shape_key(result)) for result in resolved.results)
    plain = Counter(
        _key(r, "blank" if isinstance(r.source_shape, BNode) else r.source_shape)
        for r in report.results
    )
    assert blank(keys) == plain, "the raw run and validate_ntriples_file disagree"
    assert resolved.conforms == report.conforms
    return report.conforms, keys


def _is_blank(shape: object) -> bool:
    return isinstance(shape, tuple) and shape[0] == "property"


def _key(result: ValidationResult, shape: object) -> Key:
    return (
        result.focus_node,
        result.path,
        result.value,
        result.severity,
        frozenset(result.messages.items()),
        shape,
    )


def _named_parent(shapes: Graph, shape: Node) -> URIRef | None:
    """The nearest named shape that has ``shape`` as ``sh:property`` (walking upwards)."""
    seen: set[Node] = set()
    while isinstance(shape, BNode) and shape not in seen:
        seen.add(shape)
        parent = shapes.value(None, SH.property, shape)
        if parent is None:
            return None
        shape = parent
    return shape if isinstance(shape, URIRef) else None


def _render(graph: Graph, path: Node) -> str:
    from clusterld.shacl.engine import render_path

    return render_path(graph, path)


def assert_engines_agree(data: Graph, tmp_path: Path, shapes: Graph = SHAPES) -> bool:
    nt_file = tmp_path / "data.nt"
    data.serialize(nt_file, format="nt", encoding="utf-8")
    reference = validate(data, shapes)
    conforms, fast = fast_keys(nt_file, shapes)
    assert conforms == reference.conforms
    expected = reference_keys(reference, shapes)
    assert fast == expected, (
        f"only pyshacl: {expected - fast}\nonly the fast engine: {fast - expected}"
    )
    return conforms


@pytest.mark.parametrize("fixture", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_engines_agree_on_every_fixture(fixture: Path, tmp_path: Path) -> None:
    data = materialised(load_graph([fixture], source_base=SOURCE_BASE, base=SOURCE_BASE))
    conforms = assert_engines_agree(data, tmp_path)
    assert conforms == (fixture.parent.name == "valid")


def test_the_engines_agree_on_the_shipped_data(tmp_path: Path) -> None:
    assert assert_engines_agree(materialised(shipped("DATA_PATHS")), tmp_path)


def mutated(old: str, new: str, extra: str = "") -> Graph:
    text = MINIMAL.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1) + extra
    return materialised(parse_text(text, "turtle", source="mutation.ttl"))


def test_an_upper_case_language_tag(tmp_path: Path) -> None:
    """``@EN`` is ``@en``: language tags compare case-insensitively in both engines."""
    data = mutated('"Example college"@en', '"Example college"@EN')
    assert assert_engines_agree(data, tmp_path)


@pytest.mark.parametrize("date", ["2021-02-30", "31.03.2021", "2021-3-31"])
def test_an_ill_formed_date(date: str, tmp_path: Path) -> None:
    """A literal typed xsd:date whose lexical form is not a date fails sh:datatype."""
    data = mutated('"2021-03-31"^^xsd:date', f'"{date}"^^xsd:date')
    assert not assert_engines_agree(data, tmp_path)


def test_an_instance_typed_only_with_a_subclass_declared_in_the_data(tmp_path: Path) -> None:
    """``sh:targetClass`` reaches instances of subclasses through the data's own
    ``rdfs:subClassOf`` (no materialisation adds the super-type: the class is not in the
    ontology); both engines then find the same missing labels and kind."""
    extra = """
<https://clusterld.example/tomsk/id/class/Workshop> rdfs:subClassOf org:Organization .
orgs:workshop a <https://clusterld.example/tomsk/id/class/Workshop> .
"""
    data = mutated("", "", extra)
    assert not assert_engines_agree(data, tmp_path)
    workshop = URIRef(f"{SOURCE_BASE}id/org/workshop")
    assert any(result.focus_node == workshop for result in validate(data, SHAPES).results)


def test_a_warning_does_not_fail_the_gate(tmp_path: Path) -> None:
    """A shape of severity ``sh:Warning`` reports but does not break conformance, in the
    reference (``allow_warnings``) as in the gate."""
    shapes = Graph()
    shapes += SHAPES
    parse_text(
        """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://clusterld.example/tomsk/shapes#HomepageAdvice> a sh:NodeShape ;
    sh:targetClass foaf:Document ;
    sh:property [ sh:path foaf:homepage ; sh:minCount 1 ; sh:severity sh:Warning ;
                  sh:message "A document should have a homepage."@en ] .
""",
        "turtle",
        source="warning.ttl",
        graph=shapes,
    )
    data = materialised(load_graph([MINIMAL], source_base=SOURCE_BASE, base=SOURCE_BASE))
    assert assert_engines_agree(data, tmp_path, shapes)
    report = validate(data, shapes)
    assert report.count(SH.Warning) == 1
