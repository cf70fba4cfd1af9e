"""Drafts, revisions, conflicts and publishing. No Flask request here; views commit.

A draft is the course folder of COURSE_FORMAT.md held as revisions: each save stores the
whole folder as a manifest of files. A save names the revision it started from; when a
file it changes was changed by someone else since then, the save is refused as a
conflict and nothing is written. Checking and publishing go through the one validator
(catalog/spec.py) and the one loader (catalog/loader.py), on the files written out to
a private temporary folder.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

import sqlalchemy as sa

from lms.authoring.models import CourseAuthor, CourseDraft, CourseEditor, DraftRevision
from lms.catalog.content import CourseData
from lms.catalog.loader import LoadResult, load_course_dir
from lms.catalog.models import Course, CourseContent, CourseVersion
from lms.catalog.sources import digest, fetch, store, write_folder
from lms.catalog.spec import ID_RE, Problem, dump_yaml, parse_yaml, read_course
from lms.extensions import db, rows_matched
from lms.org.models import Role, User, audit
from lms.translation.records import RECORD_FILE, carry_over, keep_sources

TEXT_SUFFIXES = (".yaml", ".yml", ".md")


class AuthoringError(Exception):
    """A refusal the view turns into a translated message."""

    def __init__(self, code: str, **detail) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass
class ConflictError(Exception):
    """A save from a stale revision: the files someone else changed meanwhile."""

    head: int
    paths: list[str]
    theirs: dict[str, bytes | None] = field(default_factory=dict)


@dataclass
class PublishRefusedError(Exception):
    problems: list[Problem]


# ---- who may author ------------------------------------------------------------------

def may_author(user: User) -> bool:
    """May start new courses: admins, and trainers an admin has allowed."""
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.TRAINER:
        return False
    return db.session.get(CourseAuthor, user.id) is not None


def may_edit(user: User, course_id: str) -> bool:
    """May edit and publish this course: admins, and the trainers who are its editors."""
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.TRAINER:
        return False
    return db.session.get(CourseEditor, (course_id, user.id)) is not None


def editable_course_ids(user: User) -> set[str]:
    """Courses this account may edit, published or only drafted."""
    if user.role == Role.ADMIN:
        published = set(db.session.scalars(sa.select(Course.id)))
        return published | set(db.session.scalars(sa.select(CourseDraft.course_id)))
    return set(db.session.scalars(sa.select(CourseEditor.course_id).where(CourseEditor.user_id == user.id)))


def grant_author(admin: User, trainer: User, allowed: bool) -> None:
    row = db.session.get(CourseAuthor, trainer.id)
    if allowed and row is None:
        db.session.add(CourseAuthor(user_id=trainer.id, granted_by_id=admin.id))
    elif not allowed and row is not None:
        db.session.delete(row)
    else:
        return
    audit(admin, "authoring.author_granted" if allowed else "authoring.author_revoked", f"user:{trainer.id}")


def set_editor(admin: User, course_id: str, trainer: User, allowed: bool) -> None:
    if trainer.role != Role.TRAINER:
        raise AuthoringError("not-a-trainer")
    row = db.session.get(CourseEditor, (course_id, trainer.id))
    if allowed and row is None:
        db.session.add(CourseEditor(course_id=course_id, user_id=trainer.id, granted_by_id=admin.id))
    elif not allowed and row is not None:
        db.session.delete(row)
    else:
        return
    audit(admin, "authoring.editor_added" if allowed else "authoring.editor_removed",
          f"course:{course_id}", user=trainer.id)


def editors_of(course_id: str) -> list[CourseEditor]:
    return list(db.session.scalars(
        sa.select(CourseEditor).where(CourseEditor.course_id == course_id).order_by(CourseEditor.granted_at)
    ))


# ---- reading drafts ----------------------------------------------------------------

def draft_of(course_id: str) -> CourseDraft | None:
    return db.session.scalar(sa.select(CourseDraft).where(CourseDraft.course_id == course_id))


@overload
def revision(draft: CourseDraft) -> DraftRevision: ...


@overload
def revision(draft: CourseDraft, number: int | None) -> DraftRevision | None: ...


def revision(draft: CourseDraft, number: int | None = None) -> DraftRevision | None:
    """Revision `number` of the draft, if there is one; without a number, its head, which a
    draft always has (it is opened with its first revision)."""
    query = sa.select(DraftRevision).where(
        DraftRevision.draft_id == draft.id, DraftRevision.number == (draft.head if number is None else number)
    )
    if number is None:
        return db.session.execute(query).scalar_one()
    return db.session.scalar(query)


def revisions(draft: CourseDraft) -> list[DraftRevision]:
    return list(db.session.scalars(
        sa.select(DraftRevision).where(DraftRevision.draft_id == draft.id).order_by(DraftRevision.number.desc())
    ))


def files_of(rev: DraftRevision) -> dict[str, bytes]:
    return fetch(rev.files)


def published_files(course_id: str, version: int | None = None) -> dict[str, bytes] | None:
    """The files a published version was loaded from (the current one by default)."""
    course = db.session.get(Course, course_id)
    if course is None:
        return None
    row = db.session.scalar(sa.select(CourseVersion).where(
        CourseVersion.course_id == course_id,
        CourseVersion.version == (course.current_version if version is None else version),
    ))
    if row is None or row.source_files is None:
        return None
    return fetch(row.source_files)


def open_draft(user: User | None, course_id: str) -> CourseDraft:
    """The course's draft; a published course without one gets one from its current files."""
    draft = draft_of(course_id)
    if draft is not None:
        return draft
    files = published_files(course_id)
    if files is None:
        raise AuthoringError("no-source" if db.session.get(Course, course_id) else "no-course")
    draft = CourseDraft(course_id=course_id, head=0)
    db.session.add(draft)
    db.session.flush()
    version = db.session.get_one(Course, course_id).current_version
    _add_revision(draft, user, files, parent=None, note={"action": "opened", "version": version})
    audit(user, "authoring.draft_opened", f"course:{course_id}", version=version)
    return draft


