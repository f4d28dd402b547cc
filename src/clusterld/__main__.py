"""``python -m clusterld`` runs the command-line interface."""

from clusterld.cli import main

main()
