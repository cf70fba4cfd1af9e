"""Lesson Markdown to safe HTML, done once per content version at load time."""

from __future__ import annotations

from collections.abc import Callable

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

from lms.safe_url import local_url

# Bump when rendering changes, so loading the same files renders their lessons again.
RENDERER_VERSION = 5
EXTENSIONS = ["tables", "admonition", "footnotes", "sane_lists", "toc"]
ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "table", "thead", "tbody",
    "tr", "th", "td", "blockquote", "div", "sup", "a", "img", "em", "strong", "code", "pre",
    "hr", "br", "dl", "dt", "dd", "span",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "style"},
    "td": {"align", "style"},
    "ol": {"start"},
}
# The kinds of box a lesson may have (`!!! note "Title"`), each styled by the site.
BOX_KINDS = ("note", "warning", "example", "tip", "important")
ALLOWED_CLASSES = {
    "div": {"admonition", "footnote", *BOX_KINDS},
    "p": {"admonition-title"},
    "a": {"footnote-ref", "footnote-backref"},
    "sup": {"footnote-ref"},
}


class _ReadingOrder(Treeprocessor):
    """Numbers footnotes in the order a reader meets them. Python-Markdown numbers them in
    the order its inline pass visits them, which reaches a list's items after the paragraphs
    around the list: a note in a list item was numbered after the notes below the list."""

    def __init__(self, footnotes: FootnoteExtension) -> None:
        super().__init__()
        self.footnotes = footnotes

    def run(self, root) -> None:
        prefix = "#" + self.footnotes.makeFootnoteId("")
        refs = [a for a in root.iter("a")
                if a.get("class") == "footnote-ref" and (a.get("href") or "").startswith(prefix)]
        order: list[str] = []
        for a in refs:
            if a.get("href")[len(prefix):] not in order:
                order.append(a.get("href")[len(prefix):])
        for a in refs:
            a.text = self.footnotes.getConfig("SUPERSCRIPT_TEXT").format(order.index(a.get("href")[len(prefix):]) + 1)
        # The footnote extension's next step sorts the notes at the end by this list.
        self.footnotes.footnote_order[:] = [*order, *(i for i in self.footnotes.footnote_order if i not in order)]


class _ReadingOrderFootnotes(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (the library names it)
        footnotes = next(e for e in md.registeredExtensions if isinstance(e, FootnoteExtension))
        # After the inline pass (20), before the footnotes are sorted (19).
        md.treeprocessors.register(_ReadingOrder(footnotes), "footnote-reading-order", 19.5)


def render_lesson(text: str, media_url: Callable[[str], str | None]) -> str:
    """Render lesson Markdown and sanitize it; media_url maps 'media/x.svg' to a URL or None."""
    md = markdown.Markdown(
        extensions=[*EXTENSIONS, _ReadingOrderFootnotes()],
        extension_configs={
            "footnotes": {"BACKLINK_TITLE": "%d"},
            "toc": {"slugify": slugify_unicode, "baselevel": 2},  # the page has the h1
        },
        output_format="html",
    )
    raw = md.convert(text)

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if tag == "img" and attr == "src":
            return media_url(value) if value.startswith("media/") else None
        if tag == "a" and attr == "href":
            # Footnote anchors and links within the site only: no request leaves the intranet.
            return value if value.startswith("#") or local_url(value) else None
        if attr == "style":
            return value if value in ("text-align: left;", "text-align: right;", "text-align: center;") else None
        return value

    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        attribute_filter=attribute_filter,
        link_rel=None,
        url_schemes={"http", "https"},
    )


def word_count(text: str) -> int:
    return len(text.split())
