"""The example queries, kept as data in ``clusterld/queries/*.rq``, for the UI, docs and metadata.

Each file starts with a header of comment lines ``# title@en: ...``, ``# title@ru: ...``,
``# description@en: ...`` and ``# description@ru: ...``, then the query.  Like the dataset
files, the queries are written under the placeholder base
(:data:`clusterld.namespaces.SOURCE_BASE`) and rebased to the published one when loaded, so
the same files work on any host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

from clusterld.namespaces import SOURCE_BASE
from clusterld.sparql.syntax import scan

_HEADER = re.compile(r"#\s*(title|description)@([a-z]{2})\s*:\s*(.+)")


@dataclass(frozen=True)
class ExampleQuery:
    """One example query with its bilingual title and description."""

    slug: str
    text: str
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)

    @property
    def form(self) -> str | None:
        """SELECT, ASK, CONSTRUCT or DESCRIBE."""
        return scan(self.text).form


def parse_example(slug: str, text: str) -> ExampleQuery:
    """Read the header of one ``.rq`` file.

    :raises ValueError: the header lacks a title or description in Russian or English.
    """
    fields: dict[str, dict[str, str]] = {"title": {}, "description": {}}
    for line in text.splitlines():
        match = _HEADER.fullmatch(line.strip())
        if match:
            fields[match.group(1)][match.group(2)] = match.group(3).strip()
    for name, values in fields.items():
        missing = {"en", "ru"} - set(values)
        if missing:
            raise ValueError(f"{slug}.rq: no {name} in {', '.join(sorted(missing))}")
    return ExampleQuery(slug, text, fields["title"], fields["description"])


def example_queries(base: str = SOURCE_BASE) -> tuple[ExampleQuery, ...]:
    """The example queries in file-name order, with IRIs under ``base``."""
    folder = resources.files("clusterld") / "queries"
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            text = entry.read_text(encoding="utf-8").replace(SOURCE_BASE, base)
            slug = re.sub(r"^\d+-", "", entry.name.removesuffix(".rq"))
            found.append(parse_example(slug, text))
    return tuple(found)
