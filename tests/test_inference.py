"""Loading adds the super-types and shortcuts that consumers without a reasoner need."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from clusterld import config
from clusterld.cli import cli
from clusterld.dataset.inference import materialise
from clusterld.dataset.loading import load_graph
from clusterld.namespaces import CLD as CLD_NAMESPACE
from clusterld.namespaces import ORG, SOURCE_BASE

SETTINGS = config.load()
CLD = str(CLD_NAMESPACE)
ID = f"{SOURCE_BASE}id/"
PREFIXES = f"""
@prefix cld: <{CLD}> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""


def shipped(key: str) -> Graph:
    return load_graph(SETTINGS[key], source_base=SOURCE_BASE, base=SOURCE_BASE)


def test_the_shipped_files_already_carry_every_entailment() -> None:
    """Raw files stay complete for consumers who read them without ClusterLD."""
    assert materialise(shipped("DATA_PATHS"), shipped("ONTOLOGY_PATHS")) == 0


def test_super_types_come_from_the_ontology_and_the_standards() -> None:
    data = Graph().parse(
        data=PREFIXES + f"<{ID}cluster/new> a cld:EducationIndustryCluster .", format="turtle"
    )
    materialise(data, shipped("ONTOLOGY_PATHS"))
    types = set(data.objects(URIRef(f"{ID}cluster/new"), RDF.type))
    assert {ORG.OrganizationalCollaboration, ORG.Organization} <= types


def test_memberships_and_units_get_their_shortcuts_and_inverses() -> None:
    data = Graph().parse(
        data=PREFIXES
        + f"""
<{ID}membership/a/b> a org:Membership ; org:member <{ID}org/b> ; org:organization <{ID}org/a> .
<{ID}org/a> org:hasUnit <{ID}org/a-branch> .
""",
        format="turtle",
    )
    assert materialise(data, Graph()) == 3
    assert (URIRef(f"{ID}org/a"), ORG.hasMember, URIRef(f"{ID}org/b")) in data
    assert (URIRef(f"{ID}org/b"), ORG.memberOf, URIRef(f"{ID}org/a")) in data
    assert (URIRef(f"{ID}org/a-branch"), ORG.unitOf, URIRef(f"{ID}org/a")) in data


def test_a_cluster_typed_only_with_the_ontology_class_is_still_validated(tmp_path: Path) -> None:
    """Without materialisation no shape would target it, and it would pass unchecked."""
    path = tmp_path / "new-cluster.ttl"
    path.write_text(
        PREFIXES
        + f"""
<{ID}cluster/new> a cld:EducationIndustryCluster ;
    rdfs:label "Новый кластер"@ru , "New cluster"@en .
""",
        encoding="utf-8",
    )
    data = SETTINGS["DATA_PATHS"][0]
    result = CliRunner().invoke(cli, ["validate", str(data), str(path)])
    assert result.exit_code == 1, result.output
    assert "New cluster" in result.output
    assert "exactly one lead organisation" in result.output
    assert "exactly one industry" in result.output
