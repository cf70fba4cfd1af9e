"""Scenario runs (online) and classroom sessions."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import Model
from lms.timeutil import UTCDateTime, utcnow


class ScenarioRun(Model):
    __tablename__ = "scenario_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    course_id: Mapped[str] = mapped_column(sa.String(80))
    course_version: Mapped[int]
    module_id: Mapped[str] = mapped_column(sa.String(80))
    scenario_id: Mapped[str] = mapped_column(sa.String(80))
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)  # choice ids from the start
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ending: Mapped[str | None] = mapped_column(sa.String(10))
    score: Mapped[int | None]
    passed: Mapped[bool | None]
    # Classroom records count like online runs.
    classroom_session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("classroom_sessions.id"))
    observed_skills: Mapped[list] = mapped_column(sa.JSON, default=list)


class ClassroomSession(Model):
    __tablename__ = "classroom_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    course_id: Mapped[str] = mapped_column(sa.String(80))
    course_version: Mapped[int]
    module_id: Mapped[str] = mapped_column(sa.String(80))
    held_on: Mapped[date] = mapped_column(sa.Date)
    place: Mapped[str] = mapped_column(sa.String(200))
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohorts.id"))
    attendees: Mapped[list] = mapped_column(sa.JSON, default=list)  # user ids
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Officers on the attendance sheet (user ids), chosen when the session is scheduled.
    invited: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    # None while the session is only scheduled; set when what happened is recorded.
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_scheduled(self) -> bool:
        return self.recorded_at is None
