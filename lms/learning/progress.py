"""Enrolments and what an officer has done, as pages need it."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

import sqlalchemy as sa

from lms.catalog.content import ModuleData
from lms.catalog.models import CourseVersion
from lms.catalog.queries import VERSION_COLUMNS, version_of_row, with_content
from lms.errors import NotFoundError
from lms.extensions import db, rows_matched
from lms.learning import assignments, completion
from lms.learning.assignments import Notice
from lms.learning.models import CourseCompletion, Enrolment, ModuleProgress, ProgressEvent
from lms.learning.status import COMPLETE, IN_PROGRESS, NOT_STARTED, is_overdue, module_state
from lms.org.models import User
from lms.reads import DriverSelect
from lms.timeutil import utcnow


def enrolment_of(user_id: int, course_id: str) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
    )


def enrolments_by_course(user_id: int) -> dict[str, Enrolment]:
    return {e.course_id: e for e in db.session.scalars(sa.select(Enrolment).where(Enrolment.user_id == user_id))}


def enrol(user: User, course_id: str, assigned_by: User | None = None, due_on: date | None = None) -> Enrolment:
    """Enrol an officer (idempotent); an assignment sets or moves the due date."""
    enrolment = enrolment_of(user.id, course_id)
    if enrolment is None:
        enrolment = Enrolment(user_id=user.id, course_id=course_id)
        db.session.add(enrolment)
    if assigned_by is not None:
        enrolment.assigned_by_id = assigned_by.id
        enrolment.due_on = due_on
    db.session.flush()
    return enrolment


STATUS_NOT_STARTED = NOT_STARTED
STATUS_IN_PROGRESS = IN_PROGRESS
STATUS_COMPLETE = COMPLETE


@dataclass
class ModuleStatus:
    status: str
    done: set[str]
    required: set[str]


def _progress_rows(user_id: int, course_id: str) -> dict[str, ModuleProgress]:
    return {
        p.module_id: p for p in db.session.scalars(
            sa.select(ModuleProgress).where(
                ModuleProgress.user_id == user_id, ModuleProgress.course_id == course_id
            )
        )
    }


def status_of(module: ModuleData, row: completion.PartTimes | None, started: bool) -> ModuleStatus:
    done = completion.done_parts(row)
    state = module_state(row is not None and row.completed_at is not None, started or bool(done))
    return ModuleStatus(state, done, completion.required_parts(module))


def started_modules(user_ids: list[int], course_id: str) -> dict[int, set[str]]:
    """The modules each officer has started: any progress event recorded in them."""
    found: dict[int, set[str]] = {}
    for user_id, module_id in db.session.execute(
        sa.select(ProgressEvent.user_id, ProgressEvent.module_id).distinct().where(
            ProgressEvent.user_id.in_(user_ids), ProgressEvent.course_id == course_id,
            ProgressEvent.module_id.is_not(None))
    ):
        found.setdefault(user_id, set()).add(module_id)
    return found


def module_status(user_id: int, version: CourseVersion, module_id: str) -> ModuleStatus:
    row = db.session.scalar(sa.select(ModuleProgress).where(
        ModuleProgress.user_id == user_id, ModuleProgress.course_id == version.course_id,
        ModuleProgress.module_id == module_id,
    ))
    started = db.session.scalar(sa.select(sa.exists().where(
        ProgressEvent.user_id == user_id, ProgressEvent.course_id == version.course_id,
        ProgressEvent.module_id == module_id)))
    module = version.module(module_id)
    if module is None:
        raise NotFoundError(module_id)
    return status_of(module, row, bool(started))


@dataclass
class CourseOverview:
    modules: list[tuple[ModuleData, ModuleStatus]]
    completed: int
    total: int
    completion: CourseCompletion | None
    pre_test: ModuleData | None
    pre_test_score: int | None
    pre_test_open: bool
    pre_test_skipped: bool
    resume_module_id: str | None

    @property
    def percent(self) -> int:
        return (100 * self.completed) // self.total if self.total else 0


def course_overview(user_id: int, version: CourseVersion) -> CourseOverview:
    from lms.quizzes.models import QuizAttempt

    rows = _progress_rows(user_id, version.course_id)
    started = started_modules([user_id], version.course_id).get(user_id, set())
    modules = [(m, status_of(m, rows.get(m["id"]), m["id"] in started)) for m in version.content["modules"]]
    completed = sum(1 for _, s in modules if s.status == STATUS_COMPLETE)
    done = db.session.scalar(sa.select(CourseCompletion).where(
        CourseCompletion.user_id == user_id, CourseCompletion.course_id == version.course_id,
    ).order_by(CourseCompletion.course_version.desc()).limit(1))
    pre = version.content.get("pre_test")
    pre_score = None
    if pre:
        pre_score = db.session.scalar(sa.select(QuizAttempt.score).where(
            QuizAttempt.user_id == user_id, QuizAttempt.course_id == version.course_id,
            QuizAttempt.is_pre_test.is_(True), QuizAttempt.score.is_not(None),
        ).order_by(QuizAttempt.number).limit(1))
    enrolment = enrolment_of(user_id, version.course_id)
    skipped = enrolment is not None and enrolment.pre_test_skipped_at is not None
    regular = {m["id"] for m in version.content["modules"]}
    resume = next((m["id"] for m, s in modules if s.status != STATUS_COMPLETE), None)
    return CourseOverview(
        modules=modules, completed=completed, total=len(modules), completion=done,
        pre_test=pre, pre_test_score=pre_score,
        pre_test_open=bool(pre) and pre_score is None and not skipped and not (started & regular),
        pre_test_skipped=skipped, resume_module_id=resume,
    )


def pre_test_closed(user_id: int, version: CourseVersion) -> bool:
    """The pre-test closes when the officer chose to skip it or has started a module."""
    enrolment = enrolment_of(user_id, version.course_id)
    if enrolment is not None and enrolment.pre_test_skipped_at is not None:
        return True
    modules = [m["id"] for m in version.content["modules"]]
    return bool(db.session.scalar(sa.select(sa.exists().where(
        ProgressEvent.user_id == user_id, ProgressEvent.course_id == version.course_id,
        ProgressEvent.module_id.in_(modules)))))


def pre_test_pending(user_id: int, version: CourseVersion, module_id: str) -> bool:
    """Whether recording progress in this module would silently close the pre-test.

    The pre-test is offered before the first module: until the officer has taken it or
    chosen to skip it, a module's lesson, quiz or role-play waits for that choice.
    """
    pre = version.content.get("pre_test")
    if not pre or module_id == pre["id"] or enrolment_of(user_id, version.course_id) is None:
        return False
    taken = db.session.scalar(sa.select(sa.exists().where(
        ProgressEvent.user_id == user_id, ProgressEvent.course_id == version.course_id,
        ProgressEvent.module_id == pre["id"], ProgressEvent.kind == "quiz_submitted")))
    return not taken and not pre_test_closed(user_id, version)


def skip_pre_test(user_id: int, version: CourseVersion) -> bool:
    """Record the officer's choice to skip the pre-test (once); False if there was nothing to skip."""
    pre = version.content.get("pre_test")
    enrolment = enrolment_of(user_id, version.course_id)
    if not pre or enrolment is None or enrolment.pre_test_skipped_at is not None:
        return False
    if not pre_test_pending(user_id, version, version.content["modules"][0]["id"]):
        return False
    # A conditional UPDATE: of two requests at once (a double click), one records the skip.
    done = rows_matched(
        sa.update(Enrolment).where(Enrolment.id == enrolment.id, Enrolment.pre_test_skipped_at.is_(None))
        .values(pre_test_skipped_at=utcnow()).execution_options(synchronize_session="fetch"))
    if done != 1:
        return False
    completion.log_event(user_id, version, pre["id"], "pre_test_skipped")
    return True


