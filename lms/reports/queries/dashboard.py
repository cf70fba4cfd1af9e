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
    status_expr,
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
    """Counts of one course in the viewer's scope, in one grouped query.

    One pass over the enrolments in scope gives the statuses, the scores (kept on the
    enrolment row) and the completions in each recent month; the groups (a few
    thousand at most, whatever the number of officers) are then added up per breakdown.
    The months are counted in columns, not grouped by: the groups stay the officers'
    (institution, gender, service, position), few enough for PostgreSQL to add them up in
    a hash table instead of sorting every enrolment in scope (on disk at 100,000 officers).
    """
    status = status_expr(today)
    final, pre = enrolment_scores()
    both = sa.and_(final.is_not(None), pre.is_not(None))
    # Completions in each recent month (0 = oldest), by comparing with the moments the
    # deployment's months start (bound as UTC): the same on every database, whatever its
    # session time zone. The last month counts everything since it began.
    starts = [_month_back(today, months - 1 - i) for i in range(months)]
    done = Enrolment.completed_at
    bounds = [day_start(start) for start in starts]
    in_month = [sa.and_(done >= bounds[i], done < bounds[i + 1]) if i + 1 < months else done >= bounds[i]
                for i in range(months)]
    keys = (User.institution_id, User.gender, User.service, User.position)
    rows = db.session.execute(
        sa.select(
            *keys,
            sa.func.count(),
            count_if(status == COMPLETE),
            count_if(status == IN_PROGRESS),
            count_if(status == OVERDUE),
            count_if(status == NOT_STARTED),
            sa.func.coalesce(sa.func.sum(final), 0),
            sa.func.count(final),
            sa.func.coalesce(sa.func.sum(sa.case((both, final))), 0),
            sa.func.coalesce(sa.func.sum(sa.case((both, pre))), 0),
            count_if(both),
            count_if(Enrolment.pre_test_skipped_at.is_not(None)),
            *(count_if(condition) for condition in in_month),
        )
        .select_from(Enrolment)
        .join(User, user_of(Enrolment.user_id))
        .where(Enrolment.course_id == course_id, officers_in_scope(viewer))
        .group_by(*keys)
    ).all()
    # Take the month columns off each group, then add the groups up per breakdown (a few hundred).
    counted = [0] * months
    sums: dict[str, dict] = {name: {} for name in ("total", "inst", "service", "position", "gender")}
    for inst_id, gender, service, position, *numbers in rows:
        for i, n in enumerate(numbers[-months:]):
            counted[i] += int(n)
        numbers = numbers[:-months]
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
