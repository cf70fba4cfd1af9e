"""The completion register: one row per enrolment in scope, filtered, paged and exported."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import Enrolment
from lms.learning.status import (
    status_condition,
    status_expr,
)
from lms.org.models import Country, Gender, Institution, User
from lms.org.scope import (
    person_matches,
)
from lms.reports.queries.base import enrolment_scores, officers_in_scope
from lms.timeutil import day_start


@dataclass
class RegisterFilter:
    course_id: str | None = None
    institution_id: int | None = None
    status: str | None = None
    gender: str | None = None
    completed_from: date | None = None  # completion date range, inclusive
    completed_to: date | None = None
    q: str = ""


@dataclass
class RegisterRow:
    user_id: int
    name_native: str
    name_latin: str
    personnel_number: str
    gender: str
    service: str
    position: str
    institution_id: int
    institution_names: dict
    country_code: str
    course_id: str
    enrolled_at: datetime
    due_on: date | None
    completed_at: datetime | None
    status: str
    final_score: int | None
    pre_test_score: int | None


def _register_where(viewer: User, flt: RegisterFilter, today: date) -> list:
    where = [officers_in_scope(viewer)]
    if flt.course_id:
        where.append(Enrolment.course_id == flt.course_id)
    if flt.institution_id:
        where.append(User.institution_id == flt.institution_id)
    if flt.status:
        where.append(status_condition(flt.status, today))
    if flt.gender:
        where.append(User.gender == Gender(flt.gender))
    if flt.completed_from:
        where.append(Enrolment.completed_at >= day_start(flt.completed_from))
    if flt.completed_to:
        where.append(Enrolment.completed_at < day_start(flt.completed_to + timedelta(days=1)))
    if flt.q:
        where.append(person_matches(flt.q))
    return where


def register_select(today: date) -> sa.Select:
    """The register's columns, from enrolments joined to officers, places and scores."""
    final, pre = enrolment_scores()
    return (
        sa.select(
            User.id, User.name_native, User.name_latin, User.personnel_number, User.gender,
            User.service, User.position, User.institution_id, Institution.names, Country.code,
            Enrolment.course_id, Enrolment.enrolled_at, Enrolment.due_on, Enrolment.completed_at,
            status_expr(today), final, pre,
        )
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .join(Institution, Institution.id == User.institution_id)
        .join(Country, Country.id == Institution.country_id)
    )


def register_row(values) -> RegisterRow:
    values = list(values)
    values[4], values[5] = str(values[4]), str(values[5])
    return RegisterRow(*values)


def register_count(viewer: User, flt: RegisterFilter, today: date) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(*_register_where(viewer, flt, today))
    ) or 0


def register_page(
    viewer: User, flt: RegisterFilter, today: date, page: int, size: int
) -> tuple[list[RegisterRow], bool]:
    """One page of the register (and whether another follows), in one query.

    The page's enrolments are picked first (LIMIT/OFFSET on the filtered, ordered set);
    scores and names are then read for those rows only.
    """
    order = (User.name_latin, User.id, Enrolment.course_id)
    picked = (
        sa.select(Enrolment.id.label("eid"), *(c.label(f"k{i}") for i, c in enumerate(order)))
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(*_register_where(viewer, flt, today))
        .order_by(*order)
        .limit(size + 1)
        .offset((page - 1) * size)
        .subquery()
    )
    rows = db.session.execute(
        register_select(today)
        .join(picked, picked.c.eid == Enrolment.id)
        .order_by(picked.c.k0, picked.c.k1, picked.c.k2)
    ).all()
    return [register_row(r) for r in rows[:size]], len(rows) > size


def register_rows(viewer: User, flt: RegisterFilter, today: date) -> Iterator[RegisterRow]:
    """Every row of the register, streamed in the page order (for exports)."""
    result = db.session.execute(
        register_select(today)
        .where(*_register_where(viewer, flt, today))
        .order_by(User.name_latin, User.id, Enrolment.course_id)
        .execution_options(yield_per=1000)
    )
    for r in result:
        yield register_row(r)
