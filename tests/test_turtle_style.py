"""The shipped Turtle files are in the layout of ``scripts/format_turtle.py``.

A file that the formatter would change fails :func:`test_shipped_file_is_formatted`; run
``python scripts/format_turtle.py data/*.ttl ontology/*.ttl shapes/*.ttl`` to fix it.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

ROOT = Path(__file__).parents[1]
SCRIPT = ROOT / "scripts" / "format_turtle.py"
SHIPPED = sorted(
    [*ROOT.glob("data/*.ttl"), *ROOT.glob("ontology/*.ttl"), *ROOT.glob("shapes/*.ttl")]
)


def load_formatter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("format_turtle", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


fmt = load_formatter()
FILE_IDS = [str(p.relative_to(ROOT)) for p in SHIPPED]


def header(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines) + "\n\n"


def parse(text: str) -> Graph:
    return Graph(bind_namespaces="none").parse(data=text, format="turtle")


def declared_prefixes(text: str) -> list[str]:
    return re.findall(r"^@prefix (\S*):", text, flags=re.MULTILINE)


def machine_written(text: str, rdf_format: str) -> str:
    """The same graph as rdflib writes it (its own order, ``schema1:``, ``_:`` labels)."""
    return header(text) + Graph().parse(data=text, format="turtle").serialize(format=rdf_format)


def test_the_six_files_are_all_there() -> None:
    assert len(SHIPPED) == 6


@pytest.mark.parametrize("path", SHIPPED, ids=FILE_IDS)
def test_shipped_file_is_formatted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert fmt.format_turtle(text) == text, (
        f"{path.relative_to(ROOT)} is not in the formatter's layout: run "
        "python scripts/format_turtle.py data/*.ttl ontology/*.ttl shapes/*.ttl"
    )


@pytest.mark.parametrize("rdf_format", ["turtle", "nt"])
@pytest.mark.parametrize("path", SHIPPED, ids=FILE_IDS)
def test_layout_depends_only_on_the_graph_and_header(path: Path, rdf_format: str) -> None:
    """rdflib's own Turtle (or N-Triples, which is Turtle too) comes out as the shipped text."""
    text = path.read_text(encoding="utf-8")
    messy = machine_written(text, rdf_format)
    assert messy != text
    formatted = fmt.format_turtle(messy)
    assert isomorphic(parse(formatted), parse(messy))
    assert formatted == text


@pytest.mark.parametrize("path", SHIPPED, ids=FILE_IDS)
def test_formatting_is_idempotent(path: Path) -> None:
    once = fmt.format_turtle(machine_written(path.read_text(encoding="utf-8"), "turtle"))
    assert fmt.format_turtle(once) == once


@pytest.mark.parametrize("path", SHIPPED, ids=FILE_IDS)
def test_shipped_file_declares_only_the_prefixes_it_uses(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    body = text.split("\n\n# ──", 1)[1]
    for prefix in declared_prefixes(text):
        assert re.search(rf"(?<![\w<]){re.escape(prefix)}:", body), prefix


@pytest.mark.parametrize("path", SHIPPED, ids=FILE_IDS)
def test_shipped_file_has_no_blank_node_labels_and_readable_text(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "_:" not in text
    assert "schema1:" not in text
    assert "\\u" not in text  # Russian is written as itself, not escaped


def test_schema_org_is_schema_and_keeps_its_http_namespace() -> None:
    text = (ROOT / "data" / "organisations.ttl").read_text(encoding="utf-8")
    assert "@prefix schema:  <http://schema.org/> ." in text
    assert "schema:EducationalOrganization" in text
    messy = machine_written(text, "turtle")
    assert "schema1:" in messy  # what rdflib writes: it binds schema: to https://schema.org/
    assert "schema1:" not in fmt.format_turtle(messy)


def test_unused_prefixes_are_dropped_and_used_ones_declared_in_table_order() -> None:
    text = """# A header.
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix s: <http://schema.org/> .
@prefix k: <http://www.w3.org/2004/02/skos/core#> .
<https://clusterld.example/tomsk/id/org/x> a s:Organization ; k:prefLabel "X"@en .
"""
    formatted = fmt.format_turtle(text)
    assert declared_prefixes(formatted) == ["skos", "schema", "orgs"]


def test_layout_of_a_small_document() -> None:
    """Header verbatim, a section line, ``a`` and labels first, ru before en, inline nodes."""
    text = """# First line of the header.
#
# Third line.
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://www.w3.org/2004/02/skos/core#> .
<https://clusterld.example/tomsk/shapes#S> sh:property _:p ; a sh:NodeShape ;
    <http://www.w3.org/2000/01/rdf-schema#label> "S"@en, "С"@ru ;
    sh:targetClass <http://www.w3.org/ns/org#Membership> .
_:p sh:message "Long"@en ; sh:path _:list ; sh:in ( 2 1 ) .
_:list <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ex:a ;
    <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> ( ex:b ) .
"""
    assert fmt.format_turtle(text) == (
        """# First line of the header.
#
# Third line.

@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .
@prefix org:    <http://www.w3.org/ns/org#> .
@prefix sh:     <http://www.w3.org/ns/shacl#> .
@prefix shapes: <https://clusterld.example/tomsk/shapes#> .

# ── Memberships ───────────────────────────────────────────────────────────────

shapes:S
    a sh:NodeShape ;
    rdfs:label "С"@ru,
        "S"@en ;
    sh:targetClass org:Membership ;
    sh:property [
        sh:path ( skos:a skos:b ) ;
        sh:in ( 2 1 ) ;
        sh:message "Long"@en ;
    ] .
"""
    )


def test_blank_node_used_twice_is_refused_rather_than_labelled() -> None:
    text = """<http://example.org/a> <http://example.org/p> _:x .
<http://example.org/b> <http://example.org/p> _:x .
_:x <http://example.org/q> "v" .
"""
    with pytest.raises(fmt.FormatError, match="more than once"):
        fmt.format_turtle(text)


def test_output_that_would_change_the_graph_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "data.ttl"
    original = "<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n"
    path.write_text(original, encoding="utf-8")
    monkeypatch.setattr(fmt, "isomorphic", lambda a, b: False)
    assert fmt.main([str(path)]) == 2
    assert path.read_text(encoding="utf-8") == original
    assert "would not hold the same graph" in capsys.readouterr().err


def test_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shipped = (ROOT / "data" / "provenance.ttl").read_text(encoding="utf-8")
    good = tmp_path / "good.ttl"
    good.write_text(shipped, encoding="utf-8")
    bad = tmp_path / "bad.ttl"
    messy = machine_written(shipped, "turtle")
    bad.write_text(messy, encoding="utf-8")

    assert fmt.main(["--check", str(good)]) == 0
    assert fmt.main(["--check", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert str(bad) in out and str(good) not in out
    assert bad.read_text(encoding="utf-8") == messy  # --check changes nothing

    assert fmt.main([str(bad)]) == 0  # rewrite in place
    assert bad.read_text(encoding="utf-8") == shipped
    assert fmt.main(["--check", str(bad)]) == 0
