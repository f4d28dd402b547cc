"""SHACL validation of RDF graphs: the engine, and reports written for people.

A pure layer: graphs in, a :class:`~clusterld.shacl.engine.ValidationReport` out.  It knows
nothing of the published store, the web or the CLI, so the gate, the validation service and
``clusterld validate`` all share one engine and one reading of its results.

May import: the foundation modules (``namespaces``, ``i18n``).
"""
