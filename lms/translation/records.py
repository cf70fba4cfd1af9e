"""Which source each translation was made from, and the status of every segment.

Pure functions on a course folder's files (no Flask, no database); docs/translation.md.
The record is the course file `translations.yaml`, so it travels with the course in
packages, in git and through `lms courses load`:

    kk:
      course.yaml#title: {source: 3f2a9c0d1e4b5a6f}
      01-admission/lesson:            # one entry per block of lesson.kk.md, in order
      - {source: 9b1c..., reviewed: true}

`source` is the hash (segments.source_hash) of the source text the translation was made
from. A translation without a record (a course written by hand) counts as made from the
current source; the first source edit writes the record down before changing the source.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import yaml

from lms.catalog.spec import dump_yaml, parse_yaml
from lms.translation.segments import (
    CourseText,
    Segment,
    course_segments,
    course_text,
    get_path,
    join_blocks,
    lesson_blocks,
    lesson_segments,
    source_hash,
    yaml_segments,
)

RECORD_FILE = "translations.yaml"
MISSING, OUTDATED, TRANSLATED, REVIEWED = "missing", "outdated", "translated", "reviewed"
STATES = (MISSING, OUTDATED, TRANSLATED, REVIEWED)
NOWHERE = "0" * 16  # the record of a block whose source is not known


class TranslationError(Exception):
    """A refusal the view turns into a translated message."""

    def __init__(self, code: str, **detail) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass
class Row:
    """One segment in one target language."""

    segment: Segment
    lang: str
    target: str | None
    state: str
    recorded: str | None  # the source hash the translation was made from

    @property
    def key(self) -> str:
        return self.segment.key


def read_records(files: dict[str, bytes]) -> dict:
    raw = files.get(RECORD_FILE)
    if not raw:
        return {}
    try:
        data = parse_yaml(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):  # the course check reports a malformed file
        return {}
    return data if isinstance(data, dict) else {}


def dump_records(data: dict) -> bytes:
    head = b"# The source each translation was made from (docs/translation.md); written by the platform.\n"
    clean = {lang: entries for lang, entries in data.items() if entries}
    return head + yaml.safe_dump(clean, allow_unicode=True, sort_keys=True, width=1000).encode()


def _entry(record) -> dict | None:
    if isinstance(record, str):
        return {"source": record}
    if isinstance(record, dict) and isinstance(record.get("source"), str):
        return record
    return None


def _state(recorded: dict | None, current: str) -> str:
    if recorded is None:
        return TRANSLATED
    if recorded["source"] != current:
        return OUTDATED
    return REVIEWED if recorded.get("reviewed") else TRANSLATED


# ---- lessons ---------------------------------------------------------------------------

@dataclass
class LessonAlignment:
    sources: list[Segment]
    targets: list[tuple[str, str, str]]  # (kind, text, glue) of the target lesson
    records: list[dict | None]  # per target block: what it was made from (None: adopted)
    target_of: dict[int, int]  # source index -> target index


def align_lesson(sources: list[Segment], target_text: str | None, recorded) -> LessonAlignment:
    targets = lesson_blocks(target_text) if target_text else []
    entries = [_entry(r) for r in recorded] if isinstance(recorded, list) else None
    target_of: dict[int, int] = {}
    if entries is not None and len(entries) == len(targets) and all(entries):
        # Made from known sources: unchanged sources pair up; a changed source pairs
        # with the translation made from the block it replaced (out of date).
        matcher = difflib.SequenceMatcher(None, [source_hash(s.text) for s in sources],
                                          [e["source"] for e in entries if e], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag in ("equal", "replace"):
                for offset in range(min(i2 - i1, j2 - j1)):
                    target_of[i1 + offset] = j1 + offset
        return LessonAlignment(sources, targets, entries, target_of)
    # No usable record (a lesson written by hand): blocks pair up by their kinds, as made
    # from the current source.
    matcher = difflib.SequenceMatcher(None, [s.kind for s in sources], [t[0] for t in targets], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "replace"):
            for offset in range(min(i2 - i1, j2 - j1)):
                target_of[i1 + offset] = j1 + offset
    records: list[dict | None] = [None] * len(targets)
    for i, j in target_of.items():
        records[j] = {"source": source_hash(sources[i].text)}
    return LessonAlignment(sources, targets, records, target_of)


def lesson_file(module: str, lang: str) -> str:
    return f"{module}/lesson.{lang}.md"


def lesson_record_key(module: str) -> str:
    return f"{module}/lesson"


# ---- status ----------------------------------------------------------------------------

def rows(files: dict[str, bytes], info: CourseText, lang: str, segments: list[Segment] | None = None,
         parsed: dict[str, object] | None = None) -> list[Row]:
    """Every segment of the course with its status in lang.

    parsed: YAML data by path already read from these files (see course_segments), filled as
    files are read; the caller must not change the data in it."""
    data_cache: dict[str, object] = {} if parsed is None else parsed
    segments = course_segments(files, info, data_cache) if segments is None else segments
    records = read_records(files).get(lang) or {}
    if not isinstance(records, dict):
        records = {}
    lesson_cache: dict[str, LessonAlignment] = {}
    out: list[Row] = []
    by_module: dict[str, list[Segment]] = {}
    for seg in segments:
        if seg.kind != "text":
            by_module.setdefault(seg.module, []).append(seg)
    for seg in segments:
        current = source_hash(seg.text)
        if seg.kind == "text":
            if seg.file not in data_cache:
                data_cache[seg.file] = parse_yaml(files[seg.file].decode("utf-8"))
            node = get_path(data_cache[seg.file], seg.path)
            target = node.get(lang) if isinstance(node, dict) else None
            if not isinstance(target, str) or not target.strip():
                out.append(Row(seg, lang, None, MISSING, None))
                continue
            entry = _entry(records.get(seg.key))
            out.append(Row(seg, lang, target, _state(entry, current), entry["source"] if entry else current))
            continue
        if seg.module not in lesson_cache:
            text = files.get(lesson_file(seg.module, lang))
            lesson_cache[seg.module] = align_lesson(
                by_module[seg.module], text.decode("utf-8") if text else None,
                records.get(lesson_record_key(seg.module)))
        al = lesson_cache[seg.module]
        index = al.sources.index(seg)
        j = al.target_of.get(index)
        if j is None:
            out.append(Row(seg, lang, None, MISSING, None))
            continue
        entry = al.records[j]
        out.append(Row(seg, lang, al.targets[j][1], _state(entry, current), entry["source"] if entry else current))
    return out


def counts(rows_: list[Row]) -> dict[str, int]:
    found = dict.fromkeys(STATES, 0)
    for row in rows_:
        found[row.state] += 1
    return found


# ---- writing ---------------------------------------------------------------------------

def _ordered_map(node: dict, info: CourseText) -> dict:
    order = [info.source, *info.languages, *info.translating]
    return {k: node[k] for k in sorted(node, key=lambda k: (order.index(k) if k in order else len(order), k))}


def translate(files: dict[str, bytes], lang: str, key: str, text: str, reviewed: bool = False) -> dict[str, bytes]:
    """The changed files for one segment's translation (target file and records)."""
    changes, refused = translate_many(files, lang, {key: text}, reviewed=reviewed)
    if refused:
        raise TranslationError(refused[key][0], **refused[key][1])
    return changes


