"""Readable differences: between two revisions' files, and what a publication changes for officers."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import cast

from lms.catalog.content import ModuleData, Text

CONTEXT = 3


@dataclass
class FileDiff:
    path: str
    status: str  # added | removed | changed
    is_text: bool
    # (kind, old line number, new line number, text); kind is ' ', '-', '+' or '…' (skipped)
    lines: list[tuple[str, int | None, int | None, str]] = field(default_factory=list)


def _lines(data: bytes | None) -> list[str] | None:
    if data is None:
        return []
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return None


def file_diffs(old: dict[str, bytes], new: dict[str, bytes]) -> list[FileDiff]:
    out = []
    for path in sorted(set(old) | set(new)):
        a, b = old.get(path), new.get(path)
        if a == b:
            continue
        status = "added" if a is None else "removed" if b is None else "changed"
        la, lb = _lines(a), _lines(b)
        if la is None or lb is None or not path.endswith((".yaml", ".yml", ".md")):
            out.append(FileDiff(path, status, False))
            continue
        diff = FileDiff(path, status, True)
        for group in difflib.SequenceMatcher(None, la, lb, autojunk=False).get_grouped_opcodes(CONTEXT):
            if diff.lines:
                diff.lines.append(("…", None, None, ""))
            for tag, i1, i2, j1, j2 in group:
                if tag == "equal":
                    diff.lines += [(" ", i1 + k + 1, j1 + k + 1, la[i1 + k]) for k in range(i2 - i1)]
                    continue
                if tag in ("replace", "delete"):
                    diff.lines += [("-", i1 + k + 1, None, la[i1 + k]) for k in range(i2 - i1)]
                if tag in ("replace", "insert"):
                    diff.lines += [("+", None, j1 + k + 1, lb[j1 + k]) for k in range(j2 - j1)]
        out.append(diff)
    return out


@dataclass
class OfficerChanges:
    modules_added: list[str] = field(default_factory=list)
    modules_removed: list[str] = field(default_factory=list)
    lessons_changed: list[str] = field(default_factory=list)  # "module (lang)"
    questions_added: list[str] = field(default_factory=list)
    questions_removed: list[str] = field(default_factory=list)
    questions_changed: list[str] = field(default_factory=list)
    scenarios_changed: list[str] = field(default_factory=list)
    course_fields_changed: bool = False

    @property
    def changes_completion(self) -> bool:
        """Changes after which a record earned before may no longer mean the same."""
        return bool(self.modules_added or self.modules_removed or self.questions_added
                    or self.questions_removed or self.questions_changed or self.scenarios_changed)

    @property
    def is_empty(self) -> bool:
        return not (self.changes_completion or self.lessons_changed or self.course_fields_changed)


def _questions(module: ModuleData) -> dict[str, tuple]:
    """What grading sees of each question: its type and which options are correct."""
    from lms.quizzes.grading import answer_key

    quiz = module["quiz"]
    return {q["id"]: answer_key(q) for q in quiz["questions"]} if quiz else {}


def _graph(module: ModuleData) -> tuple:
    """What a run's score depends on: nodes, choices, their targets, scores and conditions."""
    scenario = module.get("scenario")
    if not scenario:
        return ()
    return (scenario["start"], scenario["pass_score"], tuple(sorted(
        (nid, node.get("ending"), tuple((c["id"], c["next"], c["score"], repr(c["when"]), repr(c["set"]))
                                        for c in node["choices"]))
        for nid, node in scenario["nodes"].items()
    )))


def officer_changes(course_id: str, old_files: dict[str, bytes] | None, new_files: dict[str, bytes]) -> OfficerChanges:
    """Compare the published files with the draft, as an officer would notice it."""
    from lms.authoring.drafts import check

    changes = OfficerChanges()
    new, _p = check(course_id, new_files)
    old, _q = check(course_id, old_files) if old_files else (None, [])
    if new is None or old is None:
        return changes
    old_mods = {m["id"]: m for m in old["modules"]}
    new_mods = {m["id"]: m for m in new["modules"]}
    changes.modules_added = [m for m in new_mods if m not in old_mods]
    changes.modules_removed = [m for m in old_mods if m not in new_mods]
    for mid, module in new_mods.items():
        before = old_mods.get(mid)
        if before is None:
            continue
        # Checked files (read_course): each lesson as its texts by language.
        lessons, lessons_before = cast(Text, module["lesson"]), cast(Text, before["lesson"])
        for lang in sorted(set(lessons) | set(lessons_before)):
            if lessons.get(lang) != lessons_before.get(lang):
                changes.lessons_changed.append(f"{mid} ({lang})")
        qa, qb = _questions(before), _questions(module)
        changes.questions_added += [q for q in qb if q not in qa]
        changes.questions_removed += [q for q in qa if q not in qb]
        changes.questions_changed += [q for q in qb if q in qa and qa[q] != qb[q]]
        if _graph(module) != _graph(before):
            changes.scenarios_changed.append(mid)
    strip = ("modules", "version", "pre_test")
    changes.course_fields_changed = (
        {k: v for k, v in old.items() if k not in strip} != {k: v for k, v in new.items() if k not in strip}
    )
    return changes


@dataclass
class ConflictTexts:
    """What a refused form save would have written beside what was saved meanwhile, as the
    course format's text, for the author to compare and merge (the form keeps their entries)."""
    mine: str
    theirs: str


def _as_text(part) -> str:
    import yaml

    if part is None:
        return ""
    if isinstance(part, bytes):
        return part.decode("utf-8", "replace")
    if isinstance(part, str):
        return part
    return yaml.safe_dump(part, allow_unicode=True, sort_keys=False, width=1000)


def conflict_texts(mine, theirs, *, changed_keys_only: bool = False) -> ConflictTexts:
    """Both sides of a stale form save. With `changed_keys_only`, two maps are cut down to the
    top-level keys whose values differ (a role-play's settings without its unchanged nodes)."""
    if changed_keys_only and isinstance(mine, dict) and isinstance(theirs, dict):
        keys = [k for k in {**theirs, **mine} if mine.get(k) != theirs.get(k)]
        mine = {k: mine[k] for k in keys if k in mine}
        theirs = {k: theirs[k] for k in keys if k in theirs}
    return ConflictTexts(_as_text(mine), _as_text(theirs))


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Two short texts as runs of words: (' ', same), ('-', removed), ('+', added)."""
    import re

    a, b = re.findall(r"\s+|[^\s]+", old), re.findall(r"\s+|[^\s]+", new)
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append((" ", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("-", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("+", "".join(b[j1:j2])))
    return out
