"""Checks on a saved translation of one segment, shown beside it (warnings, not refusals).

Pure functions. Each finding is (code, detail); the view words them in the reader's language.
- structure: the Markdown of the target has as many list items, links, images and footnote
  references as the source (counted on the platform's own rendering of both);
- numbers: every number of the source (rule numbers such as 54 or 41(a), dates, counts)
  appears in the target;
- placeholders: %(name)s, {name} and {{ name }} of the source are intact;
- letters: Kazakh and Tajik text is written in its own Cyrillic letters, not with Latin or
  Greek look-alikes inside Cyrillic words (ə for ә, h for һ/ҳ, i for і, θ for ө), and Tajik
  without the Russian letters its alphabet does not have (ц щ ы ь).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from html.parser import HTMLParser

import markdown

from lms.catalog.render import EXTENSIONS

NUMBER_RE = re.compile(r"\d+(?:[.,:/-]\d+)*(?:\([a-z]\))?")
PLACEHOLDER_RE = re.compile(r"%\(\w+\)[sd]|\{\{\s*\w+\s*\}\}|\{\w+\}")
WORD_RE = re.compile(r"\w+")
OWN_SCRIPT_LANGUAGES = {"kk", "tg", "ky"}
NOT_TAJIK = set("цщыьЦЩЫЬ")


class _Counter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found = {"items": 0, "links": 0, "images": 0, "footnotes": 0}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li" and not (attrs.get("id") or "").startswith("fn:"):
            self.found["items"] += 1
        elif tag == "a":
            css = attrs.get("class") or ""
            if "footnote-ref" in css:
                self.found["footnotes"] += 1
            elif "footnote-backref" not in css:
                self.found["links"] += 1
        elif tag == "img":
            self.found["images"] += 1


@cache
def _markdown() -> markdown.Markdown:
    return markdown.Markdown(extensions=EXTENSIONS)


def structure(text: str) -> dict[str, int]:
    md = _markdown()
    md.reset()
    html = md.convert(text)
    counter = _Counter()
    counter.feed(html)
    return counter.found


def _script(char: str) -> str | None:
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    for script in ("CYRILLIC", "LATIN", "GREEK"):
        if name.startswith(script):
            return script
    return "OTHER"


def check(source: str, target: str, lang: str, markdown_text: bool = True) -> list[tuple[str, str]]:
    findings: list[tuple[str, str]] = []
    if markdown_text:
        want, have = structure(source), structure(target)
        for what in ("items", "links", "images", "footnotes"):
            if want[what] != have[what]:
                findings.append((f"structure-{what}", f"{want[what]} / {have[what]}"))
    target_numbers = set(NUMBER_RE.findall(target))
    missing = [n for n in dict.fromkeys(NUMBER_RE.findall(source)) if n not in target_numbers]
    if missing:
        findings.append(("numbers", ", ".join(missing)))
    lost = [p for p in dict.fromkeys(PLACEHOLDER_RE.findall(source)) if p not in target]
    if lost:
        findings.append(("placeholders", ", ".join(lost)))
    base = lang.split("_")[0]
    if base in OWN_SCRIPT_LANGUAGES:
        odd = []
        for word in WORD_RE.findall(target):
            scripts = {_script(c) for c in word} - {None}
            if "CYRILLIC" in scripts and scripts - {"CYRILLIC"}:
                odd.append(word)
            elif base == "tg" and NOT_TAJIK & set(word):
                odd.append(word)
        if odd:
            findings.append(("letters", ", ".join(dict.fromkeys(odd[:8]))))
    return findings
