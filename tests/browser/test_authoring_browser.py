"""A trainer writes a course in Russian in the browser, an officer completes it, the trainer
publishes a correction and a new version, and a second tab's stale save shows the conflict."""

from __future__ import annotations

import re

import sqlalchemy as sa

from lms.catalog.models import Course, CourseVersion
from lms.extensions import db
from lms.learning.models import CourseCompletion
from lms.quizzes.models import QuizAttempt
from tests.authoring_helpers import make_author
from tests.browser.conftest import sign_in
from tests.browser.test_learning_browser import say
from tests.course_helpers import correct_answers, form_of
from tests.factories import PASSWORD, make_user

CID = "pervaya-pomosch"
LESSON = "01-zaderzhanie"
TALK = "02-razgovor"
EXAM = "03-itogovyy-test"


def module_yaml(module_id: str, kind: str, title: str) -> str:
    return (f"id: {module_id}\nkind: {kind}\ntitle:\n  ru: {title}\nestimated_minutes: 10\n"
            "objectives:\n  - ru: Оказывать первую помощь задержанному\n")


QUIZ = """id: itogovyy-test-quiz
pass_mark: 50
attempts: 3
shuffle: true
draw: 2
questions:
  - id: q-breathing
    type: single
    text: {ru: "Что проверить в первую очередь?"}
    options:
      - {id: a, text: {ru: "Дыхание"}, correct: true, feedback: {ru: "Верно: сначала дыхание."}}
      - {id: b, text: {ru: "Документы"}}
  - id: q-call
    type: true_false
    text: {ru: "Врача вызывают сразу при потере сознания."}
    options:
      - {id: "true", text: {ru: "Верно"}, correct: true}
      - {id: "false", text: {ru: "Неверно"}}
  - id: q-record
    type: multiple
    text: {ru: "Что записать в журнал?"}
    options:
      - {id: a, text: {ru: "Время"}, correct: true}
      - {id: b, text: {ru: "Принятые меры"}, correct: true}
      - {id: c, text: {ru: "Слухи"}}
"""

SCENARIO = """id: razgovor-scenario
title: {ru: "Разговор с задержанным"}
briefing: {ru: "Задержанный жалуется на боль в груди."}
roles:
  officer: {name: {ru: "Сотрудник"}}
  detainee: {name: {ru: "Задержанный"}, card: {ru: "Вам страшно и больно."}}
start: n1
pass_score: 4
nodes:
  n1:
    speaker: detainee
    text: {ru: "Мне плохо, болит в груди."}
    choices:
      - {id: c1, text: {ru: "Где именно болит? Я вызову врача."}, next: n2, score: 2}
      - {id: c2, text: {ru: "Потерпите до утра."}, next: end-poor, score: 0}
  n2:
    speaker: detainee
    text: {ru: "Слева, и трудно дышать."}
    choices:
      - {id: c1, text: {ru: "Сядьте, дышите медленно, врач уже идет."}, next: n3, score: 2}
      - {id: c2, text: {ru: "Не преувеличивайте."}, next: end-poor, score: 0}
  n3:
    speaker: detainee
    text: {ru: "Спасибо, что не оставили меня."}
    choices:
      - {id: c1, text: {ru: "Я буду рядом, пока врач не придет."}, next: end-good, score: 1}
  end-good: {ending: good, debrief: {ru: "Вы действовали быстро и спокойно."}}
  end-poor: {ending: poor, debrief: {ru: "Боль в груди требует врача сразу."}}
"""


def save_file(page, path: str, text: str) -> None:
    page.goto(f"/authoring/courses/{CID}/file?path={path}")
    page.fill("textarea[name=text]", text)
    page.click("form.editor-form button.primary")
    page.wait_for_load_state()
    assert page.locator("p.flash-success").count() == 1, page.content()


def add_module(page, title: str, kind: str) -> None:
    page.goto(f"/authoring/courses/{CID}")
    form = page.locator("form:has(input[name=title])")
    form.locator("input[name=title]").fill(title)
    form.locator("select[name=kind]").select_option(kind)
    form.locator("button").click()


