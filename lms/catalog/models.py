"""Courses as loaded from files: each version's content, its rendered lessons and media."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.catalog import cache
from lms.catalog.content import CourseData, ModuleData
from lms.extensions import Model, db
from lms.i18n import Localized, pick
from lms.timeutil import UTCDateTime, utcnow


class Course(Model):
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


class CourseContent(Model):
    """A version's parsed course (catalog/spec.py), the one source for pages, grading and runs.

    Kept apart from `course_versions`, the row every course page reads: its megabytes are
    read once per process and content hash (`CourseVersion.content`), not with every page.
    """

    __tablename__ = "course_contents"

    course_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course_versions.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[dict] = mapped_column(sa.JSON)

    def __repr__(self) -> str:
        return f"<CourseContent of version row {self.course_version_id}>"


class CourseVersion(Model):
    __tablename__ = "course_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[str] = mapped_column(sa.ForeignKey("courses.id"))
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # The files it was loaded from, {path: sha256} (catalog/sources.py); None when loaded
    # before files were kept.
    source_files: Mapped[dict | None] = mapped_column(sa.JSON, deferred=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship(back_populates="versions")
    content_row: Mapped[CourseContent | None] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (sa.UniqueConstraint("course_id", "version"),)

    @property
    def content(self) -> CourseData:
        """The parsed course (typed in lms.catalog.content), from this process's cache when its content hash was read before."""
        key = (self.id, self.content_hash)
        found = cache.CONTENT.get(key)
        if found is None:
            row = self.content_row
            if row is None and self.id is not None:
                # A version object built from a row read with Core (course_access.course_page)
                # is in no session, so it has no content row to load: read it by the id.
                row = db.session.get(CourseContent, self.id)
            if row is None:  # loading stores every version with its content
                raise LookupError(f"course version {self.id} has no content")
            found = row.content
            # Only what the database holds is kept: content set in a transaction that may
            # still roll back stays out of the cache.
            state = sa.inspect(row, raiseerr=True)
            if state.persistent and not state.modified and self.content_hash:
                cache.CONTENT.put(key, found)
        return cast(CourseData, found)

    @content.setter
    def content(self, value: CourseData) -> None:
        cache.CONTENT.discard((self.id, self.content_hash))
        if self.content_row is None:
            self.content_row = CourseContent(content=cast(dict, value))
        else:
            self.content_row.content = cast(dict, value)

    def title(self, lang: str) -> Localized:
        return pick(self.content["title"], lang, self.content["source_language"])

    def is_pre_test(self, module_id: str) -> bool:
        pre = self.content.get("pre_test")
        return pre is not None and pre["id"] == module_id

    def module(self, module_id: str) -> ModuleData | None:
        for module in self.content["modules"]:
            if module["id"] == module_id:
                return module
        pre = self.content.get("pre_test")
        if pre and pre["id"] == module_id:
            return pre
        return None

    def __repr__(self) -> str:
        return f"<CourseVersion {self.course_id} v{self.version}>"


class LessonPage(Model):
    """A lesson's sanitized HTML, rendered once per content version and language."""

    __tablename__ = "lesson_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_versions.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(sa.String(80))
    lang: Mapped[str] = mapped_column(sa.String(10))
    html: Mapped[str] = mapped_column(sa.Text)

    __table_args__ = (sa.UniqueConstraint("course_version_id", "module_id", "lang"),)


class CourseMedia(Model):
    __tablename__ = "course_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_versions.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(sa.String(80))
    filename: Mapped[str] = mapped_column(sa.String(120))
    content_type: Mapped[str] = mapped_column(sa.String(60))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)

    __table_args__ = (sa.UniqueConstraint("course_version_id", "module_id", "filename"),)
