"""The read-only SPARQL 1.1 endpoint: protocol, execution and rendering kept apart.

``protocol`` reads a request and picks the answer's format; ``syntax`` classifies a query
without running it; ``service`` decides what may run and hands it to ``pool``, whose worker
processes (``worker``) run it with ``engine`` on pyoxigraph and serialise it with
``results``; ``description`` is the service description, ``examples`` the example queries
and ``pages`` the query UI.  Only ``service``, ``description`` and ``pages`` touch Flask.
"""

from __future__ import annotations
