"""The words of the validation, status and shapes pages, in Russian and English.

Kept apart from :mod:`clusterld.i18n` (the site's own words, which these pages also use) so
that each team edits its own table; :func:`translator` merges the two for templates.
"""

from __future__ import annotations

from clusterld import i18n

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (Russian, English)
    "validate_title": ("Проверка RDF по формам SHACL", "Validate RDF against the SHACL shapes"),
    "validate_intro": (
        "Вставьте RDF или выберите файл: данные проверяются по опубликованным формам и "
        "нигде не сохраняются.",
        "Paste RDF or choose a file: it is checked against the published shapes and is "
        "not stored anywhere.",
    ),
    "paste": ("Текст RDF", "RDF text"),
    "file": ("или файл", "or a file"),
    "file_hint": (
        "Файл важнее текста, если выбрано и то, и другое.",
        "A file wins over pasted text when both are given.",
    ),
    "syntax": ("Формат", "Format"),
    "syntax_auto": ("по расширению файла (иначе Turtle)", "by file extension (else Turtle)"),
    "language": ("Язык отчёта", "Report language"),
    "with_data": (
        "Проверить вместе с опубликованными данными (например, нового участника "
        "существующего кластера)",
        "Check together with the published data (e.g. a new member of an existing cluster)",
    ),
    "submit": ("Проверить", "Validate"),
    "api": (
        "Для программ: POST /validate с телом RDF и заголовком Content-Type; ответ — "
        "sh:ValidationReport (Turtle, JSON-LD) или сводка JSON, по заголовку Accept или ?format=.",
        "For programs: POST /validate with an RDF body and its Content-Type; the answer is the "
        "sh:ValidationReport (Turtle, JSON-LD) or a JSON summary, by Accept or ?format=.",
    ),
    "report": ("Отчёт о проверке", "Validation report"),
    "error": ("Ошибка", "Error"),
    "line": ("строка", "line"),
    "column": ("столбец", "column"),
    "severity": ("Серьёзность", "Severity"),
    "focus": ("Узел", "Focus node"),
    "path": ("Путь", "Path"),
    "message": ("Сообщение", "Message"),
    "shape": ("Форма", "Shape"),
    "conforms": ("Соответствует формам", "Conforms to the shapes"),
    "fails": ("Не соответствует формам", "Does not conform to the shapes"),
    "counts": (
        "нарушений: {violation}, предупреждений: {warning}, замечаний: {info}",
        "{violation} violation(s), {warning} warning(s), {info} info",
    ),
    "validated": (
        "Проверено триплетов: {triples} (из них прислано: {uploaded}).",
        "Validated {triples} triples ({uploaded} sent).",
    ),
    "resource_report": ("Соответствие ресурса формам", "Conformance of a resource"),
    "targeted_by": ("Формы, которые его проверяют", "Shapes that target it"),
    "no_shapes": ("Ни одна форма не нацелена на этот ресурс.", "No shape targets this resource."),
    "resource_page": ("Страница ресурса", "The resource's page"),
    "status_title": ("Состояние публикации", "Publishing status"),
    "version": ("Версия", "Version"),
    "loaded_at": ("Загружена", "Loaded at"),
    "triples": ("Триплеты", "Triples"),
    "graph_data": ("данные", "data"),
    "graph_ontology": ("онтология", "ontology"),
    "graph_shapes": ("формы", "shapes"),
    "conformance": ("Соответствие формам", "Conformance"),
    "last_failure": ("Последняя неудачная перезагрузка", "Last refused reload"),
    "no_failure": (
        "Нет: последняя перезагрузка (если была) прошла успешно.",
        "None: the last reload, if any, succeeded.",
    ),
    "failure_kept": (
        "Новые данные не опубликованы; сервер продолжает отдавать версию {version}.",
        "The new data was not published; the server still serves version {version}.",
    ),
    "reload_how": (
        "Перезагрузка без остановки: отправьте процессу сигнал SIGHUP "
        "(kill -HUP <pid>). Данные публикуются, только если проходят все формы.",
        "Reload without a restart: send the process SIGHUP (kill -HUP <pid>). New data is "
        "published only if it passes every shape.",
    ),
    "shapes_title": ("Формы SHACL", "SHACL shapes"),
    "shapes_intro": (
        "У каждого ограничения — сообщение на русском и английском. Этими же формами "
        "сервер проверяет данные перед публикацией и всё, что присылают на проверку.",
        "Each constraint has its message in Russian and English. The server checks its data "
        "with these shapes before publishing it, and everything sent to be validated.",
    ),
    "targets": ("Цели", "Targets"),
    "constraints": ("Ограничения", "Constraints"),
    "messages": ("Сообщения", "Messages"),
    "target_class": ("экземпляры класса", "instances of"),
    "target_node": ("узел", "the node"),
    "target_subjects": ("субъекты свойства", "subjects of"),
    "target_objects": ("объекты свойства", "objects of"),
    "target_implicit": ("экземпляры класса (неявно)", "instances of (implicitly)"),
    "no_targets": (
        "Без целей: применяется через другие формы.",
        "No targets: applied through other shapes.",
    ),
    "used_by": ("Используется в", "Used by"),
    "validate_link": ("Проверить свои данные", "Validate your own data"),
}


def translator(lang: str) -> dict[str, str]:
    """The site's words and these pages' words in ``lang``, for templates (``t.key``)."""
    return {**i18n.translator(lang), **i18n.pick(MESSAGES, lang)}
