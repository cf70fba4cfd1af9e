"""Loading courses for pages, in a fixed number of queries."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from lms.catalog.models import Course, CourseVersion, LessonPage
from lms.extensions import db
from lms.i18n import Localized, pick


def current_version(course_id: str) -> CourseVersion:
    """The published course's current version, or 404."""
    version = db.session.scalar(
        sa.select(CourseVersion)
        .join(Course, sa.and_(Course.id == CourseVersion.course_id,
                              Course.current_version == CourseVersion.version))
        .where(Course.id == course_id, Course.is_published.is_(True))
    )
    if version is None:
        abort(404)
    return version


def version_of(course_id: str, number: int) -> CourseVersion | None:
    return db.session.scalar(
        sa.select(CourseVersion).where(CourseVersion.course_id == course_id, CourseVersion.version == number)
    )


def published_versions() -> list[CourseVersion]:
    return list(db.session.scalars(
        sa.select(CourseVersion)
        .join(Course, sa.and_(Course.id == CourseVersion.course_id,
                              Course.current_version == CourseVersion.version))
        .where(Course.is_published.is_(True))
        .order_by(Course.id)
    ))


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