# ---- new courses ---------------------------------------------------------------------

def propose_id(title: str) -> str:
    """An id from a title: lowercase ASCII letters, digits and '-' (Cyrillic is transliterated)."""
    table = str.maketrans({
        "а": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
        "з": "z", "и": "i", "ӣ": "i", "й": "y", "і": "i", "к": "k", "қ": "q", "л": "l", "м": "m",
        "н": "n", "ң": "ng", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
        "ӯ": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "ҳ": "h", "һ": "h", "ц": "ts", "ч": "ch",
        "ҷ": "j", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
        "ә": "a",
    })
    text = title.lower().translate(table)
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-")
    return slug or "course"


def create_course(user: User, course_id: str, title: str, lang: str) -> CourseDraft:
    """A new course's draft, with its author as editor."""
    if not ID_RE.match(course_id or "") or len(course_id) > 80:
        raise AuthoringError("bad-id")
    if db.session.get(Course, course_id) is not None or draft_of(course_id) is not None:
        raise AuthoringError("id-taken")
    if not title.strip():
        raise AuthoringError("no-title")
    course_yaml = {
        "id": course_id,
        "version": 1,
        "source_language": lang,
        "languages": [lang],
        "title": {lang: title.strip()},
        "summary": {lang: ""},
        "audience": ["prison", "probation"],
        "estimated_minutes": 30,
        "completion": {"pass_mark": 80, "required": "all"},
        "certificate": {"enabled": False, "hours": 0},
        "modules": [],
    }
    draft = CourseDraft(course_id=course_id, head=0)
    db.session.add(draft)
    db.session.flush()
    if user.role == Role.TRAINER:
        db.session.add(CourseEditor(course_id=course_id, user_id=user.id, granted_by_id=user.id))
    _add_revision(draft, user, {"course.yaml": dump_yaml(course_yaml)}, parent=None,
                  note={"action": "created"})
    audit(user, "authoring.course_created", f"course:{course_id}")
    return draft


ID_LINE = re.compile(rb"^id:[ \t]*\S+[ \t]*$", re.MULTILINE)


