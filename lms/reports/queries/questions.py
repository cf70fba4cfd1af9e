"""Trainers: question analysis (difficulty, discrimination, wrong answers chosen)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction

import sqlalchemy as sa

from lms.catalog.content import QuestionData
from lms.extensions import db
from lms.org.models import Cohort, User, cohort_members
from lms.org.scope import (
    cohort_scope_clause,
)
from lms.quizzes import grading
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from lms.reports.queries.base import count_if, officers_in_scope

# Question analysis: the upper and lower groups are this share of attempts, by score.
DISCRIMINATION_SHARE = 27
FLAG_HARD_BELOW = 0.20
# Below this many answers to a question, nothing is said about its difficulty.
MIN_ANSWERS_FOR_FLAG = 10
FLAG_EASY_ABOVE = 0.95


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


def in_cohort(viewer: User, cohort_id: int | None) -> sa.ColumnElement[bool]:
    """Officers of one cohort the viewer sees (lms.org.scope.cohort_scope_clause), or everyone."""
    if not cohort_id:
        return sa.true()
    visible = sa.select(Cohort.id).where(Cohort.id == cohort_id, cohort_scope_clause(viewer))
    return User.id.in_(
        sa.select(cohort_members.c.user_id).where(cohort_members.c.cohort_id.in_(visible)))


def question_analysis(viewer: User, course_id: str, quiz_id: str, questions: list[QuestionData],
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
               officers_in_scope(viewer), in_cohort(viewer, cohort_id))
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
            AttemptAnswer.question_id, sa.func.max(ranked.c.n), sa.func.count(), count_if(right),
            count_if(upper), count_if(sa.and_(upper, right)),
            count_if(lower), count_if(sa.and_(lower, right)),
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
               AttemptAnswer.is_correct.is_(False), officers_in_scope(viewer), in_cohort(viewer, cohort_id))
        .group_by(AttemptAnswer.question_id, sa.cast(AttemptAnswer.selected, sa.Text))
    ):
        if qid not in stats or qid not in by_id:
            continue
        _count_wrong(stats[qid], by_id[qid], set(json.loads(selected or "[]")), int(n))
    for qid, st in stats.items():
        if qid in by_id and by_id[qid]["type"] in grading.SORTED:
            for item in by_id[qid]["items"]:  # a fully right answer put every statement right
                st.items.setdefault(item["id"], ItemStats()).right += st.correct
    group = attempts * DISCRIMINATION_SHARE // 100
    return QuestionAnalysis(attempts, group, stats)


def _count_wrong(st: QuestionStats, question: QuestionData, chosen: set[str], n: int) -> None:
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
