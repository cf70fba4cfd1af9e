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


def dashboard(viewer: User, course_id: str, today: date, months: int = 12) -> Dashboard:
    """Counts of one course in the viewer's scope, in two grouped queries.

    One pass over the enrolments in scope gives the statuses and the scores (kept on the
    enrolment row), grouped by the officers' (institution, gender, service, position): a few
    thousand groups at most, whatever the number of officers, few enough for PostgreSQL to
    add them up in a hash table instead of sorting every enrolment in scope. The groups are
    then added up per breakdown. The completions in each recent month come from a second
    query over the completions since the first of those months only: counted in twelve
    columns of the first query, they cost more than the rest of it together (twelve
    conditions on every enrolment in scope), and grouped by there they would multiply
    its groups.
    """
    final, pre = enrolment_scores()
    both = sa.and_(final.is_not(None), pre.is_not(None))
    keys = (User.institution_id, User.gender, User.service, User.position)
    in_scope = (Enrolment.course_id == course_id, officers_in_scope(viewer))
    rows = db.session.execute(
        sa.select(
            *keys,
            sa.func.count(),
            *(count_if(status_condition(status, today))
              for status in (COMPLETE, IN_PROGRESS, OVERDUE, NOT_STARTED)),
            sa.func.coalesce(sa.func.sum(final), 0),
            sa.func.count(final),
            sa.func.coalesce(sa.func.sum(final).filter(both), 0),
            sa.func.coalesce(sa.func.sum(pre).filter(both), 0),
            count_if(both),
            sa.func.count(Enrolment.pre_test_skipped_at),
        )
        .select_from(Enrolment)
        .join(User, user_of(Enrolment.user_id))
        .where(*in_scope)
        .group_by(*keys)
    ).all()
    # Completions in each recent month (0 = oldest), by comparing with the moments the
    # deployment's months start (bound as UTC): the same on every database, whatever its
    # session time zone. The last month counts everything since it began.
    starts = [_month_back(today, months - 1 - i) for i in range(months)]
    done = Enrolment.completed_at
    bounds = [day_start(start) for start in starts]
    month = sa.case(*((done >= bounds[i], i) for i in reversed(range(months)))).label("month")
    counted = [0] * months
    for i, n in db.session.execute(
        sa.select(month, sa.func.count())
        .select_from(Enrolment)
        .join(User, user_of(Enrolment.user_id))
        .where(*in_scope, done >= bounds[0])
        .group_by(month)
    ):
        counted[int(i)] += int(n)
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
