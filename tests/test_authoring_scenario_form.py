"""The role-play form editor: it writes scenario.yaml in the course format, the course check's
problems show next to the field they concern, and nothing typed is lost on any refusal."""

from __future__ import annotations

import re

import sqlalchemy as sa
import yaml

from lms.authoring import drafts
from lms.extensions import db
from tests.authoring_helpers import audit_actions, make_author
from tests.factories import login

CID = "c-rp"
MID = "02-talk"
PATH = f"{MID}/scenario.yaml"


def _scenario() -> dict:
    db.session.expire_all()
    draft = drafts.draft_of(CID)
    return yaml.safe_load(drafts.files_of(drafts.revision(draft))[PATH])


def _head() -> int:
    db.session.expire_all()
    return drafts.draft_of(CID).head


def _new_course(client):
    author = make_author()
    db.session.commit()
    login(client, author)
    client.post("/authoring/new", data={"title": "Разговор", "lang": "ru", "course_id": CID})
    client.post(f"/authoring/courses/{CID}/modules",
                data={"base": _head(), "action": "add", "title": "Беседа", "kind": "scenario", "module_id": MID})
    assert PATH in drafts.files_of(drafts.revision(drafts.draft_of(CID)))
    return author


def _settings(**extra) -> dict:
    data = {"base": _head(), "action": "settings", "roles": "3", "checks": "2", "vars": "2",
            "sid": "talk-scenario", "title_ru": "Беседа с задержанным", "briefing_ru": "Он жалуется на боль.",
            "feedback": "immediate", "start": "n1", "pass_score": "3",
            "role0_key": "officer", "role0_name_ru": "Сотрудник",
            "role1_key": "detainee", "role1_name_ru": "Задержанный", "role1_card_ru": "Вам страшно.",
            "role2_key": "", "chk0_id": "calm", "chk0_text_ru": "Говорит спокойно",
            "var0_name": "trust", "var0_value": "0"}
    data.update(extra)
    return data


def _node(**fields) -> dict:
    return {"base": _head(), "rows": "3", **fields}


def test_a_role_play_written_through_forms_is_the_course_format_and_passes_the_check(client, ctx):
    _new_course(client)
    editor = f"/authoring/courses/{CID}/scenario-editor?module={MID}"
    node_url = f"/authoring/courses/{CID}/scenario-node?module={MID}"
    assert client.post(editor, data=_settings()).status_code == 302
    # Replace the starting ending node and build five nodes.
    client.post(editor, data={"base": _head(), "action": "remove-node", "node": "n1"})
    for nid, fields in [
        ("good", {"ending": "good", "debrief_ru": "Вы справились."}),
        ("poor", {"ending": "poor", "debrief_ru": "Врача надо звать сразу."}),
        ("n2", {"speaker": "detainee", "text_ru": "Слева болит.",
                "c0_id": "c1", "c0_text_ru": "Врач идёт.", "c0_next": "good", "c0_score": "1",
                "c0_when_trust_min": "1", "c1_id": "c2", "c1_text_ru": "Ждите.", "c1_next": "poor"}),
        ("n1", {"speaker": "detainee", "text_ru": "Мне плохо.",
                "c0_id": "c1", "c0_text_ru": "Где болит?", "c0_next": "n2", "c0_score": "2",
                "c0_feedback_ru": "Открытый вопрос.", "c0_skills": "calm", "c0_set_trust": "1",
                "c1_id": "c2", "c1_text_ru": "Потерпите.", "c1_next": "poor", "c1_score": "0"}),
    ]:
        response = client.post(node_url, data=_node(node_id=nid, **fields))
        assert response.status_code == 302, response.get_data(as_text=True)
    client.post(editor, data=_settings(base=_head()))
    data = _scenario()
    assert list(data) == ["id", "title", "briefing", "roles", "observer_checklist", "variables", "start",
                          "pass_score", "nodes"]
    assert data["roles"] == {"officer": {"name": {"ru": "Сотрудник"}},
                             "detainee": {"name": {"ru": "Задержанный"}, "card": {"ru": "Вам страшно."}}}
    assert data["observer_checklist"] == [{"id": "calm", "text": {"ru": "Говорит спокойно"}}]
    assert data["variables"] == {"trust": 0} and data["start"] == "n1" and data["pass_score"] == 3
    assert data["nodes"]["n1"] == {
        "speaker": "detainee", "text": {"ru": "Мне плохо."},
        "choices": [
            {"id": "c1", "text": {"ru": "Где болит?"}, "next": "n2", "score": 2, "skills": ["calm"],
             "feedback": {"ru": "Открытый вопрос."}, "set": {"trust": 1}},
            {"id": "c2", "text": {"ru": "Потерпите."}, "next": "poor", "score": 0},
        ]}
    assert data["nodes"]["n2"]["choices"][0]["when"] == {"trust": {"min": 1}}
    assert data["nodes"]["good"] == {"ending": "good", "debrief": {"ru": "Вы справились."}}
    files = drafts.files_of(drafts.revision(drafts.draft_of(CID)))
    _course, problems = drafts.check(CID, files)
    assert not [p for p in problems if p.file.endswith("scenario.yaml")], problems
    assert "authoring.saved" in audit_actions(CID)
    # The pages show what was written.
    page = client.get(node_url + "&node=n1").get_data(as_text=True)
    assert 'value="Где болит?"' in page and 'name="c0_skills" value="calm" checked' in page
    assert 'id="c0_set_trust" name="c0_set_trust"' in page


