"""Enrolments, progress events (append-only) and completions.

Progress points at content by stable ids (course id, module id) plus the course version,
never by a foreign key into content, so reloading courses loses no one's record.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from lms.extensions import Model
from lms.org.models import User
from lms.timeutil import UTCDateTime, utcnow


class Enrolment(Model):
    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    course_id: Mapped[str] = mapped_column(sa.ForeignKey("courses.id"))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    # Set once the course is complete; the version it was completed on is in CourseCompletion.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_module_id: Mapped[str | None] = mapped_column(sa.String(80))
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The officer chose to skip the pre-test (knowledge-gain reports count these).
    pre_test_skipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last e-mail reminder sent for this assignment ("due_soon" or "overdue"); cleared when
    # the due date moves, so each kind is sent once per due date.
    reminded: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")

    # Set when a new version was published while the officer was in the middle of this one
    # and the course says officers finish on the version they started (learning/versions.py).
    held_version: Mapped[int | None]

    # The two scores the reports read, kept on the row so that a report over every enrolment
    # joins nothing: the final score of the completion of the latest version completed
    # (written in lms.learning.completion when a course is completed) and the score of the
    # first submitted pre-test attempt (written in lms.quizzes.attempts when it is graded).
    final_score: Mapped[int | None]
    pre_test_score: Mapped[int | None]

    @validates("due_on")
    def _due_date_moved(self, _key, value):
        if value != self.due_on:
            self.reminded = ""
        return value

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        sa.UniqueConstraint("user_id", "course_id"),
        # The completions of a period with their officer (the dashboard's months) from the index alone.
        sa.Index("ix_enrolments_course_completed", "course_id", "completed_at", "user_id"),
        # Reports read an enrolment's status from the index alone.
        sa.Index("ix_enrolments_course_user_state", "course_id", "user_id", "completed_at", "due_on",
                 "last_activity_at", "pre_test_skipped_at", "final_score", "pre_test_score"),
    )

    def __repr__(self) -> str:
        return f"<Enrolment {self.user_id} {self.course_id}>"


class ProgressEvent(Model):
    """Append-only log of what an officer did; never updated, never deleted."""

    __tablename__ = "progress_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    course_id: Mapped[str] = mapped_column(sa.String(80))
    course_version: Mapped[int]
    module_id: Mapped[str | None] = mapped_column(sa.String(80))
    kind: Mapped[str] = mapped_column(sa.String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class ModuleProgress(Model):
    """What an officer has done in a module: each part is recorded when first achieved."""

    __tablename__ = "module_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    course_id: Mapped[str] = mapped_column(sa.String(80))
    module_id: Mapped[str] = mapped_column(sa.String(80))
    course_version: Mapped[int]
    lesson_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    quiz_passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    scenario_passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.UniqueConstraint("user_id", "course_id", "module_id"),)


class CourseCompletion(Model):
    """A completed course, kept with the version it was earned on."""

    __tablename__ = "course_completions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    course_id: Mapped[str] = mapped_column(sa.ForeignKey("courses.id"))
    course_version: Mapped[int]
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The final score: the best passing score of the last assessment, else the quiz average.
    final_score: Mapped[int | None]

    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "course_id", "course_version"),
        sa.Index("ix_course_completions_course_at", "course_id", "completed_at"),
        sa.Index("ix_course_completions_user_course_score", "user_id", "course_id", "course_version",
                 "final_score", "completed_at"),
    )
