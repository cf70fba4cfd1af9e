"""The high-risk prisoners course, walked end to end in a real browser: lessons, quizzes and the
case files (every factor rated and justified, a placement proposed and explained), then the review
of a case file with the expert's rating and reasoning for each factor.

One left-to-right language, and Arabic (right to left) as soon as course.yaml lists it.
"""

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import CourseCompletion
from lms.quizzes.models import QuizAttempt
from tests.browser.conftest import sign_in
from tests.browser.course_walk import complete_in_browser
from tests.factories import PASSWORD, make_user
from tests.test_hr_course import LANGUAGES, load_hr

BROWSER_LANGUAGES = [lang for lang in LANGUAGES if lang in ("en", "ru")][:1] + (["ar"] if "ar" in LANGUAGES else [])
CASE_FILE = "04-case-file-practice-1"


@pytest.mark.parametrize("lang", BROWSER_LANGUAGES)
def test_officer_assesses_the_case_files_and_completes_the_course(page, ctx, artifacts, lang):
    version = load_hr()
    user = make_user(number=f"hr-{lang}", locale=lang)
    db.session.commit()
    sign_in(page, user.personnel_number, PASSWORD)
    complete_in_browser(page, version, lang, artifacts, screenshot_module=CASE_FILE)
    completion = db.session.scalar(sa.select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    assert completion is not None and completion.final_score == 100

    # The first case file's review: the officer's own justification beside the expert's rating and
    # reasoning, factor by factor, in the officer's language and reading direction.
    attempt_id = db.session.scalar(sa.select(QuizAttempt.id).where(
        QuizAttempt.user_id == user.id, QuizAttempt.module_id == CASE_FILE))
    page.goto(f"/attempts/{attempt_id}")
    case = next(q for q in version.module(CASE_FILE)["quiz"]["questions"] if q["type"] == "rate")
    body = page.locator("main").inner_text()
    for item in case["items"]:
        assert " ".join(item["feedback"][lang].split())[:40] in " ".join(body.split()), item["id"]
    assert page.locator(".classify > li.correct").count() == len(case["items"])
    assert page.locator(".classify > li.wrong").count() == 0
    assert "A fact from the file for" in body
    if lang == "ar":
        assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
    page.screenshot(path=str(artifacts / f"hr-case-file-review-{lang}.png"), full_page=True)
