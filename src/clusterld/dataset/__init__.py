"""The published dataset: loading and rebasing its files, inference, labels, and the store.

Everything here works on RDF graphs and knows nothing of HTTP (Flask appears only in the
store's ``init_app``/``get_store``, the per-application accessor).  A :class:`Store` is one
immutable, validated version; the holder swaps versions atomically.

May import: the foundation modules (``config``, ``errors``, ``formats``, ``i18n``,
``namespaces``) and :mod:`clusterld.shacl` (the publishing gate validates every version).
"""
