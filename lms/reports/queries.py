"""Report numbers, counted in SQL within the viewer's scope.

Every query here filters people through `lms.org.scope` and aggregates in the database
(GROUP BY, COUNT, CASE), so a page costs the same few queries whatever the number of
officers. Nothing here reads the request: callers pass the viewer, filters and today's date.

Definitions used everywhere (pages, exports and the command line):
- the people reported on are accounts with the officer role;
- an enrolment's status is exactly one of: complete, overdue, in progress, not started,
  as defined in lms.learning.status (the same rule as the officer's own pages);
- an officer's final score is that of their completion of the latest course version;
  their pre-test score is that of their first pre-test attempt, once submitted;
- knowledge gain is the average final score minus the average pre-test score, over the
  officers who have both.
"""

from __future__ import annotations

import json
import operator
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager

from lms.catalog.models import Course, CourseContent, CourseVersion
from lms.extensions import db
from lms.learning.completion import done_parts
from lms.learning.models import CourseCompletion, Enrolment, ModuleProgress
from lms.learning.progress import started_modules
from lms.learning.status import (
    COMPLETE,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    STATUSES,  # noqa: F401  (re-exported: views and exports list the statuses from here)
    module_state,
    status_condition,
    status_expr,
)
from lms.org.models import Cohort, Country, Gender, Institution, Role, User, cohort_members
from lms.org.scope import (
    cohort_scope_clause,
    institution_scope_clause,
    person_matches,
    user_scope_clause,
)
from lms.quizzes import grading
from lms.quizzes.models import AttemptAnswer, AttemptText, QuizAttempt
from lms.timeutil import day_start

# Statuses are defined once, in lms.learning.status, for the officer's pages and reports alike.

# Question analysis: the upper and lower groups are this share of attempts, by score.
DISCRIMINATION_SHARE = 27
FLAG_HARD_BELOW = 0.20
# Below this many answers to a question, nothing is said about its difficulty.
MIN_ANSWERS_FOR_FLAG = 10
FLAG_EASY_ABOVE = 0.95


# Building blocks --------------------------------------------------------------------------

def officers_in_scope(viewer: User) -> sa.ColumnElement[bool]:
    """Condition on User: officers the viewer may see (scope decided in lms.org.scope)."""
    return sa.and_(User.role == Role.OFFICER, user_scope_clause(viewer))


def user_of(user_id: sa.SQLColumnExpression[int]) -> sa.ColumnElement[bool]:
    """Join condition from a large table to its officer's account, for the big aggregates.

    "+ 0" makes the join usable only from the enrolment (or completion) side, so SQLite
    walks those rows in user order and checks the scope on each officer's row, instead of
    starting at the officers of each institution, whose scattered ids make every later
    lookup a cache miss (about twice as slow at 100,000 officers). PostgreSQL plans the
    same hash join either way.
    """
    return User.id == user_id + 0


@dataclass(frozen=True)
class ScoreJoins:
    """Outer joins giving each enrolment its final and pre-test score as plain columns.

    Joins rather than correlated subqueries: a column can be summed and tested many times
    in one aggregate query at no extra cost, on SQLite and PostgreSQL alike.
    """

    final: sa.SQLColumnExpression[int | None]
    pre: sa.SQLColumnExpression[int | None]
    completion: type[CourseCompletion]
    completion_on: sa.ColumnElement[bool]
    attempt: type[QuizAttempt]
    attempt_on: sa.ColumnElement[bool]

    def apply(self, stmt: sa.Select, completed_only: bool = False) -> sa.Select:
        """Join the scores; with completed_only, look up the pre-test only for completed
        enrolments (all a knowledge gain needs), so the other rows cost no lookup."""
        attempt_on = sa.and_(Enrolment.completed_at.is_not(None), self.attempt_on) if completed_only else self.attempt_on
        return stmt.outerjoin(self.completion, self.completion_on).outerjoin(self.attempt, attempt_on)


