"""Translation: segments, their status per language, out-of-date flags and minor edits."""

from __future__ import annotations

import pytest
import yaml

from lms.authoring import drafts
from lms.extensions import db
from lms.translation import records
from lms.translation.segments import course_segments, course_text, lesson_segments, source_hash
from tests.authoring_helpers import make_editor
from tests.course_helpers import COURSE, load_sample
from tests.factories import login

LESSON = "01-admission-basics/lesson.en.md"
MODULE = "01-admission-basics"


def _files(course_id: str = COURSE) -> dict[str, bytes]:
    db.session.expire_all()
    return drafts.files_of(drafts.revision(drafts.draft_of(course_id)))


def _status(lang: str, files: dict | None = None) -> dict[str, records.Row]:
    files = files or _files()
    return {row.key: row for row in records.rows(files, course_text(files), lang)}


def _editor_session(client):
    load_sample()
    editor = make_editor(COURSE)
    drafts.open_draft(editor, COURSE)
    db.session.commit()
    login(client, editor)
    return editor


def _save_file(client, path: str, text: str, minor: bool = False):
    db.session.expire_all()
    base = drafts.draft_of(COURSE).head
    data = {"base": base, "text": text}
    if minor:
        data["minor"] = "y"
    response = client.post(f"/authoring/courses/{COURSE}/file?path={path}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


# ---- segments --------------------------------------------------------------------------

LESSON_TEXT = """## Admission

The first hour matters. Rule 54 applies.

- identity;
- reasons for commitment;

| Step | Rules |
| --- | --- |
| 1 | 7, 8 |
| 2 | 54 |

!!! note "Key point"
    Admission is not only paperwork.

Note the rule[^1].

[^1]: Nelson Mandela Rules, Rule 54.
"""


def test_a_lesson_is_cut_into_blocks_by_the_markdown_parser():
    segs = lesson_segments("m", "m/lesson.en.md", LESSON_TEXT)
    assert [s.kind for s in segs] == ["heading", "paragraph", "item", "item", "row", "row", "row",
                                      "admonition", "paragraph", "footnote"]
    assert segs[7].text == '!!! note "Key point"\n    Admission is not only paperwork.'
    assert all(s.key.startswith("m/lesson#") for s in segs)
    assert len({s.key for s in segs}) == len(segs)


def test_a_lesson_edit_changes_only_the_keys_of_changed_blocks():
    before = [s.key for s in lesson_segments("m", "m/lesson.en.md", LESSON_TEXT)]
    edited = LESSON_TEXT.replace("reasons for commitment", "reasons for and date of commitment").replace(
        "## Admission\n", "## Admission\n\nA new first paragraph.\n")
    after = [s.key for s in lesson_segments("m", "m/lesson.en.md", edited)]
    assert len(after) == len(before) + 1
    assert set(before) - set(after) == {before[3]}  # the list item that changed
    assert len(set(after) - set(before)) == 2  # its new text, and the new paragraph


def test_every_text_of_the_course_files_is_a_segment_with_a_path_key(ctx):
    load_sample()
    files = drafts.published_files(COURSE)
    keys = [s.key for s in course_segments(files, course_text(files))]
    assert "course.yaml#title" in keys and "course.yaml#summary" in keys
    assert any(k.startswith("01-admission-basics/quiz.yaml#questions[") and k.endswith("].text") for k in keys)
    assert any(k.startswith("02-role-play-admission/scenario.yaml#roles.") for k in keys)  # role cards
    assert any(k.startswith(f"{MODULE}/lesson#heading-") for k in keys)


# ---- status ----------------------------------------------------------------------------

def test_a_course_written_by_hand_counts_as_translated(ctx):
    load_sample()
    files = drafts.published_files(COURSE)
    for lang in ("ru", "kk", "tg", "ar"):
        found = records.counts(list(_status(lang, files).values()))
        assert found["missing"] == 0 and found["outdated"] == 0 and found["translated"] > 100, (lang, found)


def test_a_source_edit_flags_only_the_changed_segment_in_every_language(client, ctx):
    _editor_session(client)
    text = drafts.published_files(COURSE)[LESSON].decode()
    old = "keep your voice calm."
    assert old in text
    _save_file(client, LESSON, text.replace(old, "keep your voice low and calm."))
    for lang in ("kk", "ru", "ar"):
        status = _status(lang)
        outdated = [row for row in status.values() if row.state == "outdated"]
        assert len(outdated) == 1, (lang, [r.key for r in outdated])
        assert "keep your voice low and calm." in outdated[0].segment.text
        assert outdated[0].recorded == source_hash(next(
            s.text for s in lesson_segments(MODULE, LESSON, text) if old in s.text))
        assert sum(row.state == "missing" for row in status.values()) == 0
    # the record travels in the course files
    assert "translations.yaml" in _files()


def test_a_minor_edit_keeps_translations_valid(client, ctx):
    _editor_session(client)
    text = drafts.published_files(COURSE)[LESSON].decode()
    _save_file(client, LESSON, text.replace("keep your voice calm.", "keep your voice calm.   "), minor=False)
    assert "translations.yaml" not in _files()  # only spaces: the source is the same
    _save_file(client, LESSON, text.replace("keep your voice calm.", "keep youre voice calm."))
    _save_file(client, LESSON, text.replace("keep your voice calm.", "keep your voice calm!"), minor=True)
    status = _status("kk")
    outdated = [row for row in status.values() if row.state == "outdated"]
    assert len(outdated) == 1  # the earlier, not minor, edit still counts
    assert "calm!" in outdated[0].segment.text


def test_a_minor_edit_of_a_yaml_text_keeps_it_valid_and_a_real_one_does_not(client, ctx):
    _editor_session(client)
    path = "course.yaml"
    text = drafts.published_files(COURSE)[path].decode()
    _save_file(client, path, text.replace("respectful admission", "respectfull admission"), minor=True)
    assert _status("kk")["course.yaml#title"].state == "translated"
    files = _files()
    _save_file(client, path, files[path].decode().replace("respectfull admission", "a safe admission"))
    status = _status("kk")
    assert status["course.yaml#title"].state == "outdated"
    assert [k for k, r in status.items() if r.state != "translated"] == ["course.yaml#title"]


def test_translating_a_segment_writes_the_target_and_its_record(ctx):
    load_sample()
    editor = make_editor(COURSE)
    draft = drafts.open_draft(editor, COURSE)
    files = _files()
    text = files[LESSON].decode()
    edited = text.replace("keep your voice calm.", "keep your voice low.")
    drafts.save(draft, editor, draft.head, {LESSON: edited.encode()})
    files = _files()
    row = next(r for r in _status("kk", files).values() if r.state == "outdated")
    changes = records.translate(files, "kk", row.key, "Дауысыңызды бәсең ұстаңыз.")
    drafts.save(draft, editor, draft.head, changes, action="translated")
    status = _status("kk")
    assert status[row.key].state == "translated" and status[row.key].target == "Дауысыңызды бәсең ұстаңыз."
    assert all(r.state == "translated" for r in status.values())
    kk = _files()[f"{MODULE}/lesson.kk.md"].decode()
    assert "Дауысыңызды бәсең ұстаңыз." in kk and kk.count("\n## ") == text.count("\n## ")
    assert drafts.check(COURSE, _files())[1] == []  # still a valid course
    reviewed = records.mark_reviewed(_files(), "kk", row.key)
    drafts.save(drafts.draft_of(COURSE), editor, drafts.draft_of(COURSE).head, reviewed, action="reviewed")
    assert _status("kk")[row.key].state == "reviewed"


def test_a_block_translation_must_be_one_block(ctx):
    load_sample()
    files = drafts.published_files(COURSE)
    key = next(s.key for s in course_segments(files, course_text(files)) if s.kind == "paragraph")
    with pytest.raises(records.TranslationError) as caught:
        records.translate(files, "kk", key, "Бір.\n\nЕкі.")
    assert caught.value.code == "one-block"


def test_a_language_being_translated_is_not_offered_and_may_be_incomplete(ctx):
    load_sample()
    files = dict(drafts.published_files(COURSE))
    data = yaml.safe_load(files["course.yaml"])
    data["languages"] = ["en", "ru", "tg", "ar"]
    data["translating"] = ["kk"]
    data["title"].pop("kk")
    files["course.yaml"] = drafts.dump_yaml(data)
    course, problems = drafts.check(COURSE, files)
    assert problems == []
    assert "kk" not in course["summary"] and "kk" not in course["modules"][0]["lesson"]
    status = _status("kk", files)
    assert status["course.yaml#title"].state == "missing"
    assert course_text(files).targets == ["ru", "tg", "ar", "kk"]


# ---- the translation page and the side-by-side editor ------------------------------------

def _edit_page(client, lang="kk", **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return client.get(f"/translation/courses/{COURSE}/{lang}?{query}")


def _post_segment(client, lang, key, text, action="save", module=MODULE):
    db.session.expire_all()
    return client.post(f"/translation/courses/{COURSE}/{lang}?module={module}",
                       data={"base": drafts.draft_of(COURSE).head, "key": key, "text": text, "action": action})


def test_the_translation_page_counts_each_language_and_module(client, ctx):
    _editor_session(client)
    text = drafts.published_files(COURSE)[LESSON].decode()
    _save_file(client, LESSON, text.replace("keep your voice calm.", "keep your voice low."))
    page = client.get(f"/translation/courses/{COURSE}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for lang in ("ru", "kk", "tg", "ar"):
        assert f'id="col-{lang}"' in html
    assert html.count('<span class="count-outdated">1</span>') == 4  # one block, in each language
    assert 'id="col-ar" lang="ar" dir="rtl"' in html and 'id="col-kk" lang="kk" dir="ltr"' in html


def test_the_translation_page_reads_each_course_file_once_for_all_languages(client, ctx, monkeypatch):
    """The page counts four languages; parsing every YAML file again for each of them made it
    take seconds for a full course."""
    _editor_session(client)
    import lms.catalog.spec as spec
    import lms.translation.records as records_module
    import lms.translation.segments as segments_module
    parsed: list[str] = []
    real = spec.parse_yaml

    def counting(text):
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(segments_module, "parse_yaml", counting)
    monkeypatch.setattr(records_module, "parse_yaml", counting)
    assert client.get(f"/translation/courses/{COURSE}").status_code == 200
    files = drafts.published_files(COURSE)
    read_again = {text[:40] for text in parsed if parsed.count(text) > 1}
    assert read_again <= {files["course.yaml"].decode()[:40]}, read_again  # course.yaml: its languages, then its texts
    assert len(parsed) >= len([p for p in files if p.endswith(".yaml")])


def test_the_editor_shows_source_target_reference_terms_and_the_old_source(client, ctx):
    _editor_session(client)
    text = drafts.published_files(COURSE)[LESSON].decode()
    _save_file(client, LESSON, text.replace("keep your voice calm.", "keep your voice low."))
    page = _edit_page(client, "kk", module=MODULE, filter="outdated", ref="ru")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('class="segment ') == 1  # the filter: out of date only
    assert "<del>calm.</del>" in html and "<ins>low.</ins>" in html  # old and new source
    outdated = next(r for r in _status("kk").values() if r.state == "outdated")
    russian = _status("ru")[outdated.key].target
    assert '<div lang="ru" dir="ltr" class="segment-text">' + russian.replace("'", "&#39;") in html
    assert "Nelson Mandela Rules" in _edit_page(client, "kk", module=MODULE).get_data(as_text=True)
    # glossary terms of the source with their Kazakh translation
    whole = _edit_page(client, "kk", module=MODULE).get_data(as_text=True)
    assert "Glossary terms in this text" in whole and "Нельсон Мандела ережелері" in whole
    ar = _edit_page(client, "ar", module=MODULE).get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in ar


def test_translate_then_review_by_another_person_through_the_editor(client, ctx):
    translator = _editor_session(client)
    files = drafts.files_of(drafts.revision(drafts.draft_of(COURSE)))
    key = next(r.key for r in _status("kk", files).values() if r.segment.kind == "heading")
    response = _post_segment(client, "kk", key, "## Алғашқы сағат неге маңызды")
    assert response.status_code == 302
    assert _status("kk")[key].target == "## Алғашқы сағат неге маңызды"
    # the translator may not review their own translation
    refused = _post_segment(client, "kk", key, "", action="review")
    assert refused.status_code == 422
    assert "second person" in refused.get_data(as_text=True)
    assert _status("kk")[key].state == "translated"
    reviewer = make_editor(COURSE)
    db.session.commit()
    client.post("/logout")
    login(client, reviewer)
    assert _post_segment(client, "kk", key, "", action="review").status_code == 302
    assert _status("kk")[key].state == "reviewed"
    from tests.authoring_helpers import audit_actions

    assert {"translation.translated", "translation.reviewed"} <= set(audit_actions(COURSE))
    assert translator.id != reviewer.id


def test_bad_input_keeps_the_typed_text_with_a_message(client, ctx):
    _editor_session(client)
    files = drafts.files_of(drafts.revision(drafts.draft_of(COURSE)))
    key = next(r.key for r in _status("kk", files).values() if r.segment.kind == "paragraph")
    response = _post_segment(client, "kk", key, "Бірінші азат жол.\n\nЕкінші азат жол.")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "translates into one block" in html and "Екінші азат жол." in html
    stale = client.post(f"/translation/courses/{COURSE}/kk?module={MODULE}",
                        data={"base": 1, "key": key, "text": "Ескі нұсқадан сақталған мәтін."})
    assert stale.status_code in (302, 409)  # a stale base saves unless that file changed meanwhile
    gone = _post_segment(client, "kk", "01-admission-basics/lesson#paragraph-0000000000", "Мәтін")
    assert gone.status_code == 422 and "no longer in the source" in gone.get_data(as_text=True)


def test_a_conflicting_save_keeps_the_text_and_writes_nothing(client, ctx):
    _editor_session(client)
    files = drafts.files_of(drafts.revision(drafts.draft_of(COURSE)))
    keys = [r.key for r in _status("kk", files).values() if r.segment.kind == "paragraph"][:2]
    base = drafts.draft_of(COURSE).head
    assert client.post(f"/translation/courses/{COURSE}/kk?module={MODULE}",
                       data={"base": base, "key": keys[0], "text": "Бірінші."}).status_code == 302
    before = _files()
    response = client.post(f"/translation/courses/{COURSE}/kk?module={MODULE}",
                           data={"base": base, "key": keys[1], "text": "Екінші мәтін."})
    assert response.status_code == 409
    assert "Екінші мәтін." in response.get_data(as_text=True)
    assert _files() == before


def test_checks_are_shown_beside_the_segment(client, ctx):
    _editor_session(client)
    files = drafts.files_of(drafts.revision(drafts.draft_of(COURSE)))
    row = next(r for r in _status("kk", files).values() if "Rule 1:" in r.segment.text)
    _post_segment(client, "kk", row.key, "Ережe: әрбір тұтқынға құрметпен қарау керек.")  # Latin e, no 1
    html = _edit_page(client, "kk", module=MODULE).get_data(as_text=True)
    assert "Numbers of the source missing in the translation: 1" in html
    assert "look-alike letters" in html and "Ережe" in html


def test_a_language_is_started_and_offered_only_when_complete(client, ctx):
    _editor_session(client)
    db.session.expire_all()
    base = drafts.draft_of(COURSE).head
    files = _files()
    data = yaml.safe_load(files["course.yaml"])
    data["languages"].remove("tg")
    data["translating"] = ["tg"]
    response = client.post(f"/authoring/courses/{COURSE}/file?path=course.yaml",
                           data={"base": base, "text": drafts.dump_yaml(data).decode()})
    assert response.status_code == 302
    # complete already (the hand-made Tajik texts are there): it can be offered
    db.session.expire_all()
    assert client.post(f"/translation/courses/{COURSE}/tg/offer",
                       data={"base": drafts.draft_of(COURSE).head}).status_code == 302
    assert "tg" in yaml.safe_load(_files()["course.yaml"])["languages"]
    db.session.expire_all()
    response = client.post(f"/translation/courses/{COURSE}/start", data={"base": drafts.draft_of(COURSE).head,
                                                                        "lang": "xx"})
    assert response.status_code == 302 and "translating" not in yaml.safe_load(_files()["course.yaml"])


def test_a_trainer_who_is_not_an_editor_gets_403_on_every_translation_route(app, client, ctx):
    from lms.org.models import Role
    from tests.factories import make_user

    load_sample()
    other = make_user(role=Role.TRAINER)
    db.session.commit()
    login(client, other)
    routes = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("translation.") and "course_id" in r.arguments]
    assert len(routes) >= 4
    for rule in routes:
        path = rule.rule.replace("<course_id>", COURSE).replace("<lang>", "kk")
        method = "GET" if "GET" in rule.methods else "POST"
        assert client.open(path, method=method).status_code == 403, path


def test_the_glossary_is_the_seed_file_and_terms_added_in_the_browser(client, ctx):
    from tests.authoring_helpers import make_author

    author = make_author()
    db.session.commit()
    login(client, author)
    page = client.get("/translation/glossary").get_data(as_text=True)
    assert "mandela-rules" in page
    response = client.post("/translation/glossary", data={
        "key": "body-search", "text-en": "body search", "text-ru": "личный досмотр", "text-kk": "жеке тексеру",
        "note": ""})
    assert response.status_code == 302
    from lms.translation import glossary

    term = next(t for t in glossary.terms() if t.key == "body-search")
    assert term.added and term.texts["ru"] == "личный досмотр"
    assert "body-search" in [t.key for t in glossary.found_in("Before a body search, explain it.", "en")]
    assert "body-search" not in [t.key for t in glossary.found_in("A search of the body.", "en")]
    seed = client.post("/translation/glossary", data={"key": "mandela-rules", "text-en": "x", "text-ru": "y"})
    assert seed.status_code == 422  # the seed's keys are taken too
    again = client.post("/translation/glossary", data={"key": "body-search", "text-en": "x", "text-ru": "y"})
    assert again.status_code == 422 and "already has a term" in again.get_data(as_text=True)


def test_the_form_editors_offer_the_minor_edit_too(client, ctx):
    _editor_session(client)
    page = client.get(f"/authoring/courses/{COURSE}/settings").get_data(as_text=True)
    assert 'name="minor"' in page
    data = yaml.safe_load(_files()["course.yaml"])

    def post(title: str, minor: bool) -> None:
        db.session.expire_all()
        form = {"base": drafts.draft_of(COURSE).head, "source_language": "en", "languages_": data["languages"],
                "audience": data["audience"], "estimated_minutes": "30", "pass_mark": "70",
                "certificate_enabled": "y", "certificate_hours": "1", "pre_test": "00-pre-test",
                **{f"title_{lang}": text for lang, text in data["title"].items()},
                **{f"summary_{lang}": text for lang, text in data["summary"].items()}}
        form["title_en"] = title
        if minor:
            form["minor"] = "y"
        assert client.post(f"/authoring/courses/{COURSE}/settings", data=form).status_code == 302

    post(data["title"]["en"].replace("respectful", "respectfull"), minor=True)
    assert _status("kk")["course.yaml#title"].state == "translated"
    post("A new title", minor=False)
    assert _status("kk")["course.yaml#title"].state == "outdated"
