"""A stale save in any form editor (someone saved the draft after the page was opened) is
refused, keeps everything typed, and shows the author both versions side by side: what their
save would have written beside what was saved meanwhile, in the course format's text."""

from __future__ import annotations

import html
import re

import yaml

from lms.authoring import drafts
from lms.extensions import db
from tests.authoring_helpers import make_author
from tests.factories import login

CID = "c-stale"


def _head() -> int:
    db.session.expire_all()
    return drafts.draft_of(CID).head


def _files() -> dict[str, bytes]:
    db.session.expire_all()
    return drafts.files_of(drafts.revision(drafts.draft_of(CID)))


def _course(client):
    author = make_author()
    db.session.commit()
    login(client, author)
    client.post("/authoring/new", data={"title": "Курс", "lang": "ru", "course_id": CID})
    for mid, kind in (("01-exam", "assessment"), ("02-talk", "scenario")):
        response = client.post(f"/authoring/courses/{CID}/modules", data={
            "base": _head(), "action": "add", "title": "Модуль", "kind": kind, "module_id": mid})
        assert response.status_code == 302
    return author


def _someone_else_saves(path: str, change) -> int:
    """Another author's save of `path` (a function of its YAML), committed: returns the new head."""
    draft = drafts.draft_of(CID)
    data = yaml.safe_load(_files()[path])
    change(data)
    drafts.save(draft, make_author(), draft.head, {path: drafts.dump_yaml(data)})
    db.session.commit()
    return _head()


def _sides(page: str) -> tuple[str, str]:
    """The texts of the two read-only boxes of the side-by-side block."""
    mine = re.search(r'<textarea id="conflict-mine"[^>]*>(.*?)</textarea>', page, re.S)
    theirs = re.search(r'<textarea id="conflict-theirs"[^>]*>(.*?)</textarea>', page, re.S)
    assert mine and theirs, "no side-by-side block on the page"
    return html.unescape(mine.group(1)), html.unescape(theirs.group(1))


