"""The Nelson Mandela Rules course, completed end to end in a real browser, in Russian and Arabic."""

import pytest
import sqlalchemy as sa

from lms.catalog.loader import load_course_dir
from lms.catalog.models import CourseVersion
from lms.config import PROJECT_ROOT
from lms.extensions import db
from lms.learning.models import CourseCompletion
from lms.scenarios import engine
from tests.browser.conftest import sign_in
from tests.browser.test_learning_browser import answer_quiz
from tests.factories import PASSWORD, make_user

COURSE = "nelson-mandela-rules"


def load_nmr() -> CourseVersion:
    result = load_course_dir(PROJECT_ROOT / "courses" / COURSE)
    assert result.outcome in ("created", "unchanged"), result.problems
    db.session.commit()
    return db.session.scalar(sa.select(CourseVersion).where(CourseVersion.course_id == COURSE))


@pytest.mark.parametrize("lang", ["ru", "ar"])
def test_officer_completes_the_mandela_rules_course(page, ctx, artifacts, lang):
    version = load_nmr()
    user = make_user(number=f"nmr-{lang}", locale=lang)
    db.session.commit()
    sign_in(page, user.personnel_number, PASSWORD)
    page.goto(f"/courses/{COURSE}")
    page.click(f"form[action='/courses/{COURSE}/enrol'] button")
    page.click("a[href$='/modules/00-pre-test/quiz']")
    page.click("form[action$='/quiz/start'] button")
    answer_quiz(page, version, "00-pre-test")
    for module in version.content["modules"]:
        page.goto(f"/courses/{COURSE}/modules/{module['id']}")
        title = module["title"][lang]
        assert title in page.locator("h1").inner_text()
        if module.get("lesson"):
            assert page.locator("article.lesson").get_attribute("lang") == lang
            if module["id"] == "05-restrictions-discipline-sanctions":
                page.screenshot(path=str(artifacts / f"nmr-lesson-05-{lang}.png"), full_page=False)
            page.click("form.end-of-lesson button")
        if module.get("quiz"):
            page.goto(f"/courses/{COURSE}/modules/{module['id']}/quiz")
            page.click("form[action$='/quiz/start'] button")
            answer_quiz(page, version, module["id"])
            assert "/attempts/" in page.url
        if module.get("scenario"):
            page.goto(f"/courses/{COURSE}/modules/{module['id']}/scenario")
            page.click("form[action$='/scenario/start'] button")
            for choice in engine.best_run(module["scenario"]):
                page.check(f"input[name=choice][value='{choice}']")
                page.click("form[action*='/choose'] button[type=submit]")
            assert "/runs/" in page.url
    page.goto(f"/courses/{COURSE}")
    page.screenshot(path=str(artifacts / f"nmr-course-complete-{lang}.png"), full_page=False)
    completion = db.session.scalar(sa.select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    assert completion is not None and completion.course_version == version.version
