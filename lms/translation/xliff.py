"""A language of a course as XLIFF 1.1 (translate-toolkit), out to translators and back.

One <file> whose `original` is the course id and `product-version` the course version;
one <trans-unit> per segment, its id the segment key (docs/translation.md), its <source>
the source text, its <target> the translation if any. On the way back the file is read
whole before anything is written: a malformed file, or one of another course, version,
language or source language, is refused as a whole. Each unit is then judged alone: an
unknown key or a source that changed since the export is reported for that unit and not
written; the others are written in one draft revision, with the same checks the editor
shows reported per unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from defusedxml import ElementTree as SafeTree

from lms.translation import checks, records
from lms.translation.segments import course_segments, course_text, normalize

if TYPE_CHECKING:
    from translate.storage import xliff

MAX_BYTES = 10 * 1024 * 1024


@dataclass
class ImportReport:
    course_id: str
    lang: str
    changes: dict[str, bytes] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    # (segment key, code, detail): refused units and check findings of written ones
    refused: list[tuple[str, str, str]] = field(default_factory=list)
    findings: list[tuple[str, str, str]] = field(default_factory=list)


class XliffRefusedError(Exception):
    """The whole file is refused; nothing is written."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def course_version(files: dict[str, bytes]) -> str:
    from lms.catalog.spec import parse_yaml

    data = parse_yaml(files["course.yaml"].decode("utf-8")) or {}
    return str(data.get("version", ""))


def export(course_id: str, files: dict[str, bytes], lang: str) -> bytes:
    # translate-toolkit (~8 MiB) is loaded only by the exchange itself, not by every web worker.
    from translate.storage import xliff

    info = course_text(files)
    if info is None:
        raise records.TranslationError("no-course")
    if lang not in info.targets:
        raise records.TranslationError("bad-language")
    store: xliff.xlifffile = xliff.xlifffile(sourcelanguage=info.source, targetlanguage=lang)
    for row in records.rows(files, info, lang):
        unit = store.addsourceunit(row.segment.text, filename=course_id, createifmissing=True)
        unit.setid(row.key)
        if row.target:
            unit.settarget(row.target)
        if row.state == records.REVIEWED:
            unit.markapproved(True)
        unit.addnote(f"{row.segment.kind}; {row.state}", origin="developer")
    node = store.getfilenode(course_id)
    if node is None:  # a course without any text: the file still says which course it is
        store.addsourceunit("", filename=course_id, createifmissing=True)
        node = store.getfilenode(course_id)
        for unit in list(store.unit_iter()):
            store.removeunit(unit)
    node.set("product-version", course_version(files))
    return bytes(store)


def read(data: bytes) -> tuple[str, str, str, str, list[tuple[str, str, str]]]:
    """(course id, version, source language, target language, [(key, source, target)]) or refusal."""
    if len(data) > MAX_BYTES:
        raise XliffRefusedError("too-big")
    from translate.storage import xliff  # loaded only when a file is exchanged (see export)

    try:
        SafeTree.fromstring(data)  # no DTD, no entities: refused before the real parser sees it
    except Exception as exc:  # noqa: BLE001 (defusedxml and expat raise several kinds)
        raise XliffRefusedError("malformed", str(exc)[:200]) from None
    try:
        store = xliff.xlifffile.parsestring(data)
    except Exception as exc:  # noqa: BLE001 (lxml and the toolkit raise several kinds)
        raise XliffRefusedError("malformed", str(exc)[:200]) from None
    if store.document.getroot().tag != "{urn:oasis:names:tc:xliff:document:1.1}xliff" and \
            not store.document.getroot().tag.endswith("xliff"):
        raise XliffRefusedError("malformed", "not an XLIFF document")
    names = store.getfilenames()
    if len(names) != 1:
        raise XliffRefusedError("one-course")
    node = store.getfilenode(names[0])
    units = []
    for unit in store.unit_iter():
        key = unit.xmlelement.get("id") or ""
        units.append((key, unit.source or "", unit.target or ""))
    return (names[0], node.get("product-version") or "", node.get("source-language") or "",
            node.get("target-language") or "", units)


def import_into(course_id: str, files: dict[str, bytes], data: bytes, lang: str | None = None) -> ImportReport:
    """What an XLIFF file changes in a course's files (the caller saves `changes` as one revision)."""
    file_course, version, source_lang, target_lang, units = read(data)
    if file_course != course_id:
        raise XliffRefusedError("other-course", file_course)
    info = course_text(files)
    if info is None:
        raise XliffRefusedError("no-course")
    if version != course_version(files):
        raise XliffRefusedError("other-version", version)
    if source_lang != info.source:
        raise XliffRefusedError("other-source", source_lang)
    if target_lang not in info.targets or (lang is not None and target_lang != lang):
        raise XliffRefusedError("other-language", target_lang)
    report = ImportReport(course_id, target_lang)
    segments = {s.key: s for s in course_segments(files, info)}
    status = {r.key: r for r in records.rows(files, info, target_lang, list(segments.values()))}
    texts: dict[str, str] = {}
    seen: set[str] = set()
    for key, source, target in units:
        if key in seen:
            report.refused.append((key, "duplicate", ""))
            continue
        seen.add(key)
        seg = segments.get(key)
        if seg is None:
            report.refused.append((key, "unknown-segment", ""))
            continue
        if normalize(source) != normalize(seg.text):
            report.refused.append((key, "source-changed", ""))
            continue
        row = status[key]
        if not target.strip() or (row.target is not None and normalize(row.target) == normalize(target)
                                  and row.state != records.OUTDATED):
            report.unchanged += 1
            continue
        texts[key] = target
    changes, refused = records.translate_many(files, target_lang, texts) if texts else ({}, {})
    report.changes = changes
    for key, target in texts.items():
        if key in refused:
            report.refused.append((key, refused[key][0], ""))
            continue
        report.written.append(key)
        seg = segments[key]
        for code, detail in checks.check(seg.text, target, target_lang, markdown_text=seg.kind != "text"):
            report.findings.append((key, code, detail))
    return report