def fill_node(page, node_id: str, fields: dict, new: bool = True) -> None:
    url = f"/authoring/courses/{CID}/scenario-node?module={TALK}" + ("" if new else f"&node={node_id}")
    page.goto(url)
    if new:
        page.fill("input[name=node_id]", node_id)
    for name, value in fields.items():
        target = page.locator(f"[name={name}]")
        if target.evaluate("el => el.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    page.click("form.scenario-node button.primary")


def write_role_play(page) -> None:
    """The role-play of SCENARIO written through the forms, not as text."""
    page.goto(f"/authoring/courses/{CID}/scenario-editor?module={TALK}")
    for name, value in {"sid": "razgovor-scenario", "title_ru": "Разговор с задержанным",
                        "briefing_ru": "Задержанный жалуется на боль в груди.", "pass_score": "4",
                        "role0_name_ru": "Сотрудник", "role1_key": "detainee", "role1_name_ru": "Задержанный",
                        "role1_card_ru": "Вам страшно и больно."}.items():
        page.fill(f"[name={name}]", value)
    page.click("form:has(input[name=sid]) button.primary")
    assert page.locator("p.flash-success").count() == 1, page.content()
    fill_node(page, "end-good", {"ending": "good", "debrief_ru": "Вы действовали быстро и спокойно."})
    fill_node(page, "end-poor", {"ending": "poor", "debrief_ru": "Боль в груди требует врача сразу."})
    fill_node(page, "n3", {"speaker": "detainee", "text_ru": "Спасибо, что не оставили меня.",
                           "c0_id": "c1", "c0_text_ru": "Я буду рядом, пока врач не придет.", "c0_next": "end-good",
                           "c0_score": "1"})
    fill_node(page, "n2", {"speaker": "detainee", "text_ru": "Слева, и трудно дышать.",
                           "c0_id": "c1", "c0_text_ru": "Сядьте, дышите медленно, врач уже идет.", "c0_next": "n3",
                           "c0_score": "много",
                           "c1_id": "c2", "c1_text_ru": "Не преувеличивайте.", "c1_next": "end-poor", "c1_score": "0"})
    # The course check's own rule, in Russian, next to the score that breaks it; the draft keeps the text.
    error = page.locator("#c0_score-err")
    assert error.is_visible() and "целым числом" in error.inner_text()
    assert page.locator("#c0_score").input_value() == "много"
    fill_node(page, "n2", {"c0_score": "2"}, new=False)
    assert page.locator("#c0_score-err").count() == 0
    # The starting node n1, made a step of the conversation.
    fill_node(page, "n1", {"ending": "", "speaker": "detainee", "text_ru": "Мне плохо, болит в груди.",
                           "c0_id": "c1", "c0_text_ru": "Где именно болит? Я вызову врача.", "c0_next": "n2",
                           "c0_score": "2", "c1_id": "c2", "c1_text_ru": "Потерпите до утра.", "c1_next": "end-poor",
                           "c1_score": "0"}, new=False)
    page.goto(f"/authoring/courses/{CID}/scenario-editor?module={TALK}")
    assert page.locator("ol.node-list li").count() == 5
    assert page.locator("ol.node-list .errors").count() == 0, page.content()


def publish(page, mode: str | None) -> None:
    page.goto(f"/authoring/courses/{CID}/publish")
    if mode:
        page.check(f"input[name=mode][value={mode}]")
    page.click("form button.primary")
    assert "Опубликовано как версия" in page.locator("p.flash").first.inner_text()


def answer_quiz(page, version, module_id: str) -> None:
    action = page.locator("form[action^='/attempts/']").get_attribute("action")
    attempt_id = int(action.rsplit("/", 1)[1])
    form = form_of(correct_answers(version, module_id), attempt_id)
    for name, keys in form.items():
        for key in keys if name != "action" else []:
            box = page.locator(f"input[name='{name}'][value='{key}']")
            if box.count():  # a pool: only the drawn questions are on the page
                box.check()
    page.click("button[name=action][value=submit]")


def test_trainer_writes_publishes_and_corrects_a_course_an_officer_completes(browser, live_server, ctx, artifacts,
                                                                              tmp_path):
    from PIL import Image

    trainer = make_author(number="author-ru", locale="ru")
    officer = make_user(number="officer-ru", locale="ru")
    db.session.commit()
    trainer_ctx = browser.new_context(base_url=live_server)
    page = trainer_ctx.new_page()
    sign_in(page, trainer.personnel_number, PASSWORD)

    # A new course in Russian: the id comes from the title.
    page.goto("/authoring")
    page.fill("input[name=title]", "Первая помощь")
    page.select_option("select[name=lang]", "ru")
    page.click("form[action$='/authoring/new'] button")
    assert page.url.endswith(f"/authoring/courses/{CID}")
    page.goto(f"/authoring/courses/{CID}/settings")
    page.fill("textarea[name=summary_ru]", "Как помочь задержанному, которому стало плохо.")
    page.check("input[name=certificate_enabled]")
    page.fill("input[name=certificate_hours]", "1")
    page.click("form button.primary")
    assert "Сохранено как редакция" in page.locator("p.flash").first.inner_text()

    add_module(page, "Задержание", "lesson")
    add_module(page, "Разговор", "scenario")
    add_module(page, "Итоговый тест", "assessment")

    # An image uploaded into the lesson's media, re-encoded and named by its hash.
    picture = tmp_path / "schema.png"
    Image.new("RGB", (120, 80), (30, 90, 160)).save(picture)
    page.goto(f"/authoring/courses/{CID}")
    page.select_option("form[action$='/upload'] select[name=module]", LESSON)
    page.set_input_files("form[action$='/upload'] input[name=image]", str(picture))
    page.click("form[action$='/upload'] button")
    image = re.search(r"media/[0-9a-f]{16}\.png", page.locator("p.flash").first.inner_text()).group(0)

    save_file(page, f"{LESSON}/module.yaml", module_yaml(LESSON, "lesson", "Задержание"))
    save_file(page, f"{TALK}/module.yaml", module_yaml(TALK, "scenario", "Разговор"))
    save_file(page, f"{EXAM}/module.yaml", f"id: {EXAM}\nkind: assessment\ntitle:\n  ru: Итоговый тест\n")
    write_role_play(page)
    save_file(page, f"{EXAM}/quiz.yaml", QUIZ)

    # The lesson, with the live preview following the typing, then saved and previewed.
    page.goto(f"/authoring/courses/{CID}/file?path={LESSON}/lesson.ru.md")
    # The toolbar, by keyboard: one tab stop, arrows between buttons, Enter inserts.
    page.fill("textarea[name=text]", "")
    page.focus("#md-toolbar button[data-md=heading]")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.md") == "bold"
    page.keyboard.press("Enter")
    assert page.locator("textarea[name=text]").input_value() == "**текст**"
    page.locator("textarea[name=text]").evaluate("t => t.setSelectionRange(t.value.length, t.value.length)")
    page.focus("#md-toolbar button[data-md=bold]")
    page.keyboard.press("End")
    page.keyboard.press("Enter")  # the image button: the uploaded picture is offered
    assert f"![что изображено на рисунке]({image})" in page.locator("textarea[name=text]").input_value()
    page.wait_for_selector("#live-preview strong")
    page.locator("#autosave-status", has_text="Сохранено").wait_for()
    lesson = (f"## Первые минуты\n\n![Схема действий]({image})\n\n!!! warning \"Важно\"\n"
              "    Боль в груди — повод вызвать врача сразу.\n\nПроверьте дыхание[^1].\n\n[^1]: Правило 24.\n")
    page.fill("textarea[name=text]", lesson)
    page.wait_for_selector("#live-preview .admonition")
    assert page.locator("#live-preview img").evaluate("img => img.naturalWidth") == 120
    page.click("button[name=then][value=preview]")
    assert page.locator("article.lesson .admonition").count() == 1
    page.screenshot(path=str(artifacts / "authoring-lesson-preview-ru.png"), full_page=True)

    # The role-play graph, and playing it from its second node.
    page.goto(f"/authoring/courses/{CID}/graph?module={TALK}")
    assert page.locator("svg.scenario-graph g.node").count() == 5
    assert page.locator("svg.scenario-graph g.unreachable, svg.scenario-graph g.dead-end").count() == 0
    page.screenshot(path=str(artifacts / "authoring-graph-ru.png"), full_page=True)
    page.click("svg.scenario-graph a:has(g[data-node=n2])")
    page.click("text=Сядьте, дышите медленно, врач уже идет.")
    page.click("text=Я буду рядом, пока врач не придет.")
    assert "Вы действовали быстро и спокойно." in page.content()

    # Preview on the officers' own pages (module, briefing, steps, debrief; quiz and review), nothing recorded.
    from lms.scenarios.models import ScenarioRun

    page.goto(f"/authoring/courses/{CID}")
    page.click(f"a[href*='as-officer?module={TALK}']")
    page.locator(".preview-banner").wait_for()  # the click navigates; wait for the page, not just its URL
    assert page.locator(".preview-banner").count() == 1
    page.click("a[href*='as-officer/role-play']")
    assert "Задержанный жалуется на боль в груди." in page.content()
    page.click("form[action*='as-officer/role-play'] button")
    for reply in ("Где именно болит? Я вызову врача.", "Сядьте, дышите медленно, врач уже идет.",
                  "Я буду рядом, пока врач не придет."):
        page.get_by_label(reply).check()
        page.click("form[action*='as-officer/role-play'] button[type=submit]")
    assert "Вы действовали быстро и спокойно." in page.content()
    assert page.locator("p.flash-success").count() == 1
    page.screenshot(path=str(artifacts / "authoring-officer-preview-debrief-ru.png"), full_page=True)
    page.goto(f"/authoring/courses/{CID}/as-officer/quiz?module={EXAM}&lang=ru")
    assert page.locator("fieldset.question").count() == 2  # the pool draws two of three
    page.click("button[name=action][value=submit]")
    assert page.locator("p.flash-error").count() == 1  # nothing answered: not passed
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScenarioRun)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 0

    # Published: the course check passes, version 1.
    page.goto(f"/authoring/courses/{CID}")
    assert "может быть опубликован" in page.content(), page.content()
    publish(page, None)
    db.session.expire_all()
    version1 = db.session.scalar(sa.select(CourseVersion).where(CourseVersion.course_id == CID))
    assert version1.version == 1

    # An officer completes it.
    officer_ctx = browser.new_context(base_url=live_server)
    o = officer_ctx.new_page()
    sign_in(o, officer.personnel_number, PASSWORD)
    o.goto("/courses")
    o.click(f"form[action='/courses/{CID}/enrol'] button")
    o.goto(f"/courses/{CID}/modules/{LESSON}")
    assert o.locator("article.lesson img").evaluate("img => img.naturalWidth") == 120
    o.click("form.end-of-lesson button")
    o.goto(f"/courses/{CID}/modules/{TALK}/scenario")
    o.click("form[action$='/scenario/start'] button")
    for choice in ("c1", "c1", "c1"):
        say(o, choice)
    o.goto(f"/courses/{CID}/modules/{EXAM}/quiz")
    o.click("form[action$='/quiz/start'] button")
    assert o.locator("fieldset").count() == 2  # two of the pool's three questions
    answer_quiz(o, version1, EXAM)
    db.session.expire_all()
    done = db.session.scalar(sa.select(CourseCompletion).where(CourseCompletion.user_id == officer.id))
    assert done is not None and done.course_version == 1
    records = [(a.id, a.course_version, a.score) for a in db.session.scalars(sa.select(QuizAttempt))]

    # A correction: same version, records unchanged.
    save_file(page, f"{LESSON}/lesson.ru.md", lesson + "\nВызовите дежурного врача.\n")
    publish(page, "correction")
    db.session.expire_all()
    assert db.session.get(Course, CID).current_version == 1
    assert [(a.id, a.course_version, a.score) for a in db.session.scalars(sa.select(QuizAttempt))] == records
    o.goto(f"/courses/{CID}/modules/{LESSON}")
    assert "Вызовите дежурного врача." in o.content()

    # A new version: the officer's records keep version 1.
    save_file(page, f"{EXAM}/quiz.yaml", QUIZ.replace("draw: 2", "draw: 3"))
    publish(page, "new-version")
    db.session.expire_all()
    assert db.session.get(Course, CID).current_version == 2
    assert {a.course_version for a in db.session.scalars(sa.select(QuizAttempt))} == {1}
    assert db.session.scalar(sa.select(CourseCompletion.course_version).where(
        CourseCompletion.user_id == officer.id)) == 1

    # Two tabs: the second saves from a stale revision and sees both texts, its own kept.
    second_ctx = browser.new_context(base_url=live_server)
    second = second_ctx.new_page()
    sign_in(second, trainer.personnel_number, PASSWORD)
    second.goto(f"/authoring/courses/{CID}/file?path={LESSON}/lesson.ru.md")
    save_file(page, f"{LESSON}/lesson.ru.md", lesson + "\nТекст из первой вкладки.\n")
    second.fill("textarea[name=text]", lesson + "\nТекст из второй вкладки.\n")
    second.click("form.editor-form button.primary")
    assert "Ваш текст" in second.content()
    assert "Текст из второй вкладки." in second.locator("textarea#text").input_value()
    assert "Текст из первой вкладки." in second.locator("textarea#theirs").input_value()
    second.screenshot(path=str(artifacts / "authoring-conflict-ru.png"), full_page=True)
    for context in (trainer_ctx, officer_ctx, second_ctx):
        context.close()