def translate_many(files: dict[str, bytes], lang: str, texts: dict[str, str],
                   reviewed: bool = False) -> tuple[dict[str, bytes], dict[str, tuple[str, dict]]]:
    """The changed files for many segments' translations at once, and the keys refused
    with their reason ({key: (code, detail)}); each file is read and written once."""
    info = course_text(files)
    if info is None:
        raise TranslationError("no-course")
    if lang not in info.targets:
        raise TranslationError("bad-language")
    segments = course_segments(files, info)
    by_key = {s.key: s for s in segments}
    refused: dict[str, tuple[str, dict]] = {}
    wanted: dict[str, str] = {}
    for key, text in texts.items():
        text = text.replace("\r\n", "\n").strip()
        seg = by_key.get(key)
        if seg is None:
            refused[key] = ("no-segment", {})
        elif not text:
            refused[key] = ("empty", {})
        elif seg.kind != "text" and len(blocks := lesson_blocks(text)) != 1:
            refused[key] = ("one-block", {"count": len(blocks)})
        else:
            wanted[key] = text if seg.kind == "text" else lesson_blocks(text)[0][1]
    changes: dict[str, bytes] = {}
    if not wanted:
        return changes, refused
    records = read_records(files)
    mine = records.setdefault(lang, {})
    if not isinstance(mine, dict):
        mine = records[lang] = {}

    def entry_of(seg: Segment) -> dict:
        entry: dict[str, str | bool] = {"source": source_hash(seg.text)}
        if reviewed:
            entry["reviewed"] = True
        return entry

    yaml_files: dict[str, dict] = {}
    modules: set[str] = set()
    for key, text in wanted.items():
        seg = by_key[key]
        if seg.kind != "text":
            modules.add(seg.module)
            continue
        if seg.file not in yaml_files:
            yaml_files[seg.file] = parse_yaml(files[seg.file].decode("utf-8"))
        node = get_path(yaml_files[seg.file], seg.path)
        node[lang] = text
        if seg.path:
            get_path(yaml_files[seg.file], seg.path[:-1])[seg.path[-1]] = _ordered_map(node, info)
        else:
            yaml_files[seg.file] = _ordered_map(node, info)
        mine[key] = entry_of(seg)
    for path, data in yaml_files.items():
        changes[path] = dump_yaml(data)
    for module in modules:
        module_segments = [s for s in segments if s.module == module and s.kind != "text"]
        target_path = lesson_file(module, lang)
        old = files.get(target_path)
        al = align_lesson(module_segments, old.decode("utf-8") if old else None,
                          mine.get(lesson_record_key(module)))
        pieces, new_records = [], []
        for i, source in enumerate(module_segments):
            j = al.target_of.get(i)
            if source.key in wanted:
                pieces.append((wanted[source.key], source.glue))
                new_records.append(entry_of(source))
            elif j is not None:
                pieces.append((al.targets[j][1], source.glue))
                new_records.append(al.records[j] or {"source": NOWHERE})
        joined = join_blocks([(t, g.lstrip("\n") if not n else g) for n, (t, g) in enumerate(pieces)])
        changes[target_path] = joined.encode("utf-8")
        mine[lesson_record_key(module)] = new_records
    changes[RECORD_FILE] = dump_records(records)
    return changes, refused