def score_joins() -> ScoreJoins:
    done = aliased(CourseCompletion, name="final_completion")
    later = aliased(CourseCompletion, name="later_completion")
    pre = aliased(QuizAttempt, name="pre_test_attempt")
    # A completed enrolment's completion of the latest version: no completion of a later version exists.
    completion_on = sa.and_(
        Enrolment.completed_at.is_not(None),
        done.user_id == Enrolment.user_id, done.course_id == Enrolment.course_id,
        ~sa.exists().where(later.user_id == done.user_id, later.course_id == done.course_id,
                           later.course_version > done.course_version),
    )
    # The first pre-test attempt, once submitted. Attempts are numbered from 1 and a new one
    # starts only after the open one is submitted, so number 1 is the first submitted one.
    attempt_on = sa.and_(
        pre.user_id == Enrolment.user_id, pre.course_id == Enrolment.course_id,
        pre.is_pre_test == sa.true(), pre.number == 1, pre.submitted_at.is_not(None),
    )
    return ScoreJoins(done.final_score, pre.score, done, completion_on, pre, attempt_on)


def _count_if(condition) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def course_titles() -> dict[str, tuple[dict, str]]:
    """Every course's current title map and source language, without loading content."""
    rows = db.session.execute(
        sa.select(CourseVersion.course_id, CourseContent.content["title"],
                  CourseContent.content["source_language"])
        .join(CourseContent, CourseContent.course_version_id == CourseVersion.id)
        .join(Course, sa.and_(Course.id == CourseVersion.course_id,
                              Course.current_version == CourseVersion.version))
        .order_by(Course.id)
    ).all()
    return {course_id: (title or {}, source or "en") for course_id, title, source in rows}


def institutions_in_scope(viewer: User) -> list[Institution]:
    """Institutions the viewer may filter by, with their country (one query)."""
    return list(db.session.scalars(
        sa.select(Institution)
        .join(Country, Country.id == Institution.country_id)
        .where(institution_scope_clause(viewer))
        .options(contains_eager(Institution.country))
        .order_by(Country.code, Institution.id)
    ))


# Dashboard -------------------------------------------------------------------------------

@dataclass
class Tally:
    """Counts and score sums for a group of enrolments (sums, so that groups add up)."""

    enrolled: int = 0
    completed: int = 0
    in_progress: int = 0
    overdue: int = 0
    not_started: int = 0
    score_sum: int = 0
    score_count: int = 0
    gain_final_sum: int = 0
    gain_pre_sum: int = 0
    gain_count: int = 0
    pre_test_skipped: int = 0  # officers who chose to skip the pre-test

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.enrolled if self.enrolled else None

    @property
    def average_final_score(self) -> float | None:
        return self.score_sum / self.score_count if self.score_count else None

    @property
    def average_pre_test_score(self) -> float | None:
        """Average pre-test score of the officers who also have a final score."""
        return self.gain_pre_sum / self.gain_count if self.gain_count else None

    @property
    def knowledge_gain(self) -> float | None:
        if not self.gain_count:
            return None
        return (self.gain_final_sum - self.gain_pre_sum) / self.gain_count


@dataclass
class Dashboard:
    course_id: str
    total: Tally
    by_institution: list[tuple[int, Tally]]
    by_service: list[tuple[str, Tally]]
    by_position: list[tuple[str, Tally]]
    by_gender: list[tuple[str, Tally]]
    months: list[tuple[date, int]]


