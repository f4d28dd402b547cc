"""The official DCAT-AP shapes (SEMICeu/DCAT-AP, copied into ``tests/data/dcat-ap/``), run as a
portal's validator runs them: RDFS inference, the EU code lists (here a stand-in, see the
README there) merged with the catalog, and only ``sh:Violation`` results counting."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SH

from clusterld.shacl.engine import ValidationReport, ValidationResult, validate

FOLDER = Path(__file__).parent / "data" / "dcat-ap"
SHAPES = {
    "3.0.1": (
        "3.0.1__shacl__dcat-ap-SHACL.ttl",
        "3.0.1__shacl__ranges.fixed.ttl",
        "3.0.1__html__shacl__mdr-vocabularies.shape.fixed.ttl",
    ),
    "2.1.1": (
        "2.1.1__dcat-ap_2.1.1_shacl_shapes.ttl",
        "2.1.1__dcat-ap_2.1.1_shacl_range.ttl",
        "2.1.1__dcat-ap_2.1.1_shacl_mdr-vocabularies.shape.ttl",
    ),
}
STAND_IN = FOLDER / "eu-vocabularies-stand-in.ttl"


@cache
def official_shapes(release: str) -> Graph:
    """The official shapes of a DCAT-AP release, parsed once."""
    shapes = Graph()
    for name in SHAPES[release]:
        shapes.parse(FOLDER / name, format="turtle")
    return shapes


def official_report(
    *graphs: Graph, release: str, code_lists: bool = True
) -> tuple[ValidationReport, list[ValidationResult]]:
    """The report of the official shapes on the merged ``graphs``, and its violations."""
    data = Graph()
    for graph in graphs:
        data += graph
    if code_lists:
        data.parse(STAND_IN, format="turtle")
    report = validate(data, official_shapes(release), inference="rdfs")
    return report, [r for r in report.results if r.severity == SH.Violation]
