"""Completion is decided here, and only here.

A module is complete when its lesson is read, its quiz passed and its scenario passed
(each only if the module has one); a course is complete when all its modules are.
Quizzes and scenarios report to `record_part` (with the event of the submit or the run's
end: `log_event(..., part_done=...)`); course completion sends one signal,
`course_completed`, that the certificate feature listens to.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from blinker import Namespace
from sqlalchemy.dialects import sqlite

from lms.catalog.content import ModuleData
from lms.catalog.models import CourseVersion
from lms.extensions import db, insert_or_lock
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


class PartTimes(Protocol):
    """When each part of a module was done: a ModuleProgress row, or its columns read alone."""

    @property
    def lesson_read_at(self) -> datetime | None: ...
    @property
    def quiz_passed_at(self) -> datetime | None: ...
    @property
    def scenario_passed_at(self) -> datetime | None: ...
    @property
    def completed_at(self) -> datetime | None: ...


def done_parts(progress: PartTimes | None) -> set[str]:
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
    through the session's unit of work; the activity is an UPDATE of the table, not of the
    model (the ORM's bulk-update steps cost about 0.2 ms of CPU, inside the write section)."""
    enrolments = Enrolment.metadata.tables[Enrolment.__tablename__]
    return (
        sa.insert(ProgressEvent.metadata.tables[ProgressEvent.__tablename__]),
        sa.update(enrolments)
        .where(enrolments.c.user_id == sa.bindparam("event_user_id"),
               enrolments.c.course_id == sa.bindparam("event_course_id"))
        .values(last_activity_at=sa.bindparam("event_at", type_=enrolments.c.last_activity_at.type)),
    )


def _insert_events(user_id: int, version: CourseVersion, events: list[tuple[str | None, str, dict]], at) -> None:
    """The events (module id, kind, detail), in this order, in one INSERT; the caller writes
    the enrolment's activity."""
    rows = [{"user_id": user_id, "course_id": version.course_id, "course_version": version.version,
             "module_id": module_id, "kind": kind, "detail": detail, "at": at} for module_id, kind, detail in events]
    db.session.execute(_event_statements()[0], rows if len(rows) > 1 else rows[0])


def log_event(user_id: int, version: CourseVersion, module_id: str | None, kind: str, *,
              part_done: str | None = None, **detail) -> CourseCompletion | None:
    """Record what the officer did. Every event is activity: the enrolment is in progress
    from its first event on (see lms.learning.status).

    part_done: the part of the module (one of PARTS) that what the officer did achieved (a
    quiz passed, a scenario passed); it is recorded with the event by record_part, which
    writes the enrolment's activity once for both. Returns the course's completion when this
    completed it."""
    if part_done is not None:
        assert module_id is not None
        return record_part(user_id, version, module_id, part_done, event=(kind, detail))
    now = utcnow()
    _insert_events(user_id, version, [(module_id, kind, detail)], now)
    # What the session holds unwritten goes first, as before an UPDATE of the model (an
    # enrolment made in this transaction must be in the table to be updated).
    db.session.flush()
    db.session.execute(_event_statements()[1], {"event_user_id": user_id, "event_course_id": version.course_id,
                                                "event_at": now})
    return None


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


@functools.cache
def _part_statements(dialect: str) -> tuple[sa.Executable, sa.Executable]:
    """Built once (per kind of database), with their SQLAlchemy cache keys: every part done
    sends them. The enrolment's UPDATE and the module's INSERT return their row, loaded as
    the ORM object (the session's own, refreshed), each taking the row for the rest of the
    transaction: one statement each, where a SELECT ... FOR UPDATE and a write were two."""
    enrolments = Enrolment.metadata.tables[Enrolment.__tablename__]
    progress = ModuleProgress.metadata.tables[ModuleProgress.__tablename__]
    update_enrolment = (
        sa.update(enrolments)
        .where(enrolments.c.user_id == sa.bindparam("part_user_id"),
               enrolments.c.course_id == sa.bindparam("part_course_id"))
        .values(last_module_id=sa.bindparam("part_module_id"),
                last_activity_at=sa.bindparam("part_at", type_=enrolments.c.last_activity_at.type))
        .returning(*enrolments.c)
    )
    insert_progress = (
        insert_or_lock(progress, ["user_id", "course_id", "module_id"], "course_version", dialect)
        .values(user_id=sa.bindparam("part_user_id"), course_id=sa.bindparam("part_course_id"),
                module_id=sa.bindparam("part_module_id"), course_version=sa.bindparam("part_version"))
        .returning(*progress.c)
    )
    upsert: sa.Insert | sa.TextualSelect = insert_progress
    if dialect == "sqlite":
        # SQLAlchemy compiles an INSERT ... ON CONFLICT again on every execution (its dialects'
        # Insert has no cache key): on SQLite inside the write section, where no other worker
        # can write. Compiled once here instead, as text of the same SQL, parameters and columns.
        sql = str(insert_progress.compile(dialect=sqlite.dialect(paramstyle="named")))
        upsert = sa.text(sql).columns(*progress.c)
    return (
        sa.select(Enrolment).from_statement(update_enrolment).execution_options(populate_existing=True),
        sa.select(ModuleProgress).from_statement(upsert).execution_options(populate_existing=True),
    )