def mark_reviewed(files: dict[str, bytes], lang: str, key: str) -> dict[str, bytes]:
    """The records with one up-to-date translation marked as reviewed."""
    info = course_text(files)
    if info is None or lang not in info.targets:
        raise TranslationError("bad-language")
    row = next((r for r in rows(files, info, lang) if r.key == key), None)
    if row is None:
        raise TranslationError("no-segment")
    if row.state not in (TRANSLATED, REVIEWED):
        raise TranslationError("not-reviewable")
    return translate(files, lang, key, row.target or "", reviewed=True)


def carry_over(old: dict[str, bytes], new: dict[str, bytes], minor: bool,
               replaced: list[str] | None = None) -> bytes | None:
    """The records after a source edit from `old` to `new`, or None when they stay as they are.

    Translations of sources the edit changed are written down as made from the old source
    (so they become out of date), or, for a minor edit, from the new one (so they stay
    valid). Only changed segments are touched. The old source texts are added to
    `replaced`, so the caller can keep them for the old/new comparison.
    """
    replaced = [] if replaced is None else replaced
    info_old, info_new = course_text(old), course_text(new)
    if info_old is None or info_new is None or info_old.source != info_new.source or not info_new.targets:
        return None
    records = read_records(new)
    changed = False
    languages = {*info_new.languages, *info_new.translating, info_new.source}
    names = [p for p in new if p.split("/")[-1] in ("course.yaml", "module.yaml", "quiz.yaml", "scenario.yaml")]
    for path in names:
        if old.get(path) == new.get(path) or path not in old:
            continue
        try:
            before = {s.key: s for s in yaml_segments(path, parse_yaml(old[path].decode("utf-8")), languages,
                                                      info_old.source)}
            after = yaml_segments(path, parse_yaml(new[path].decode("utf-8")), languages, info_new.source)
        except (yaml.YAMLError, UnicodeDecodeError, AttributeError):  # the course check says why
            before, after = {}, []
        for seg in after:
            prior = before.get(seg.key)
            if prior is None or source_hash(prior.text) == source_hash(seg.text):
                continue
            replaced.append(prior.text)
            for lang in info_new.targets:
                mine = records.setdefault(lang, {})
                entry = _entry(mine.get(seg.key))
                if entry is None:
                    entry = {"source": source_hash(prior.text)}  # made from the old source
                if minor and entry["source"] == source_hash(prior.text):
                    entry = {**entry, "source": source_hash(seg.text)}
                mine[seg.key] = entry
                changed = True
    for module in info_new.modules:
        path = lesson_file(module, info_new.source)
        if path not in old or path not in new or old[path] == new[path]:
            continue
        try:
            old_blocks = lesson_segments(module, path, old[path].decode("utf-8"))
            new_blocks = lesson_segments(module, path, new[path].decode("utf-8"))
        except UnicodeDecodeError:
            continue
        if [s.key for s in old_blocks] == [s.key for s in new_blocks]:
            continue  # no block changed (spaces at line ends, blank lines)
        pairs = _block_pairs(old_blocks, new_blocks)
        replaced.extend(old_blocks[i].text for i in pairs)
        for lang in info_new.targets:
            target = new.get(lesson_file(module, lang))
            if not target:
                continue
            mine = records.setdefault(lang, {})
            al = align_lesson(old_blocks, target.decode("utf-8", "replace"), mine.get(lesson_record_key(module)))
            written = [dict(r) if r else {"source": NOWHERE} for r in al.records]
            if minor:
                for i, j in al.target_of.items():
                    if written[j]["source"] == source_hash(old_blocks[i].text) and i in pairs:
                        written[j]["source"] = source_hash(new_blocks[pairs[i]].text)
            mine[lesson_record_key(module)] = written
            changed = True
    return dump_records(records) if changed else None


