"""Who may open a course and its modules: decided here, once.

The catalogue, the course and module pages, lesson media, quizzes and role-plays all ask
`course_access`, so no view decides it again in its own words.

- Staff (trainers, managers, admins) see every published course and read its modules.
- An officer sees a course when it is open for self-enrolment or they are enrolled in it,
  enrols only in an open course, and reads its modules once enrolled.
- Taking part (marking a lesson read, quizzes, role-plays) needs an enrolment, whoever
  the account: progress is always recorded against one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.catalog.content import ModuleData
from lms.catalog.models import Course, CourseVersion
from lms.catalog.queries import VERSION_COLUMNS, part_of, version_of_row, with_content
from lms.errors import NotFoundError
from lms.extensions import db
from lms.learning.models import Enrolment, ModuleProgress, ProgressEvent
from lms.learning.progress import enrolment_of, pre_test_pending
from lms.org.models import Role, User
from lms.reads import DriverSelect


@dataclass(frozen=True)
class CourseAccess:
    visible: bool  # the course page, its pictures, its place in the catalogue
    may_enrol: bool
    may_read: bool  # module pages and lessons
    may_take_part: bool  # enrolled: progress is recorded against the enrolment


def course_access(user: User, is_open: bool, enrolled: bool) -> CourseAccess:
    """What this account may do with a published course (open or not, enrolled or not)."""
    staff = user.role != Role.OFFICER
    return CourseAccess(
        visible=staff or is_open or enrolled,
        may_enrol=not enrolled and (staff or is_open),
        may_read=staff or enrolled,
        may_take_part=enrolled,
    )


def access_and_enrolment(user: User, course_id: str) -> tuple[CourseAccess, Enrolment | None]:
    """`course_access` for a course by id, with the enrolment row it was decided on (the
    course row and the enrolment, two lookups)."""
    course = db.session.get(Course, course_id)
    enrolment = enrolment_of(user.id, course_id)
    return course_access(user, bool(course and course.is_open), enrolment is not None), enrolment


def access_to(user: User, course_id: str) -> CourseAccess:
    return access_and_enrolment(user, course_id)[0]


# What the officer is told, on the course page, when progress cannot be recorded yet: by what
# they tried (mark a lesson read, start a quiz, start a role-play).
ENROL_FIRST = {
    "lesson": _l("Enrol in the course to record your progress."),
    "quiz": _l("Enrol in the course to take its quizzes."),
    "scenario": _l("Enrol in the course to play its role-plays."),
}
PRE_TEST_FIRST = _l("Before the first module, take the pre-test or choose to skip it.")


@dataclass(frozen=True)
class Refusal:
    """Why progress in a module cannot be recorded now, as the course page answers it."""

    message: str
    category: str  # of the flashed message
    anchor: str  # where on the course page the officer is taken


def progress_refusal(user: User, version: CourseVersion, module_id: str | None, part: str) -> Refusal | None:
    """Whether the account may record progress in this module now (`part`: lesson, quiz or
    scenario; module_id None for the course as a whole): None, or why not — not enrolled, or
    the pre-test not yet taken or skipped. A course the account may not see is not found."""
    rights = access_to(user, version.course_id)
    if not rights.visible:
        raise NotFoundError(version.course_id)
    if not rights.may_take_part:
        return Refusal(str(ENROL_FIRST[part]), "info", "")
    if module_id is not None and pre_test_pending(user.id, version, module_id):
        return Refusal(str(PRE_TEST_FIRST), "warning", "#pretest-h")
    return None


def part_page(user: User, course_id: str, module_id: str, part: str, rows: PartRows | None = None
              ) -> tuple[CourseVersion, ModuleData, Refusal | None, tuple]:
    """A module's quiz or role-play page (`part`): the account's version, the module, why the
    account may not take part yet (not enrolled), if so, and with `rows` the account's own
    rows of this module's part, read in the same query. Not found when the account may not
    see the course or the module has no such part."""
    page = course_page(user, course_id, module_id if rows is not None else None, rows)
    if page is None or not page.access.visible:
        raise NotFoundError(course_id)
    module = part_of(page.version, module_id, part)
    refusal = None if page.access.may_take_part else Refusal(str(ENROL_FIRST[part]), "info", "")
    return page.version, module, refusal, page.rows


@dataclass(frozen=True, eq=False)  # one object per kind of rows: its identity is its cache key
class PartRows:
    """The account's own rows of a module's part (a quiz's attempts, a role-play's runs), read
    with the course page's row in one query: the table (with user_id, course_id and module_id
    columns), the columns read in the order of `shape`'s fields (the first never NULL), their
    order, and any further condition on the table's rows (a run: not a classroom record)."""

    table: sa.FromClause
    columns: tuple[sa.ColumnElement, ...]
    shape: Any  # a NamedTuple class, made of each row's columns
    order_by: tuple[sa.ColumnElement, ...]
    where: tuple[sa.ColumnElement, ...] = ()