def record_part(user_id: int, version: CourseVersion, module_id: str, part: str,
                event: tuple[str, dict] | None = None) -> CourseCompletion | None:
    """Record that a part of a module is done; complete the module and course when due.
    event: the officer's event that achieved it (kind, detail; see log_event), recorded first."""
    assert part in PARTS
    now = utcnow()
    update_enrolment, insert_progress = _part_statements(db.session.get_bind().dialect.name)
    # One officer's course is completed by one transaction at a time: the enrolment row is
    # taken first (a row lock on PostgreSQL; SQLite lets one writer at a time) by the UPDATE
    # that writes where the officer is. Otherwise two modules finished at the same moment
    # each see only their own module done, under READ COMMITTED, and the course is never
    # completed. The row returned is the one locked, as committed by whoever held it before.
    enrolment = db.session.scalars(update_enrolment, {
        "part_user_id": user_id, "part_course_id": version.course_id, "part_module_id": module_id, "part_at": now,
    }).one_or_none()
    # The module's row is made if missing, once even when two requests make it at the same
    # moment (a double click on "mark as read"; SQLite takes no row locks), and locked.
    progress = db.session.scalars(insert_progress, {
        "part_user_id": user_id, "part_course_id": version.course_id, "part_module_id": module_id,
        "part_version": version.version,
    }).one()
    events: list[tuple[str | None, str, dict]] = [(module_id, *event)] if event else []
    field = {"lesson": "lesson_read_at", "quiz": "quiz_passed_at", "scenario": "scenario_passed_at"}[part]
    if getattr(progress, field) is None:
        setattr(progress, field, now)
        events.append((module_id, f"{part}_done", {}))
    module = None if version.is_pre_test(module_id) else version.module(module_id)  # the pre-test completes nothing
    if module is not None and progress.completed_at is None and required_parts(module) <= done_parts(progress):
        progress.completed_at = now
        progress.course_version = version.version
        events.append((module_id, "module_completed", {}))
    # A course is completed when its last module is: none to look for while this one is not.
    due = module is not None and progress.completed_at is not None
    completion = _complete_course_if_due(user_id, version, enrolment, events, now) if due else None
    if events:
        _insert_events(user_id, version, events, now)
    db.session.flush()
    if completion is not None:
        course_completed.send(completion, version=version)
    return completion


@functools.cache
def _completion_statements() -> tuple[sa.Select, sa.Select]:
    """Built once, with their SQLAlchemy cache keys: every module completed reads the first,
    inside the write section (building a statement costs more than running it)."""
    user_id = sa.bindparam("completed_user_id", type_=sa.Integer)
    course_id = sa.bindparam("completed_course_id", type_=sa.String)
    return (
        sa.select(ModuleProgress.module_id).where(
            ModuleProgress.user_id == user_id, ModuleProgress.course_id == course_id,
            ModuleProgress.completed_at.is_not(None)),
        sa.select(CourseCompletion.course_version).where(
            CourseCompletion.user_id == user_id, CourseCompletion.course_id == course_id),
    )


def _complete_course_if_due(user_id: int, version: CourseVersion, enrolment,
                            events: list[tuple[str | None, str, dict]], now) -> CourseCompletion | None:
    """The course's completion, added to the session when every module is complete and this
    version was not completed before; its event is added to `events`. Completed `now`, the
    moment the part that completed it was recorded (its events and the enrolment's activity)."""
    module_ids = [m["id"] for m in version.content["modules"]]
    completed_modules, completed_versions_of = _completion_statements()
    params = {"completed_user_id": user_id, "completed_course_id": version.course_id}
    completed = set(db.session.scalars(completed_modules, params))
    if not set(module_ids) <= completed:
        return None
    completed_versions = set(db.session.scalars(completed_versions_of, params))
    if version.version in completed_versions:
        return None
    completion = CourseCompletion(
        user_id=user_id, course_id=version.course_id, course_version=version.version,
        completed_at=now, final_score=final_score(user_id, version),
    )
    db.session.add(completion)
    if enrolment is not None:
        if enrolment.completed_at is None:
            enrolment.completed_at = completion.completed_at
        # The reports' final score: the completion of the latest version completed.
        if all(v < version.version for v in completed_versions):
            enrolment.final_score = completion.final_score
    events.append((None, "course_completed", {"final_score": completion.final_score}))
    return completion
