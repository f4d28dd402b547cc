"""Read RDF files into graphs: format by extension, precise syntax errors, rebasing.

Works without Flask, so the CLI, the server and the tests share it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, MutableSequence
from pathlib import Path
from typing import IO, Any, cast
from xml.sax import SAXParseException

from rdflib import Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.parser import InputSource, Parser
from rdflib.plugin import register
from rdflib.plugins.parsers.notation3 import BadSyntax, RDFSink, SinkParser, TurtleParser
from rdflib.plugins.stores.memory import Memory
from rdflib.term import Node

from clusterld.errors import InputError, InputTooLarge, RDFSyntaxError
from clusterld.namespaces import in_vocabulary, iri_problem, is_iri, show_iri

LIMITED_TURTLE = "clusterld-limited-turtle"
"""The name of the Turtle parser that stops at a number of terms (see ``parse_text``)."""

FORMAT_BY_SUFFIX: dict[str, str] = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}


def rdf_files(paths: Iterable[Path]) -> list[Path]:
    """The RDF files named by ``paths``: files as given, folders searched recursively."""
    found: list[Path] = []
    extensions = ", ".join(sorted(FORMAT_BY_SUFFIX))
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.suffix.lower() in FORMAT_BY_SUFFIX)
            if not inside:
                raise InputError(f"{path}: no RDF files in this folder (looked for {extensions})")
            for item in inside:
                # A folder, a dangling link or a FIFO named like an RDF file is a mistake
                # (a FIFO would block the reader for ever): refuse it, naming it.
                if not item.is_file():
                    kind = "a folder" if item.is_dir() else "not a regular file"
                    raise InputError(f"{item}: {kind}, but named like an RDF file")
            found.extend(inside)
        elif path.is_file():
            if path.suffix.lower() not in FORMAT_BY_SUFFIX:
                raise InputError(f"{path}: unknown RDF format; use one of {extensions}")
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return found


class TooManyTriples(InputTooLarge):
    """A document has more triples than the caller allows; parsing stopped at the limit."""

    title = "Document too large"

    def __init__(self, source: str, limit: int) -> None:
        super().__init__(f"{source}: more than {limit} triples")
        self.source = source
        self.limit = limit


class _LimitedMemory(Memory):
    """rdflib's in-memory store that refuses to be given more than ``limit`` triples.

    Every parser (Turtle, N-Triples, RDF/XML, JSON-LD, also into named graphs) adds through
    the store, so the exception stops parsing at the first triple over the limit, however
    much of the document is left, and propagates out of ``Graph.parse``.
    """

    def __init__(self, limit: int, source: str) -> None:
        super().__init__()
        self._limit = limit
        self._source = source
        self._adds = 0

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        # Counted as written: a triple repeated 300,000 times costs the parser as much as
        # 300,000 triples, though the graph keeps one.
        self._adds += 1
        if self._adds > self._limit:
            raise TooManyTriples(self._source, self._limit)
        super().add(triple, context, quoted)


class _CountingSinkParser(SinkParser):
    """rdflib's Turtle parser, stopped once it has read more terms than a limit allows.

    The parser collects a whole object list (``<s> <p> [], [], …``) or collection before it
    makes the first statement, so the store's count comes too late for those: here every
    term (subject, predicate, object, list item) is counted as it is read.  A document of
    ``n`` triples has at most ``3 n`` of them, written out.
    """

    def __init__(self, sink: RDFSink, *, max_terms: int, error: Exception, **kwargs: Any) -> None:
        super().__init__(sink, **kwargs)
        self._max_terms = max_terms
        self._error = error
        self._terms = 0

    def item(self, argstr: str, i: int, res: MutableSequence[Any]) -> int:
        j: int = super().item(argstr, i, res)
        if j >= 0:
            self._terms += 1
            if self._terms > self._max_terms:
                raise self._error
        return j


class _LimitedTurtleParser(TurtleParser):
    """``TurtleParser.parse`` (rdflib 7) with the counting parser above."""

    def parse(  # type: ignore[override]
        self, source: InputSource, graph: Graph, *, max_terms: int, error: Exception
    ) -> None:
        sink = RDFSink(graph)
        base = graph.absolutize(source.getPublicId() or source.getSystemId() or "")
        parser = _CountingSinkParser(
            sink, baseURI=base, turtle=True, max_terms=max_terms, error=error
        )
        stream = source.getCharacterStream() or source.getByteStream()
        parser.loadStream(cast(IO[str], stream))
        for prefix, namespace in parser._bindings.items():
            graph.bind(prefix, namespace)


register(LIMITED_TURTLE, Parser, __name__, "_LimitedTurtleParser")


def parse_text(
    text: str,
    rdf_format: str,
    *,
    source: str,
    graph: Graph | None = None,
    public_id: str | None = None,
    max_triples: int | None = None,
) -> Graph:
    """Parse ``text`` into ``graph``; a syntax error becomes :class:`RDFSyntaxError`.

    ``public_id`` is the base for relative IRIs (default: the file's URI, or a placeholder).

    :raises TooManyTriples: the document holds more than ``max_triples`` triples; parsing
        stops at the first one over the limit, so neither time nor memory depends on how
        much larger the document is.
    """
    graph = Graph() if graph is None else graph
    # parse apart so that a failure leaves ``graph`` untouched
    scratch = Graph() if max_triples is None else Graph(_LimitedMemory(max_triples, source))
    if rdf_format == "json-ld":
        refuse_remote_contexts(text, source)
    if rdf_format == "xml":
        refuse_xml_entities(text, source)
    options: dict[str, Any] = {"format": rdf_format}
    if max_triples is not None and rdf_format == "turtle":
        error = TooManyTriples(source, max_triples)
        options = {"format": LIMITED_TURTLE, "max_terms": 3 * max_triples + 3, "error": error}
    try:
        scratch.parse(data=text, publicID=public_id or _public_id(source), **options)
    except TooManyTriples:
        raise
    except BadSyntax as error:
        raise _turtle_error(error, text, source) from None
    except IndexError as error:
        if rdf_format != "turtle":
            raise RDFSyntaxError(source, f"not valid {rdf_format}: {error}") from None
        # rdflib's Turtle parser reads past the end of a statement left open at the end
        raise RDFSyntaxError(
            source,
            "the document ends in the middle of a statement: is its final '.' missing?",
            line=text.count("\n") + (0 if text.endswith("\n") else 1),
        ) from None
    except AssertionError as error:
        if rdf_format != "turtle" or "Quote expected" not in str(error):
            raise RDFSyntaxError(source, f"not valid {rdf_format}: {error}") from None
        # rdflib asserts on a string left open at the end (a file written half-way)
        raise _open_string_error(text, source) from None
    except json.JSONDecodeError as error:
        raise _json_error(error, source) from None
    except SAXParseException as error:
        raise RDFSyntaxError(
            source,
            error.getMessage(),
            line=error.getLineNumber(),
            column=_one_based(error.getColumnNumber()),
        ) from None
    except ParserError as error:
        raise _ntriples_error(error, text, rdf_format, source) from None
    except RecursionError:
        raise RDFSyntaxError(
            source,
            f"nested too deeply for the {rdf_format} parser (blank nodes, lists or objects "
            "inside one another); flatten the document, e.g. with labelled blank nodes",
        ) from None
    except Exception as error:  # noqa: BLE001
        # rdflib's JSON-LD and RDF/XML parsers raise arbitrary errors on malformed input
        # (AttributeError, UnboundLocalError, ...); bad input must never become a traceback.
        raise RDFSyntaxError(source, f"not valid {rdf_format}: {error}") from None
    refuse_invalid_iris(scratch, text, source)
    graph += scratch
    return graph


def refuse_invalid_iris(graph: Graph, text: str, source: str) -> None:
    """Refuse a parsed document that holds a term that is not an IRI (RFC 3987).

    rdflib accepts ``<a b>`` in Turtle, ``\\u0020`` escapes and any ``rdf:about``, but
    nothing can write such a term back: every page that mentions it would fail.  So the
    document is refused here, where its file is known, rather than published.

    :raises RDFSyntaxError: the first invalid IRI, with its line and column when it is
        written as is in ``text`` (escaped or relative ones are named without a place).
    """
    checked: set[str] = set()
    for triple in graph:
        for term in triple:
            iri = term.datatype if isinstance(term, Literal) else term
            if not isinstance(iri, URIRef) or iri in checked:
                continue
            if not is_iri(iri):
                raise _invalid_iri(iri, text, source)
            checked.add(iri)


def _invalid_iri(iri: str, text: str, source: str) -> RDFSyntaxError:
    message = f"invalid IRI {show_iri(iri)}: {iri_problem(iri)}"
    offset = text.find(iri)
    if offset < 0:
        return RDFSyntaxError(source, message)
    line, column = _position(text, offset)
    return RDFSyntaxError(source, message, line=line, column=column)


def _open_string_error(text: str, source: str) -> RDFSyntaxError:
    """A Turtle document that ends inside a string: located at the last quote that opens one."""
    quote = max(text.rfind('"'), text.rfind("'"))
    message = "the document ends inside a string: is it complete (a closing quote missing)?"
    if quote < 0:
        return RDFSyntaxError(source, message)
    line, column = _position(text, quote)
    return RDFSyntaxError(source, message, line=line, column=column)


def _position(text: str, offset: int) -> tuple[int, int]:
    """The line and column (both from 1) of a character of ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def parse_file(path: Path, *, graph: Graph | None = None) -> Graph:
    """Parse one file, choosing the format by its extension."""
    rdf_format = FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if rdf_format is None:
        raise InputError(f"{path}: unknown RDF format")
    try:
        text = path.read_bytes().decode("utf-8-sig")  # tolerate a byte-order mark
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise RDFSyntaxError(str(path), "not UTF-8 text", line=line) from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None
    return parse_text(text, rdf_format, source=str(path), graph=graph)


def load_graph(paths: Iterable[Path], *, source_base: str, base: str) -> Graph:
    """Parse every RDF file under ``paths`` into one graph published under ``base``."""
    graph = Graph()
    for path in rdf_files(paths):
        parse_file(path, graph=graph)
    return rebase(graph, source_base, base)


def rebase(graph: Graph, source_base: str, base: str) -> Graph:
    """Rewrite every IRI (and IRI-valued string) under ``source_base`` to ``base``.

    The vocabulary's IRIs (:data:`clusterld.namespaces.VOCABULARY`) never move, even under a
    source base that contains them: every deployment shares them."""
    if source_base == base:
        return graph
    rebased = Graph()
    for prefix, namespace in graph.namespaces():
        rebased.bind(prefix, _rebase_term(URIRef(namespace), source_base, base), replace=True)
    for triple in graph:
        s, p, o = (_rebase_term(term, source_base, base) for term in triple)
        rebased.add((s, p, o))
    return rebased


def _rebase_term(term: Node, source_base: str, base: str) -> Node:
    if isinstance(term, URIRef) and _moves(term, source_base):
        return URIRef(base + term[len(source_base) :])
    if isinstance(term, Literal) and term.language is None and _moves(str(term), source_base):
        return Literal(base + str(term)[len(source_base) :], datatype=term.datatype)
    return term


def _moves(value: str, source_base: str) -> bool:
    return value.startswith(source_base) and not in_vocabulary(value)


def _one_based(column: int | None) -> int | None:
    """Expat counts columns from 0; ClusterLD's messages count from 1, like editors do."""
    return None if column is None else column + 1


def _public_id(source: str) -> str:
    """A base for relative IRIs in a document: its file URI, or a placeholder."""
    path = Path(source)
    if path.is_file():
        return path.resolve().as_uri()
    return "https://input.clusterld.invalid/"


_XML_ENCODING = re.compile(r"""<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")


def refuse_xml_entities(text: str, source: str) -> None:
    """Refuse XML that declares entities, before any parser sees it.

    Nested entity definitions expand exponentially ("billion laughs": 682 bytes cost a minute
    of CPU), and external ones read other files.  RDF/XML needs neither, so a document with
    ``<!ENTITY`` is refused outright; so is one that the XML parser would read in another
    encoding than the UTF-8 it was checked in (a UTF-16 document hides ``<!ENTITY``).

    :raises RDFSyntaxError: the document declares an entity, declares another encoding than
        UTF-8, or holds a NUL character (never allowed in XML); with its line.
    """
    declared = _XML_ENCODING.match(text.lstrip())
    if declared and declared.group(1).lower().replace("_", "-") not in (
        "utf-8",
        "us-ascii",
        "ascii",
    ):
        raise RDFSyntaxError(
            source,
            f"the XML declaration names the encoding {declared.group(1)!r}; ClusterLD reads "
            'RDF/XML in UTF-8 only: convert the file to UTF-8 and declare encoding="UTF-8"',
            line=1,
        )
    for marker, why in (
        (
            "\x00",
            "a NUL character, which XML never allows (is the file UTF-16? convert it to UTF-8)",
        ),
        (
            "<!ENTITY",
            "an XML entity declaration (<!ENTITY); entities are refused because they can "
            "expand without bound. Write out what the entity stands for (e.g. the namespace "
            "IRI instead of &owl;) and remove the DOCTYPE's entity declarations",
        ),
    ):
        offset = text.find(marker)
        if offset >= 0:
            line, column = _position(text, offset)
            raise RDFSyntaxError(source, f"the document contains {why}", line=line, column=column)


JSON_MAX_DEPTH = 100
"""Deepest nesting of JSON-LD objects and arrays read: deeper input exhausts the recursion
of the JSON decoder and of rdflib's JSON-LD parser (a 500), and no real document needs it."""


def load_json(text: str, source: str) -> Any:
    """The JSON value of ``text``, refused if malformed or nested over ``JSON_MAX_DEPTH``.

    :raises RDFSyntaxError: not JSON (with line and column), or nested too deeply.
    """
    too_deep = RDFSyntaxError(
        source,
        f"JSON nested more than {JSON_MAX_DEPTH} levels deep (objects and arrays); "
        "ClusterLD reads no deeper JSON-LD: flatten the document, e.g. with @graph and @id "
        "references",
    )
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise _json_error(error, source) from None
    except RecursionError:
        raise too_deep from None
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:  # iterative: the point is not to recurse
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict | list):
            if depth > JSON_MAX_DEPTH:
                raise too_deep
            pending.extend((child, depth + 1) for child in children)
    return document


def refuse_remote_contexts(text: str, source: str) -> None:
    """Refuse JSON-LD that names a remote ``@context``: ClusterLD never fetches one.

    Loading a context from the network would make reading a file (or an upload) depend on,
    and reach out to, a third-party server.  Inline the context instead.
    """
    remote = _remote_context(load_json(text, source))
    if remote is not None:
        raise RDFSyntaxError(
            source,
            f"remote JSON-LD context {remote!r} is not fetched; put the context inline",
        )


def _remote_context(node: object) -> str | None:
    if isinstance(node, list):
        return next((r for r in map(_remote_context, node) if r is not None), None)
    if not isinstance(node, dict):
        return None
    for key, value in node.items():
        if key == "@context":
            contexts = value if isinstance(value, list) else [value]
            for context in contexts:
                if isinstance(context, str):
                    return context
                if isinstance(context, dict) and isinstance(context.get("@import"), str):
                    return str(context["@import"])
        found = _remote_context(value)
        if found is not None:
            return found
    return None


def _json_error(error: json.JSONDecodeError, source: str) -> RDFSyntaxError:
    return RDFSyntaxError(source, error.msg, line=error.lineno, column=error.colno)


def _turtle_error(error: BadSyntax, text: str, source: str) -> RDFSyntaxError:
    # BadSyntax.args: (uri, lines before the error, text, offset, reason)
    _, lines, argstr, offset, why = error.args
    line = int(lines) + 1
    if offset >= 0:
        line_start = argstr.rfind("\n", 0, offset) + 1
        return RDFSyntaxError(source, str(why), line=line, column=offset - line_start + 1)
    # rdflib gives offset -1 when it ran out of text, e.g. in an IRI never closed: the
    # line is right; the column is that of the last '<' on it that no '>' closes, if any.
    text_lines = argstr.splitlines()
    here = text_lines[line - 1] if 0 < line <= len(text_lines) else ""
    opening = here.rfind("<")
    column = opening + 1 if opening >= 0 and ">" not in here[opening:] else None
    return RDFSyntaxError(source, str(why), line=line, column=column)


def _ntriples_error(error: ParserError, text: str, rdf_format: str, source: str) -> RDFSyntaxError:
    """N-Triples errors carry no position: find the first line that fails on its own."""
    message = re.sub(r"\s+", " ", str(error)).strip()
    if rdf_format in ("nt", "ntriples", "nquads"):
        for number, line in enumerate(text.splitlines(), start=1):
            try:
                Graph().parse(data=line + "\n", format=rdf_format)
            except ParserError:
                return RDFSyntaxError(source, message, line=number)
    return RDFSyntaxError(source, message)
