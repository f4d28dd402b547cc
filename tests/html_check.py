"""A strict well-formedness check for our HTML: every element closed, in order; ids unique."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class TagBalance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, tuple[int, int]]] = []
        self.errors: list[str] = []
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value is not None:
                if value in self.ids:
                    self.errors.append(f"duplicate id {value!r} at {self.getpos()}")
                self.ids.add(value)
            if name == "href" and value is not None and tag in ("a", "link"):
                self.hrefs.append(value)
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.errors.append(f"self-closed <{tag}/> at {self.getpos()}")
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"end tag of void element </{tag}> at {self.getpos()}")
        elif not self.stack or self.stack[-1][0] != tag:
            top = self.stack[-1] if self.stack else None
            self.errors.append(f"</{tag}> at {self.getpos()} closes {top}")
        else:
            self.stack.pop()


def check_html(text: str) -> TagBalance:
    """Parse ``text``; fail with every problem found."""
    parser = TagBalance()
    parser.feed(text)
    parser.close()
    problems = list(parser.errors)
    if parser.stack:
        problems.append(f"unclosed: {parser.stack}")
    if not parser.doctype:
        problems.append("no <!doctype html>")
    assert not problems, "\n".join(problems)
    return parser
