"""What "not started", "in progress", "complete" and "overdue" mean: decided here, once.

The officer's pages (learning), the manager's register, dashboard and progress grid
(reports) all call these, so an officer and a manager never see two answers.

- A module is complete when its progress row says so; it is in progress once anything
  was recorded in it (a lesson read, a quiz attempt started, a role-play run, a classroom
  record: every progress event); otherwise not started.
- An enrolment is complete once the course was completed; overdue when not complete and
  past its due date (started or not); in progress when anything was recorded in the
  course (`Enrolment.last_activity_at`, set with every progress event); else not started.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

import sqlalchemy as sa

from lms.learning.models import Enrolment

COMPLETE = "complete"
OVERDUE = "overdue"
IN_PROGRESS = "in_progress"
NOT_STARTED = "not_started"
STATUSES = (COMPLETE, IN_PROGRESS, OVERDUE, NOT_STARTED)


def module_state(completed: bool, started: bool) -> str:
    if completed:
        return COMPLETE
    return IN_PROGRESS if started else NOT_STARTED


class DueDates(Protocol):
    """What the due-date rules read of an enrolment: an Enrolment, or its columns read with Core."""

    @property
    def completed_at(self) -> datetime | None: ...

    @property
    def due_on(self) -> date | None: ...


def is_overdue(enrolment: DueDates, today: date) -> bool:
    return enrolment.completed_at is None and enrolment.due_on is not None and enrolment.due_on < today


def enrolment_status(enrolment: Enrolment, today: date) -> str:
    """The status of one loaded enrolment; the same rule as `status_expr` in SQL."""
    if enrolment.completed_at is not None:
        return COMPLETE
    if is_overdue(enrolment, today):
        return OVERDUE
    return IN_PROGRESS if enrolment.last_activity_at is not None else NOT_STARTED


def started_not_complete() -> sa.ColumnElement[bool]:
    """Enrolments in the middle of the course: something recorded, not complete (overdue or not)."""
    return sa.and_(Enrolment.completed_at.is_(None), Enrolment.last_activity_at.is_not(None))


def status_expr(today: date) -> sa.ColumnElement[str]:
    """An enrolment's status as one SQL expression."""
    return sa.case(
        (Enrolment.completed_at.is_not(None), COMPLETE),
        (Enrolment.due_on < today, OVERDUE),
        (Enrolment.last_activity_at.is_not(None), IN_PROGRESS),
        else_=NOT_STARTED,
    )


def status_condition(status: str, today: date) -> sa.ColumnElement[bool]:
    """The WHERE condition matching one status, the same rule as status_expr."""
    done = Enrolment.completed_at.is_not(None)
    late = sa.and_(Enrolment.due_on.is_not(None), Enrolment.due_on < today)
    if status == COMPLETE:
        return done
    if status == OVERDUE:
        return sa.and_(~done, late)
    started = Enrolment.last_activity_at.is_not(None)
    if status == IN_PROGRESS:
        return sa.and_(~done, ~late, started)
    if status == NOT_STARTED:
        return sa.and_(~done, ~late, ~started)
    raise ValueError(status)