def test_the_checks_problems_show_next_to_their_fields_in_the_authors_language(client, ctx):
    author = _new_course(client)
    author.locale = "ru"
    db.session.commit()
    node_url = f"/authoring/courses/{CID}/scenario-node?module={MID}"
    client.post(f"/authoring/courses/{CID}/scenario-editor?module={MID}", data=_settings())
    client.post(node_url, data=_node(node_id="n2", speaker="detainee", text_ru="Ну?",
                                     c0_id="c1", c0_text_ru="Да", c0_next="nowhere", c0_score="many"))
    page = client.get(node_url + "&node=n2").get_data(as_text=True)
    # The course check's own rules, translated, beside the field they name.
    score = re.search(r'id="c0_score".*?</div>', page, re.S).group(0)
    assert 'aria-invalid="true"' in score and "целым числом" in score, score
    nxt = re.search(r'id="c0_next".*?</div>', page, re.S).group(0)
    assert "nowhere" in nxt and 'class="errors"' in nxt
    assert _scenario()["nodes"]["n2"]["choices"][0]["score"] == "many"  # the draft keeps what was typed


def test_a_refused_node_save_keeps_everything_typed(client, ctx):
    _new_course(client)
    client.post(f"/authoring/courses/{CID}/scenario-editor?module={MID}", data=_settings())
    node_url = f"/authoring/courses/{CID}/scenario-node?module={MID}"
    before = _head()
    # A variable's change that is not a number: refused, nothing saved, everything kept.
    response = client.post(node_url, data=_node(node_id="n5", speaker="detainee", text_ru="Текст, который жалко",
                                                 c0_id="c1", c0_text_ru="Ответ", c0_next="n1",
                                                 c0_set_trust="a lot"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and _head() == before
    assert "Текст, который жалко" in page and 'value="a lot"' in page
    assert re.search(r'id="c0_set_trust"[^>]*aria-invalid="true"', page)
    # A stale save (someone saved meanwhile): refused as a conflict, the typed text kept.
    stale = client.post(node_url, data=_node(base=before - 1, node_id="n5", speaker="detainee",
                                             text_ru="Второй текст", c0_id="c1", c0_text_ru="Ответ", c0_next="n1"))
    assert stale.status_code == 409 and "Второй текст" in stale.get_data(as_text=True)
    assert f'href="/authoring/courses/{CID}/revisions/{before}"' in stale.get_data(as_text=True)
    assert "n5" not in _scenario()["nodes"]
    # An id that is taken.
    taken = client.post(node_url, data=_node(node_id="n1", text_ru="Дубль"))
    assert taken.status_code == 422 and "Дубль" in taken.get_data(as_text=True)


def test_a_scenario_that_is_not_yaml_goes_to_the_text_editor(client, ctx):
    _new_course(client)
    draft = drafts.draft_of(CID)
    drafts.save(draft, _user(), _head(), {PATH: b"nodes: [\n"})
    db.session.commit()
    response = client.get(f"/authoring/courses/{CID}/scenario-editor?module={MID}")
    assert response.status_code == 302 and "/file?path=" in response.headers["Location"]
    assert client.get(f"/authoring/courses/{CID}/scenario-editor?module=none").status_code == 404


def _user():
    from lms.org.models import User

    return db.session.scalars(sa.select(User)).first()


def test_quiz_forms_show_the_checks_problems_beside_their_fields(client, ctx):
    author = make_author(locale="ru")
    draft = drafts.create_course(author, "c61", "Курс", "ru")
    from lms.authoring import course_form

    drafts.save(draft, author, 1, course_form.add_module(drafts.files_of(drafts.revision(draft)), "03-exam",
                                                           "assessment", "Экзамен", set()))
    drafts.save(draft, author, 2, {"03-exam/quiz.yaml": (
        "id: exam\npass_mark: 150\nquestions:\n"
        "  - id: q-one\n    type: single\n    text: {ru: Что?}\n"
        "    options:\n      - {id: a, text: {ru: Да}}\n      - {id: b, text: {}}\n").encode()})
    db.session.commit()
    login(client, author)
    page = client.get("/authoring/courses/c61/question?module=03-exam&index=0").get_data(as_text=True)
    option = re.search(r'<fieldset class="question">\s*<legend>Вариант 2</legend>.*?</fieldset>\s*</fieldset>',
                       page, re.S)
    assert option and 'id="opt1_text_ru"' in option.group(0) and "нет перевода" in option.group(0).lower(), page
    assert re.search(r'<ul class="errors" id="page-err"><li>.*ни один вариант', page, re.S | re.I)
    quiz = client.get("/authoring/courses/c61/quiz-editor?module=03-exam").get_data(as_text=True)
    pass_mark = re.search(r'id="pass_mark".*?</div>', quiz, re.S).group(0)
    assert 'aria-invalid="true"' in pass_mark and "0..100" in pass_mark
    refused = client.post("/authoring/courses/c61/quiz-editor?module=03-exam",
                          data={"base": "3", "action": "settings", "quiz_id": "exam", "attempts": "три"})
    attempts = re.search(r'id="attempts".*?</div>', refused.get_data(as_text=True), re.S).group(0)
    assert refused.status_code == 422 and 'value="три"' in attempts and 'class="errors"' in attempts


def test_the_text_editor_names_the_line_of_each_problem_and_keeps_the_text(client, ctx):
    _new_course(client)
    text = _scenario_yaml_with_broken_next()
    page = client.get(f"/authoring/courses/{CID}/file?path={PATH}").get_data(as_text=True)
    base = re.search(r'name="base" type="hidden" value="(\d+)"', page).group(1)
    response = client.post(f"/authoring/courses/{CID}/file?path={PATH}", data={"base": base, "text": text})
    assert response.status_code == 302
    page = client.get(f"/authoring/courses/{CID}/file?path={PATH}").get_data(as_text=True)
    line = text.splitlines().index("      - {id: c1, text: {ru: Да}, next: nowhere}") + 1
    assert re.search(rf'<a href="#text" data-line="{line}">Line {line}</a> · <span dir="ltr"><code>'
                     r'nodes\.n1\.choices\[0\]\.next</code></span>: next &#39;nowhere&#39; does not exist', page), page
    assert "next: nowhere" in page  # the saved draft keeps the text as typed


def _scenario_yaml_with_broken_next() -> str:
    return ("id: talk\ntitle: {ru: Беседа}\nbriefing: {ru: Он молчит.}\nroles:\n  officer: {name: {ru: Сотрудник}}\n"
            "start: n1\npass_score: 0\nnodes:\n  n1:\n    speaker: officer\n    text: {ru: Ну?}\n    choices:\n"
            "      - {id: c1, text: {ru: Да}, next: nowhere}\n  end: {ending: good, debrief: {ru: Хорошо.}}\n")


def test_lesson_editor_has_a_toolbar_that_is_hidden_without_javascript(client, ctx):
    _new_course(client)
    path = f"{MID}/lesson.ru.md"
    page = client.get(f"/authoring/courses/{CID}/file?path={path}").get_data(as_text=True)
    bar = re.search(r'<div id="md-toolbar"[^>]*>', page).group(0)
    assert 'role="toolbar"' in bar and " hidden" in bar
    for action in ("heading", "bold", "bullets", "numbers", "link", "table", "note", "warning", "example",
                   "footnote", "image"):
        assert f'data-md="{action}"' in page
    assert 'id="md-toolbar"' not in client.get(f"/authoring/courses/{CID}/file?path={PATH}").get_data(as_text=True)


def test_a_draft_module_is_previewed_on_the_officers_own_page_recording_nothing(client, ctx):
    from lms.learning.models import ModuleProgress, ProgressEvent

    _new_course(client)
    lesson = f"{MID}/lesson.ru.md"
    drafts.save(drafts.draft_of(CID), _user(), _head(), {lesson: "## Начало\n\n| А | Б |\n|---|---|\n| 1 | 2 |\n".encode()})
    db.session.commit()
    page = client.get(f"/authoring/courses/{CID}/as-officer?module={MID}&lang=ru")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'class="notice preview-banner"' in html
    # The officers' template: its lesson article, the table in its scrolling region, its role-play button.
    assert '<article class="lesson" lang="ru" dir="ltr">' in html and 'class="table-wrap" tabindex="0"' in html
    assert f'href="/authoring/courses/{CID}/as-officer/role-play?module={MID}&amp;lang=ru"' in html
    assert '<html lang="ru" dir="ltr">' in html
    assert "/read" not in html  # no "I have read this lesson" form: nothing to record
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressEvent)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModuleProgress)) == 0


