"""Classroom role-play sessions: who took part, what the trainer observed, and the outcome.

A session may be scheduled in advance (date, place, the officers invited, from whom the
attendance sheet is printed) and is recorded by a trainer (or an admin) after the role-play
was played from the printed script. A recorded session's date, place and attendance can be
corrected later; each correction is in the audit log with what it was before. Each officer who played the officer's role gets a ScenarioRun
linked to the session; a passed one completes the scenario part of the module exactly as
an online run does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from lms.catalog.content import ModuleData, scenario_of
from lms.catalog.models import CourseVersion
from lms.extensions import db
from lms.learning import completion
from lms.learning import progress as learning
from lms.org.models import Cohort, Role, User, audit, cohort_members
from lms.org.scope import cohort_scope_clause, person_matches, user_scope_clause
from lms.scenarios.models import ClassroomSession, ScenarioRun
from lms.scenarios.spec import ENDINGS
from lms.timeutil import utcnow

PAGE_SIZE = 50
OFFICER_LIST_LIMIT = 300


class ClassroomError(ValueError):
    """The record does not fit the scenario or the people who attended."""


@dataclass(frozen=True)
class Outcome:
    """What the trainer saw of one officer who played the officer's role."""

    user_id: int
    observed: list[str]
    ending: str
    passed: bool


def cohorts_for(viewer: User) -> list[Cohort]:
    """The cohorts the viewer sees (lms.org.scope.cohort_scope_clause)."""
    stmt = sa.select(Cohort).where(cohort_scope_clause(viewer)).order_by(Cohort.name)
    return list(db.session.scalars(stmt))


def _officers(viewer: User):
    return sa.select(User).where(
        user_scope_clause(viewer), User.role == Role.OFFICER, User.is_active_account.is_(True)
    )


def officers_to_choose(viewer: User, q: str = "") -> list[User]:
    """Officers in the viewer's scope, optionally searched by name or personnel number."""
    stmt = _officers(viewer)
    if q:
        stmt = stmt.where(person_matches(q))
    return list(db.session.scalars(stmt.order_by(User.name_latin).limit(OFFICER_LIST_LIMIT)))


def roster(viewer: User, cohort_id: int | None, officer_ids: list[int]) -> tuple[Cohort | None, list[User]]:
    """The cohort (if the viewer may use it) and the officers of the session, all in scope."""
    cohort = None
    if cohort_id:
        cohort = next((c for c in cohorts_for(viewer) if c.id == cohort_id), None)
    wanted: sa.ColumnElement[bool] = sa.false()
    if officer_ids:
        wanted = User.id.in_(officer_ids)
    if cohort is not None:
        members = sa.select(cohort_members.c.user_id).where(cohort_members.c.cohort_id == cohort.id)
        wanted = sa.or_(wanted, User.id.in_(members))
    # Whatever the request asks for, only officers in the viewer's scope.
    people = list(db.session.scalars(_officers(viewer).where(wanted).order_by(User.name_latin, User.id)))
    return cohort, people


def schedule_session(trainer: User, version: CourseVersion, module: ModuleData, held_on: date, place: str,
                     cohort: Cohort | None, invited: list[User]) -> ClassroomSession:
    """A session planned for a date, with the officers on its attendance sheet; the caller commits."""
    if not invited:
        raise ClassroomError("no officer invited")
    session = ClassroomSession(
        trainer_id=trainer.id, course_id=version.course_id, course_version=version.version,
        module_id=module["id"], held_on=held_on, place=place.strip(),
        cohort_id=cohort.id if cohort else None, attendees=[], invited=sorted({u.id for u in invited}),
        recorded_at=None,
    )
    db.session.add(session)
    db.session.flush()
    audit(trainer, "classroom.scheduled", f"classroom:{session.id}", invited=len(session.invited),
          held_on=held_on.isoformat())
    return session


def invited_officers(viewer: User, session: ClassroomSession) -> list[User]:
    """The officers on a session's sheet who are still in the viewer's scope, by name."""
    ids = sorted({*session.invited, *session.attendees})
    if not ids:
        return []
    return list(db.session.scalars(
        sa.select(User).where(User.id.in_(ids), user_scope_clause(viewer)).order_by(User.name_latin, User.id)
    ))


def correct_session(actor: User, session: ClassroomSession, held_on: date, place: str,
                    present: list[User], reason: str) -> None:
    """Correct a recorded session's date, place and attendance (audited with the values before).

    Role-play results recorded for officers stay as they are: they are records of training.
    """
    if session.is_scheduled:
        raise ClassroomError("only a recorded session can be corrected")
    played = set(db.session.scalars(
        sa.select(ScenarioRun.user_id).where(ScenarioRun.classroom_session_id == session.id)
    ))
    now_present = sorted({u.id for u in present})
    if not played <= set(now_present):
        raise ClassroomError("an officer who played must stay present")
    if not now_present:
        raise ClassroomError("no officer attended")
    before = {"held_on": session.held_on.isoformat(), "place": session.place, "attendees": list(session.attendees)}
    after = {"held_on": held_on.isoformat(), "place": place.strip(), "attendees": now_present}
    if before == after:
        return
    session.held_on, session.place, session.attendees = held_on, place.strip(), now_present
    audit(actor, "classroom.corrected", f"classroom:{session.id}", reason=reason.strip(),
          before=before, after=after)


