"""Loading the fixture course and walking through it as an officer would."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from lms.catalog.loader import load_course_dir
from lms.catalog.models import CourseVersion
from lms.extensions import db
from lms.quizzes.models import QuizAttempt

FIXTURES = Path(__file__).parent / "fixtures" / "courses"
SAMPLE = FIXTURES / "valid" / "sample-first-steps"
COURSE = "sample-first-steps"


def load_sample() -> CourseVersion:
    result = load_course_dir(SAMPLE)
    assert result.outcome in ("created", "unchanged"), result
    db.session.commit()
    return db.session.scalar(sa.select(CourseVersion).where(CourseVersion.course_id == COURSE))


def enrol(client, course_id: str = COURSE, skip_pre_test: bool = True) -> None:
    """Enrol as the signed-in officer; by default also choose to skip the pre-test, as
    tests that are not about the pre-test go straight to the modules."""
    client.post(f"/courses/{course_id}/enrol")
    if skip_pre_test:
        client.post(f"/courses/{course_id}/pre-test/skip")


def correct_answers(version: CourseVersion, module_id: str) -> dict[str, list[str]]:
    quiz = version.module(module_id)["quiz"]
    return {q["id"]: [o["id"] for o in q["options"] if o["correct"]] for q in quiz["questions"]}


def wrong_answers(version: CourseVersion, module_id: str) -> dict[str, list[str]]:
    quiz = version.module(module_id)["quiz"]
    return {q["id"]: [next(o["id"] for o in q["options"] if not o["correct"])] for q in quiz["questions"]}


def form_of(answers: dict[str, list[str]], attempt_id: int, action: str = "submit") -> dict:
    """The form a browser sends: options under the attempt's opaque keys, as the page names them."""
    from flask import current_app

    from lms.quizzes.attempts import option_key

    secret = current_app.config["SECRET_KEY"]
    data = {f"q-{qid}": [option_key(secret, int(attempt_id), qid, o) for o in opts]
            for qid, opts in answers.items()}
    data["action"] = action
    return data


def open_attempt_id(client, module_id: str) -> int:
    page = client.get(f"/courses/{COURSE}/modules/{module_id}/quiz").get_data(as_text=True)
    return int(re.search(r'action="/attempts/(\d+)"', page).group(1))


def take_quiz(client, version, module_id: str, correct: bool = True):
    client.post(f"/courses/{COURSE}/modules/{module_id}/quiz/start")
    attempt_id = open_attempt_id(client, module_id)
    answers = correct_answers(version, module_id) if correct else wrong_answers(version, module_id)
    response = client.post(f"/attempts/{attempt_id}", data=form_of(answers, attempt_id))
    return attempt_id, response


def best_path(scenario: dict) -> list[str]:
    from lms.scenarios import engine

    return engine.best_run(scenario)


def play_scenario(client, version, module_id: str, choices: list[str]) -> int:
    client.post(f"/courses/{COURSE}/modules/{module_id}/scenario/start")
    page = client.get(f"/courses/{COURSE}/modules/{module_id}/scenario").get_data(as_text=True)
    run_id = int(re.search(r'action="/runs/(\d+)/choose"', page).group(1))
    for step, choice in enumerate(choices):
        client.post(f"/runs/{run_id}/choose", data={"choice": choice, "step": step})
    return run_id


def attempts(user_id: int) -> list[QuizAttempt]:
    return list(db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.user_id == user_id)))
