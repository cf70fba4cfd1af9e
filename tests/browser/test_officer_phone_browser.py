"""The officer's path on a 360 px phone, in Arabic and Kazakh: no page scrolls sideways,
the header is compact with a menu that works without JavaScript, and each page is kept
as a screenshot in test-artifacts/ for a person to look at."""

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.quizzes.models import QuizAttempt
from tests.browser.conftest import sign_in
from tests.browser.test_learning_browser import answer_quiz, say
from tests.course_helpers import COURSE, form_of, load_sample, wrong_answers
from tests.factories import PASSWORD, make_user

PHONE = {"width": 360, "height": 740}
M1 = "01-admission-basics"


def _check(page, artifacts, lang: str, name: str) -> None:
    """The page fits the screen's width, and is saved as a picture."""
    page.wait_for_load_state("load")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    page.screenshot(path=str(artifacts / f"phone-{lang}-{name}.png"), full_page=True)
    assert widths[0] == widths[1], (name, widths)


@pytest.mark.parametrize("lang", ["ar", "kk"])
def test_officer_pages_fit_a_360px_phone(browser, live_server, ctx, artifacts, lang):
    version = load_sample()
    user = make_user(number=f"phone-{lang}", locale=lang, name="Айгерим Сапарова-Нұрланқызы")
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport=PHONE, device_scale_factor=1,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, user.personnel_number, PASSWORD)
    # The header is one compact line: the page's heading is in the first screen.
    page.goto("/learning")
    _check(page, artifacts, lang, "my-learning-empty")
    assert page.locator("h1").bounding_box()["y"] < 200
    assert page.locator("header details.menu").is_visible()
    assert not page.locator("header .bar > nav.main-nav").is_visible()
    page.goto("/courses")
    _check(page, artifacts, lang, "courses")
    page.click(f"form[action='/courses/{COURSE}/enrol'] button")
    _check(page, artifacts, lang, "course-pre-test-offered")
    page.click("a[href$='/modules/00-pre-test/quiz']")
    _check(page, artifacts, lang, "pre-test-start")
    page.click("form[action$='/quiz/start'] button")
    _check(page, artifacts, lang, "pre-test-attempt")
    answer_quiz(page, version, "00-pre-test")
    _check(page, artifacts, lang, "pre-test-review")
    page.goto(f"/courses/{COURSE}/modules/{M1}")
    _check(page, artifacts, lang, "lesson")
    # The lesson's wide table scrolls in its own box, which a keyboard can reach.
    box = page.locator("article.lesson .table-wrap").first
    assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
    page.click("form.end-of-lesson button")
    page.click("form[action$='/quiz/start'] button")
    # A failed attempt first: the review, and the unanswered-questions check.
    attempt = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id,
                                                             QuizAttempt.module_id == M1))
    qid = attempt.layout[0][0]
    key = form_of({qid: wrong_answers(version, M1)[qid]}, attempt.id)[f"q-{qid}"][0]
    page.check(f"input[name='q-{qid}'][value='{key}']")
    page.click("button[name=action][value=submit]")
    _check(page, artifacts, lang, "quiz-unanswered")
    page.click("button[name=action][value=submit]")
    _check(page, artifacts, lang, "quiz-review-failed")
    page.click("form.try-again button")
    answer_quiz(page, version, M1)
    _check(page, artifacts, lang, "quiz-review-passed")
    page.goto(f"/courses/{COURSE}/modules/02-role-play-admission/scenario")
    _check(page, artifacts, lang, "role-play-briefing")
    page.click("form[action$='/scenario/start'] button")
    _check(page, artifacts, lang, "role-play-node")
    page.goto(f"/courses/{COURSE}/modules/02-role-play-admission/scenario")
    play_rest(page, version)
    _check(page, artifacts, lang, "role-play-debrief")
    page.goto(f"/courses/{COURSE}")
    _check(page, artifacts, lang, "course-complete")
    page.goto("/learning")
    _check(page, artifacts, lang, "my-learning")
    page.goto("/certificates")
    _check(page, artifacts, lang, "my-certificates")
    page.goto("/account/password")
    _check(page, artifacts, lang, "my-account")
    page.goto("/about")
    _check(page, artifacts, lang, "about")
    context.close()


def play_rest(page, version) -> None:
    from lms.scenarios import engine

    scenario = version.module("02-role-play-admission")["scenario"]
    for choice in engine.best_run(scenario):
        say(page, choice)


def test_phone_menu_opens_without_javascript(browser, live_server, ctx, artifacts):
    user = make_user(number="phone-nojs", locale="kk")
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, user.personnel_number, PASSWORD)
    page.goto("/courses")
    link = page.locator("details.menu a[href='/learning']")
    assert not link.is_visible()
    page.click("details.menu > summary")
    assert link.is_visible()
    page.screenshot(path=str(artifacts / "phone-kk-menu-open.png"), full_page=False)
    link.click()
    assert page.url.endswith("/learning")
    context.close()