def _month_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def dashboard(viewer: User, course_id: str, today: date, months: int = 12) -> Dashboard:
    """Counts of one course in the viewer's scope, in one grouped query.

    One pass over the enrolments in scope gives the statuses, the scores (looked up for
    completed enrolments only) and the month of each recent completion; the groups (a few
    thousand at most, whatever the number of officers) are then added up per breakdown.
    """
    status = status_expr(today)
    scores = score_joins()
    final, pre = scores.final, scores.pre
    both = sa.and_(final.is_not(None), pre.is_not(None))
    # Month of a recent completion as its index in the series (0 = oldest), by comparing
    # with the moments the deployment's months start (bound as UTC): the same on every
    # database, whatever its session time zone.
    starts = [_month_back(today, months - 1 - i) for i in range(months)]
    done = Enrolment.completed_at
    month = sa.case(*((done >= day_start(starts[i]), i) for i in reversed(range(months))), else_=None)
    keys = (User.institution_id, User.gender, User.service, User.position, month)
    rows = db.session.execute(
        scores.apply(
            sa.select(
                *keys,
                sa.func.count(),
                _count_if(status == COMPLETE),
                _count_if(status == IN_PROGRESS),
                _count_if(status == OVERDUE),
                _count_if(status == NOT_STARTED),
                sa.func.coalesce(sa.func.sum(final), 0),
                sa.func.count(final),
                sa.func.coalesce(sa.func.sum(sa.case((both, final))), 0),
                sa.func.coalesce(sa.func.sum(sa.case((both, pre))), 0),
                _count_if(both),
                _count_if(Enrolment.pre_test_skipped_at.is_not(None)),
            )
            .select_from(Enrolment)
            .join(User, user_of(Enrolment.user_id)),
            completed_only=True,
        )
        .where(Enrolment.course_id == course_id, officers_in_scope(viewer))
        .group_by(*keys)
    ).all()
    # Fold the month buckets away, then add the groups up per breakdown (a few hundred).
    counted = [0] * months
    merged: dict[tuple, list] = {}
    for inst_id, gender, service, position, month_key, *numbers in rows:
        key = (inst_id, str(gender), str(service), position or "")
        acc = merged.get(key)
        merged[key] = numbers if acc is None else list(map(operator.add, acc, numbers))
        if month_key is not None:
            counted[int(month_key)] += int(numbers[1])
    sums: dict[str, dict] = {name: {} for name in ("total", "inst", "service", "position", "gender")}
    for (inst_id, gender, service, position), numbers in merged.items():
        by_name: dict[str, object] = {"total": None, "inst": inst_id, "service": service,
                                      "position": position, "gender": gender}
        for name, group in by_name.items():
            acc = sums[name].get(group)
            sums[name][group] = numbers if acc is None else list(map(operator.add, acc, numbers))
    groups = {name: {key: Tally(*(int(n) for n in acc)) for key, acc in found.items()}
              for name, found in sums.items()}
    total = groups["total"].get(None, Tally())
    series = list(zip(starts, counted, strict=True))

    def ordered(group: dict, keys=None) -> list:
        return [(k, group[k]) for k in (keys if keys is not None else sorted(group))]

    return Dashboard(
        course_id=course_id,
        total=total,
        by_institution=ordered(groups["inst"]),
        by_service=ordered(groups["service"]),
        by_position=ordered(groups["position"]),
        by_gender=ordered(groups["gender"], [g.value for g in Gender if g.value in groups["gender"]]),
        months=series,
    )


# Completion register ---------------------------------------------------------------------

@dataclass
class RegisterFilter:
    course_id: str | None = None
    institution_id: int | None = None
    status: str | None = None
    gender: str | None = None
    completed_from: date | None = None  # completion date range, inclusive
    completed_to: date | None = None
    q: str = ""


@dataclass
class RegisterRow:
    user_id: int
    name_native: str
    name_latin: str
    personnel_number: str
    gender: str
    service: str
    position: str
    institution_id: int
    institution_names: dict
    country_code: str
    course_id: str
    enrolled_at: datetime
    due_on: date | None
    completed_at: datetime | None
    status: str
    final_score: int | None
    pre_test_score: int | None


def _register_where(viewer: User, flt: RegisterFilter, today: date) -> list:
    where = [officers_in_scope(viewer)]
    if flt.course_id:
        where.append(Enrolment.course_id == flt.course_id)
    if flt.institution_id:
        where.append(User.institution_id == flt.institution_id)
    if flt.status:
        where.append(status_condition(flt.status, today))
    if flt.gender:
        where.append(User.gender == Gender(flt.gender))
    if flt.completed_from:
        where.append(Enrolment.completed_at >= day_start(flt.completed_from))
    if flt.completed_to:
        where.append(Enrolment.completed_at < day_start(flt.completed_to + timedelta(days=1)))
    if flt.q:
        where.append(person_matches(flt.q))
    return where