def test_a_draft_quiz_is_taken_on_the_officers_own_attempt_and_review_pages_recording_nothing(client, ctx):
    from lms.quizzes.models import QuizAttempt

    author = make_author(locale="en")
    draft = drafts.create_course(author, "c62", "Курс", "ru")
    from lms.authoring import course_form

    drafts.save(draft, author, 1, course_form.add_module(drafts.files_of(drafts.revision(draft)), "03-exam",
                                                           "assessment", "Экзамен", set()))
    drafts.save(draft, author, 2, {"03-exam/quiz.yaml": (
        "id: exam\ndraw: 1\nshuffle: true\nquestions:\n"
        "  - id: q-one\n    type: single\n    text: {ru: Что первым?}\n"
        "    options:\n      - {id: a, text: {ru: Дыхание}, correct: true, feedback: {ru: Верно.}}\n"
        "      - {id: b, text: {ru: Документы}}\n"
        "  - id: q-two\n    type: single\n    text: {ru: Что вторым?}\n"
        "    options:\n      - {id: a, text: {ru: Врач}, correct: true}\n      - {id: b, text: {ru: Обед}}\n").encode()})
    db.session.commit()
    login(client, author)
    url = "/authoring/courses/c62/as-officer/quiz?module=03-exam&lang=ru"
    page = client.get(url).get_data(as_text=True)
    assert 'class="notice preview-banner"' in page and '<html lang="ru" dir="rtl">' not in page
    assert page.count('<fieldset class="question') == 1  # a pool of one: one question drawn
    action = re.search(r'<form method="post" action="([^"]+)">', page).group(1).replace("&amp;", "&")
    assert action.startswith("/authoring/courses/c62/as-officer/quiz?") and "seed=" in action
    # The options carry the attempt's opaque keys, as on the officers' page, never the option ids.
    names = re.findall(r'name="(q-[^"]+)" value="([^"]+)"', page)
    assert {v for _n, v in names} & {"a", "b"} == set()
    question = "q-one" if "Что первым?" in page else "q-two"
    right = "Дыхание" if question == "q-one" else "Врач"
    key = re.search(rf'name="q-{question}" value="([^"]+)">(?:(?!</label>).)*{right}', page, re.S).group(1)
    review = client.post(action, data={f"q-{question}": key, "action": "submit"}).get_data(as_text=True)
    score = re.search(r'<p class="flash (flash-\w+)" role="status">\s*(.*?)—', review, re.S)
    assert score.group(1) == "flash-success" and "100" in score.group(2), review  # the review page, in Russian
    assert "Верно." in review or question == "q-two"  # the option's feedback
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 0
    wrong = client.post(action, data={"action": "submit"}).get_data(as_text=True)
    score = re.search(r'<p class="flash (flash-\w+)" role="status">\s*(.*?)—', wrong, re.S)
    assert score.group(1) == "flash-error" and "0" in score.group(2)


