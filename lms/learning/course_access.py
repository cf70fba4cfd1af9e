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

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.catalog.content import ModuleData
from lms.catalog.models import Course, CourseVersion
from lms.catalog.queries import part_of, with_content
from lms.errors import NotFoundError
from lms.extensions import db
from lms.learning.models import Enrolment, ModuleProgress, ProgressEvent
from lms.learning.progress import enrolment_of, pre_test_pending
from lms.org.models import Role, User


@dataclass(frozen=True)
class CourseAccess:
    visible: bool  # the course page, its pictures, its place in the catalogue
    may_enrol: bool
    may_read: bool  # module pages and lessons
    enrolment: Enrolment | None

    @property
    def may_take_part(self) -> bool:
        return self.enrolment is not None


def course_access(user: User, is_open: bool, enrolment: Enrolment | None) -> CourseAccess:
    """What this account may do with a published course (open or not, enrolled or not)."""
    staff = user.role != Role.OFFICER
    visible = staff or is_open or enrolment is not None
    return CourseAccess(
        visible=visible,
        may_enrol=enrolment is None and (staff or is_open),
        may_read=staff or enrolment is not None,
        enrolment=enrolment,
    )


def access_to(user: User, course_id: str) -> CourseAccess:
    """`course_access` for a course by id (the course row and the enrolment, two lookups)."""
    course = db.session.get(Course, course_id)
    return course_access(user, bool(course and course.is_open), enrolment_of(user.id, course_id))


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


def part_page(user: User, course_id: str, module_id: str, part: str) -> tuple[CourseVersion, ModuleData, Refusal | None]:
    """A module's quiz or role-play page (`part`): the account's version, the module, and why the
    account may not take part yet (not enrolled), if so. Not found when the account may not see
    the course or the module has no such part."""
    page = course_page(user, course_id)
    if page is None or not page.access.visible:
        raise NotFoundError(course_id)
    module = part_of(page.version, module_id, part)
    refusal = None if page.access.may_take_part else Refusal(str(ENROL_FIRST[part]), "info", "")
    return page.version, module, refusal


@dataclass(frozen=True)
class CoursePage:
    """What a course's module pages read: the current version, the account's access and,
    for one module, its progress row and whether it has started it."""

    version: CourseVersion
    access: CourseAccess
    progress: ModuleProgress | None
    started: bool


@functools.cache
def _course_page_statement(with_module: bool) -> sa.Select:
    """Built once (its SQLAlchemy cache key too); the account, course and module are bound."""
    from lms.learning.versions import version_number_expr

    user_id = sa.bindparam("user_id", type_=sa.Integer)
    course_id = sa.bindparam("course_id", type_=sa.String)
    module_id = sa.bindparam("module_id", type_=sa.String)
    # The version this account takes: the current one, or the one it is finishing (learning/versions.py).
    on_course = sa.and_(Course.id == CourseVersion.course_id, CourseVersion.version == version_number_expr())
    enrolment = sa.and_(Enrolment.course_id == Course.id, Enrolment.user_id == user_id)
    if not with_module:
        stmt = sa.select(CourseVersion, Course.is_open, Enrolment, sa.null(), sa.false())
    else:
        started = sa.exists().where(ProgressEvent.user_id == user_id, ProgressEvent.course_id == Course.id,
                                    ProgressEvent.module_id == module_id)
        stmt = sa.select(CourseVersion, Course.is_open, Enrolment, ModuleProgress, started)
    stmt = stmt.select_from(Course).outerjoin(Enrolment, enrolment).join(CourseVersion, on_course)
    if with_module:
        stmt = stmt.outerjoin(ModuleProgress, sa.and_(
            ModuleProgress.user_id == user_id, ModuleProgress.course_id == Course.id,
            ModuleProgress.module_id == module_id))
    return stmt.where(Course.id == course_id, Course.is_published.is_(True))


def course_page(user: User, course_id: str, module_id: str | None = None) -> CoursePage | None:
    """The published course's version this account takes (the current one, or the one it is
    finishing: learning/versions.py) with `course_access` for this account, and with a module
    its progress there, in one query; None when no such course is published."""
    params = {"user_id": user.id, "course_id": course_id}
    if module_id is not None:
        params["module_id"] = module_id
    row = db.session.execute(_course_page_statement(module_id is not None), params).first()
    if row is None:
        return None
    version, is_open, enrolled, progress, started_it = row
    with_content([version])
    return CoursePage(version, course_access(user, bool(is_open), enrolled), progress, bool(started_it))
