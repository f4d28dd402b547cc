"""The read-only SPARQL 1.1 endpoint: protocol, execution and rendering kept apart.

``protocol`` reads a request and picks the answer's format; ``syntax`` classifies a query
without running it; ``service`` decides what may run and hands it to ``pool``, whose worker
processes (``worker``) run it with ``engine`` on pyoxigraph and serialise it with
``results``; ``description`` is the service description and ``examples`` the example
queries (kept as data in ``queries/*.rq``).  The query page is :mod:`clusterld.web.pages.sparql`.
Only ``service`` (its ``init_app``/``get_service``) touches Flask.

May import: the foundation modules and :mod:`clusterld.dataset`.
"""

from __future__ import annotations
