"""Errors that ClusterLD raises for bad input; the edges (CLI, HTTP) turn them into messages.

ClusterLDError
 ├── InputError            a file or folder cannot be used (missing, unknown format)
 │    └── RDFSyntaxError   a file is not valid RDF: names the file, line and column
 └── ConfigError           a setting has a value that cannot work
"""

from __future__ import annotations


class ClusterLDError(Exception):
    """Base class: carries a short title and a detail that tells the user what to do."""

    status = 500
    title = "ClusterLD error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InputError(ClusterLDError):
    status = 400
    title = "Input cannot be read"


class RDFSyntaxError(InputError):
    """An RDF document with a syntax error, located as precisely as the parser allows."""

    title = "RDF syntax error"

    def __init__(
        self, source: str, message: str, *, line: int | None = None, column: int | None = None
    ) -> None:
        self.source = source
        self.message = message
        self.line = line
        self.column = column
        where = source
        if line is not None:
            where += f", line {line}"
            if column is not None:
                where += f", column {column}"
        super().__init__(f"{where}: {message}")


class ConfigError(ClusterLDError):
    title = "Configuration error"
