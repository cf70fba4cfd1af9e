"""Question pools: each attempt draws N of the quiz's questions and is graded on those."""

from __future__ import annotations

import shutil

import sqlalchemy as sa

from lms.catalog.loader import load_course_dir
from lms.catalog.models import CourseVersion
from lms.catalog.spec import read_course
from lms.extensions import db
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from tests.course_helpers import COURSE, SAMPLE, enrol, take_quiz
from tests.factories import login, make_user

QUIZ = "01-admission-basics/quiz.yaml"


def pooled_copy(tmp_path, draw: int):
    folder = tmp_path / COURSE
    shutil.copytree(SAMPLE, folder)
    quiz = folder / QUIZ
    quiz.write_text(quiz.read_text(encoding="utf-8").replace("shuffle: true\n", f"shuffle: true\ndraw: {draw}\n", 1),
                    encoding="utf-8")
    return folder


def test_the_course_check_refuses_a_pool_larger_than_the_quiz(tmp_path):
    course, problems = read_course(pooled_copy(tmp_path, 99))
    assert course is None
    assert [(p.field, p.message) for p in problems] == [("draw", "draws 99 questions but the quiz has 5")]


def test_each_attempt_asks_and_grades_only_the_drawn_questions(client, ctx, tmp_path):
    assert load_course_dir(pooled_copy(tmp_path, 2)).outcome == "created"
    db.session.commit()
    version = db.session.scalar(sa.select(CourseVersion).where(CourseVersion.course_id == COURSE))
    assert version.module("01-admission-basics")["quiz"]["draw"] == 2
    officer = make_user()
    db.session.commit()
    login(client, officer)
    enrol(client)
    for _ in range(3):
        attempt_id, response = take_quiz(client, version, "01-admission-basics", correct=False)
        attempt = db.session.get(QuizAttempt, attempt_id)
        asked = [qid for qid, _opts in attempt.layout]
        assert len(asked) == 2
        rows = db.session.scalars(sa.select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)).all()
        assert sorted(r.question_id for r in rows) == sorted(asked)  # statistics per stable question id
        assert attempt.score == 0
    # The last attempt, answered right, passes with 100 on its two questions.
    officer2 = make_user()
    db.session.commit()
    client.post("/logout")
    login(client, officer2)
    enrol(client)
    attempt_id, _ = take_quiz(client, version, "01-admission-basics", correct=True)
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).score == 100