def keep_sources(texts: list[str]) -> None:
    """Store source texts by their hash (the content store), so that an out-of-date
    translation can show the source it was made from beside the current one."""
    from lms.catalog.sources import store
    from lms.translation.segments import normalize

    if texts:
        store({f"{i}": normalize(t).encode("utf-8") for i, t in enumerate(texts)})


def old_source(recorded: str) -> str | None:
    """The source text a translation was made from, when this platform has kept it."""
    import sqlalchemy as sa

    from lms.catalog.sources import ContentBlob
    from lms.extensions import db

    if not recorded or recorded == NOWHERE or len(recorded) != 16:
        return None
    data = db.session.scalar(sa.select(ContentBlob.data).where(ContentBlob.sha256.startswith(recorded)).limit(1))
    try:
        return data.decode("utf-8") if data is not None else None
    except UnicodeDecodeError:
        return None


def _block_pairs(before: list[Segment], after: list[Segment]) -> dict[int, int]:
    """Old block index -> new block index for blocks an edit changed in place."""
    matcher = difflib.SequenceMatcher(None, [source_hash(s.text) for s in before],
                                      [source_hash(s.text) for s in after], autojunk=False)
    pairs = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1:
            for offset in range(i2 - i1):
                pairs[i1 + offset] = j1 + offset
    return pairs
