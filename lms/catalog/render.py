"""Lesson Markdown to safe HTML, done once per content version at load time."""

from __future__ import annotations

from collections.abc import Callable

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode

from lms.safe_url import local_url

# Bump when rendering changes, so loading the same files renders their lessons again.
RENDERER_VERSION = 4
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


def render_lesson(text: str, media_url: Callable[[str], str | None]) -> str:
    """Render lesson Markdown and sanitize it; media_url maps 'media/x.svg' to a URL or None."""
    md = markdown.Markdown(
        extensions=EXTENSIONS,
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
