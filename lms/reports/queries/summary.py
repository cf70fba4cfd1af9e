"""The donor summary: completions per course and breakdown over a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.extensions import db
from lms.learning.models import CourseCompletion
from lms.org.models import Country, Gender, Institution, User
from lms.org.scope import scope_of
from lms.reports.queries.base import officers_in_scope, user_of
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


def _lines(rows) -> dict[tuple, SummaryLine]:
    """Rows of (key..., gender, officers, completions) added up per key."""
    out: dict[tuple, SummaryLine] = {}
    for *key, gender, people, completions in rows:
        line = out.setdefault(tuple(key), SummaryLine(0, 0, 0))
        line.trained += int(people)
        line.women += int(people) if gender == Gender.FEMALE else 0
        line.completions += int(completions)
    return out


def _postgres_lines(viewer: User, period) -> tuple[dict, dict]:
    """Both breakdowns from one statement: GROUP BY country, gender, ROLLUP(course) reads
    the completions of the period and hashes the officers in scope once, where two
    statements each joined the officers twice (once for the scope, once for their gender
    and institution): at 1,000,000 enrolments, a country manager's summary took 1.07 s of
    server CPU in three statements and takes 0.38 s in two.
    The join is the dashboard's (user_of): from the completions for a country, from the
    officers (and their completions by the user-first index) for one institution.
    """
    scope = scope_of(viewer)
    by_course, by_country = [], []
    for country_id, gender, course_id, people, completions in db.session.execute(
        sa.select(Institution.country_id, User.gender, CourseCompletion.course_id,
                  sa.func.count(sa.distinct(User.id)), sa.func.count(CourseCompletion.id))
        .select_from(CourseCompletion)
        .join(User, user_of(CourseCompletion.user_id, scope))
        .join(Institution, Institution.id == User.institution_id)
        .where(officers_in_scope(viewer, scope), *period)
        .group_by(Institution.country_id, User.gender, sa.func.rollup(CourseCompletion.course_id))
    ):
        if course_id is None:  # the rollup's line: every course of the country
            by_country.append((country_id, gender, people, completions))
        else:
            by_course.append((country_id, course_id, gender, people, completions))
    return _lines(by_course), _lines(by_country)


def _sqlite_lines(viewer: User, period) -> tuple[dict, dict]:
    """Both breakdowns in two statements (SQLite has no ROLLUP)."""
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
            .where(CourseCompletion.user_id.in_(in_scope), *period)
            .group_by(*keys, officer.gender)
        )

    return (_lines(db.session.execute(query(Institution.country_id, CourseCompletion.course_id))),
            _lines(db.session.execute(query(Institution.country_id))))


def donor_summary(viewer: User, start: date, end: date) -> Summary:
    """Officers trained (courses completed) from start to end inclusive, per country and course.

    Counted per gender, so that a distinct count gives both the officers and the women;
    the overall total adds up the countries (an officer is in one country). Officers are
    counted where they work now.
    """
    period = (CourseCompletion.completed_at >= day_start(start),
              CourseCompletion.completed_at < day_start(end + timedelta(days=1)))
    if db.engine.dialect.name == "postgresql":
        by_course, by_country = _postgres_lines(viewer, period)
    else:
        by_course, by_country = _sqlite_lines(viewer, period)
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
