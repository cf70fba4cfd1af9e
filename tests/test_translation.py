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