def _register_select(today: date) -> sa.Select:
    """The register's columns, from enrolments joined to officers, places and scores."""
    scores = score_joins()
    return scores.apply(
        sa.select(
            User.id, User.name_native, User.name_latin, User.personnel_number, User.gender,
            User.service, User.position, User.institution_id, Institution.names, Country.code,
            Enrolment.course_id, Enrolment.enrolled_at, Enrolment.due_on, Enrolment.completed_at,
            status_expr(today), scores.final, scores.pre,
        )
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .join(Institution, Institution.id == User.institution_id)
        .join(Country, Country.id == Institution.country_id)
    )


def _row(values) -> RegisterRow:
    values = list(values)
    values[4], values[5] = str(values[4]), str(values[5])
    return RegisterRow(*values)


def register_count(viewer: User, flt: RegisterFilter, today: date) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(*_register_where(viewer, flt, today))
    ) or 0


def register_page(
    viewer: User, flt: RegisterFilter, today: date, page: int, size: int
) -> tuple[list[RegisterRow], bool]:
    """One page of the register (and whether another follows), in one query.

    The page's enrolments are picked first (LIMIT/OFFSET on the filtered, ordered set);
    scores and names are then read for those rows only.
    """
    order = (User.name_latin, User.id, Enrolment.course_id)
    picked = (
        sa.select(Enrolment.id.label("eid"), *(c.label(f"k{i}") for i, c in enumerate(order)))
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(*_register_where(viewer, flt, today))
        .order_by(*order)
        .limit(size + 1)
        .offset((page - 1) * size)
        .subquery()
    )
    rows = db.session.execute(
        _register_select(today)
        .join(picked, picked.c.eid == Enrolment.id)
        .order_by(picked.c.k0, picked.c.k1, picked.c.k2)
    ).all()
    return [_row(r) for r in rows[:size]], len(rows) > size


def register_rows(viewer: User, flt: RegisterFilter, today: date) -> Iterator[RegisterRow]:
    """Every row of the register, streamed in the page order (for exports)."""
    result = db.session.execute(
        _register_select(today)
        .where(*_register_where(viewer, flt, today))
        .order_by(User.name_latin, User.id, Enrolment.course_id)
        .execution_options(yield_per=1000)
    )
    for r in result:
        yield _row(r)


# Donor summary ---------------------------------------------------------------------------

@dataclass
class SummaryLine:
    trained: int  # distinct officers who completed
    women: int
    completions: int

    @property
    def men(self) -> int:
        return self.trained - self.women


@dataclass
class Summary:
    start: date
    end: date
    countries: dict[int, Country]
    by_country_course: list[tuple[int, str, SummaryLine]]
    by_country: list[tuple[int, SummaryLine]]
    total: SummaryLine


def donor_summary(viewer: User, start: date, end: date) -> Summary:
    """Officers trained (courses completed) from start to end inclusive, per country and course.

    Two grouped queries, split by gender so that a distinct count gives both the officers
    and the women; the overall total adds up the countries (an officer is in one country).
    """
    # Completions of the officers in scope (ids from a subquery: SQLite then reads each
    # officer's completions from the user-first index rather than every completion of the
    # period by date), with the officer's gender and country from a second look at users.
    officer = aliased(User, name="officer")
    in_scope = sa.select(User.id).where(officers_in_scope(viewer)).correlate(None)

    def query(*keys):
        return (
            sa.select(*keys, officer.gender, sa.func.count(sa.distinct(officer.id)),
                      sa.func.count(CourseCompletion.id))
            .select_from(CourseCompletion)
            .join(officer, officer.id == CourseCompletion.user_id + 0)
            .join(Institution, Institution.id == officer.institution_id)
            .where(CourseCompletion.user_id.in_(in_scope),
                   CourseCompletion.completed_at >= day_start(start),
                   CourseCompletion.completed_at < day_start(end + timedelta(days=1)))
            .group_by(*keys, officer.gender)
        )

    def lines(rows, width: int) -> dict[tuple, SummaryLine]:
        out: dict[tuple, SummaryLine] = {}
        for row in rows:
            key, gender, people, completions = tuple(row[:width]), row[width], int(row[-2]), int(row[-1])
            line = out.setdefault(key, SummaryLine(0, 0, 0))
            line.trained += people
            line.women += people if gender == Gender.FEMALE else 0
            line.completions += completions
        return out

    by_course = lines(db.session.execute(query(Institution.country_id, CourseCompletion.course_id)), 2)
    by_country = lines(db.session.execute(query(Institution.country_id)), 1)
    total = SummaryLine(0, 0, 0)
    for line in by_country.values():
        total.trained += line.trained
        total.women += line.women
        total.completions += line.completions
    ids = {key[0] for key in by_country}
    countries = {c.id: c for c in db.session.scalars(sa.select(Country).where(Country.id.in_(ids)))} if ids else {}
    return Summary(
        start, end, countries,
        sorted(((c, course, line) for (c, course), line in by_course.items()),
               key=lambda item: (countries[item[0]].code, item[1])),
        sorted(((c, line) for (c,), line in by_country.items()), key=lambda item: countries[item[0]].code),
        total,
    )


