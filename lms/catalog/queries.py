"""Loading courses for pages, in a fixed number of queries."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import sqlalchemy as sa

from lms.catalog import cache
from lms.catalog.content import ModuleData
from lms.catalog.models import Course, CourseContent, CourseVersion, LessonPage
from lms.errors import NotFoundError
from lms.extensions import db
from lms.i18n import Localized, pick

# The version row's columns a page reads with a Core statement, in the order `version_of_row` takes them.
VERSION_COLUMNS = ("id", "course_id", "version", "content_hash", "loaded_at")


def version_of_row(values: Sequence) -> CourseVersion:
    """A version as an object of its row's VERSION_COLUMNS, in no session (pages read only its
    columns and content; its content is read by id if this process's copy is gone)."""
    key = tuple(values)
    version = cache.VERSIONS.get(key)
    if version is None:
        version = CourseVersion(**dict(zip(VERSION_COLUMNS, key, strict=True)))
        cache.VERSIONS.put(key, version)
    return version


def with_content(versions: list[CourseVersion]) -> list[CourseVersion]:
    """Make the content of loaded versions ready, reading what this process lacks in one query."""
    missing = {v.id: v for v in versions if cache.CONTENT.get((v.id, v.content_hash)) is None}
    if missing:
        for version_id, content in db.session.execute(
            sa.select(CourseContent.course_version_id, CourseContent.content)
            .where(CourseContent.course_version_id.in_(list(missing)))
        ):
            cache.CONTENT.put((version_id, missing[version_id].content_hash), content)
    return versions


def _light():
    return sa.select(CourseVersion)


def current_version(course_id: str) -> CourseVersion:
    """The published course's current version; NotFoundError when there is none."""
    version = db.session.scalar(
        _light()
        .join(Course, sa.and_(Course.id == CourseVersion.course_id,
                              Course.current_version == CourseVersion.version))
        .where(Course.id == course_id, Course.is_published.is_(True))
    )
    if version is None:
        raise NotFoundError(course_id)
    return with_content([version])[0]


def module_with(course_id: str, module_id: str, part: str) -> tuple[CourseVersion, ModuleData]:
    """The current version and a module of it that has this part (quiz, scenario);
    NotFoundError when there is none."""
    version = current_version(course_id)
    return version, part_of(version, module_id, part)


def part_of(version: CourseVersion, module_id: str, part: str) -> ModuleData:
    """The version's module that has this part (quiz, scenario); NotFoundError when there is none."""
    module = version.module(module_id)
    if module is None or part not in ("quiz", "scenario") or not module[part]:  # type: ignore[literal-required]
        raise NotFoundError(module_id)
    return module


@functools.cache
def _version_statement() -> sa.Select:
    """Built once, with its SQLAlchemy cache key: every quiz submit and role-play step reads it."""
    columns = CourseVersion.__table__.c
    return sa.select(*(columns[name] for name in VERSION_COLUMNS)).where(
        columns.course_id == sa.bindparam("course_id"), columns.version == sa.bindparam("number"))


def version_of(course_id: str, number: int) -> CourseVersion | None:
    """A version by its number, as an object of its row in no session (version_of_row): every
    caller only reads it, and the ORM object it was before cost a quiz submit more to build
    than the statement to run."""
    row = db.session.execute(_version_statement(), {"course_id": course_id, "number": number}).first()
    return with_content([version_of_row(row)])[0] if row is not None else None


def recorded_version(course_id: str, number: int) -> CourseVersion:
    """The version a stored record (attempt, run, classroom session) was made with; versions
    are never deleted, so NotFoundError only when the record names none."""
    version = version_of(course_id, number)
    if version is None:
        raise NotFoundError(f"{course_id} v{number}")
    return version


def published_versions() -> list[CourseVersion]:
    return with_content(list(db.session.scalars(
        _light()
        .join(Course, sa.and_(Course.id == CourseVersion.course_id,
                              Course.current_version == CourseVersion.version))
        .where(Course.is_published.is_(True))
        .order_by(Course.id)
    )))


def lesson_html(version: CourseVersion, module_id: str, lang: str) -> tuple[str | None, str]:
    """The lesson in lang, else in the course's source language: (html, language shown)."""
    wanted = [lang, version.content["source_language"]]
    rows = {
        row.lang: row.html
        for row in db.session.scalars(
            sa.select(LessonPage).where(
                LessonPage.course_version_id == version.id, LessonPage.module_id == module_id,
                LessonPage.lang.in_(wanted),
            )
        )
    }
    for code in wanted:
        if code in rows:
            return rows[code], code
    return None, lang


class Translator:
    """Picks course text in the officer's language, falling back to the source language."""

    def __init__(self, version: CourseVersion, lang: str) -> None:
        self.source = version.content["source_language"]
        self.lang = lang if lang in version.content["languages"] else self.source
        self.ui_lang = lang

    def __call__(self, texts: dict | None) -> Localized:
        return pick(texts, self.lang, self.source)

    @property
    def is_fallback(self) -> bool:
        return self.lang != self.ui_lang
