"""Demo: an officer who has completed a course, through the real engine (so a certificate is issued)."""

from __future__ import annotations

import random

import sqlalchemy as sa

from lms.catalog.content import quiz_of, scenario_of
from lms.catalog.models import Course, CourseVersion
from lms.extensions import db
from lms.learning import progress
from lms.learning.models import CourseCompletion
from lms.org.models import User

PREFERRED = ("nelson-mandela-rules", "sample-first-steps")


def complete_course_for(user: User, version: CourseVersion) -> None:
    """Read every lesson, pass every quiz and role-play with the best answers."""
    from lms.quizzes import attempts
    from lms.quizzes.grading import choice_ids, correct_options
    from lms.scenarios import engine, runs

    progress.enrol(user, version.course_id)
    rng = random.Random(user.id)
    pre = version.content.get("pre_test")
    if pre:
        attempt = attempts.start_attempt(user.id, version, pre, rng)
        # A modest pre-test, so the knowledge gain shows in reports.
        answers = {q["id"]: [choice_ids(q)[0]] for q in quiz_of(pre)["questions"]}
        attempts.submit(attempt, version, answers)
    for module in version.content["modules"]:
        if module.get("lesson"):
            progress.mark_lesson_read(user.id, version, module["id"])
        if module.get("quiz"):
            attempt = attempts.start_attempt(user.id, version, module, rng)
            correct = {q["id"]: sorted(correct_options(q)) for q in quiz_of(module)["questions"]}
            attempts.submit(attempt, version, correct)
        if module.get("scenario"):
            run = runs.start_run(user.id, version, module)
            for step, choice_id in enumerate(engine.best_run(scenario_of(module))):
                runs.take_choice(run, version, step, choice_id)


def demo_graduate(places: dict) -> None:
    user = db.session.scalar(sa.select(User).where(User.personnel_number == "graduate"))
    if user is None:
        return
    course_ids = set(db.session.scalars(sa.select(Course.id)))
    course_id = next((c for c in PREFERRED if c in course_ids), None)
    if course_id is None:
        return
    if db.session.scalar(sa.select(CourseCompletion.id).where(CourseCompletion.user_id == user.id)):
        return
    course = db.session.get_one(Course, course_id)
    version = db.session.execute(sa.select(CourseVersion).where(
        CourseVersion.course_id == course_id, CourseVersion.version == course.current_version)).scalar_one()
    complete_course_for(user, version)
