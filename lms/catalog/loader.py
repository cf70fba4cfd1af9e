"""Load course folders into the database: idempotent, versioned, all-or-nothing per course."""

from __future__ import annotations

import hashlib
import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import sqlalchemy as sa
from blinker import Namespace

from lms.catalog.content import CourseData, Text
from lms.catalog.models import Course, CourseMedia, CourseVersion, LessonPage
from lms.catalog.render import RENDERER_VERSION, render_lesson
from lms.catalog.sources import read_folder, store
from lms.catalog.spec import Problem, read_course
from lms.extensions import db

_signals = Namespace()
# Sent when a higher version becomes a course's current one, inside the loading transaction;
# learning listens (wired in create_app) to hold officers who are in the middle of the course.
version_published = _signals.signal("version-published")

MEDIA_MARK = "lms-media:"  # replaced by the media URL when a page is served


@dataclass
class LoadResult:
    course_id: str
    outcome: str  # created | unchanged | updated | new-version | refused
    version: int | None = None
    problems: list[Problem] | None = None
    held: int = 0  # officers held on the previous version (the course says `finish`)


def _media_files(folder: Path, course: CourseData) -> dict[tuple[str, str], bytes]:
    files = {}
    for module in [*course["modules"], *([course["pre_test"]] if course["pre_test"] else [])]:
        for name in module["media"]:
            files[(module["id"], name)] = (folder / module["id"] / "media" / name).read_bytes()
    return files


def content_hash(course: CourseData, media: dict[tuple[str, str], bytes]) -> str:
    digest = hashlib.sha256(f"renderer-{RENDERER_VERSION}".encode())
    digest.update(json.dumps(course, sort_keys=True, ensure_ascii=False).encode())
    for key in sorted(media):
        digest.update("/".join(key).encode())
        digest.update(hashlib.sha256(media[key]).digest())
    return digest.hexdigest()


def load_course_dir(folder: Path) -> LoadResult:
    """Check and load one course folder. The caller commits (or rolls back)."""
    course, problems = read_course(folder)
    if course is None:
        return LoadResult(Path(folder).name, "refused", problems=problems)
    media = _media_files(Path(folder), course)
    digest = content_hash(course, media)
    lessons = _strip_lessons(course)
    # The exact files, so the version can go out again as the folder it came from.
    source = store(read_folder(Path(folder)))
    row = db.session.get(Course, course["id"])
    if row is None:
        row = Course(id=course["id"], current_version=course["version"])
        db.session.add(row)
        db.session.flush()
        _store_version(course, media, digest, lessons, source)
        return LoadResult(course["id"], "created", course["version"])
    same = db.session.scalar(
        sa.select(CourseVersion).where(
            CourseVersion.course_id == course["id"], CourseVersion.version == course["version"]
        )
    )
    if course["version"] < row.current_version:
        problem = Problem(f"{folder.name}/course.yaml", "version",
                          f"version {course['version']} is older than the loaded version {row.current_version}")
        return LoadResult(course["id"], "refused", problems=[problem])
    if same is not None:
        if same.content_hash == digest:
            if same.source_files != source:  # only comments or layout of the files changed
                same.source_files = source
            return LoadResult(course["id"], "unchanged", course["version"])
        # Same version, edited text: records stay valid, so the content is replaced in place.
        db.session.execute(sa.delete(LessonPage).where(LessonPage.course_version_id == same.id))
        db.session.execute(sa.delete(CourseMedia).where(CourseMedia.course_version_id == same.id))
        same.content = course
        same.content_hash = digest
        same.source_files = source
        _store_pages(same, course, media, lessons)
        return LoadResult(course["id"], "updated", course["version"])
    previous = row.current_version
    _store_version(course, media, digest, lessons, source)
    row.current_version = course["version"]
    db.session.flush()
    answers = version_published.send(course["id"], previous=previous, version=course["version"],
                                     on_new_version=course.get("on_new_version", "move_on"))
    held = sum(value for _receiver, value in answers if isinstance(value, int))
    return LoadResult(course["id"], "new-version", course["version"], held=held)


def _strip_lessons(course: CourseData) -> dict[str, dict[str, str]]:
    """Take the lesson texts out of the stored content (pages keep the rendered HTML);
    what stays is the list of languages each lesson has."""
    lessons = {}
    for module in [*course["modules"], *([course["pre_test"]] if course["pre_test"] else [])]:
        lessons[module["id"]] = cast(Text, module["lesson"])  # as read_course gives it: the texts
        module["lesson"] = sorted(module["lesson"])
    return lessons


def _store_version(course: CourseData, media: dict, digest: str, lessons: dict, source: dict) -> CourseVersion:
    version = CourseVersion(
        course_id=course["id"], version=course["version"], content=course, content_hash=digest,
        source_files=source,
    )
    db.session.add(version)
    db.session.flush()
    _store_pages(version, course, media, lessons)
    return version


def _store_pages(version: CourseVersion, course: CourseData, media: dict, lessons: dict) -> None:
    for (module_id, name), data in media.items():
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        db.session.add(CourseMedia(
            course_version_id=version.id, module_id=module_id, filename=name,
            content_type=kind, data=data,
        ))
    for module in [*course["modules"], *([course["pre_test"]] if course["pre_test"] else [])]:
        for lang, text in lessons[module["id"]].items():

            def media_url(src: str, module=module) -> str | None:
                name = src[len("media/"):]
                return f"{MEDIA_MARK}{module['id']}/{name}" if name in module["media"] else None

            db.session.add(LessonPage(
                course_version_id=version.id, module_id=module["id"], lang=lang,
                html=render_lesson(text, media_url),
            ))
    db.session.flush()


def course_folders(root: Path) -> list[Path]:
    """The course folders under root, in the order they are loaded."""
    return sorted(p for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith("."))