def mark_lesson_read(user_id: int, version: CourseVersion, module_id: str) -> CourseCompletion | None:
    return completion.record_part(user_id, version, module_id, "lesson")


def next_module_id(version: CourseVersion, module_id: str) -> str | None:
    ids = [m["id"] for m in version.content["modules"]]
    if module_id in ids and ids.index(module_id) < len(ids) - 1:
        return ids[ids.index(module_id) + 1]
    return None


@dataclass
class LearningItem:
    version: CourseVersion
    completed_modules: int
    total_modules: int
    resume_module_id: str | None
    is_overdue: bool
    completed_at: datetime | None  # the enrolment's: the course is complete
    due_on: date | None

    @property
    def percent(self) -> int:
        return (100 * self.completed_modules) // self.total_modules if self.total_modules else 0


@dataclass
class MyLearning:
    items: list[LearningItem]  # the enrolments in published courses, unfinished first, the soonest due first
    notices: list[Notice]  # of unfinished assignments in those courses (assignments.in_notice_order)


class _Dates(NamedTuple):
    """An enrolment's dates as the status and notice rules read them."""

    completed_at: datetime | None
    due_on: date | None
    enrolled_at: datetime
    last_activity_at: datetime | None


@functools.cache
def _my_learning_statement() -> DriverSelect:
    """Built once, sent straight to the driver (lms.reads): My learning reads it on every visit.

    A Core statement on the tables' columns, one row per enrolment: the version it takes, its
    dates, who assigned it, and the modules completed in the course (their ids, separated by
    spaces: module ids have none, catalog/spec.py ID_RE). It replaced three statements (the
    enrolments with their versions as ORM objects, the completed modules, the enrolments again
    for the notices): 6.16 M -> 5.28 M instructions per request (bench/instructions.py, the
    signed-in floor 4.90 M)."""
    from lms.catalog.models import Course
    from lms.learning.versions import version_number_expr
    from lms.org.models import User

    enrolments, courses, versions = Enrolment.__table__, Course.__table__, CourseVersion.__table__
    progress, assigner = ModuleProgress.__table__, User.__table__.alias("assigner")
    user_id = sa.bindparam("user_id", type_=sa.Integer)
    completed = (sa.select(sa.func.aggregate_strings(progress.c.module_id, " "))
                 .where(progress.c.user_id == user_id, progress.c.course_id == enrolments.c.course_id,
                        progress.c.completed_at.is_not(None))
                 .scalar_subquery())
    # The version this enrolment takes (learning/versions.py). An enrolment in a course not
    # published (or without that version's row) has neither card nor notice (my_learning).
    joined = (enrolments.join(courses, courses.c.id == enrolments.c.course_id)
              .outerjoin(versions, sa.and_(versions.c.course_id == courses.c.id,
                                           versions.c.version == version_number_expr()))
              .outerjoin(assigner, assigner.c.id == enrolments.c.assigned_by_id))
    e = enrolments.c
    return DriverSelect(
        sa.select(*(versions.c[name] for name in VERSION_COLUMNS), courses.c.is_published, e.course_id,
                  *(e[name] for name in _Dates._fields), e.last_module_id, e.assigned_by_id, assigner.c.name_native,
                  completed)
        .select_from(joined)
        .where(e.user_id == user_id)
        .order_by(e.completed_at.is_not(None), e.due_on.is_(None), e.due_on, e.enrolled_at)
    )