def rename_course(draft: CourseDraft, user: User, new_id: str, base: int) -> DraftRevision:
    """Change a course's id, allowed until its first publication (records point at ids)."""
    old_id = draft.course_id
    if db.session.get(Course, old_id) is not None:
        raise AuthoringError("id-fixed")
    if not ID_RE.match(new_id or "") or len(new_id) > 80:
        raise AuthoringError("bad-id")
    if new_id == old_id:
        raise AuthoringError("unchanged")
    if db.session.get(Course, new_id) is not None or draft_of(new_id) is not None:
        raise AuthoringError("id-taken")
    if base != draft.head:
        raise ConflictError(head=draft.head, paths=["course.yaml"])
    files = files_of(revision(draft))
    course_yaml = files.get("course.yaml", b"")
    if ID_LINE.search(course_yaml):
        files["course.yaml"] = ID_LINE.sub(f"id: {new_id}".encode(), course_yaml, count=1)
    else:
        data = parse_yaml(course_yaml.decode("utf-8") or "{}") or {}
        files["course.yaml"] = dump_yaml({"id": new_id, **{k: v for k, v in data.items() if k != "id"}})
    db.session.execute(sa.update(CourseEditor).where(CourseEditor.course_id == old_id).values(course_id=new_id))
    draft.course_id = new_id
    db.session.flush()
    rev = _add_revision(draft, user, files, parent=draft.head, note={"action": "renamed", "from": old_id})
    audit(user, "authoring.renamed", f"course:{new_id}", previous=old_id)
    return rev


# ---- saving ----------------------------------------------------------------------------

def check(course_id: str, files: dict[str, bytes], partial: bool = False) -> tuple[CourseData | None, list[Problem]]:
    """The course-format check of `lms courses check`, on a draft's files (partial: see read_course)."""
    with tempfile.TemporaryDirectory(prefix="lms-draft-") as tmp:
        folder = write_folder(files, Path(tmp) / course_id)
        return read_course(folder, partial=partial)


def problems_by_path(course_id: str, problems: list[Problem]) -> dict[str, list[Problem]]:
    """Problems keyed by the file's path inside the course folder ('' for the folder)."""
    out: dict[str, list[Problem]] = {}
    prefix = course_id + "/"
    for p in problems:
        path = p.file[len(prefix):] if p.file.startswith(prefix) else ("" if p.file == course_id else p.file)
        out.setdefault(path, []).append(p)
    return out


def _add_revision(draft: CourseDraft, user: User | None, files: dict[str, bytes], parent: int | None,
                  note: dict) -> DraftRevision:
    """Store a revision as the next number and move the head to it, or raise ConflictError."""
    number = draft.head + 1
    _course, problems = check(draft.course_id, files)
    rev = DraftRevision(
        draft_id=draft.id, number=number, parent=parent, author_id=user.id if user else None,
        files=store(files), note=note, problem_count=len(problems),
    )
    moved = rows_matched(
        sa.update(CourseDraft).where(CourseDraft.id == draft.id, CourseDraft.head == draft.head)
        .values(head=number).execution_options(synchronize_session=False)
    )
    if moved != 1:  # someone saved between our read and this write; the view rolls back
        raise ConflictError(head=-1, paths=[])
    db.session.add(rev)
    db.session.flush()
    draft.head = number
    return rev


def save(draft: CourseDraft, user: User | None, base: int, changes: Mapping[str, bytes | None],
         action: str = "saved", minor: bool = False) -> DraftRevision | None:
    """Apply changed files (None deletes) made from revision `base`.

    Translations of the source texts the save changes become out of date, unless the
    author marks the edit as minor (a typo): then they stay valid (translation/records.py).

    Refused with ConflictError when any changed file differs between `base` and the head;
    files others changed meanwhile and this save does not touch are kept. Returns None
    when nothing changed.
    """
    head = revision(draft)
    start = revision(draft, base)
    if head is None or start is None:
        raise AuthoringError("no-revision")
    for path in changes:
        _check_path(path)
    if base != head.number:
        # A file is in conflict when someone changed it since `base` and this save would
        # change it again; saving the very text already there (an autosave that got in
        # first) is not a conflict.
        new_sha = {p: (None if d is None else digest(d)) for p, d in changes.items()}
        stale = sorted(p for p in changes
                       if start.files.get(p) != head.files.get(p) and new_sha[p] != head.files.get(p))
        if stale:
            current = files_of(head)
            raise ConflictError(head=head.number, paths=stale, theirs={p: current.get(p) for p in stale})
    before = files_of(head)
    files = dict(before)
    for path, data in changes.items():
        if data is None:
            files.pop(path, None)
        else:
            files[path] = data
    if {p: digest(d) for p, d in files.items()} == head.files:
        return None
    replaced: list[str] = []
    records = carry_over(before, files, minor, replaced)
    if records is not None and records != files.get(RECORD_FILE):
        files[RECORD_FILE] = records
        keep_sources(replaced)
    note = {"action": action, "paths": sorted(changes), "base": base}
    if minor:
        note["minor"] = True
    rev = _add_revision(draft, user, files, parent=head.number, note=note)
    audit(user, "authoring.saved", f"course:{draft.course_id}", revision=rev.number, paths=sorted(changes)[:20])
    return rev


