"""Trainers: progress per officer and module in their cohorts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from lms.extensions import db
from lms.learning.completion import done_parts
from lms.learning.models import Enrolment, ModuleProgress
from lms.learning.progress import started_modules
from lms.learning.status import (
    NOT_STARTED,
    module_state,
    status_expr,
)
from lms.org.models import Cohort, User, cohort_members
from lms.org.scope import (
    cohort_scope_clause,
)
from lms.reports.queries.base import enrolment_scores, officers_in_scope


def cohorts_in_scope(viewer: User) -> list[Cohort]:
    """Cohorts a viewer may pick (lms.org.scope.cohort_scope_clause)."""
    stmt = sa.select(Cohort).where(cohort_scope_clause(viewer))
    return list(db.session.scalars(stmt.order_by(Cohort.name, Cohort.id)))


@dataclass
class ProgressRow:
    user_id: int
    name_native: str
    name_latin: str
    personnel_number: str
    status: str | None  # None: not enrolled
    final_score: int | None
    pre_test_score: int | None
    modules: dict[str, str]  # module id -> complete / in_progress (absent: not started)
    held_version: int | None = None  # finishing an earlier version (the course says `finish`)


def progress_page(
    viewer: User, course_id: str, today: date, cohort_id: int | None,
    institution_id: int | None, page: int, size: int,
) -> tuple[list[ProgressRow], bool]:
    """Officers of a cohort or institution (within scope) and their state in each module."""
    where = [officers_in_scope(viewer)]
    if cohort_id:
        where.append(User.id.in_(
            sa.select(cohort_members.c.user_id).where(cohort_members.c.cohort_id == cohort_id)))
    if institution_id:
        where.append(User.institution_id == institution_id)
    final, pre = enrolment_scores()
    rows = db.session.execute(
        sa.select(User.id, User.name_native, User.name_latin, User.personnel_number,
                  sa.case((Enrolment.id.is_(None), None), else_=status_expr(today)),
                  final, pre,
                  sa.case((Enrolment.completed_at.is_(None), Enrolment.held_version), else_=None))
        .select_from(User)
        .outerjoin(Enrolment, sa.and_(Enrolment.user_id == User.id, Enrolment.course_id == course_id))
        .where(*where)
        .order_by(User.name_latin, User.id)
        .limit(size + 1)
        .offset((page - 1) * size)
    ).all()
    has_next = len(rows) > size
    rows = rows[:size]
    ids = [r[0] for r in rows]
    states: dict[int, dict[str, str]] = defaultdict(dict)
    if ids:
        rows_by_key = {(p.user_id, p.module_id): p for p in db.session.scalars(
            sa.select(ModuleProgress).where(ModuleProgress.user_id.in_(ids),
                                            ModuleProgress.course_id == course_id))}
        started = started_modules(ids, course_id)
        for user_id, module_id in {*rows_by_key, *((u, m) for u, ms in started.items() for m in ms)}:
            # The same rule as the officer's own course page (lms.learning.status).
            row = rows_by_key.get((user_id, module_id))
            state = module_state(row is not None and row.completed_at is not None,
                                 module_id in started.get(user_id, ()) or bool(done_parts(row)))
            if state != NOT_STARTED:
                states[user_id][module_id] = state
    return [ProgressRow(user_id, native, latin, number, status, final, pre, modules=states.get(user_id, {}),
                        held_version=held)
            for user_id, native, latin, number, status, final, pre, held in rows], has_next
