"""An officer completes the sample course in a real browser, in Kazakh and in Arabic."""

import re

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import CourseCompletion
from tests.browser.conftest import sign_in
from tests.course_helpers import (
    COURSE,
    best_path,
    choice_form,
    correct_answers,
    form_of,
    load_sample,
)
from tests.factories import PASSWORD, make_user


def answer_quiz(page, version, module_id: str) -> None:
    """Check the correct options, found under this attempt's opaque keys."""
    action = page.locator("form[action^='/attempts/']").get_attribute("action")
    attempt_id = int(action.rsplit("/", 1)[1])
    form = form_of(correct_answers(version, module_id), attempt_id)
    for name, keys in form.items():
        for key in keys if name != "action" else []:
            page.check(f"input[name='{name}'][value='{key}']")
    page.click("button[name=action][value=submit]")


def say(page, choice_id: str) -> None:
    """Pick a reply of the role-play, found under its opaque key for this run and step, and send it."""
    form = page.locator("form[action*='/choose']")
    run_id = int(form.get_attribute("action").split("/")[2])
    step = int(form.locator("input[name=step]").get_attribute("value"))
    key = choice_form(run_id, step, choice_id)["choice"]
    page.check(f"input[name=choice][value='{key}']")
    page.click("form[action*='/choose'] button[type=submit]")


def play(page, version, module_id: str) -> None:
    scenario = version.module(module_id)["scenario"]
    page.click("form[action$='/scenario/start'] button")
    for choice in best_path(scenario):
        say(page, choice)


@pytest.mark.parametrize("lang,word", [("kk", "Модульдер"), ("ar", "الوحدات")])
def test_officer_completes_the_sample_course(page, ctx, artifacts, lang, word):
    version = load_sample()
    user = make_user(number=f"walk-{lang}", locale=lang)
    db.session.commit()
    sign_in(page, user.personnel_number, PASSWORD)
    assert page.locator("html").get_attribute("lang") == lang
    page.goto("/courses")
    page.click(f"form[action='/courses/{COURSE}/enrol'] button")
    # Enrolled: the progress bar replaces the enrol button, under the page language's heading.
    assert page.locator("#course-progress").count() == 1
    assert page.locator(f"form[action='/courses/{COURSE}/enrol']").count() == 0
    assert page.locator("h2", has_text=word).count() == 1
    # Pre-test first.
    page.click("a[href$='/modules/00-pre-test/quiz']")
    page.click("form[action$='/quiz/start'] button")
    answer_quiz(page, version, "00-pre-test")
    page.goto(f"/courses/{COURSE}")
    page.click("a.button.primary[href$='/modules/01-admission-basics']")
    lesson = page.locator("article.lesson")
    assert lesson.get_attribute("lang") == lang
    assert page.locator("article.lesson img").evaluate("img => img.naturalWidth") > 0
    if lang == "ar":
        assert page.evaluate("getComputedStyle(document.querySelector('article.lesson')).direction") == "rtl"
    page.screenshot(path=str(artifacts / f"lesson-{lang}.png"), full_page=True)
    page.click("form.end-of-lesson button")
    page.click("form[action$='/quiz/start'] button")
    answer_quiz(page, version, "01-admission-basics")
    assert "100" in page.locator("p.flash").first.inner_text()
    page.goto(f"/courses/{COURSE}/modules/02-role-play-admission/scenario")
    play(page, version, "02-role-play-admission")
    assert "/runs/" in page.url
    page.screenshot(path=str(artifacts / f"debrief-{lang}.png"), full_page=True)
    page.goto(f"/courses/{COURSE}")
    assert page.locator(".flash-success").count() >= 1
    completion = db.session.scalar(sa.select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    assert completion is not None and completion.final_score == 100


def test_role_play_in_russian_works_without_javascript(browser, live_server, ctx):
    version = load_sample()
    user = make_user(number="walk-ru", locale="ru")
    db.session.commit()
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, user.personnel_number, PASSWORD)
    page.goto("/courses")
    page.click(f"form[action='/courses/{COURSE}/enrol'] button")
    page.click(f"form[action='/courses/{COURSE}/pre-test/skip'] button")  # an explicit choice
    page.goto(f"/courses/{COURSE}/modules/02-role-play-admission/scenario")
    assert "Данияр" in page.content()
    # The officer picks each reply by its words; the page holds nothing else of it.
    scenario = version.module("02-role-play-admission")["scenario"]
    ids = {c["id"] for n in scenario["nodes"].values() for c in n.get("choices", [])}
    page.click("form[action$='/scenario/start'] button")
    node = scenario["nodes"][scenario["start"]]
    for choice_id in best_path(scenario):
        assert not ids & set(re.findall(r"[A-Za-z0-9-]+", page.content()))
        choice = next(c for c in node["choices"] if c["id"] == choice_id)
        page.get_by_label(choice["text"]["ru"], exact=True).check()
        page.click("form[action*='/choose'] button[type=submit]")
        node = scenario["nodes"][choice["next"]]
    assert "/runs/" in page.url
    assert "Пройдено" in page.locator("p.flash").first.inner_text()
    context.close()