def test_a_draft_role_play_is_played_on_the_officers_own_pages_recording_nothing(client, ctx):
    from lms.learning.models import ProgressEvent
    from lms.scenarios.models import ScenarioRun

    _new_course(client)
    text = _scenario_yaml_with_broken_next().replace("next: nowhere", "next: end, score: 1")
    drafts.save(drafts.draft_of(CID), _user(), _head(), {PATH: text.encode()})
    db.session.commit()
    url = f"/authoring/courses/{CID}/as-officer/role-play?module={MID}&lang=ru"
    briefing = client.get(url).get_data(as_text=True)
    assert 'class="notice preview-banner"' in briefing and "Он молчит." in briefing
    start = re.search(r'<form method="post" action="([^"]+)">', briefing).group(1).replace("&amp;", "&")
    node = client.post(start).get_data(as_text=True)
    from flask import current_app

    from lms.scenarios.runs import choice_key

    key = choice_key(current_app.config["SECRET_KEY"], 0, 0, "c1")  # replies under opaque keys, as for officers
    assert "Ну?" in node and f'name="choice" value="{key}"' in node and 'value="c1"' not in node
    choose = re.search(r'<form method="post" action="([^"]+)">', node).group(1).replace("&amp;", "&")
    assert client.post(choose, data={"choice": "c1", "step": "0"}).status_code == 404
    debrief = client.post(choose, data={"choice": key, "step": "0"}).get_data(as_text=True)
    assert "Хорошо." in debrief and 'class="flash flash-success"' in debrief
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScenarioRun)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressEvent)) == 0


def test_a_module_is_written_through_its_form_with_problems_beside_the_fields(client, ctx):
    author = _new_course(client)
    author.locale = "ru"
    db.session.commit()
    url = f"/authoring/courses/{CID}/module-editor?module={MID}"
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'id="obj0_ru"[^>]*aria-invalid="true"', page)  # the new module's objective is empty
    response = client.post(url, data={"base": _head(), "kind": "scenario", "title_ru": "Беседа с задержанным",
                                      "estimated_minutes": "двадцать", "objectives_rows": "2",
                                      "obj0_ru": "Спокойно говорить с задержанным", "obj1_ru": ""})
    assert response.status_code == 302
    files = drafts.files_of(drafts.revision(drafts.draft_of(CID)))
    module = yaml.safe_load(files[f"{MID}/module.yaml"])
    assert module == {"id": MID, "kind": "scenario", "title": {"ru": "Беседа с задержанным"},
                      "estimated_minutes": "двадцать", "objectives": [{"ru": "Спокойно говорить с задержанным"}]}
    page = client.get(url).get_data(as_text=True)
    minutes = re.search(r'id="estimated_minutes".*?</div>', page, re.S).group(0)
    assert 'value="двадцать"' in minutes and "целым числом" in minutes
