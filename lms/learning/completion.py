"""Completion is decided here, and only here.

A module is complete when its lesson is read, its quiz passed and its scenario passed
(each only if the module has one); a course is complete when all its modules are.
Quizzes and scenarios report to `record_part`; course completion sends one signal,
`course_completed`, that the certificate feature listens to.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from blinker import Namespace

from lms.catalog.content import ModuleData
from lms.catalog.models import CourseVersion
from lms.extensions import db, insert_if_absent
from lms.learning.models import CourseCompletion, Enrolment, ModuleProgress, ProgressEvent
from lms.quizzes.scores import final_score
from lms.timeutil import utcnow

_signals = Namespace()
# Sent with the CourseCompletion, inside the transaction that records it.
course_completed = _signals.signal("course-completed")

PARTS = ("lesson", "quiz", "scenario")


def required_parts(module: ModuleData) -> set[str]:
    parts = set()
    if module.get("lesson"):
        parts.add("lesson")
    if module.get("quiz"):
        parts.add("quiz")
    if module.get("scenario"):
        parts.add("scenario")
    return parts


def done_parts(progress: ModuleProgress | None) -> set[str]:
    if progress is None:
        return set()
    return {
        part for part, at in (
            ("lesson", progress.lesson_read_at),
            ("quiz", progress.quiz_passed_at),
            ("scenario", progress.scenario_passed_at),
        ) if at is not None
    }


def hold_enrolment(user_id: int, course_id: str) -> None:
    """Take the officer's enrolment row for the rest of this transaction (a row lock on
    PostgreSQL, the database's write lock on SQLite) before reading what a request decides on,
    so that two requests of the same officer in one course (a double click, two tabs) run one
    after the other and the second sees what the first wrote."""
    db.session.execute(
        sa.update(Enrolment)
        .where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
        .values(last_activity_at=Enrolment.last_activity_at)
        .execution_options(synchronize_session=False)
    )


@functools.cache
def _event_statements() -> tuple[sa.Insert, sa.Update]:
    """Built once, with their SQLAlchemy cache keys: every quiz submit and role-play step
    sends them. The event is inserted at once (nothing reads its id back) rather than
    through the session's unit of work."""
    activity = Enrolment.__table__.c.last_activity_at
    return (
        sa.insert(ProgressEvent.metadata.tables[ProgressEvent.__tablename__]),
        sa.update(Enrolment)
        .where(Enrolment.user_id == sa.bindparam("event_user_id"),
               Enrolment.course_id == sa.bindparam("event_course_id"))
        .values(last_activity_at=sa.bindparam("event_at", type_=activity.type))
        .execution_options(synchronize_session=False),
    )


def log_event(user_id: int, version: CourseVersion, module_id: str | None, kind: str, **detail) -> None:
    """Record what the officer did. Every event is activity: the enrolment is in progress
    from its first event on (see lms.learning.status)."""
    now = utcnow()
    insert_event, touch_enrolment = _event_statements()
    db.session.execute(insert_event, {
        "user_id": user_id, "course_id": version.course_id, "course_version": version.version,
        "module_id": module_id, "kind": kind, "detail": detail, "at": now,
    })
    db.session.execute(touch_enrolment, {"event_user_id": user_id, "event_course_id": version.course_id,
                                         "event_at": now})


def keep_pre_test_score(user_id: int, course_id: str, score: int) -> None:
    """Keep the first pre-test attempt's score on the enrolment, for the reports; the caller
    decides which attempt that is (lms.quizzes.attempts). A score already kept stays."""
    db.session.execute(
        sa.update(Enrolment)
        .where(Enrolment.user_id == user_id, Enrolment.course_id == course_id,
               Enrolment.pre_test_score.is_(None))
        .values(pre_test_score=score)
        .execution_options(synchronize_session=False)
    )


def record_part(user_id: int, version: CourseVersion, module_id: str, part: str) -> CourseCompletion | None:
    """Record that a part of a module is done; complete the module and course when due."""
    assert part in PARTS
    now = utcnow()
    # One officer's course is completed by one transaction at a time: the enrolment row is
    # locked first (on PostgreSQL; SQLite lets one writer at a time). Otherwise two modules
    # finished at the same moment each see only their own module done, under READ
    # COMMITTED, and the course is never completed.
    enrolment = db.session.scalar(
        sa.select(Enrolment)
        .where(Enrolment.user_id == user_id, Enrolment.course_id == version.course_id)
        .with_for_update()
    )
    # The module's row is made if missing, once even when two requests make it at the same
    # moment (a double click on "mark as read"; SQLite takes no row locks), then locked.
    db.session.execute(insert_if_absent(
        ModuleProgress, ["user_id", "course_id", "module_id"],
        user_id=user_id, course_id=version.course_id, module_id=module_id, course_version=version.version,
    ))
    progress = db.session.execute(
        sa.select(ModuleProgress).where(
            ModuleProgress.user_id == user_id,
            ModuleProgress.course_id == version.course_id,
            ModuleProgress.module_id == module_id,
        ).with_for_update()
    ).scalar_one()
    field = {"lesson": "lesson_read_at", "quiz": "quiz_passed_at", "scenario": "scenario_passed_at"}[part]
    if getattr(progress, field) is None:
        setattr(progress, field, now)
        log_event(user_id, version, module_id, f"{part}_done")
    if enrolment is not None:
        enrolment.last_module_id = module_id
        enrolment.last_activity_at = now
    module = version.module(module_id)
    if module is None or version.is_pre_test(module_id):
        return None
    if progress.completed_at is None and required_parts(module) <= done_parts(progress):
        progress.completed_at = now
        progress.course_version = version.version
        log_event(user_id, version, module_id, "module_completed")
    db.session.flush()
    return _complete_course_if_due(user_id, version, enrolment)


def _complete_course_if_due(user_id: int, version: CourseVersion, enrolment) -> CourseCompletion | None:
    module_ids = [m["id"] for m in version.content["modules"]]
    completed = set(db.session.scalars(
        sa.select(ModuleProgress.module_id).where(
            ModuleProgress.user_id == user_id,
            ModuleProgress.course_id == version.course_id,
            ModuleProgress.completed_at.is_not(None),
        )
    ))
    if not set(module_ids) <= completed:
        return None
    completed_versions = set(db.session.scalars(
        sa.select(CourseCompletion.course_version).where(
            CourseCompletion.user_id == user_id,
            CourseCompletion.course_id == version.course_id,
        )
    ))
    if version.version in completed_versions:
        return None
    completion = CourseCompletion(
        user_id=user_id, course_id=version.course_id, course_version=version.version,
        completed_at=utcnow(), final_score=final_score(user_id, version),
    )
    db.session.add(completion)
    if enrolment is not None:
        if enrolment.completed_at is None:
            enrolment.completed_at = completion.completed_at
        # The reports' final score: the completion of the latest version completed.
        if all(v < version.version for v in completed_versions):
            enrolment.final_score = completion.final_score
    log_event(user_id, version, None, "course_completed", final_score=completion.final_score)
    db.session.flush()
    course_completed.send(completion, version=version)
    return completion
