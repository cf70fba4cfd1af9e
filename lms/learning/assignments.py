"""Assignments: who is assigned a course and by whom, due dates, and what officers are told.

An assignment is an enrolment with the assigner and an optional due date. Unassigning an
officer who has not started removes the enrolment; one who has started keeps the
enrolment and every record of training, and only loses the assignment and its due date.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.extensions import db
from lms.learning.models import Enrolment
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


@functools.cache
def _notices_statement() -> sa.Select:
    """Built once: My learning reads it on every visit, and an alias made per request costs
    more than the query (SQLAlchemy sets up each new alias anew)."""
    assigner = aliased(User)
    return (sa.select(Enrolment, assigner.name_native)
            .join(assigner, assigner.id == Enrolment.assigned_by_id)
            .where(Enrolment.user_id == sa.bindparam("user_id"), Enrolment.completed_at.is_(None))
            .order_by(Enrolment.due_on.is_(None), Enrolment.due_on, Enrolment.enrolled_at.desc()))


def notices(user_id: int, today: date) -> list[Notice]:
    """What an officer should know about their assignments: overdue, due soon, and new ones."""
    rows = db.session.execute(_notices_statement(), {"user_id": user_id}).all()
    out = []
    new_since = today - timedelta(days=NEW_DAYS)
    for e, by in rows:
        kind = due_kind(e, today)
        if kind is None and e.last_activity_at is None and e.enrolled_at.date() >= new_since:
            kind = "assigned"
        if kind is not None:
            out.append(Notice(kind, e.course_id, e.due_on, e.enrolled_at, by))
    return out


def due_kind(enrolment: Enrolment, today: date) -> str | None:
    """"overdue", "due_soon" or None for an unfinished assignment: the one rule the home page,
    the notifications and the e-mail reminders follow."""
    if enrolment.completed_at is not None or enrolment.due_on is None:
        return None
    if enrolment.due_on < today:
        return "overdue"
    if enrolment.due_on <= today + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return None
