"""The HTTP face of ClusterLD: the app factory, blueprints, negotiation and rendering,
HTML pages, templates and static files, and the production server.

The only layer that reads requests.  Views are thin: they read the request, ask the store
or a service below, and hand the result to :func:`~clusterld.web.render.render`.

May import: every layer below (foundation, ``shacl``, ``dataset``, ``validation``,
``sparql``, ``metadata``, ``publishing``).
"""
