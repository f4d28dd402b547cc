"""Publishing beyond the live server: the static build and web-server configurations.

The build crawls an application it is given (it never creates one), so this package does
not depend on :mod:`clusterld.web`.

May import: the foundation modules, :mod:`clusterld.dataset` and :mod:`clusterld.metadata`.
"""
