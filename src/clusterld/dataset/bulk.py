"""Reading dataset files straight into an Oxigraph store: the fast path of publishing.

rdflib parses about 30,000 triples a second; Oxigraph's parsers are some fifty times faster,
which is what makes publishing a million triples take seconds.  The files and their formats
are found as :mod:`clusterld.dataset.loading` finds them, IRIs are rebased on the way in, and
a syntax error names the file, line and column: the message rdflib gives when it too rejects
the file (the one ``clusterld validate`` prints), else Oxigraph's own (stricter: an IRI with
a space, say, which rdflib lets through and nothing could serialise).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse
from pyoxigraph import Store as OxStore

from clusterld.dataset.loading import (
    FORMAT_BY_SUFFIX,
    parse_file,
    rdf_files,
    refuse_remote_contexts,
    refuse_xml_entities,
)
from clusterld.errors import InputError, RDFSyntaxError
from clusterld.namespaces import in_vocabulary

OXIGRAPH_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "json-ld": RdfFormat.JSON_LD,
    "xml": RdfFormat.RDF_XML,
}
BOM = b"\xef\xbb\xbf"
BULK_THRESHOLD = 16 * 1024 * 1024
"""Files from this size on go through Oxigraph's bulk loader, which writes sorted files
straight to disk; smaller ones in one transaction (ten times faster for small files)."""

Progress = Callable[[int], None]
"""Called now and then with the number of triples read so far."""


def load_files(
    store: OxStore,
    paths: Iterable[Path],
    graph: str,
    *,
    source_base: str,
    base: str,
    progress: Progress | None = None,
) -> int:
    """Parse every RDF file under ``paths`` into the named graph ``graph``; return the count.

    :raises InputError, RDFSyntaxError: a file is missing, of an unknown kind, or malformed.
    """
    total = 0
    for path in rdf_files(paths):
        large = path.stat().st_size >= BULK_THRESHOLD
        try:
            if large and source_base == base and not _has_bom(path):
                total += _load_natively(store, path, NamedNode(graph))
                continue
            counted = _Counter(total, progress)
            quads = _rebased(_parse(path), NamedNode(graph), source_base, base)
            if large:
                store.bulk_extend(counted.through(quads))
            else:
                store.extend(list(counted.through(quads)))
        except SyntaxError as error:
            raise located_error(path, error) from None
        total = counted.count
    return total


def _load_natively(store: OxStore, path: Path, graph: NamedNode) -> int:
    """Load a large file that needs no rebasing without any Python per triple (Oxigraph's
    bulk loader reads the file itself); return how many triples it added."""
    _check(path)
    before = count_triples(store, graph.value)
    rdf_format = OXIGRAPH_FORMATS[FORMAT_BY_SUFFIX[path.suffix.lower()]]
    store.bulk_load(
        path=str(path), format=rdf_format, base_iri=path.resolve().as_uri(), to_graph=graph
    )
    return count_triples(store, graph.value) - before


def count_triples(store: OxStore, graph: str) -> int:
    """How many triples the named graph ``graph`` of ``store`` holds."""
    answer = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(next(iter(answer))[0].value)  # type: ignore[arg-type]


def _has_bom(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(BOM)) == BOM


def _check(path: Path) -> None:
    """What must be refused before any parser reads the file: remote JSON-LD contexts and
    XML entity declarations (see :mod:`clusterld.dataset.loading`)."""
    rdf_format = FORMAT_BY_SUFFIX[path.suffix.lower()]
    if rdf_format not in ("json-ld", "xml"):
        return
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        parse_file(path)  # rdflib's message names the line
        raise
    if rdf_format == "json-ld":
        refuse_remote_contexts(text, str(path))
    else:
        refuse_xml_entities(text, str(path))


def _parse(path: Path) -> Iterator[Quad]:
    _check(path)
    rdf_format = FORMAT_BY_SUFFIX[path.suffix.lower()]
    head = BOM if _has_bom(path) else b""
    options = {"format": OXIGRAPH_FORMATS[rdf_format], "base_iri": path.resolve().as_uri()}
    if head == BOM:  # tolerated, as rdflib does: Oxigraph would reject it
        return parse(input=path.read_bytes()[len(BOM) :], **options)  # type: ignore[arg-type]
    return parse(path=str(path), **options)  # type: ignore[arg-type]


def _rebased(
    quads: Iterator[Quad], graph: NamedNode, source_base: str, base: str
) -> Iterator[Quad]:
    """Every quad in ``graph``, with IRIs (and IRI-valued plain strings) under
    ``source_base`` moved under ``base``, as :func:`clusterld.dataset.loading.rebase` does
    (the vocabulary's IRIs stay)."""
    if source_base == base:
        for quad in quads:
            yield Quad(quad.subject, quad.predicate, quad.object, graph)
        return
    cut = len(source_base)

    def move(term: object) -> object:
        if isinstance(term, NamedNode):
            value = term.value
            if value.startswith(source_base) and not in_vocabulary(value):
                return NamedNode(base + value[cut:])
            return term
        if isinstance(term, Literal) and term.language is None:
            value = term.value
            if value.startswith(source_base) and not in_vocabulary(value):
                return Literal(base + value[cut:], datatype=term.datatype)
        return term

    for quad in quads:
        yield Quad(move(quad.subject), move(quad.predicate), move(quad.object), graph)  # type: ignore[arg-type]


def located_error(path: Path, error: SyntaxError) -> RDFSyntaxError:
    """A syntax error that names the file, line and column, in rdflib's words if it agrees."""
    try:
        parse_file(path)
    except RDFSyntaxError as rdflib_error:
        return rdflib_error
    message = str(error.msg)
    if " between columns " in message or " at line " in message:
        message = message.split(": ", 1)[-1]
    return RDFSyntaxError(str(path), message, line=error.lineno, column=error.offset)


class _Counter:
    """Counts quads as they stream past, reporting progress every 100,000."""

    def __init__(self, start: int, progress: Progress | None) -> None:
        self.count = start
        self.progress = progress

    def through(self, quads: Iterator[Quad]) -> Iterator[Quad]:
        for quad in quads:
            self.count += 1
            if self.progress is not None and self.count % 100_000 == 0:
                self.progress(self.count)
            yield quad
