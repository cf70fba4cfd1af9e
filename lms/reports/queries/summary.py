"""The donor summary: completions per course and breakdown over a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.extensions import db
from lms.learning.models import CourseCompletion
from lms.org.models import Country, Gender, Institution, User
from lms.reports.queries.base import officers_in_scope
from lms.timeutil import day_start


@dataclass
class SummaryLine:
    trained: int  # distinct officers who completed
    women: int
    completions: int

    @property
    def men(self) -> int:
        return self.trained - self.women


@dataclass
class Summary:
    start: date
    end: date
    countries: dict[int, Country]
    by_country_course: list[tuple[int, str, SummaryLine]]
    by_country: list[tuple[int, SummaryLine]]
    total: SummaryLine


def donor_summary(viewer: User, start: date, end: date) -> Summary:
    """Officers trained (courses completed) from start to end inclusive, per country and course.

    Two grouped queries, split by gender so that a distinct count gives both the officers
    and the women; the overall total adds up the countries (an officer is in one country).
    """
    # Completions of the officers in scope (ids from a subquery: SQLite then reads each
    # officer's completions from the user-first index rather than every completion of the
    # period by date), with the officer's gender and country from a second look at users.
    officer = aliased(User, name="officer")
    in_scope = sa.select(User.id).where(officers_in_scope(viewer)).correlate(None)

    def query(*keys):
        return (
            sa.select(*keys, officer.gender, sa.func.count(sa.distinct(officer.id)),
                      sa.func.count(CourseCompletion.id))
            .select_from(CourseCompletion)
            .join(officer, officer.id == CourseCompletion.user_id + 0)
            .join(Institution, Institution.id == officer.institution_id)
            .where(CourseCompletion.user_id.in_(in_scope),
                   CourseCompletion.completed_at >= day_start(start),
                   CourseCompletion.completed_at < day_start(end + timedelta(days=1)))
            .group_by(*keys, officer.gender)
        )

    def lines(rows, width: int) -> dict[tuple, SummaryLine]:
        out: dict[tuple, SummaryLine] = {}
        for row in rows:
            key, gender, people, completions = tuple(row[:width]), row[width], int(row[-2]), int(row[-1])
            line = out.setdefault(key, SummaryLine(0, 0, 0))
            line.trained += people
            line.women += people if gender == Gender.FEMALE else 0
            line.completions += completions
        return out

    by_course = lines(db.session.execute(query(Institution.country_id, CourseCompletion.course_id)), 2)
    by_country = lines(db.session.execute(query(Institution.country_id)), 1)
    total = SummaryLine(0, 0, 0)
    for line in by_country.values():
        total.trained += line.trained
        total.women += line.women
        total.completions += line.completions
    ids = {key[0] for key in by_country}
    countries = {c.id: c for c in db.session.scalars(sa.select(Country).where(Country.id.in_(ids)))} if ids else {}
    return Summary(
        start, end, countries,
        sorted(((c, course, line) for (c, course), line in by_course.items()),
               key=lambda item: (countries[item[0]].code, item[1])),
        sorted(((c, line) for (c,), line in by_country.items()), key=lambda item: countries[item[0]].code),
        total,
    )
