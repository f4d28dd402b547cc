"""The pre-execution scan: query form, updates, SERVICE and FROM, never fooled by terms."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clusterld.sparql.syntax import QueryShape, scan, unescape_codepoints


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("SELECT * { ?s ?p ?o }", QueryShape("SELECT", False, False, False)),
        ("select * { ?s ?p ?o }", QueryShape("SELECT", False, False, False)),
        ("PREFIX : <x#> BASE <y> ASK {}", QueryShape("ASK", False, False, False)),
        ("CONSTRUCT WHERE { ?s ?p ?o }", QueryShape("CONSTRUCT", False, False, False)),
        ("DESCRIBE <x>", QueryShape("DESCRIBE", False, False, False)),
        ("SELECT * FROM <g> { ?s ?p ?o }", QueryShape("SELECT", False, False, True)),
        ("INSERT DATA { <a> <b> <c> }", QueryShape(None, True, False, False)),
        ("PREFIX : <x#> LOAD <http://x>", QueryShape(None, True, False, False)),
        ("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", QueryShape(None, True, False, False)),
        ("SELECT * { SERVICE <http://x> { ?s ?p ?o } }", QueryShape("SELECT", False, True, False)),
        # the keyword in a term is not the keyword
        ("PREFIX ex: <x#> SELECT * { ?s ex:SERVICE ?service }", QueryShape("SELECT", *[False] * 3)),
        ('SELECT * { ?s ?p "SERVICE <http://x> {}" }', QueryShape("SELECT", False, False, False)),
        ('SELECT * { ?s ?p """a "\nSERVICE""" }', QueryShape("SELECT", False, False, False)),
        ('ASK { ?s ?p "x"@service }', QueryShape("ASK", False, False, False)),
        ("# SERVICE <http://x>\nASK {}", QueryShape("ASK", False, False, False)),
        ("SELECT * { <http://x/SERVICE> ?p ?o }", QueryShape("SELECT", False, False, False)),
        # escapes that some parsers apply before parsing count as well
        ("SELECT * { \\u0053ERVICE <http://x> {} }", QueryShape("SELECT", False, True, False)),
        ("\\u0049NSERT DATA { <a> <b> <c> }", QueryShape(None, True, False, False)),
        ("", QueryShape(None, False, False, False)),
        ("garbage", QueryShape(None, False, False, False)),
    ],
)
def test_scan(text: str, shape: QueryShape) -> None:
    assert replace(scan(text), depth=0) == shape  # the nesting depth: see test_hardening


def test_codepoint_escapes() -> None:
    assert unescape_codepoints("\\u0041\\U0001F600\\uZZZZ") == "A\U0001f600\\uZZZZ"
