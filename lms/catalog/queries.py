"""Loading courses for pages, in a fixed number of queries."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import set_committed_value

from lms.catalog.models import Course, CourseVersion, LessonPage
from lms.extensions import db
from lms.i18n import Localized, pick

# Parsed course content by (version row id, content hash). Content of a version never
# changes under the same hash, so every process may keep its own copy: nothing here is
# state another server would need.
_CONTENT: dict[tuple[int, str], dict] = {}
_CONTENT_LIMIT = 64


def with_content(versions: list[CourseVersion]) -> list[CourseVersion]:
    """Fill the deferred content of loaded versions from the cache, loading what is missing."""
    missing = [v for v in versions if (v.id, v.content_hash) not in _CONTENT]
    if missing:
        rows = db.session.execute(
            sa.select(CourseVersion.id, CourseVersion.content_hash, CourseVersion.content)
            .where(CourseVersion.id.in_([v.id for v in missing]))
        ).all()
        if len(_CONTENT) + len(rows) > _CONTENT_LIMIT:
            _CONTENT.clear()
        for row in rows:
            _CONTENT[(row.id, row.content_hash)] = row.content
    for v in versions:
        if "content" not in v.__dict__:
            set_committed_value(v, "content", _CONTENT[(v.id, v.content_hash)])
    return versions


def _light():
    return sa.select(CourseVersion).options(defer(CourseVersion.content))


def current_version(course_id: str) -> CourseVersion:
    """The published course's current version, or 404."""
    version = db.session.scalar(
        _light()
        .join(Course, sa.and_(Course.id == CourseVersion.course_id,
                              Course.current_version == CourseVersion.version))
        .where(Course.id == course_id, Course.is_published.is_(True))
    )
    if version is None:
        abort(404)
    return with_content([version])[0]


def module_with(course_id: str, module_id: str, part: str) -> tuple[CourseVersion, dict]:
    """The current version and a module of it that has this part (quiz, scenario), or 404."""
    version = current_version(course_id)
    module = version.module(module_id)
    if module is None or not module.get(part):
        abort(404)
    return version, module


def version_of(course_id: str, number: int) -> CourseVersion | None:
    version = db.session.scalar(
        _light().where(CourseVersion.course_id == course_id, CourseVersion.version == number)
    )
    return with_content([version])[0] if version else None


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
