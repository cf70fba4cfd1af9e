"""Quiz attempts with every answer."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import Model
from lms.timeutil import UTCDateTime, utcnow


class QuizAttempt(Model):
    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    course_id: Mapped[str] = mapped_column(sa.String(80))
    course_version: Mapped[int]
    module_id: Mapped[str] = mapped_column(sa.String(80))
    quiz_id: Mapped[str] = mapped_column(sa.String(80))
    number: Mapped[int]
    is_pre_test: Mapped[bool] = mapped_column(default=False)
    # The order shown to this officer: [[question id, [option ids]], ...]; kept on reload.
    layout: Mapped[list] = mapped_column(sa.JSON)
    # Answers saved so far, before submission: {question id: [option ids]}.
    draft: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[int | None]  # percent
    passed: Mapped[bool | None]

    answers: Mapped[list[AttemptAnswer]] = relationship(
        back_populates="attempt", order_by="AttemptAnswer.position"
    )

    __table_args__ = (
        sa.UniqueConstraint("user_id", "course_id", "module_id", "number"),
        # Not submitted_at: a submit would move the attempt's entry (the reports read the row anyway).
        sa.Index("ix_quiz_attempts_quiz", "course_id", "quiz_id"),
    )

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class AttemptAnswer(Model):
    __tablename__ = "attempt_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Looked up by the unique constraint's index below, which starts with it.
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_attempts.id"))
    position: Mapped[int]
    question_id: Mapped[str] = mapped_column(sa.String(80))
    selected: Mapped[list] = mapped_column(sa.JSON)
    is_correct: Mapped[bool]

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")

    __table_args__ = (sa.UniqueConstraint("attempt_id", "question_id"),)


class AttemptText(Model):
    """What an officer wrote in an attempt: a factor's justification, or the reason for a
    proposed placement (a rate question). Plain text; saved with the draft, kept as
    submitted."""

    __tablename__ = "attempt_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Looked up by the unique constraint's index below, which starts with it.
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_attempts.id"))
    question_id: Mapped[str] = mapped_column(sa.String(80))
    # A factor's id, or grading.PLACEMENT for the reason of the placement.
    part_id: Mapped[str] = mapped_column(sa.String(90))
    text: Mapped[str] = mapped_column(sa.Text)

    __table_args__ = (sa.UniqueConstraint("attempt_id", "question_id", "part_id"),)

    def __repr__(self) -> str:
        return f"<AttemptText attempt={self.attempt_id} {self.question_id}/{self.part_id}>"
