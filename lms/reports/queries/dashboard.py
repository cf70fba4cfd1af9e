"""The manager's dashboard: status tallies per course and month, in the viewer's scope."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import Enrolment
from lms.learning.status import (
    COMPLETE,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    status_condition,
)
from lms.org.models import Gender, User
from lms.org.scope import scope_of
from lms.reports.queries.base import count_if, enrolment_scores, officers_in_scope, user_of
from lms.timeutil import day_start


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


def _grouped(scoped: sa.Select, months: int, recent: sa.ColumnElement[bool]) -> tuple[list, list[int]]:
    """Add up scoped's rows per group of officers, and count its rows per recent month.

    On PostgreSQL in one statement (GROUPING SETS), which reads the enrolments in scope
    once and so builds the set of officers in scope once: at 1,000,000 enrolments, a hash
    of the 100,000 officers of a country, which two statements built twice and a parallel
    plan built again in every worker. The subquery's OFFSET 0 keeps it a subquery, so that
    PostgreSQL estimates a few hundred months instead of one per completion time and adds
    up both sets in hash tables rather than sorting every enrolment in scope first.
    SQLite has no GROUPING SETS, and no set to build: it looks up each enrolment's officer.
    There the months come from a second statement over the recent completions only.
    """
    postgres = db.engine.dialect.name == "postgresql"
    s = (scoped.offset(0) if postgres else scoped).subquery()
    keys = (s.c.institution_id, s.c.gender, s.c.service, s.c.position)
    figures = (
        sa.func.count(),
        *(count_if(s.c[status]) for status in (COMPLETE, IN_PROGRESS, OVERDUE, NOT_STARTED)),
        sa.func.coalesce(sa.func.sum(s.c.final), 0),
        sa.func.count(s.c.final),
        sa.func.coalesce(sa.func.sum(s.c.final).filter(s.c.scored), 0),
        sa.func.coalesce(sa.func.sum(s.c.pre).filter(s.c.scored), 0),
        count_if(s.c.scored),
        sa.func.count(s.c.skipped),
    )
    counted = [0] * months
    rows: list = []
    if postgres:
        for by_month, month, *row in db.session.execute(
            sa.select(sa.func.grouping(*keys), s.c.month, *keys, *figures)
            .group_by(sa.func.grouping_sets(sa.tuple_(*keys), sa.tuple_(s.c.month)))
        ):
            if not by_month:
                rows.append(row)
            elif month is not None:  # None: completed before the first month, or not completed
                counted[int(month)] += int(row[len(keys)])
        return rows, counted
    rows.extend(db.session.execute(sa.select(*keys, *figures).group_by(*keys)))
    recent_rows = scoped.where(recent).subquery()
    for month, n in db.session.execute(
        sa.select(recent_rows.c.month, sa.func.count()).group_by(recent_rows.c.month)
    ):
        counted[int(month)] += int(n)
    return rows, counted


def dashboard(viewer: User, course_id: str, today: date, months: int = 12) -> Dashboard:
    """Counts of one course in the viewer's scope: on PostgreSQL in one grouped statement.

    Each enrolment in scope is read once with its officer's (institution, gender, service,
    position), its status, its scores and the recent month it was completed in, if any.
    The statuses and scores are added up per group of officers: a few thousand groups at
    most, whatever the number of officers, few enough to add up in a hash table instead of
    sorting every enrolment in scope; the groups are then added up per breakdown. The
    completions per month are counted over the same rows (see _grouped), from one month
    number per row: twelve month columns would cost more than the rest together (twelve
    conditions on every enrolment in scope), and month as a fifth group key would multiply
    the groups.
    """
    final, pre = enrolment_scores()
    both = sa.and_(final.is_not(None), pre.is_not(None))
    scope = scope_of(viewer)
    # Completions in each recent month (0 = oldest), by comparing with the moments the
    # deployment's months start (bound as UTC): the same on every database, whatever its
    # session time zone. The last month counts everything since it began. The first
    # comparison leaves the older and the open enrolments (most of them) after one test.
    starts = [_month_back(today, months - 1 - i) for i in range(months)]
    done = Enrolment.completed_at
    bounds = [day_start(start) for start in starts]
    month = sa.case((done >= bounds[0], sa.case(*((done >= bounds[i], i) for i in reversed(range(months))))))
    # Every value the counts need, one row per enrolment in scope.
    scoped = (
        sa.select(
            User.institution_id, User.gender, User.service, User.position, month.label("month"),
            *(status_condition(status, today).label(status)
              for status in (COMPLETE, IN_PROGRESS, OVERDUE, NOT_STARTED)),
            final.label("final"), pre.label("pre"), both.label("scored"),
            Enrolment.pre_test_skipped_at.label("skipped"),
        )
        .select_from(Enrolment)
        .join(User, user_of(Enrolment.user_id, scope))
        .where(Enrolment.course_id == course_id, officers_in_scope(viewer, scope))
    )
    rows, counted = _grouped(scoped, months, done >= bounds[0])
    # Add the groups up per breakdown (a few hundred).
    sums: dict[str, dict] = {name: {} for name in ("total", "inst", "service", "position", "gender")}
    for inst_id, gender, service, position, *numbers in rows:
        by_name: dict[str, object] = {"total": None, "inst": inst_id, "service": str(service),
                                      "position": position or "", "gender": str(gender)}
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
