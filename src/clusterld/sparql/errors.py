"""Why a SPARQL request got no answer; the registered error handler renders each of them.

ClusterLDError
 └── QueryError                400  the request is not a query this endpoint can run
      ├── QuerySyntaxError     400  the query is malformed: names the line and column
      ├── QueryRefused         403  an update, LOAD or SERVICE: never run here
      ├── QueryTooLong         413  longer than SPARQL_MAX_QUERY_LENGTH (414 in a GET URL)
      ├── QueryTooDeep         400  nested deeper than SPARQL_MAX_NESTING
      ├── QueryFailed          500  the engine failed on a valid query
      └── QueryUnavailable     503  timed out, or every worker busy: the server stays up

A POST body in a media type or charset the protocol excludes is the one 415 error of every
endpoint, :class:`clusterld.errors.UnsupportedMediaType`, with the protocol's words as detail.

The status codes follow SPARQL 1.1 Protocol §2.1.7 and HTTP.  A timeout is 503, as Apache
Jena Fuseki answers: the protocol allows 500 or another 5xx for a query the service refuses
to finish, and 504 would blame an upstream gateway that does not exist.
"""

from __future__ import annotations

from clusterld.errors import ClusterLDError


class QueryError(ClusterLDError):
    status = 400
    title = "Bad SPARQL request"


class QuerySyntaxError(QueryError):
    """The query does not parse; ``detail`` names the line and column."""

    title = "Malformed SPARQL query"

    def __init__(self, detail: str, *, line: int | None = None, column: int | None = None) -> None:
        super().__init__(detail)
        self.line = line
        self.column = column


class QueryRefused(QueryError):
    """Valid SPARQL that this read-only, self-contained endpoint never runs."""

    status = 403
    title = "SPARQL request refused"


class QueryTooLong(QueryError):
    status = 413
    title = "SPARQL query too long"

    def __init__(self, detail: str, *, in_url: bool = False) -> None:
        super().__init__(detail)
        if in_url:
            self.status = 414


class QueryTooDeep(QueryError):
    """Nested deeper than the engine can parse without overflowing its stack."""

    title = "SPARQL query nested too deeply"


class QueryFailed(QueryError):
    status = 500
    title = "SPARQL query failed"


class QueryUnavailable(QueryError):
    status = 503
    title = "SPARQL query not answered"