class ModuleTimes(NamedTuple):
    """A module's progress row, its part times only (it serves as a completion.PartTimes)."""

    lesson_read_at: datetime | None
    quiz_passed_at: datetime | None
    scenario_passed_at: datetime | None
    completed_at: datetime | None


@dataclass(frozen=True)
class CoursePage:
    """What a course's module pages read: the current version, the account's access and,
    for one module, when its parts were done (None: nothing recorded) and whether the
    account has started it."""

    version: CourseVersion
    access: CourseAccess
    progress: ModuleTimes | None
    started: bool
    rows: tuple = ()  # the account's rows asked for (PartRows), in their order


@functools.cache
def _course_page_statement(with_module: bool, rows: PartRows | None = None) -> DriverSelect:
    """Built once; the account, course and module are bound.

    A Core statement on the tables' columns, sent straight to the driver (lms.reads): read
    through the ORM as three whole objects, the same row cost each of these pages 0.35-0.41
    million more instructions per request, about 6 % (bench/instructions.py: lesson 6.79 M
    -> 6.42 M), and through the session about 70 µs more again."""
    from lms.learning.versions import version_number_expr

    courses, versions, enrolments = Course.__table__.c, CourseVersion.__table__, Enrolment.__table__
    progress, events = ModuleProgress.__table__, ProgressEvent.__table__
    user_id = sa.bindparam("user_id", type_=sa.Integer)
    course_id = sa.bindparam("course_id", type_=sa.String)
    module_id = sa.bindparam("module_id", type_=sa.String)
    # The version this account takes: the current one, or the one it is finishing (learning/versions.py).
    joined = (Course.__table__
              .outerjoin(enrolments, sa.and_(enrolments.c.course_id == courses.id, enrolments.c.user_id == user_id))
              .join(versions, sa.and_(versions.c.course_id == courses.id, versions.c.version == version_number_expr())))
    columns = [*(versions.c[name] for name in VERSION_COLUMNS), courses.is_open, enrolments.c.id.is_not(None)]
    if with_module:
        joined = joined.outerjoin(progress, sa.and_(
            progress.c.user_id == user_id, progress.c.course_id == courses.id, progress.c.module_id == module_id))
        started = sa.exists().where(events.c.user_id == user_id, events.c.course_id == courses.id,
                                    events.c.module_id == module_id)
        columns += [progress.c.id, *(progress.c[name] for name in ModuleTimes._fields), started]
    order_by: tuple[sa.ColumnElement, ...] = ()
    if rows is not None:
        # One result row for each of the account's rows (one with NULLs when it has none).
        t = rows.table
        joined = joined.outerjoin(t, sa.and_(t.c.user_id == user_id, t.c.course_id == courses.id,
                                             t.c.module_id == module_id, *rows.where))
        columns += rows.columns
        order_by = rows.order_by
    return DriverSelect(sa.select(*columns).select_from(joined)
                        .where(courses.id == course_id, courses.is_published.is_(True)).order_by(*order_by))


def course_page(user: User, course_id: str, module_id: str | None = None,
                rows: PartRows | None = None) -> CoursePage | None:
    """The published course's version this account takes (the current one, or the one it is
    finishing: learning/versions.py) with `course_access` for this account and, with a
    module, either its progress there or, given `rows`, the account's rows of that kind in
    the module (a part's page: its attempts or runs, not the progress), in one query; None
    when no such course is published.

    The version comes as an object of its row that is in no session (pages read only its
    columns and content)."""
    params = {"user_id": user.id, "course_id": course_id}
    if module_id is not None:
        params["module_id"] = module_id
    with_progress = module_id is not None and rows is None
    found = _course_page_statement(with_progress, rows).rows(**params)
    if not found:
        return None
    row = found[0]
    n = len(VERSION_COLUMNS)
    version = version_of_row(row[:n])
    with_content([version])
    is_open, enrolled = row[n], row[n + 1]
    progress, started = None, False
    if with_progress:
        progress_id, *times, started = row[n + 2:]
        progress = None if progress_id is None else ModuleTimes(*times)
    # The account's rows: each result row's last columns, none when they are NULL (the outer join's).
    own = () if rows is None else tuple(rows.shape._make(r[n + 2:]) for r in found if r[n + 2] is not None)
    return CoursePage(version, course_access(user, bool(is_open), bool(enrolled)), progress, bool(started), own)
