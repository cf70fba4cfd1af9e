"""A course's result from its quiz attempts: the final assessment's best score, or the
average of the best quiz scores. Completion and the quiz pages both read it from here."""

from __future__ import annotations

import sqlalchemy as sa

from lms.catalog.models import CourseVersion
from lms.extensions import db
from lms.quizzes.models import QuizAttempt


def is_final_assessment(version: CourseVersion, module_id: str) -> bool:
    """The course's last module, when it is an assessment: its score is the course result."""
    modules = version.content["modules"]
    return bool(modules) and modules[-1]["kind"] == "assessment" and modules[-1]["id"] == module_id


def final_score(user_id: int, version: CourseVersion) -> int | None:
    """The score of the final assessment if the course has one, else the average best quiz score."""
    modules = version.content["modules"]
    best = dict(db.session.execute(
        sa.select(QuizAttempt.module_id, sa.func.max(QuizAttempt.score)).where(
            QuizAttempt.user_id == user_id, QuizAttempt.course_id == version.course_id,
            QuizAttempt.is_pre_test.is_(False), QuizAttempt.score.is_not(None),
        ).group_by(QuizAttempt.module_id)
    ).tuples().all())
    if modules and is_final_assessment(version, modules[-1]["id"]) and modules[-1]["id"] in best:
        return best[modules[-1]["id"]]
    scores = [score for m in modules if m.get("quiz") and (score := best.get(m["id"])) is not None]
    return round(sum(scores) / len(scores)) if scores else None
