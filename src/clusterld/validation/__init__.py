"""Validation as a service: uploads, checking a document against the published data,
the facts of the status page and the words of the validation pages.

Nothing here knows about Flask requests: views in :mod:`clusterld.web` read the request
and hand plain values here.

May import: the foundation modules, :mod:`clusterld.shacl` and :mod:`clusterld.dataset`.
"""
