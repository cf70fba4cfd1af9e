"""A course cut into segments: every text map of its YAML files and every block of its lessons.

Pure functions: no Flask, no database. docs/translation.md describes the keys.

- A YAML text (a map {en: ..., ru: ...} of course.yaml, module.yaml, quiz.yaml,
  scenario.yaml) is one segment, keyed by its file and its path inside it; list items
  that have an `id` are named by it, so reordering questions or options keeps keys.
- A lesson is cut by the platform's own Markdown parser (Python-Markdown with the
  extensions learners' pages are rendered with, lms/catalog/render.py): each block the
  parser reads (a heading, a paragraph, an admonition, a footnote, a code block, a quote)
  is a segment, and a list or a table is cut further into its items and rows. A block's
  key is its module, its kind and a hash of its text, so editing one block changes that
  block's key only; equal blocks are numbered in order (`~2`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from xml.etree import ElementTree

import markdown
import yaml
from markdown.blockprocessors import OListProcessor
from markdown.extensions.footnotes import FootnoteBlockProcessor

from lms.catalog.render import EXTENSIONS
from lms.catalog.spec import parse_yaml

YAML_FILES = ("course.yaml", "module.yaml", "quiz.yaml", "scenario.yaml")
LESSON_KINDS = ("heading", "paragraph", "item", "row", "admonition", "footnote", "code", "quote", "rule", "other")


@dataclass(frozen=True)
class Segment:
    key: str
    kind: str  # "text" for a YAML text, else a LESSON_KINDS entry
    text: str
    file: str  # the source file: "01-x/quiz.yaml" or "01-x/lesson.en.md"
    module: str  # "" for course.yaml
    path: tuple = ()  # inside the YAML data, for texts
    glue: str = ""  # what separates a lesson block from the one before it


def source_hash(text: str) -> str:
    """The hash a translation records of the source it was made from (16 hex digits)."""
    return full_hash(text)[:16]


def full_hash(text: str) -> str:
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()


def normalize(text: str) -> str:
    """Line endings and the spaces at line ends and around the text do not matter."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


# ---- YAML texts ------------------------------------------------------------------------

def is_text_map(node, languages: set[str], source: str) -> bool:
    return (isinstance(node, dict) and bool(node) and source in node
            and all(isinstance(k, str) and k in languages for k in node)
            and all(isinstance(v, str) or v is None for v in node.values()))


def _step(container, index: int, item) -> str:
    if isinstance(item, dict) and isinstance(item.get("id"), (str, int)) and not isinstance(item.get("id"), bool):
        return f"[{item['id']}]"
    return f"[{index}]"


def yaml_segments(file: str, data, languages: set[str], source: str) -> list[Segment]:
    """Every text map of one YAML file's data, in document order."""
    module = file.split("/")[0] if "/" in file else ""
    found: list[Segment] = []

    def walk(node, path: tuple, label: str) -> None:
        if is_text_map(node, languages, source):
            text = node.get(source) or ""
            found.append(Segment(f"{file}#{label}", "text", text, file, module, path))
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*path, k), f"{label}.{k}" if label else str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i), label + _step(node, i, v))

    walk(data, (), "")
    return found


def get_path(data, path: tuple):
    node = data
    for step in path:
        node = node[step]
    return node


# ---- lessons ---------------------------------------------------------------------------

@cache
def _parser() -> markdown.Markdown:
    return markdown.Markdown(extensions=EXTENSIONS)


def _line_pattern(md: markdown.Markdown, name: str) -> re.Pattern[str]:
    """The pattern of the line that starts a list item or a footnote, as the parser reads it."""
    processor = md.parser.blockprocessors[name]
    assert isinstance(processor, OListProcessor | FootnoteBlockProcessor)  # ulist is an OListProcessor
    return processor.RE


def _kind_of(chunk: str) -> str:
    """The kind of block the platform's parser reads a blank-line-separated chunk as."""
    md = _parser()
    md.reset()
    root = ElementTree.Element("div")
    md.parser.parseChunk(root, chunk)
    children = list(root)
    if not children:
        first = chunk.split("\n", 1)[0]
        return "footnote" if _line_pattern(md, "footnote").match(first) else "other"
    tag, css = children[0].tag, children[0].get("class") or ""
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return "heading"
    if tag in ("ul", "ol"):
        return "list"
    if tag == "table":
        return "table"
    if tag == "div" and "admonition" in css:
        return "admonition"
    return {"p": "paragraph", "pre": "code", "blockquote": "quote", "hr": "rule"}.get(tag, "other")


def _is_indented(chunk: str) -> bool:
    return chunk.startswith(("    ", "\t"))