def my_learning(user_id: int, today: date) -> MyLearning:
    """The officer's enrolments with progress, and the notices of their assignments, in one
    query whatever the number of courses."""
    n = len(VERSION_COLUMNS)
    rows = _my_learning_statement().rows(user_id=user_id)
    # A course since withdrawn (not published, or without the version's row): no card, and
    # no notice that would lead nowhere.
    shown = [row for row in rows if row[0] is not None and row[n]]
    versions = with_content([version_of_row(row[:n]) for row in shown])
    items, notices = [], []
    for row, version in zip(shown, versions, strict=True):
        _published, course_id, *dates, last_module_id, assigned_by_id, assigned_by, completed = row[n:]
        when = _Dates(*dates)
        if when.completed_at is None and assigned_by_id is not None:
            kind = assignments.notice_kind(when, today)
            if kind is not None:
                notices.append(Notice(kind, course_id, when.due_on, when.enrolled_at, assigned_by))
        ids = [m["id"] for m in version.content["modules"]]
        done = set(completed.split(" ")) if completed else set()
        items.append(LearningItem(
            version=version,
            completed_modules=sum(1 for i in ids if i in done), total_modules=len(ids),
            resume_module_id=last_module_id if last_module_id in ids and last_module_id not in done
            else next((i for i in ids if i not in done), None),
            is_overdue=is_overdue(when, today), completed_at=when.completed_at, due_on=when.due_on,
        ))
    return MyLearning(items, assignments.in_notice_order(notices))