def record_session(
    trainer: User,
    version: CourseVersion,
    module: ModuleData,
    held_on: date,
    place: str,
    cohort: Cohort | None,
    attendees: list[User],
    outcomes: list[Outcome],
    scheduled: ClassroomSession | None = None,
    invited: list[User] | None = None,
) -> ClassroomSession:
    """Record the session (a new one, or one scheduled before) and one run per officer who
    played; the caller commits."""
    scenario = scenario_of(module)
    present = {u.id: u for u in attendees}
    checklist = {item["id"] for item in scenario["observer_checklist"]}
    if not present:
        raise ClassroomError("no officer attended")
    for outcome in outcomes:
        if outcome.user_id not in present:
            raise ClassroomError("an officer who played must have attended")
        if outcome.ending not in ENDINGS or not set(outcome.observed) <= checklist:
            raise ClassroomError("outcome does not fit the scenario")
    if len({o.user_id for o in outcomes}) != len(outcomes):
        raise ClassroomError("one outcome per officer")
    now = utcnow()
    if scheduled is not None:
        if not scheduled.is_scheduled:
            raise ClassroomError("the session is already recorded")
        session = scheduled
        session.held_on, session.place, session.attendees = held_on, place.strip(), sorted(present)
        session.recorded_at = now
    else:
        session = ClassroomSession(
            trainer_id=trainer.id, course_id=version.course_id, course_version=version.version,
            module_id=module["id"], held_on=held_on, place=place.strip(),
            cohort_id=cohort.id if cohort else None, attendees=sorted(present),
            invited=sorted({*present, *(u.id for u in invited or [])}),
            recorded_at=now,
        )
        db.session.add(session)
    db.session.flush()
    for outcome in outcomes:
        learning.enrol(present[outcome.user_id], version.course_id)
        run = ScenarioRun(
            user_id=outcome.user_id, course_id=version.course_id, course_version=version.version,
            module_id=module["id"], scenario_id=scenario["id"], choices=[],
            started_at=now, finished_at=now, ending=outcome.ending, passed=outcome.passed,
            classroom_session_id=session.id,
            observed_skills=[i["id"] for i in scenario["observer_checklist"] if i["id"] in outcome.observed],
        )
        db.session.add(run)
        db.session.flush()
        completion.log_event(outcome.user_id, version, module["id"], "scenario_classroom",
                             part_done="scenario" if outcome.passed else None,
                             run=run.id, session=session.id, passed=outcome.passed)
    audit(trainer, "classroom.recorded", f"classroom:{session.id}",
          attendees=len(present), played=len(outcomes))
    db.session.flush()
    return session


@dataclass
class SessionRow:
    session: ClassroomSession
    version: CourseVersion | None
    played: int
    passed: int


def sessions_for(viewer: User, course_id: str | None = None, module_id: str | None = None,
                 page: int = 1) -> tuple[list[SessionRow], bool]:
    """A page of the sessions the viewer may see (a trainer: their own), newest first."""
    stmt = sa.select(ClassroomSession)
    if viewer.role != Role.ADMIN:
        stmt = stmt.where(ClassroomSession.trainer_id == viewer.id)
    if course_id is not None:
        stmt = stmt.where(ClassroomSession.course_id == course_id)
    if module_id is not None:
        stmt = stmt.where(ClassroomSession.module_id == module_id)
    sessions = list(db.session.scalars(
        stmt.order_by(ClassroomSession.held_on.desc(), ClassroomSession.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ))
    has_next = len(sessions) > PAGE_SIZE
    sessions = sessions[:PAGE_SIZE]
    if not sessions:
        return [], False
    counts = {
        sid: (played, passed or 0) for sid, played, passed in db.session.execute(
            sa.select(ScenarioRun.classroom_session_id, sa.func.count(),
                      sa.func.sum(sa.case((ScenarioRun.passed.is_(True), 1), else_=0)))
            .where(ScenarioRun.classroom_session_id.in_([s.id for s in sessions]))
            .group_by(ScenarioRun.classroom_session_id)
        )
    }
    keys = {(s.course_id, s.course_version) for s in sessions}
    versions = {
        (v.course_id, v.version): v for v in db.session.scalars(
            sa.select(CourseVersion).where(sa.or_(*(
                sa.and_(CourseVersion.course_id == c, CourseVersion.version == n) for c, n in keys
            )))
        )
    }
    return [
        SessionRow(s, versions.get((s.course_id, s.course_version)), *counts.get(s.id, (0, 0)))
        for s in sessions
    ], has_next


def visible_session(viewer: User, session_id: int) -> ClassroomSession | None:
    """The session if the viewer may see it: its trainer, or an admin."""
    session = db.session.get(ClassroomSession, session_id)
    if session is None or (viewer.role != Role.ADMIN and session.trainer_id != viewer.id):
        return None
    return session


@dataclass
class SessionDetail:
    attendees: list[User]
    runs: list[tuple[ScenarioRun, User]]
    cohort: Cohort | None
    trainer: User | None


def session_detail(session: ClassroomSession) -> SessionDetail:
    people = {
        u.id: u for u in db.session.scalars(
            sa.select(User).where(User.id.in_([*session.attendees, session.trainer_id]))
        )
    }
    runs = list(db.session.scalars(
        sa.select(ScenarioRun).where(ScenarioRun.classroom_session_id == session.id)
    ))
    attendees = sorted((people[i] for i in session.attendees if i in people),
                       key=lambda u: (u.name_latin, u.id))
    by_name = sorted(((r, people[r.user_id]) for r in runs if r.user_id in people),
                     key=lambda pair: (pair[1].name_latin, pair[1].id))
    cohort = db.session.get(Cohort, session.cohort_id) if session.cohort_id else None
    return SessionDetail(attendees, by_name, cohort, people.get(session.trainer_id))
