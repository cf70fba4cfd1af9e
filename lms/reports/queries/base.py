"""Building blocks of every report query: the viewer's officers, scores, course titles."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from lms.catalog import cache
from lms.catalog.models import Course, CourseContent, CourseVersion
from lms.extensions import db
from lms.learning.models import Enrolment
from lms.org.models import Country, Institution, Role, User
from lms.org.scope import (
    Scope,
    institution_scope_clause,
    user_scope_clause,
)


def officers_in_scope(viewer: User, scope: Scope | None = None) -> sa.ColumnElement[bool]:
    """Condition on User: officers the viewer may see (scope decided in lms.org.scope;
    scope: the viewer's, when the caller has it already)."""
    return sa.and_(User.role == Role.OFFICER, user_scope_clause(viewer, scope))


def user_of(user_id: sa.SQLColumnExpression[int], scope: Scope) -> sa.ColumnElement[bool]:
    """Join condition from a large table to its officer's account, for the big aggregates
    over the viewer's scope.

    For a country or more, "+ 0" makes the join usable only from the enrolment side, so
    SQLite walks those rows in user order and checks the scope on each officer's row,
    instead of starting at the officers of each institution, whose scattered ids make
    every later lookup a cache miss (about twice as slow at 100,000 officers). PostgreSQL
    hashes the officers in scope either way; at 1,000,000 enrolments it planned that hash
    in two batches for the plain join (352 against 305 ms of server CPU with "+ 0").
    For one institution (a thousand officers or so) the plain join lets both start from
    its officers and look up each one's enrolment in the (course, user) index, instead of
    reading every enrolment of the course: at 1,000,000 enrolments, 2,500 officers,
    PostgreSQL 121 -> 18 ms of server CPU; SQLite at 400,000, 1,000 officers, 125 -> 20 ms.
    """
    return User.id == (user_id if scope.is_one_institution or scope.kind == "self" else user_id + 0)


def enrolment_scores() -> tuple[sa.SQLColumnExpression[int | None], sa.SQLColumnExpression[int | None]]:
    """Each enrolment's final and pre-test score as the reports show them.

    Both are kept on the enrolment where they are decided (lms.learning.completion): the
    final score of the completion of the latest version completed, shown once the enrolment
    is complete, and the score of the first submitted pre-test attempt. Plain columns, so a
    report over every enrolment in scope joins neither completions nor attempts.
    """
    final = sa.case((Enrolment.completed_at.is_not(None), Enrolment.final_score))
    return final, Enrolment.pre_test_score


def count_if(condition) -> sa.ColumnElement[int]:
    """How many rows of the group meet the condition (an aggregate: COUNT(*) FILTER (WHERE ...)).

    A FILTER clause rather than SUM(CASE ...): PostgreSQL then skips the other rows without
    computing a value for them, and the count is 0, not NULL, for a group with none.
    """
    return sa.func.count().filter(condition)


def course_titles() -> dict[str, tuple[dict, str]]:
    """Every course's current title map and source language, without loading content.

    The titles of a version are read from its content once per process and content hash
    (lms.catalog.cache.TITLES); on PostgreSQL reading them means parsing the whole content
    of every course, about 14 ms of the server's time for four courses on every report page.
    """
    current = db.session.execute(
        sa.select(CourseVersion.course_id, CourseVersion.id, CourseVersion.content_hash)
        .join(Course, sa.and_(Course.id == CourseVersion.course_id,
                              Course.current_version == CourseVersion.version))
        .order_by(Course.id)
    ).all()
    missing = [version_id for _course, version_id, digest in current
               if not digest or cache.TITLES.get((version_id, digest)) is None]
    read: dict[int, tuple[dict, str]] = {}
    if missing:
        for version_id, digest, title, source in db.session.execute(
            sa.select(CourseVersion.id, CourseVersion.content_hash, CourseContent.content["title"],
                      CourseContent.content["source_language"])
            .join(CourseContent, CourseContent.course_version_id == CourseVersion.id)
            .where(CourseVersion.id.in_(missing))
        ):
            read[version_id] = (title or {}, source or "en")
            if digest:  # a version's content never changes under the same hash
                cache.TITLES.put((version_id, digest), read[version_id])
    titles = {}
    for course_id, version_id, digest in current:
        found = read.get(version_id) or cache.TITLES.get((version_id, digest))
        if found is not None:  # a version without content (never stored so) has no title
            titles[course_id] = found
    return titles


def institutions_in_scope(viewer: User) -> list[Institution]:
    """Institutions the viewer may filter by, with their country (one query)."""
    return list(db.session.scalars(
        sa.select(Institution)
        .join(Country, Country.id == Institution.country_id)
        .where(institution_scope_clause(viewer))
        .options(contains_eager(Institution.country))
        .order_by(Country.code, Institution.id)
    ))