# Training record -------------------------------------------------------------------------

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

    courses = [_row(r) for r in db.session.execute(
        _register_select(today)
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


# Trainers: progress per officer and module -----------------------------------------------

def cohorts_in_scope(viewer: User) -> list[Cohort]:
    """Cohorts a viewer may pick (lms.org.scope.cohort_scope_clause)."""
    stmt = sa.select(Cohort).where(cohort_scope_clause(viewer))
    return list(db.session.scalars(stmt.order_by(Cohort.name, Cohort.id)))


@dataclass
class ProgressRow:
    user_id: int
    name_native: str
    name_latin: str
    personnel_number: str
    status: str | None  # None: not enrolled
    final_score: int | None
    pre_test_score: int | None
    modules: dict[str, str]  # module id -> complete / in_progress (absent: not started)
    held_version: int | None = None  # finishing an earlier version (the course says `finish`)


def progress_page(
    viewer: User, course_id: str, today: date, cohort_id: int | None,
    institution_id: int | None, page: int, size: int,
) -> tuple[list[ProgressRow], bool]:
    """Officers of a cohort or institution (within scope) and their state in each module."""
    where = [officers_in_scope(viewer)]
    if cohort_id:
        where.append(User.id.in_(
            sa.select(cohort_members.c.user_id).where(cohort_members.c.cohort_id == cohort_id)))
    if institution_id:
        where.append(User.institution_id == institution_id)
    scores = score_joins()
    rows = db.session.execute(
        scores.apply(
            sa.select(User.id, User.name_native, User.name_latin, User.personnel_number,
                      sa.case((Enrolment.id.is_(None), None), else_=status_expr(today)),
                      scores.final, scores.pre,
                      sa.case((Enrolment.completed_at.is_(None), Enrolment.held_version), else_=None))
            .select_from(User)
            .outerjoin(Enrolment, sa.and_(Enrolment.user_id == User.id, Enrolment.course_id == course_id))
        )
        .where(*where)
        .order_by(User.name_latin, User.id)
        .limit(size + 1)
        .offset((page - 1) * size)
    ).all()
    has_next = len(rows) > size
    rows = rows[:size]
    ids = [r[0] for r in rows]
    states: dict[int, dict[str, str]] = defaultdict(dict)
    if ids:
        rows_by_key = {(p.user_id, p.module_id): p for p in db.session.scalars(
            sa.select(ModuleProgress).where(ModuleProgress.user_id.in_(ids),
                                            ModuleProgress.course_id == course_id))}
        started = started_modules(ids, course_id)
        for user_id, module_id in {*rows_by_key, *((u, m) for u, ms in started.items() for m in ms)}:
            # The same rule as the officer's own course page (lms.learning.status).
            row = rows_by_key.get((user_id, module_id))
            state = module_state(row is not None and row.completed_at is not None,
                                 module_id in started.get(user_id, ()) or bool(done_parts(row)))
            if state != NOT_STARTED:
                states[user_id][module_id] = state
    return [ProgressRow(user_id, native, latin, number, status, final, pre, modules=states.get(user_id, {}),
                        held_version=held)
            for user_id, native, latin, number, status, final, pre, held in rows], has_next


# Trainers: question analysis -------------------------------------------------------------

@dataclass
class ItemStats:
    """One statement of a classify question over the answers to it."""

    right: int = 0
    wrong_categories: dict[str, int] = field(default_factory=dict)  # category id -> times chosen
    unanswered: int = 0

    def share_right(self, answered: int) -> float | None:
        return self.right / answered if answered else None

    @property
    def top_wrong_category(self) -> tuple[str, int] | None:
        if not self.wrong_categories:
            return None
        return min(self.wrong_categories.items(), key=lambda item: (-item[1], item[0]))


@dataclass
class QuestionStats:
    question_id: str
    answered: int = 0
    correct: int = 0
    upper: int = 0
    upper_correct: int = 0
    lower: int = 0
    lower_correct: int = 0
    wrong_options: dict[str, int] = field(default_factory=dict)
    # Partial credit (best_response, classify): credit earned by the answers not fully right.
    partial_credit: Fraction = Fraction(0)
    # Classify: per statement, how often it was put in its category, and in which wrong ones.
    items: dict[str, ItemStats] = field(default_factory=dict)

    @property
    def share_correct(self) -> float | None:
        return self.correct / self.answered if self.answered else None

    @property
    def mean_credit(self) -> float | None:
        """The average share of the question earned, partial credit included."""
        return float((self.correct + self.partial_credit) / self.answered) if self.answered else None

    @property
    def discrimination(self) -> float | None:
        """Share correct in the upper group minus the share in the lower group."""
        if not self.upper or not self.lower:
            return None
        return self.upper_correct / self.upper - self.lower_correct / self.lower

    @property
    def top_wrong_option(self) -> tuple[str, int] | None:
        if not self.wrong_options:
            return None
        return min(self.wrong_options.items(), key=lambda item: (-item[1], item[0]))

    @property
    def flag(self) -> str | None:
        share = self.share_correct
        if share is None or self.answered < MIN_ANSWERS_FOR_FLAG:
            return None  # a handful of answers says nothing about a question's difficulty
        if share < FLAG_HARD_BELOW:
            return "hard"
        if share > FLAG_EASY_ABOVE:
            return "easy"
        return None


@dataclass
class QuestionAnalysis:
    attempts: int
    group_size: int
    questions: dict[str, QuestionStats]


def _in_cohort(viewer: User, cohort_id: int | None) -> sa.ColumnElement[bool]:
    """Officers of one cohort the viewer sees (lms.org.scope.cohort_scope_clause), or everyone."""
    if not cohort_id:
        return sa.true()
    visible = sa.select(Cohort.id).where(Cohort.id == cohort_id, cohort_scope_clause(viewer))
    return User.id.in_(
        sa.select(cohort_members.c.user_id).where(cohort_members.c.cohort_id.in_(visible)))


def question_analysis(viewer: User, course_id: str, quiz_id: str, questions: list[dict],
                      cohort_id: int | None = None) -> QuestionAnalysis:
    """Per question of a quiz, over submitted attempts of officers in scope, in every language.

    questions are the quiz's questions as the course holds them, so that wrong options (or,
    in a classify question, wrong categories per statement) and partial credit can be
    counted by the grading rules. Upper and lower groups: the best and worst 27% of
    attempts by score (ties broken by attempt id), at least one attempt each once there
    are four.
    """
    ranked = (
        sa.select(
            QuizAttempt.id.label("attempt_id"),
            sa.func.row_number().over(order_by=(QuizAttempt.score.desc(), QuizAttempt.id)).label("high"),
            sa.func.row_number().over(order_by=(QuizAttempt.score.asc(), QuizAttempt.id.desc())).label("low"),
            sa.func.count().over().label("n"),
        )
        .join(User, User.id == QuizAttempt.user_id)
        .where(QuizAttempt.course_id == course_id, QuizAttempt.quiz_id == quiz_id,
               QuizAttempt.submitted_at.is_not(None), QuizAttempt.score.is_not(None),
               officers_in_scope(viewer), _in_cohort(viewer, cohort_id))
        .subquery()
    )
    by_id = {q["id"]: q for q in questions}
    upper = ranked.c.high * 100 <= ranked.c.n * DISCRIMINATION_SHARE
    lower = ranked.c.low * 100 <= ranked.c.n * DISCRIMINATION_SHARE
    right = AttemptAnswer.is_correct.is_(True)
    stats: dict[str, QuestionStats] = {}
    attempts = 0
    for qid, n_attempts, answered, correct, up, up_ok, low, low_ok in db.session.execute(
        sa.select(
            AttemptAnswer.question_id, sa.func.max(ranked.c.n), sa.func.count(), _count_if(right),
            _count_if(upper), _count_if(sa.and_(upper, right)),
            _count_if(lower), _count_if(sa.and_(lower, right)),
        )
        .join(ranked, ranked.c.attempt_id == AttemptAnswer.attempt_id)
        .group_by(AttemptAnswer.question_id)
    ):
        attempts = int(n_attempts)
        stats[qid] = QuestionStats(qid, int(answered), int(correct), int(up), int(up_ok), int(low), int(low_ok))
    # Wrong answers grouped by the exact set chosen (a few combinations per question).
    for qid, selected, n in db.session.execute(
        sa.select(AttemptAnswer.question_id, sa.cast(AttemptAnswer.selected, sa.Text), sa.func.count())
        .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
        .join(User, User.id == QuizAttempt.user_id)
        .where(QuizAttempt.course_id == course_id, QuizAttempt.quiz_id == quiz_id,
               QuizAttempt.submitted_at.is_not(None), QuizAttempt.score.is_not(None),
               AttemptAnswer.is_correct.is_(False), officers_in_scope(viewer), _in_cohort(viewer, cohort_id))
        .group_by(AttemptAnswer.question_id, sa.cast(AttemptAnswer.selected, sa.Text))
    ):
        if qid not in stats or qid not in by_id:
            continue
        _count_wrong(stats[qid], by_id[qid], set(json.loads(selected or "[]")), int(n))
    for qid, st in stats.items():
        if by_id.get(qid, {}).get("type") in grading.SORTED:
            for item in by_id[qid]["items"]:  # a fully right answer put every statement right
                st.items.setdefault(item["id"], ItemStats()).right += st.correct
    group = attempts * DISCRIMINATION_SHARE // 100
    return QuestionAnalysis(attempts, group, stats)


def _count_wrong(st: QuestionStats, question: dict, chosen: set[str], n: int) -> None:
    """Add n answers that were not fully right, all with the same chosen set (grading's rules)."""
    st.partial_credit += grading.credit(question, chosen) * n
    if question["type"] in grading.SORTED:
        picked = grading.classified(question, chosen)
        for item in question["items"]:
            item_stats = st.items.setdefault(item["id"], ItemStats())
            category = picked[item["id"]]
            if grading.agrees(question, item, category):
                item_stats.right += n
            elif category is None:
                item_stats.unanswered += n
            else:
                item_stats.wrong_categories[category] = item_stats.wrong_categories.get(category, 0) + n
        return
    correct_ids = grading.correct_options(question)
    for option in chosen:
        if option not in correct_ids:
            st.wrong_options[option] = st.wrong_options.get(option, 0) + n


# Trainers: a case-file question's ratings, per factor and per officer ------------------------

@dataclass
class FactorRatings:
    """One factor of a rate question over the submitted answers to it."""

    factor_id: str
    counts: dict[str, int] = field(default_factory=dict)  # scale id -> times given
    unrated: int = 0
    agreeing: int = 0
    steps: int = 0  # scale steps from the expert's rating, summed over the ratings given

    @property
    def rated(self) -> int:
        return sum(self.counts.values())

    @property
    def share_agreeing(self) -> float | None:
        return self.agreeing / self.rated if self.rated else None

    @property
    def mean_steps(self) -> float | None:
        """How far from the expert's rating the officers were, on average, in scale steps."""
        return self.steps / self.rated if self.rated else None


@dataclass
class CaseFileRow:
    """One submitted attempt at a rate question: the officer, the ratings and the texts."""

    attempt_id: int
    user_id: int
    name_native: str
    personnel_number: str
    number: int
    submitted_at: datetime
    ratings: dict[str, str | None]  # factor id -> scale id
    placement: str | None
    texts: dict[str, str]  # factor id -> the officer's justification
    reason: str  # the officer's reason for the placement
    agrees: dict[str, bool]  # factor id -> within the tolerance of the expert's rating


@dataclass
class CaseFileRatings:
    answers: int
    factors: list[FactorRatings]
    placement: dict[str, int]  # option id -> times chosen
    placement_agreeing: int
    rows: list[CaseFileRow]
    has_next: bool

    @property
    def diverging(self) -> list[FactorRatings]:
        """The factors where officers diverge most from the expert: furthest on average first."""
        rated = [f for f in self.factors if f.rated and f.steps]
        return sorted(rated, key=lambda f: (-(f.mean_steps or 0), f.share_agreeing or 0, f.factor_id))


def _case_file_answers(viewer: User, course_id: str, quiz_id: str, question_id: str,
                       cohort_id: int | None) -> sa.Select:
    """Submitted answers to one question by officers in the viewer's scope (and cohort)."""
    return (
        sa.select(AttemptAnswer)
        .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
        .join(User, User.id == QuizAttempt.user_id)
        .where(QuizAttempt.course_id == course_id, QuizAttempt.quiz_id == quiz_id,
               QuizAttempt.submitted_at.is_not(None), AttemptAnswer.question_id == question_id,
               officers_in_scope(viewer), _in_cohort(viewer, cohort_id))
    )


def case_file_ratings(viewer: User, course_id: str, quiz_id: str, question: dict, cohort_id: int | None,
                      page: int, size: int) -> CaseFileRatings:
    """Per factor of a rate question, how the officers in scope rated it against the expert;
    then, a page at a time (latest first), each officer's ratings and written texts.

    Three queries whatever the number of answers: the answers grouped by what was chosen,
    one page of attempts, and that page's texts.
    """
    answers = _case_file_answers(viewer, course_id, quiz_id, question["id"], cohort_id).subquery()
    factors = {i["id"]: FactorRatings(i["id"]) for i in question["items"]}
    placement: dict[str, int] = {}
    placement_agreeing = total = 0
    expert_placement = (question.get("placement") or {}).get("expert")
    for selected, n in db.session.execute(
        sa.select(sa.cast(answers.c.selected, sa.Text), sa.func.count()).group_by(sa.cast(answers.c.selected, sa.Text))
    ):
        n = int(n)
        total += n
        chosen = set(json.loads(selected or "[]"))
        picked = grading.classified(question, chosen)
        for item in question["items"]:
            stats, rating = factors[item["id"]], picked[item["id"]]
            steps = grading.steps_from_expert(question, item, rating)
            if steps is None or rating is None:  # unrated (steps is None then too)
                stats.unrated += n
                continue
            stats.counts[rating] = stats.counts.get(rating, 0) + n
            stats.steps += steps * n
            stats.agreeing += n if grading.agrees(question, item, rating) else 0
        option = grading.placement_of(question, chosen)
        if option is not None:
            placement[option] = placement.get(option, 0) + n
            placement_agreeing += n if option == expert_placement else 0
    rows_found = db.session.execute(
        sa.select(QuizAttempt.id, User.id, User.name_native, User.personnel_number, QuizAttempt.number,
                  QuizAttempt.submitted_at, AttemptAnswer.selected)
        .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
        .join(User, User.id == QuizAttempt.user_id)
        .where(AttemptAnswer.id.in_(sa.select(answers.c.id)))
        .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())
        .limit(size + 1).offset((page - 1) * size)
    ).all()
    has_next = len(rows_found) > size
    rows_found = rows_found[:size]
    texts: dict[int, dict[str, str]] = defaultdict(dict)
    if rows_found:
        for attempt_id, part_id, text in db.session.execute(
            sa.select(AttemptText.attempt_id, AttemptText.part_id, AttemptText.text)
            .where(AttemptText.attempt_id.in_([r[0] for r in rows_found]), AttemptText.question_id == question["id"])
        ):
            texts[attempt_id][part_id] = text
    rows = []
    for attempt_id, user_id, name, number, n, submitted_at, selected in rows_found:
        chosen = set(selected or [])
        rows.append(CaseFileRow(attempt_id, user_id, name, number, n, submitted_at,
                                grading.classified(question, chosen), grading.placement_of(question, chosen),
                                texts[attempt_id], texts[attempt_id].pop(grading.PLACEMENT, ""),
                                grading.item_results(question, chosen)))
    return CaseFileRatings(total, list(factors.values()), placement, placement_agreeing, rows, has_next)