def test_course_fields_stale_save_shows_both_versions(client, ctx):
    _course(client)
    base = _head()
    _someone_else_saves("course.yaml", lambda d: d["title"].update(ru="Название коллеги"))
    response = client.post(f"/authoring/courses/{CID}/settings", data={
        "base": base, "source_language": "ru", "languages_": ["ru"], "audience": ["prison"],
        "title_ru": "Моё название", "summary_ru": "Моё описание", "estimated_minutes": "40",
        "pass_mark": "80", "certificate_hours": "0", "pre_test": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    mine, theirs = _sides(page)
    assert "Моё название" in mine and "Название коллеги" in theirs and "Название коллеги" not in mine
    assert re.search(r'name="summary_ru"[^>]*>\s*Моё описание', page)   # the form keeps what was typed
    assert yaml.safe_load(_files()["course.yaml"])["title"]["ru"] == "Название коллеги"


def test_module_fields_stale_save_shows_both_versions(client, ctx):
    _course(client)
    base = _head()
    _someone_else_saves("01-exam/module.yaml", lambda d: d["title"].update(ru="Экзамен коллеги"))
    response = client.post(f"/authoring/courses/{CID}/module-editor?module=01-exam", data={
        "base": base, "kind": "assessment", "title_ru": "Мой экзамен", "estimated_minutes": "20",
        "objectives_rows": "1", "obj0_ru": "Моя цель"})
    assert response.status_code == 409
    mine, theirs = _sides(response.get_data(as_text=True))
    assert "Мой экзамен" in mine and "Моя цель" in mine and "Экзамен коллеги" in theirs
    assert yaml.safe_load(_files()["01-exam/module.yaml"])["title"]["ru"] == "Экзамен коллеги"


def _question(**extra) -> dict:
    data = {"rows": "2", "qid": "q1", "type": "single", "text_ru": "Первый вопрос?",
            "opt0_id": "a", "opt0_text_ru": "Да", "opt0_correct": "y", "opt1_id": "b", "opt1_text_ru": "Нет"}
    data.update(extra)
    return data


def test_question_stale_save_shows_the_question_both_ways(client, ctx):
    _course(client)
    url = f"/authoring/courses/{CID}/question?module=01-exam"
    assert client.post(url, data=_question(base=_head())).status_code == 302
    base = _head()
    _someone_else_saves("01-exam/quiz.yaml", lambda d: d["questions"][0]["text"].update(ru="Вопрос коллеги?"))
    response = client.post(url + "&index=0", data=_question(base=base, text_ru="Мой вопрос?"))
    assert response.status_code == 409
    mine, theirs = _sides(response.get_data(as_text=True))
    assert "Мой вопрос?" in mine and "Вопрос коллеги?" in theirs and "Вопрос коллеги?" not in mine
    quiz = yaml.safe_load(_files()["01-exam/quiz.yaml"])
    assert quiz["questions"][0]["text"]["ru"] == "Вопрос коллеги?"


def test_quiz_settings_stale_save_keeps_the_typed_values_and_shows_both(client, ctx):
    _course(client)
    base = _head()
    _someone_else_saves("01-exam/quiz.yaml", lambda d: d.update(attempts=5))
    response = client.post(f"/authoring/courses/{CID}/quiz-editor?module=01-exam", data={
        "base": base, "action": "settings", "quiz_id": "01-exam-quiz", "pass_mark": "65", "attempts": "2"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'value="65"' in page and 'value="2"' in page
    mine, theirs = _sides(page)
    assert "attempts: 2" in mine and "pass_mark: 65" in mine and "attempts: 5" in theirs
    assert "questions" not in mine   # only what differs is shown
    assert yaml.safe_load(_files()["01-exam/quiz.yaml"])["attempts"] == 5


def test_role_play_node_stale_save_shows_the_node_both_ways(client, ctx):
    _course(client)
    url = f"/authoring/courses/{CID}/scenario-node?module=02-talk&node=n1"
    base = _head()
    _someone_else_saves("02-talk/scenario.yaml",
                        lambda d: d["nodes"]["n1"].update(debrief={"ru": "Разбор коллеги"}))
    response = client.post(url, data={"base": base, "rows": "3", "ending": "good", "debrief_ru": "Мой разбор"})
    assert response.status_code == 409
    mine, theirs = _sides(response.get_data(as_text=True))
    assert "Мой разбор" in mine and "Разбор коллеги" in theirs
    assert yaml.safe_load(_files()["02-talk/scenario.yaml"])["nodes"]["n1"]["debrief"]["ru"] == "Разбор коллеги"


def test_role_play_settings_stale_save_shows_only_what_differs(client, ctx):
    _course(client)
    base = _head()
    _someone_else_saves("02-talk/scenario.yaml", lambda d: d.update(pass_score=4))
    response = client.post(f"/authoring/courses/{CID}/scenario-editor?module=02-talk", data={
        "base": base, "action": "settings", "roles": "2", "checks": "1", "vars": "1", "sid": "02-talk-scenario",
        "title_ru": "Беседа", "briefing_ru": "Мой инструктаж", "feedback": "immediate", "start": "n1",
        "pass_score": "1", "role0_key": "officer", "role0_name_ru": "Сотрудник", "role1_key": ""})
    assert response.status_code == 409
    mine, theirs = _sides(response.get_data(as_text=True))
    assert "Мой инструктаж" in mine and "pass_score: 1" in mine and "pass_score: 4" in theirs
    assert "nodes" not in mine and "nodes" not in theirs   # unchanged parts left out
    assert yaml.safe_load(_files()["02-talk/scenario.yaml"])["pass_score"] == 4


def test_a_fresh_save_shows_no_side_by_side_block(client, ctx):
    _course(client)
    response = client.post(f"/authoring/courses/{CID}/module-editor?module=01-exam", data={
        "base": _head(), "kind": "assessment", "title_ru": "Экзамен", "estimated_minutes": "20",
        "objectives_rows": "0"}, follow_redirects=True)
    assert response.status_code == 200 and 'id="conflict-mine"' not in response.get_data(as_text=True)


# ---- autosave of the form editors (the page's script posts the form and wants JSON) -------------

FETCH = {"X-Requested-With": "fetch"}


def test_form_editors_autosave_answers_json_and_saves(client, ctx):
    _course(client)
    base = _head()
    response = client.post(f"/authoring/courses/{CID}/module-editor?module=01-exam", headers=FETCH, data={
        "base": base, "kind": "assessment", "title_ru": "Сохранено само", "estimated_minutes": "20",
        "objectives_rows": "0"})
    assert response.status_code == 200 and response.json["base"] == base + 1 == _head()
    assert yaml.safe_load(_files()["01-exam/module.yaml"])["title"]["ru"] == "Сохранено само"
    # The next autosave carries the new base and is not a conflict.
    again = client.post(f"/authoring/courses/{CID}/scenario-node?module=02-talk&node=n1", headers=FETCH,
                        data={"base": _head(), "rows": "3", "ending": "good", "debrief_ru": "Разбор"})
    assert again.status_code == 200 and again.json["base"] == _head() == base + 2


def test_form_autosave_refusals_are_json_and_write_nothing(client, ctx):
    _course(client)
    stale = _head()
    _someone_else_saves("02-talk/scenario.yaml", lambda d: d.update(pass_score=4))
    head = _head()
    conflict = client.post(f"/authoring/courses/{CID}/scenario-editor?module=02-talk", headers=FETCH, data={
        "base": stale, "action": "settings", "roles": "1", "checks": "0", "vars": "0", "sid": "x",
        "start": "n1", "pass_score": "1", "role0_key": "officer"})
    assert conflict.status_code == 409 and "both versions" in conflict.json["message"]
    bad = client.post(f"/authoring/courses/{CID}/scenario-editor?module=02-talk", headers=FETCH, data={
        "base": head, "action": "settings", "roles": "1", "checks": "0", "vars": "1", "sid": "x",
        "start": "n1", "pass_score": "1", "role0_key": "officer", "var0_name": "trust", "var0_value": "много"})
    assert bad.status_code == 422 and "Save with the button" in bad.json["message"]
    assert _head() == head


def test_course_fields_autosave_answers_json_and_refuses_bad_numbers(client, ctx):
    _course(client)
    fields = {"source_language": "ru", "languages_": ["ru"], "audience": ["prison"], "title_ru": "Автосохранение",
              "summary_ru": "", "estimated_minutes": "40", "pass_mark": "80", "certificate_hours": "0",
              "pre_test": ""}
    head = _head()
    bad = client.post(f"/authoring/courses/{CID}/settings", headers=FETCH,
                      data={**fields, "base": head, "estimated_minutes": "forty"})
    assert bad.status_code == 422 and "Save with the button" in bad.json["message"] and _head() == head
    saved = client.post(f"/authoring/courses/{CID}/settings", headers=FETCH, data={**fields, "base": head})
    assert saved.status_code == 200 and saved.json["base"] == head + 1 == _head()
    assert yaml.safe_load(_files()["course.yaml"])["title"]["ru"] == "Автосохранение"
