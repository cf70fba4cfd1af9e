"""Who may author, and drafts of courses as revisions of the course folder's files."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import Model
from lms.org.models import User
from lms.timeutil import UTCDateTime, utcnow


class CourseAuthor(Model):
    """A trainer an admin has allowed to start new courses."""

    __tablename__ = "course_authors"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<CourseAuthor user {self.user_id}>"


class CourseEditor(Model):
    """A trainer who may edit and publish one course (admins edit every course)."""

    __tablename__ = "course_editors"

    course_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<CourseEditor {self.course_id} user {self.user_id}>"


class CourseDraft(Model):
    """The working copy of one course: a chain of revisions, the newest being the head."""

    __tablename__ = "course_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[str] = mapped_column(sa.String(80), unique=True)
    # Number of the newest revision; a save moves it with one conditional UPDATE.
    head: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<CourseDraft {self.course_id} r{self.head}>"


class DraftRevision(Model):
    """One save: the whole folder as a manifest of stored files, who saved it and from what."""

    __tablename__ = "draft_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("course_drafts.id", ondelete="CASCADE"))
    number: Mapped[int]
    parent: Mapped[int | None]  # the revision this one was made from
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # {path inside the course folder: sha256}, see catalog/sources.py
    files: Mapped[dict] = mapped_column(sa.JSON)
    # What the save did, as data for the history page: {"action": ..., "paths": [...], ...}
    note: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    problem_count: Mapped[int] = mapped_column(default=0)
    published_version: Mapped[int | None]

    author: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("draft_id", "number"),)

    def __repr__(self) -> str:
        return f"<DraftRevision draft {self.draft_id} r{self.number}>"
