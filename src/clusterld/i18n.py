"""The languages ClusterLD speaks and the words of its user interface in each.

Nothing here knows about requests: :mod:`clusterld.web.language` chooses the language of a
page; reports, pages and the CLI pick their words from these tables.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES: tuple[str, ...] = ("ru", "en")
"""The languages of labels, pages and reports, in the order labels are written."""
DEFAULT_LANGUAGE = "en"

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (Russian, English)
    "site": ("Кластеры Томской области — связанные открытые данные", "ClusterLD"),
    "skip": ("Перейти к содержанию", "Skip to content"),
    "nav": ("Основная навигация", "Main navigation"),
    "home": ("Главная", "Home"),
    "clusters": ("Кластеры", "Clusters"),
    "first_clusters": (
        "Первые {shown} из {count}; все:",
        "The first {shown} of {count}; all of them:",
    ),
    "sparql": ("SPARQL", "SPARQL"),
    "validate": ("Проверка", "Validate"),
    "data": ("Данные", "Data"),
    "switch": ("English", "Русский"),
    "switch_title": ("Show this page in English", "Показать страницу на русском"),
    "formats": ("Эта страница в машиночитаемых форматах", "This page in machine-readable formats"),
    "iri": ("IRI", "IRI"),
    "types": ("Типы", "Types"),
    "properties": ("Свойства", "Properties"),
    "property": ("Свойство", "Property"),
    "value": ("Значение", "Value"),
    "incoming": ("Ссылаются на этот ресурс", "Linked from"),
    "incoming_more": ("Все ссылки ({total})", "All {total} links"),
    "members": ("Участники по ролям", "Members by role"),
    "via": ("через", "via"),
    "its_members": ("Её члены", "Its members"),
    "instances": ("Экземпляры класса", "Instances of the class"),
    "instance_count": ("Всего: {count}", "{count} in all"),
    "pages": ("Страницы", "Pages"),
    "page_of": ("Страница {page} из {last}", "Page {page} of {last}"),
    "previous_page": ("Предыдущая", "Previous"),
    "next_page": ("Следующая", "Next"),
    "cluster": ("Кластер", "Cluster"),
    "industry": ("Отрасль", "Industry"),
    "lead": ("Ведущая организация", "Lead organisation"),
    "member_count": ("Участников", "Members"),
    "browse": ("Обзор по классам", "Browse by class"),
    "vocabularies": ("Словарь и формы", "Vocabulary and shapes"),
    "ontology": ("Онтология", "Ontology"),
    "shapes": ("Формы SHACL", "SHACL shapes"),
    "dataset": ("О наборе данных", "About the dataset"),
    "schemes": ("Справочники", "Code lists"),
    "terms": ("Термины", "Terms"),
    "instances_link": ("экземпляры", "instances"),
    "error_home": ("На главную", "Back to the home page"),
    "footer": (
        "Данные: CC BY 4.0. Каждый IRI разыменовывается; форматы: Turtle, JSON-LD, "
        "N-Triples, RDF/XML, HTML.",
        "Data: CC BY 4.0. Every IRI dereferences; formats: Turtle, JSON-LD, N-Triples, "
        "RDF/XML, HTML.",
    ),
}


def pick(table: Mapping[str, tuple[str, str]], lang: str) -> dict[str, str]:
    """The words of a (Russian, English) table in ``lang``; English for any other language."""
    index = 0 if lang == "ru" else 1
    return {key: pair[index] for key, pair in table.items()}


def translator(lang: str) -> dict[str, str]:
    """The interface words in ``lang``, for templates (``t.key``)."""
    return pick(MESSAGES, lang)
