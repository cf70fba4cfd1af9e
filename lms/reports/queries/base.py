"""Building blocks of every report query: the viewer's officers, score joins, course titles."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager

from lms.catalog.models import Course, CourseContent, CourseVersion
from lms.extensions import db
from lms.learning.models import CourseCompletion, Enrolment
from lms.org.models import Country, Institution, Role, User
from lms.org.scope import (
    institution_scope_clause,
    user_scope_clause,
)
from lms.quizzes.models import QuizAttempt


def officers_in_scope(viewer: User) -> sa.ColumnElement[bool]:
    """Condition on User: officers the viewer may see (scope decided in lms.org.scope)."""
    return sa.and_(User.role == Role.OFFICER, user_scope_clause(viewer))


def user_of(user_id: sa.SQLColumnExpression[int]) -> sa.ColumnElement[bool]:
    """Join condition from a large table to its officer's account, for the big aggregates.

    "+ 0" makes the join usable only from the enrolment (or completion) side, so SQLite
    walks those rows in user order and checks the scope on each officer's row, instead of
    starting at the officers of each institution, whose scattered ids make every later
    lookup a cache miss (about twice as slow at 100,000 officers). PostgreSQL plans the
    same hash join either way.
    """
    return User.id == user_id + 0


@dataclass(frozen=True)
class ScoreJoins:
    """Outer joins giving each enrolment its final and pre-test score as plain columns.

    Joins rather than correlated subqueries: a column can be summed and tested many times
    in one aggregate query at no extra cost, on SQLite and PostgreSQL alike.
    """

    final: sa.SQLColumnExpression[int | None]
    pre: sa.SQLColumnExpression[int | None]
    completion: type[CourseCompletion]
    completion_on: sa.ColumnElement[bool]
    attempt: type[QuizAttempt]
    attempt_on: sa.ColumnElement[bool]

    def apply(self, stmt: sa.Select, completed_only: bool = False) -> sa.Select:
        """Join the scores; with completed_only, look up the pre-test only for completed
        enrolments (all a knowledge gain needs), so the other rows cost no lookup."""
        attempt_on = sa.and_(Enrolment.completed_at.is_not(None), self.attempt_on) if completed_only else self.attempt_on
        return stmt.outerjoin(self.completion, self.completion_on).outerjoin(self.attempt, attempt_on)


def score_joins() -> ScoreJoins:
    done = aliased(CourseCompletion, name="final_completion")
    later = aliased(CourseCompletion, name="later_completion")
    pre = aliased(QuizAttempt, name="pre_test_attempt")
    # A completed enrolment's completion of the latest version: no completion of a later version exists.
    completion_on = sa.and_(
        Enrolment.completed_at.is_not(None),
        done.user_id == Enrolment.user_id, done.course_id == Enrolment.course_id,
        ~sa.exists().where(later.user_id == done.user_id, later.course_id == done.course_id,
                           later.course_version > done.course_version),
    )
    # The first pre-test attempt, once submitted. Attempts are numbered from 1 and a new one
    # starts only after the open one is submitted, so number 1 is the first submitted one.
    attempt_on = sa.and_(
        pre.user_id == Enrolment.user_id, pre.course_id == Enrolment.course_id,
        pre.is_pre_test == sa.true(), pre.number == 1, pre.submitted_at.is_not(None),
    )
    return ScoreJoins(done.final_score, pre.score, done, completion_on, pre, attempt_on)


def count_if(condition) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def course_titles() -> dict[str, tuple[dict, str]]:
    """Every course's current title map and source language, without loading content."""
    rows = db.session.execute(
        sa.select(CourseVersion.course_id, CourseContent.content["title"],
                  CourseContent.content["source_language"])
        .join(CourseContent, CourseContent.course_version_id == CourseVersion.id)
        .join(Course, sa.and_(Course.id == CourseVersion.course_id,
                              Course.current_version == CourseVersion.version))
        .order_by(Course.id)
    ).all()
    return {course_id: (title or {}, source or "en") for course_id, title, source in rows}


def institutions_in_scope(viewer: User) -> list[Institution]:
    """Institutions the viewer may filter by, with their country (one query)."""
    return list(db.session.scalars(
        sa.select(Institution)
        .join(Country, Country.id == Institution.country_id)
        .where(institution_scope_clause(viewer))
        .options(contains_eager(Institution.country))
        .order_by(Country.code, Institution.id)
    ))
