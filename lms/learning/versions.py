"""Which version of a course an officer takes: decided here, once.

Normally the current version. A course says in `on_new_version` what happens to officers
who are in the middle of it (started, not complete) when a higher version is published:
- `move_on` (the default): they continue on the new version; modules they completed
  count by their stable ids, as before;
- `finish`: they are held on the version they started, finish it there, and its
  completion (and certificate) is recorded with that version.
Either way no record is changed or deleted; officers who had not started, and every
officer who completes, take the current version.
"""

from __future__ import annotations

import sqlalchemy as sa

from lms.catalog.content import ModuleData
from lms.catalog.models import Course, CourseVersion
from lms.catalog.queries import part_of, with_content
from lms.errors import NotFoundError
from lms.extensions import db, rows_matched
from lms.learning.models import Enrolment
from lms.learning.status import started_not_complete

ON_NEW_VERSION = ("move_on", "finish")


def on_version_published(course_id: str, previous: int, version: int, on_new_version: str = "move_on",
                         **_) -> int:
    """Hold the officers in the middle of the course on `previous` when the course says `finish`;
    returns how many were held (the publisher's audit entry and `lms courses load` report it)."""
    if on_new_version != "finish":
        return 0
    return rows_matched(
        sa.update(Enrolment)
        .where(Enrolment.course_id == course_id, started_not_complete(), Enrolment.held_version.is_(None))
        .values(held_version=previous)
        .execution_options(synchronize_session=False)
    )


def version_number_expr() -> sa.ColumnElement[int]:
    """The version an enrolment takes, as SQL (Enrolment and Course in the query). Written
    on the tables' columns, so that a Core statement (course_access.course_page) can use it
    as well as an ORM one."""
    enrolments, courses = Enrolment.__table__.c, Course.__table__.c
    return sa.case(
        (sa.and_(enrolments.completed_at.is_(None), enrolments.held_version.is_not(None)), enrolments.held_version),
        else_=courses.current_version,
    )


def version_for(user_id: int, course_id: str) -> CourseVersion:
    """The published course's version this account takes (one query); NotFoundError when the
    course is not published."""
    version = db.session.scalar(
        sa.select(CourseVersion)
        .join(Course, Course.id == CourseVersion.course_id)
        .outerjoin(Enrolment, sa.and_(Enrolment.course_id == Course.id, Enrolment.user_id == user_id))
        .where(Course.id == course_id, Course.is_published.is_(True), CourseVersion.version == version_number_expr())
    )
    if version is None:
        raise NotFoundError(course_id)
    return with_content([version])[0]


def module_for(user_id: int, course_id: str, module_id: str, part: str) -> tuple[CourseVersion, ModuleData]:
    """The account's version and a module of it that has this part (quiz, scenario);
    NotFoundError when there is none."""
    version = version_for(user_id, course_id)
    return version, part_of(version, module_id, part)
