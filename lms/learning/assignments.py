"""Assignments: who is assigned a course and by whom, due dates, and what officers are told.

An assignment is an enrolment with the assigner and an optional due date. Unassigning an
officer who has not started removes the enrolment; one who has started keeps the
enrolment and every record of training, and only loses the assignment and its due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.extensions import db
from lms.learning.models import Enrolment
from lms.learning.status import DueDates
from lms.org.models import Role, User, audit
from lms.org.scope import user_scope_clause

DUE_SOON_DAYS = 7  # "due soon": the due date is within this many days
NEW_DAYS = 14  # an assignment not yet started is "new" for this many days


@dataclass
class AssignmentRow:
    enrolment: Enrolment
    officer: User
    assigned_by: User | None


def assigned(viewer: User, course_id: str, limit: int = 500) -> list[AssignmentRow]:
    """The officers in the viewer's scope enrolled in a course, with who assigned them."""
    assigner = aliased(User)
    rows = db.session.execute(
        sa.select(Enrolment, User, assigner)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(assigner, assigner.id == Enrolment.assigned_by_id)
        .where(Enrolment.course_id == course_id, User.role == Role.OFFICER, user_scope_clause(viewer))
        .order_by(Enrolment.completed_at.is_not(None), Enrolment.due_on.is_(None), Enrolment.due_on,
                  User.name_latin, User.id)
        .limit(limit)
    ).all()
    return [AssignmentRow(e, u, a) for e, u, a in rows]


def _in_scope(viewer: User, course_id: str, enrolment_ids: list[int]) -> list[Enrolment]:
    if not enrolment_ids:
        return []
    return list(db.session.scalars(
        sa.select(Enrolment).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.id.in_(enrolment_ids), Enrolment.course_id == course_id, user_scope_clause(viewer))
    ))


def set_due_date(viewer: User, course_id: str, enrolment_ids: list[int], due_on: date) -> int:
    """Move the due date of these assignments (in the viewer's scope); audited. The caller commits."""
    rows = [e for e in _in_scope(viewer, course_id, enrolment_ids) if e.completed_at is None]
    for e in rows:
        before = e.due_on
        e.due_on = due_on
        if e.assigned_by_id is None:
            e.assigned_by_id = viewer.id
        audit(viewer, "assignment.due_date_changed", f"user:{e.user_id}", course=course_id,
              before=before.isoformat() if before else "", after=due_on.isoformat())
    db.session.flush()
    return len(rows)


def unassign(viewer: User, course_id: str, enrolment_ids: list[int]) -> int:
    """Remove these assignments (in the viewer's scope); audited. The caller commits."""
    rows = _in_scope(viewer, course_id, enrolment_ids)
    for e in rows:
        started = e.last_activity_at is not None or e.completed_at is not None
        audit(viewer, "assignment.removed", f"user:{e.user_id}", course=course_id,
              due_on=e.due_on.isoformat() if e.due_on else "", kept_progress=started)
        if started:
            e.assigned_by_id, e.due_on = None, None
        else:
            db.session.delete(e)
    db.session.flush()
    return len(rows)


@dataclass
class Notice:
    kind: str  # "overdue", "due_soon", "assigned"
    course_id: str
    due_on: date | None
    assigned_at: datetime
    assigned_by: str | None


class AssignmentDates(DueDates, Protocol):
    """What the notice rule reads of an enrolment: an Enrolment, or its columns read with Core."""

    @property
    def enrolled_at(self) -> datetime: ...

    @property
    def last_activity_at(self) -> datetime | None: ...


def notice_kind(enrolment: AssignmentDates, today: date) -> str | None:
    """What an officer is told about an unfinished assignment: "overdue", "due_soon", "assigned"
    (new: nothing done yet, assigned in the last NEW_DAYS days) or nothing."""
    new = enrolment.last_activity_at is None and enrolment.enrolled_at.date() >= today - timedelta(days=NEW_DAYS)
    return due_kind(enrolment, today) or ("assigned" if new else None)


def in_notice_order(notices: list[Notice]) -> list[Notice]:
    """The soonest due date first, those without one last; the newest assignment first among equals."""
    newest_first = sorted(notices, key=lambda n: n.assigned_at, reverse=True)
    return sorted(newest_first, key=lambda n: (n.due_on is None, n.due_on or date.min))


def due_kind(enrolment: DueDates, today: date) -> str | None:
    """"overdue", "due_soon" or None for an unfinished assignment: the one rule the home page,
    the notifications and the e-mail reminders follow."""
    if enrolment.completed_at is not None or enrolment.due_on is None:
        return None
    if enrolment.due_on < today:
        return "overdue"
    if enrolment.due_on <= today + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return None
