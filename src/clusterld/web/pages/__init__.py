"""The HTML pages: builders that turn graphs and reports into small values for templates."""
