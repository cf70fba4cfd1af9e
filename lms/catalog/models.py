"""Courses as loaded from files: each version's content, its rendered lessons and media."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.i18n import Localized, pick
from lms.timeutil import UTCDateTime, utcnow


class Course(db.Model):
    """A course by its stable id; its content lives in versions."""

    __tablename__ = "courses"

    id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    current_version: Mapped[int] = mapped_column(default=1)
    is_published: Mapped[bool] = mapped_column(default=True)
    # Open courses can be joined by any officer; others only by assignment.
    is_open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list[CourseVersion]] = relationship(back_populates="course")

    def __repr__(self) -> str:
        return f"<Course {self.id} v{self.current_version}>"


class CourseVersion(db.Model):
    __tablename__ = "course_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[str] = mapped_column(sa.ForeignKey("courses.id"))
    version: Mapped[int]
    # The parsed course (catalog/spec.py), the one source for pages, grading and runs.
    content: Mapped[dict] = mapped_column(sa.JSON)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # The files it was loaded from, {path: sha256} (catalog/sources.py); None when loaded
    # before files were kept.
    source_files: Mapped[dict | None] = mapped_column(sa.JSON, deferred=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship(back_populates="versions")

    __table_args__ = (sa.UniqueConstraint("course_id", "version"),)

    def title(self, lang: str) -> Localized:
        return pick(self.content["title"], lang, self.content["source_language"])

    def module(self, module_id: str) -> dict | None:
        for module in self.content["modules"]:
            if module["id"] == module_id:
                return module
        pre = self.content.get("pre_test")
        if pre and pre["id"] == module_id:
            return pre
        return None

    def __repr__(self) -> str:
        return f"<CourseVersion {self.course_id} v{self.version}>"


class LessonPage(db.Model):
    """A lesson's sanitized HTML, rendered once per content version and language."""

    __tablename__ = "lesson_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_versions.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(sa.String(80))
    lang: Mapped[str] = mapped_column(sa.String(10))
    html: Mapped[str] = mapped_column(sa.Text)

    __table_args__ = (sa.UniqueConstraint("course_version_id", "module_id", "lang"),)


class CourseMedia(db.Model):
    __tablename__ = "course_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_versions.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(sa.String(80))
    filename: Mapped[str] = mapped_column(sa.String(120))
    content_type: Mapped[str] = mapped_column(sa.String(60))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)

    __table_args__ = (sa.UniqueConstraint("course_version_id", "module_id", "filename"),)
