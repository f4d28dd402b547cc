"""RDF documents with one syntax error each, and where it is: one table for every reader.

``parse_file`` (test_loading) and ``clusterld validate`` (test_cli_validate) must name the
same line and column for the same broken file, so both are tested on these cases.
"""

from __future__ import annotations

import pytest

EX = "http://example.org/"

SYNTAX_ERRORS = [
    # (suffix, text, line, column or None): where the error is, 1-based
    pytest.param(
        ".ttl",
        "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b  ex:c ex:d .\n",
        3,
        17,  # the extra object ex:d
        id="turtle",
    ),
    pytest.param(
        ".ttl",
        "@prefix ex: <http://example.org/> .\n\nex:a ex:b ex:c .\nex:d ex:e ex:f\n",
        5,  # end of input: the statement on line 4 is never closed
        None,
        id="turtle-unterminated",
    ),
    pytest.param(
        ".nt",
        f"<{EX}a> <{EX}b> <{EX}c> .\n<{EX}a> <{EX}b> oops .\n",
        2,
        None,
        id="n-triples",
    ),
    pytest.param(
        ".nt",
        f"<{EX}a> <{EX}b> <{EX}c> .\n<{EX}a> <{EX}b> <{EX}d> .\n<{EX}a> <{EX}b> oops .\n",
        3,
        None,
        id="n-triples-after-two-lines",
    ),
    pytest.param(
        ".jsonld",
        '{\n  "@id": "http://example.org/a",\n  "http://example.org/b": "c",,\n}\n',
        3,
        31,  # the second comma
        id="json-ld",
    ),
    pytest.param(
        ".rdf",
        '<?xml version="1.0"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about="http://example.org/a">\n'
        "  </rdf:Descriptio>\n"
        "</rdf:RDF>\n",
        4,
        None,  # the column is checked by test_loading.test_rdfxml_error_column_is_one_based
        id="rdf-xml",
    ),
]