def test_an_arabic_trainer_writes_a_role_play_through_the_forms_right_to_left(browser, live_server, ctx, artifacts):
    trainer = make_author(number="author-ar", locale="ar")
    db.session.commit()
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    sign_in(page, trainer.personnel_number, PASSWORD)
    page.goto("/authoring")
    page.fill("input[name=title]", "الإسعافات الأولية")
    page.select_option("select[name=lang]", "ar")
    page.fill("input[name=course_id]", "isaf")
    page.click("form[action$='/authoring/new'] button")
    page.goto("/authoring/courses/isaf")
    form = page.locator("form:has(input[name=title])")
    form.locator("input[name=title]").fill("محادثة")
    form.locator("select[name=kind]").select_option("scenario")
    form.locator("input[name=module_id]").fill("01-talk")
    form.locator("button").click()

    page.goto("/authoring/courses/isaf/scenario-editor?module=01-talk")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.fill("[name=briefing_ar]", "المحتجز يشكو من ألم في صدره.")
    page.fill("[name=role0_name_ar]", "الموظف")
    page.click("form:has(input[name=sid]) button.primary")
    page.goto("/authoring/courses/isaf/scenario-node?module=01-talk")
    page.fill("input[name=node_id]", "n2")
    page.fill("[name=text_ar]", "أشعر بألم.")
    page.fill("[name=c0_id]", "c1")
    page.fill("[name=c0_text_ar]", "سأستدعي الطبيب.")
    page.fill("[name=c0_next]", "nowhere")
    page.click("form.scenario-node button.primary")
    # The course check's rule, in Arabic, beside the field it concerns; the field keeps what was typed.
    error = page.locator("#c0_next-err")
    assert error.is_visible() and "غير موجودة" in error.inner_text(), page.content()
    assert page.locator("#c0_next").get_attribute("aria-invalid") == "true"
    field_box, error_box = page.locator("#c0_next").bounding_box(), error.bounding_box()
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 40  # right under the field
    assert page.locator("#c0_next").input_value() == "nowhere"
    page.screenshot(path=str(artifacts / "authoring-role-play-node-ar.png"), full_page=True)
    # A session that expired while typing loses nothing: the browser kept the entries and offers them back.
    page.fill("[name=c0_text_ar]", "سأبقى معك حتى يصل الطبيب.")
    context.clear_cookies()
    page.click("form.scenario-node button.primary")
    sign_in(page, trainer.personnel_number, PASSWORD)
    page.goto("/authoring/courses/isaf/scenario-node?module=01-talk&node=n2")
    assert page.locator("[name=c0_text_ar]").input_value() == "سأستدعي الطبيب."
    page.click("#restore-unsaved button")
    assert page.locator("[name=c0_text_ar]").input_value() == "سأبقى معك حتى يصل الطبيب."
    # The form saves itself to the draft a moment later (autosave), without the button.
    page.locator("#autosave-status").filter(has_text=re.compile(r"[0-9٠-٩]")).wait_for()
    page.reload()
    assert page.locator("[name=c0_text_ar]").input_value() == "سأبقى معك حتى يصل الطبيب."
    page.goto("/authoring/courses/isaf/scenario-editor?module=01-talk")
    assert page.locator("ol.node-list li", has_text="n2").locator(".errors").count() == 1

    # The lesson toolbar right to left: the arrow pointing away from the start moves on.
    page.goto("/authoring/courses/isaf/file?path=01-talk/lesson.ar.md")
    page.focus("#md-toolbar button[data-md=heading]")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.dataset.md") == "bold"
    page.keyboard.press("Enter")
    assert page.locator("textarea[name=text]").input_value() == "**نص**"
    page.screenshot(path=str(artifacts / "authoring-toolbar-ar.png"), full_page=True)
    context.close()
