"""The query UI: YASGUI served from this package, with the example queries as tabs.

The page embeds the service description as JSON-LD.  It works without JavaScript too: a
plain form sends the query with GET, and each example is also a link that runs it.  Words
are given in Russian and English; the template picks the reader's language (``lang``, set
for every page by the site's context processor).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import render_template, url_for

from clusterld.dataset.store import Store
from clusterld.sparql.description import service_description
from clusterld.sparql.examples import example_queries
from clusterld.sparql.service import get_service
from clusterld.web.pages.resources import embed_json

WORDS: dict[str, dict[str, str]] = {
    "title": {"en": "SPARQL endpoint", "ru": "SPARQL-точка доступа"},
    "intro": {
        "en": "Query the dataset with SPARQL 1.1. Data, ontology and shapes are named graphs; "
        "the default graph is their union.",
        "ru": "Запросы к набору данных на SPARQL 1.1. Данные, онтология и формы — именованные "
        "графы; граф по умолчанию — их объединение.",
    },
    "limits": {
        "en": "Read-only. A query may run {timeout} s; an answer holds at most {rows} rows; "
        "SERVICE and updates are refused.",
        "ru": "Только чтение. Запрос выполняется не дольше {timeout} с; ответ — не более {rows} "
        "строк; SERVICE и обновления отклоняются.",
    },
    "description": {"en": "Service description (Turtle)", "ru": "Описание сервиса (Turtle)"},
    "examples": {"en": "Example queries", "ru": "Примеры запросов"},
    "query": {"en": "Query", "ru": "Запрос"},
    "format": {"en": "Answer format", "ru": "Формат ответа"},
    "run": {"en": "Run query", "ru": "Выполнить"},
    "truncated": {
        "en": "This answer was cut at {limit} rows, the limit of this endpoint.",
        "ru": "Ответ усечён до {limit} строк — предела этой точки доступа.",
    },
}

# Names of YASGUI's controls that it leaves without one (read by clusterld-sparql.js).
LABELS: dict[str, dict[str, str]] = {
    "endpoint": {"en": "SPARQL endpoint", "ru": "SPARQL-точка доступа"},
    "editor": {"en": "SPARQL query", "ru": "SPARQL-запрос"},
    "editorArea": {"en": "SPARQL query, scrollable", "ru": "SPARQL-запрос, прокрутка"},
    "tabName": {"en": "Tab name", "ru": "Название вкладки"},
    "addTab": {"en": "New tab", "ru": "Новая вкладка"},
    "pageSize": {"en": "Rows per page", "ru": "Строк на странице"},
}


def query_page(store: Store, endpoint: str) -> str:
    """The HTML query page for ``store``'s endpoint."""
    service = get_service()
    limits = service.limits
    described = service_description(service, store, endpoint).serialize(format="json-ld")
    examples = example_queries(store.base)
    links = {
        example.slug: f"{url_for('sparql.query')}?{urlencode({'query': example.text})}"
        for example in examples
    }
    config = {
        "endpoint": url_for("sparql.query"),
        "truncated": WORDS["truncated"],
        "labels": LABELS,
        "examples": [{"title": ex.title, "query": ex.text} for ex in examples],
    }
    return render_template(
        "sparql.html",
        words=WORDS,
        endpoint=endpoint,
        examples=examples,
        example_links=links,
        limits={"timeout": f"{limits.timeout:g}", "rows": limits.max_rows},
        config=config,
        jsonld=embed_json(described),
    )
