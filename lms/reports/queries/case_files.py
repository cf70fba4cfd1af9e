"""Trainers: a case-file question's ratings, per factor and per officer."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from lms.catalog.content import QuestionData
from lms.extensions import db
from lms.org.models import User
from lms.quizzes import grading
from lms.quizzes.models import AttemptAnswer, AttemptText, QuizAttempt
from lms.reports.queries.base import officers_in_scope
from lms.reports.queries.questions import in_cohort


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
               officers_in_scope(viewer), in_cohort(viewer, cohort_id))
    )


def case_file_ratings(viewer: User, course_id: str, quiz_id: str, question: QuestionData, cohort_id: int | None,
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
    expert_placement = question["placement"]["expert"] if "placement" in question else None
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
