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

from dataclasses import dataclass

from lms.catalog.models import Course
from lms.extensions import db
from lms.learning.models import Enrolment
from lms.learning.progress import enrolment_of
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
