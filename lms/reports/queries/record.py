"""One officer's training record: enrolments, completions and a timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import CourseCompletion, Enrolment
from lms.org.models import User
from lms.quizzes.models import QuizAttempt
from lms.reports.queries.register import RegisterRow, register_row, register_select
from lms.timeutil import day_start


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # enrolled, quiz, pre_test, scenario, classroom, completed, certificate
    course_id: str | None
    detail: dict = field(default_factory=dict)


@dataclass
class TrainingRecord:
    courses: list[RegisterRow]
    entries: list[TimelineEntry]
    certificates_available: bool


def training_record(user: User, today: date) -> TrainingRecord:
    """Everything one officer did, as a timeline (a fixed number of queries).

    The caller decides whether the viewer may see this user (lms.org.scope.can_see_user).
    """
    from lms.scenarios.models import ClassroomSession, ScenarioRun

    courses = [register_row(r) for r in db.session.execute(
        register_select(today)
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.enrolled_at, Enrolment.course_id)
    )]
    entries = [TimelineEntry(c.enrolled_at, "enrolled", c.course_id, {"due_on": c.due_on})
               for c in courses]
    for a in db.session.scalars(
        sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id, QuizAttempt.submitted_at.is_not(None))
    ):
        assert a.submitted_at is not None  # the query reads submitted attempts only
        entries.append(TimelineEntry(a.submitted_at, "pre_test" if a.is_pre_test else "quiz", a.course_id, {
            "module_id": a.module_id, "number": a.number, "score": a.score, "passed": a.passed}))
    runs = list(db.session.scalars(sa.select(ScenarioRun).where(ScenarioRun.user_id == user.id)))
    for r in runs:
        if r.classroom_session_id is None:
            entries.append(TimelineEntry(r.finished_at or r.started_at, "scenario", r.course_id, {
                "module_id": r.module_id, "finished": r.finished_at is not None,
                "score": r.score, "passed": r.passed}))
    run_sessions = {r.classroom_session_id: r for r in runs if r.classroom_session_id is not None}
    # Attendance is a JSON list of ids: narrow with a text match on any database, then check exactly.
    sessions = db.session.scalars(sa.select(ClassroomSession).where(sa.or_(
        ClassroomSession.id.in_(list(run_sessions)) if run_sessions else sa.false(),
        sa.cast(ClassroomSession.attendees, sa.Text).contains(str(user.id)),
    )))
    for s in sessions:
        if s.id in run_sessions or user.id in (s.attendees or []):
            run = run_sessions.get(s.id)
            entries.append(TimelineEntry(day_start(s.held_on), "classroom", s.course_id, {
                "module_id": s.module_id, "place": s.place,
                "score": run.score if run else None, "passed": run.passed if run else None}))
    for c in db.session.scalars(sa.select(CourseCompletion).where(CourseCompletion.user_id == user.id)):
        entries.append(TimelineEntry(c.completed_at, "completed", c.course_id, {
            "version": c.course_version, "final_score": c.final_score}))
    certificates_available = False
    try:
        from lms.certificates.models import Certificate
    except ImportError:
        pass
    else:
        certificates_available = True
        for cert in db.session.scalars(sa.select(Certificate).where(Certificate.user_id == user.id)):
            entries.append(TimelineEntry(cert.issued_at, "certificate", cert.course_id, {
                "serial": cert.serial, "revoked_at": cert.revoked_at}))
    order = ["enrolled", "pre_test", "quiz", "scenario", "classroom", "completed", "certificate"]
    entries.sort(key=lambda e: (e.at, order.index(e.kind)))
    return TrainingRecord(courses, entries, certificates_available)