def _check_path(path: str) -> None:
    parts = path.split("/")
    if (not path or path.startswith("/") or "\\" in path or any(p in ("", ".", "..") for p in parts)
            or any(p.startswith(".") for p in parts)):
        raise AuthoringError("bad-path", path=path)


def restore(draft: CourseDraft, user: User, number: int) -> DraftRevision:
    """Make an older revision's files the newest revision (history is kept)."""
    old = revision(draft, number)
    if old is None:
        raise AuthoringError("no-revision")
    rev = _add_revision(draft, user, files_of(old), parent=draft.head,
                        note={"action": "restored", "from": number})
    audit(user, "authoring.restored", f"course:{draft.course_id}", revision=rev.number, restored=number)
    return rev


def replace_all(draft: CourseDraft, user: User, files: dict[str, bytes], action: str) -> DraftRevision:
    """A whole new folder as the next revision (an imported package)."""
    rev = _add_revision(draft, user, files, parent=draft.head, note={"action": action})
    audit(user, f"authoring.{action}", f"course:{draft.course_id}", revision=rev.number)
    return rev


# ---- publishing ------------------------------------------------------------------------

VERSION_LINE = re.compile(rb"^version:[ \t]*\d+[ \t]*$", re.MULTILINE)


def with_version(course_yaml: bytes, version: int) -> bytes:
    """course.yaml with its version set, touching only that line when there is one."""
    if VERSION_LINE.search(course_yaml):
        return VERSION_LINE.sub(f"version: {version}".encode(), course_yaml, count=1)
    data = parse_yaml(course_yaml.decode("utf-8")) or {}
    data["version"] = version
    return dump_yaml(data)


def publish_target(course_id: str, mode: str) -> int:
    """The version a publication makes: the current one (a correction) or the next."""
    course = db.session.get(Course, course_id)
    if course is None:
        return 1
    if mode == "correction":
        return course.current_version
    return course.current_version + 1


def publish(draft: CourseDraft, user: User, mode: str, base: int) -> LoadResult:
    """Publish the head revision as a correction or as a new version; all or nothing."""
    if mode not in ("correction", "new-version"):
        raise AuthoringError("bad-mode")
    course_row = db.session.get(Course, draft.course_id)
    if mode == "correction" and course_row is None:
        raise AuthoringError("never-published")
    if base != draft.head:
        raise ConflictError(head=draft.head, paths=[])
    target = publish_target(draft.course_id, mode)
    head = revision(draft)
    files = files_of(head)
    if "course.yaml" not in files:
        raise PublishRefusedError([Problem(f"{draft.course_id}/course.yaml", "", "file is missing")])
    files["course.yaml"] = with_version(files["course.yaml"], target)
    _course, problems = check(draft.course_id, files)
    if problems:
        raise PublishRefusedError(problems)
    with tempfile.TemporaryDirectory(prefix="lms-publish-") as tmp:
        result = load_course_dir(write_folder(files, Path(tmp) / draft.course_id))
    if result.outcome == "refused":
        raise PublishRefusedError(result.problems or [])
    if result.outcome == "unchanged":
        raise AuthoringError("unchanged")
    rev = head
    if files != files_of(head):
        rev = _add_revision(draft, user, files, parent=head.number,
                            note={"action": "version-set", "version": target})
    rev.published_version = target
    audit(user, "authoring.published", f"course:{draft.course_id}", version=target, mode=mode,
          revision=rev.number, **({"held_on_previous_version": result.held} if result.held else {}))
    return result


def published_module_ids(course_id: str) -> set[str]:
    """Ids of modules any published version has had: never deleted, never used again."""
    ids: set[str] = set()
    for content in db.session.scalars(
            sa.select(CourseContent.content).join(CourseVersion, CourseVersion.id == CourseContent.course_version_id)
            .where(CourseVersion.course_id == course_id)):
        ids.update(m["id"] for m in content.get("modules", []))
        if content.get("pre_test"):
            ids.add(content["pre_test"]["id"])
    return ids


def versions_of(course_id: str) -> list[int]:
    return list(db.session.scalars(
        sa.select(CourseVersion.version).where(CourseVersion.course_id == course_id).order_by(CourseVersion.version)
    ))