def lesson_blocks(text: str) -> list[tuple[str, str, str]]:
    """(kind, text, glue) for every block of a lesson; joining glue+text gives the lesson back
    (line ends and blank lines normalised)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    chunks = [c for c in "\n".join(lines).split("\n\n")]
    blocks: list[list] = []  # [kind, text, glue]
    pending_glue = ""
    md = _parser()
    for chunk in chunks:
        if not chunk.strip("\n"):
            if blocks:
                pending_glue += "\n\n"
            continue
        glue = ("\n\n" if blocks else "") + pending_glue
        pending_glue = ""
        chunk = chunk.strip("\n")
        if blocks and _is_indented(chunk) and blocks[-1][0] in ("item", "admonition", "footnote", "code"):
            blocks[-1][1] += glue + chunk  # a continuation belongs to the block it continues
            continue
        kind = _kind_of(chunk)
        if kind == "list":
            ulist, olist = _line_pattern(md, "ulist"), _line_pattern(md, "olist")
            for i, line in enumerate(chunk.split("\n")):
                if i == 0 or ulist.match(line) or olist.match(line):
                    blocks.append(["item", line, glue if i == 0 else "\n"])
                else:
                    blocks[-1][1] += "\n" + line
        elif kind == "table":
            rows = chunk.split("\n")
            sep = rows[1] if len(rows) > 1 else ""
            for i, line in enumerate(rows):
                if i == 1:
                    continue
                blocks.append(["row", line, glue if i == 0 else ("\n" + sep + "\n" if i == 2 else "\n")])
        elif kind == "footnote":
            note = _line_pattern(md, "footnote")
            for i, line in enumerate(chunk.split("\n")):
                if i == 0 or note.match(line):
                    blocks.append(["footnote", line, glue if i == 0 else "\n"])
                else:
                    blocks[-1][1] += "\n" + line
        else:
            blocks.append([kind, chunk, glue])
    return [(k, t, g) for k, t, g in blocks]


def join_blocks(blocks: list[tuple[str, str]]) -> str:
    """A lesson from (text, glue) pairs."""
    out = "".join(glue + text for text, glue in blocks)
    return out + "\n" if out else ""


def lesson_segments(module: str, source_file: str, text: str) -> list[Segment]:
    seen: dict[str, int] = {}
    found = []
    for kind, block, glue in lesson_blocks(text):
        base = f"{module}/lesson#{kind}-{full_hash(block)[:10]}"
        seen[base] = seen.get(base, 0) + 1
        key = base if seen[base] == 1 else f"{base}~{seen[base]}"
        found.append(Segment(key, kind, block, source_file, module, glue=glue))
    return found


# ---- a whole course --------------------------------------------------------------------

@dataclass
class CourseText:
    """What a course's files say about its languages."""

    source: str
    languages: list[str]  # offered to officers
    translating: list[str]  # being translated, not offered yet
    modules: list[str]

    @property
    def targets(self) -> list[str]:
        return [lang for lang in [*self.languages, *self.translating] if lang != self.source]


def course_text(files: dict[str, bytes]) -> CourseText | None:
    """The languages and modules course.yaml declares, or None when it cannot be read."""
    try:
        data = parse_yaml(files.get("course.yaml", b"").decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):  # the course check says why
        return None
    if not isinstance(data, dict):
        return None
    langs = [x for x in data.get("languages") or [] if isinstance(x, str)]
    translating = [x for x in data.get("translating") or [] if isinstance(x, str) and x not in langs]
    source = data.get("source_language", "en")
    if not isinstance(source, str):
        return None
    modules = [m for m in data.get("modules") or [] if isinstance(m, str)]
    if isinstance(data.get("pre_test"), str):
        modules = [data["pre_test"], *modules]
    return CourseText(source, langs, translating, modules)


def course_segments(files: dict[str, bytes], info: CourseText, parsed: dict[str, object] | None = None) -> list[Segment]:
    """Every segment of a course in the order a reader meets it.

    parsed, when given, is filled with each YAML file's data by path, so that a page reading the
    same files for several languages parses each of them once (records.rows takes it too)."""
    languages = {*info.languages, *info.translating, info.source}
    found: list[Segment] = []
    for prefix in ["", *info.modules]:
        for name in YAML_FILES:
            path = f"{prefix}/{name}" if prefix else name
            if (prefix == "") != (name == "course.yaml") or path not in files:
                continue
            try:
                data = parse_yaml(files[path].decode("utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError):  # the course check reports it
                data = None
            else:
                if parsed is not None:
                    parsed[path] = data
            found.extend(yaml_segments(path, data, languages, info.source))
        lesson = f"{prefix}/lesson.{info.source}.md"
        if prefix and lesson in files:
            try:
                text = files[lesson].decode("utf-8")
            except UnicodeDecodeError:
                continue
            found.extend(lesson_segments(prefix, lesson, text))
    return found
