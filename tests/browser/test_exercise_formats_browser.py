"""An officer answers a classify and a best-response question in Chromium on a phone, with
the keyboard only, in Russian and in Arabic (right to left), then reads the review."""

import pytest
import sqlalchemy as sa
from flask import current_app

from lms.extensions import db
from lms.quizzes.attempts import option_key
from lms.quizzes.models import QuizAttempt
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_user
from tests.test_exercise_formats import BEST, CLASSIFY, COURSE, MODULE, RIGHT, SINGLE, load_formats

PHONE = {"width": 360, "height": 740}


def _key(attempt_id: int, qid: str, choice: str) -> str:
    return option_key(current_app.config["SECRET_KEY"], attempt_id, qid, choice)


def _choose_with_keys(page, radios, wanted: str) -> None:
    """Tab into a radio group and move to the wanted option with the arrow keys."""
    values = [radios.nth(i).get_attribute("value") for i in range(radios.count())]
    radios.first.focus()
    page.keyboard.press("Space")
    for _ in range(values.index(wanted)):
        page.keyboard.press("ArrowDown")
    assert radios.nth(values.index(wanted)).is_checked()


@pytest.mark.parametrize("lang", ["ru", "ar"])
def test_officer_sorts_statements_and_picks_a_reply_with_the_keyboard(browser, live_server, ctx, artifacts, lang):
    load_formats()
    user = make_user(number=f"formats-{lang}", locale=lang)
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True,
                                  java_script_enabled=lang == "ru")  # Arabic without JavaScript
    page = context.new_page()
    sign_in(page, user.personnel_number, PASSWORD)
    page.goto(f"/courses/{COURSE}")
    page.click(f"form[action='/courses/{COURSE}/enrol'] button")
    page.goto(f"/courses/{COURSE}/modules/{MODULE}/quiz")
    page.click("form[action$='/quiz/start'] button")
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    attempt_id = int(page.locator("form[action^='/attempts/']").get_attribute("action").rsplit("/", 1)[1])

    picks = dict(RIGHT, **{"s-fine": "change"})  # one statement put wrong
    statements = page.locator("fieldset.classify-item")
    assert statements.count() == 4
    for n in range(statements.count()):
        radios = statements.nth(n).locator("input[type=radio]")
        assert radios.count() == 3
        values = [radios.nth(i).get_attribute("value") for i in range(3)]
        item = next(i for i in RIGHT if _key(attempt_id, CLASSIFY, f"{i}:change") in values)
        _choose_with_keys(page, radios, _key(attempt_id, CLASSIFY, f"{item}:{picks[item]}"))
    # Categories run in the reading direction: right to left in Arabic.
    boxes = [statements.first.locator("label.check").nth(i).bounding_box() for i in range(2)]
    if boxes[0]["y"] == boxes[1]["y"]:
        assert (boxes[0]["x"] > boxes[1]["x"]) is (lang == "ar")
    _choose_with_keys(page, page.locator(f"input[name='q-{BEST}']"), _key(attempt_id, BEST, "simple"))
    _choose_with_keys(page, page.locator(f"input[name='q-{SINGLE}']"), _key(attempt_id, SINGLE, "what"))
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] == widths[1]
    page.screenshot(path=str(artifacts / f"formats-{lang}-attempt.png"), full_page=True)
    page.locator("button[name=action][value=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/attempts/{attempt_id}")

    db.session.expire_all()
    assert db.session.scalar(sa.select(QuizAttempt.score).where(QuizAttempt.id == attempt_id)) == 75
    # The review: three statements right and one not, the reply's partial credit, every
    # reply's feedback (the quiz is passed).
    assert page.locator(".classify > li.correct").count() == 3
    assert page.locator(".classify > li.wrong").count() == 1
    assert page.locator(".badge.warn").count() == 3  # two questions partly right, one reply's credit
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] == widths[1]
    page.screenshot(path=str(artifacts / f"formats-{lang}-review.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("lang", ["ru", "ar"])
def test_officer_rates_a_case_file_side_by_side_with_the_keyboard(browser, live_server, ctx, artifacts, lang):
    load_formats()
    user = make_user(number=f"case-{lang}", locale=lang)
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    sign_in(page, user.personnel_number, PASSWORD)
    page.goto(f"/courses/{COURSE}")
    page.click(f"form[action='/courses/{COURSE}/enrol'] button")
    page.goto(f"/courses/{COURSE}/modules/02-case-file/quiz")
    page.click("form[action$='/quiz/start'] button")
    attempt_id = int(page.locator("form[action^='/attempts/']").get_attribute("action").rsplit("/", 1)[1])
    # The two documents of the case file side by side, in the reading direction.
    documents = [page.locator("article.case-document").nth(i).bounding_box() for i in range(2)]
    assert abs(documents[0]["y"] - documents[1]["y"]) < 1
    assert (documents[0]["x"] > documents[1]["x"]) is (lang == "ar")
    page.screenshot(path=str(artifacts / f"case-file-{lang}-attempt.png"), full_page=True)
    ratings = {"f-violence": "high", "f-family": "low", "f-motivation": "high"}
    factors = page.locator("fieldset.classify-item")
    for n, factor in enumerate(["f-violence", "f-family", "f-motivation"]):  # the file's order
        _choose_with_keys(page, factors.nth(n).locator("input[type=radio]"),
                          _key(attempt_id, "q-case-k", f"{factor}:{ratings[factor]}"))
    page.locator("button[name=action][value=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/attempts/{attempt_id}")
    db.session.expire_all()
    assert db.session.scalar(sa.select(QuizAttempt.score).where(QuizAttempt.id == attempt_id)) == 66
    assert page.locator(".classify > li.correct").count() == 2
    assert page.locator(".classify > li.wrong").count() == 1
    # On a phone the documents stack, and nothing scrolls sideways.
    page.set_viewport_size(PHONE)
    documents = [page.locator("article.case-document").nth(i).bounding_box() for i in range(2)]
    assert documents[1]["y"] > documents[0]["y"] + documents[0]["height"] - 1
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] == widths[1]
    page.screenshot(path=str(artifacts / f"case-file-{lang}-review.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("lang", ["ru", "ar"])
def test_officer_justifies_each_rating_proposes_a_next_step_and_reads_the_review(browser, live_server, ctx,
                                                                                 artifacts, lang):
    from tests.test_case_file import MODULE, RIGHT, Q

    version = load_formats()
    q = version.module(MODULE)["quiz"]["questions"][0]
    user = make_user(number=f"case-plan-{lang}", locale=lang)
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, user.personnel_number, PASSWORD)
    page.goto(f"/courses/{COURSE}")
    page.click(f"form[action='/courses/{COURSE}/enrol'] button")
    page.goto(f"/courses/{COURSE}/modules/{MODULE}/quiz")
    page.click("form[action$='/quiz/start'] button")
    attempt_id = int(page.locator("form[action^='/attempts/']").get_attribute("action").rsplit("/", 1)[1])
    why = {"ru": ["Посещает все занятия и помогает другим.", "Рапортов нет."],
           "ar": ["يحضر كل الحصص ويساعد غيره.", "لا تقارير تأديبية."]}[lang]
    factors = page.locator("ol.classify > li > fieldset.classify-item")
    assert factors.count() == 2
    for n, factor in enumerate(["f-engagement", "f-disorder"]):
        _choose_with_keys(page, factors.nth(n).locator("input[type=radio]"),
                          _key(attempt_id, Q, f"{factor}:{RIGHT[factor]}"))
        factors.nth(n).locator("textarea").fill(why[n])
    placement = page.locator("fieldset.placement")
    _choose_with_keys(page, placement.locator("input[type=radio]"), _key(attempt_id, Q, "placement=p-workshop"))
    # Save, come back: what was written is there; then too long a reason is refused and kept.
    page.click("button[name=action][value=save]")
    page.goto(f"/courses/{COURSE}/modules/{MODULE}/quiz")
    assert page.locator("ol.classify textarea").first.input_value() == why[0]
    reason = page.locator("fieldset.placement textarea")
    reason.evaluate("(el, v) => { el.removeAttribute('maxlength'); el.value = v; }", "x" * 301)
    page.click("button[name=action][value=submit]")
    assert page.locator("fieldset.placement textarea[aria-invalid=true]").count() == 1
    assert page.locator("fieldset.placement textarea").input_value() == "x" * 301
    page.screenshot(path=str(artifacts / f"case-plan-{lang}-refused.png"), full_page=True)
    page.locator("fieldset.placement textarea").fill(why[1])
    page.click("button[name=action][value=submit]")
    page.wait_for_url(f"**/attempts/{attempt_id}")
    db.session.expire_all()
    assert db.session.scalar(sa.select(QuizAttempt.score).where(QuizAttempt.id == attempt_id)) == 100
    # The review: each justification beside the expert's rating and reasoning, and the next step.
    review = page.locator("main").inner_text()
    for text in [*why, q["items"][0]["feedback"][lang], q["placement"]["reasoning"][lang]]:
        assert text in review
    assert page.locator(".rate-review .badge.ok").count() == 2
    assert page.locator(".placement-review.correct").count() == 1
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] == widths[1]
    page.screenshot(path=str(artifacts / f"case-plan-{lang}-review.png"), full_page=True)
    context.close()


def test_a_trainer_reads_the_case_file_ratings_in_arabic_on_a_phone(browser, live_server, ctx, artifacts, client):
    from lms.org.models import Role
    from tests.factories import make_institution
    from tests.test_case_file import CASE_URL, _answer_case

    load_formats()
    home = make_institution(name="Home prison")
    _answer_case(client, "cf-br-1", home, {"f-engagement": "low", "f-disorder": "low"}, "p-keep",
                 {"f-engagement": "لا يحضر إلا أحيانًا، بحسب ما فهمت.", "f-disorder": "لا تقارير."})
    _answer_case(client, "cf-br-2", home, {"f-engagement": "high", "f-disorder": "high"}, "p-workshop",
                 {"f-engagement": "يحضر كل الحصص.", "f-disorder": "أخشى المشكلات."})
    trainer = make_user(role=Role.TRAINER, institution=home, scope_institution=home, number="cf-br-trainer",
                        locale="ar")
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, trainer.personnel_number, PASSWORD)
    page.goto(f"/reports/questions?course={COURSE}&quiz=03-case-plan-quiz")
    page.click("a.case-file-link")
    page.wait_for_url(f"**{CASE_URL}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == "تقديرات ملف الحالة"
    assert page.locator("#factors tbody tr").count() == 2
    assert page.locator("section.officer-case").count() == 2
    main = page.locator("main").inner_text()
    assert "لا يحضر إلا أحيانًا، بحسب ما فهمت." in main and "أخشى المشكلات." in main
    # Wide tables scroll inside their frame; the page itself never scrolls sideways.
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] == widths[1]
    page.screenshot(path=str(artifacts / "case-file-ratings-ar.png"), full_page=True)
    context.close()
