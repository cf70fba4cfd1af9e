"""Drafts, revisions, conflicts, history and publishing; the editor's pages and who may use them."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
import yaml

from lms.authoring import drafts
from lms.catalog.models import Course, CourseVersion
from lms.extensions import db
from lms.org.models import Role
from lms.quizzes.models import QuizAttempt
from tests.authoring_helpers import audit_actions, database_state, make_author, make_editor
from tests.course_helpers import COURSE, enrol, load_sample, take_quiz
from tests.factories import login, make_user

LESSON = "01-admission-basics/lesson.en.md"


def _text(draft, path, number=None):
    db.session.expire_all()  # the newest head, saved by a request in another session
    return drafts.files_of(drafts.revision(draft, number))[path].decode()


# ---- revisions and conflicts (logic) ----------------------------------------------------

def test_a_new_course_is_a_draft_in_the_course_format_with_its_author_as_editor(ctx):
    author = make_author()
    draft = drafts.create_course(author, "first-aid", "Первая помощь", "ru")
    db.session.commit()
    data = yaml.safe_load(_text(draft, "course.yaml"))
    assert data["id"] == "first-aid" and data["title"] == {"ru": "Первая помощь"}
    assert data["source_language"] == "ru" and data["languages"] == ["ru"]
    assert drafts.may_edit(author, "first-aid")
    assert not drafts.may_edit(make_user(role=Role.TRAINER), "first-aid")
    assert "authoring.course_created" in audit_actions("first-aid")


def test_propose_id_transliterates_the_title():
    assert drafts.propose_id("Первая помощь в ИВС") == "pervaya-pomosch-v-ivs"
    assert drafts.propose_id("Қазақша: әдеп") == "qazaqsha-adep"
    assert drafts.propose_id("!!!") == "course"


def test_each_save_is_a_revision_with_author_and_parent(ctx):
    author = make_author()
    draft = drafts.create_course(author, "c1", "Course", "en")
    rev = drafts.save(draft, author, 1, {"01-a/module.yaml": b"id: 01-a\n"})
    db.session.commit()
    assert (rev.number, rev.parent, rev.author_id) == (2, 1, author.id)
    assert set(rev.files) == {"course.yaml", "01-a/module.yaml"}
    assert rev.problem_count > 0  # a draft may be incomplete
    assert drafts.save(draft, author, 2, {"01-a/module.yaml": b"id: 01-a\n"}) is None  # nothing changed


def test_a_save_from_a_stale_revision_is_refused_and_nothing_is_written(ctx):
    author, other = make_author(), make_author()
    draft = drafts.create_course(author, "c2", "Course", "en")
    drafts.save(draft, author, 1, {"01-a/lesson.en.md": b"first"})
    db.session.commit()
    drafts.save(draft, other, 2, {"01-a/lesson.en.md": b"second tab"})
    db.session.commit()
    with pytest.raises(drafts.ConflictError) as caught:
        drafts.save(draft, author, 2, {"01-a/lesson.en.md": b"my words"})
    db.session.rollback()
    assert caught.value.paths == ["01-a/lesson.en.md"]
    assert caught.value.theirs["01-a/lesson.en.md"] == b"second tab"
    draft = drafts.draft_of("c2")
    assert draft.head == 3 and _text(draft, "01-a/lesson.en.md") == "second tab"


def test_a_stale_save_of_another_file_keeps_both_changes(ctx):
    author, other = make_author(), make_author()
    draft = drafts.create_course(author, "c3", "Course", "en")
    drafts.save(draft, other, 1, {"01-a/lesson.en.md": b"theirs"})
    drafts.save(draft, author, 1, {"01-a/lesson.ru.md": b"mine"})
    db.session.commit()
    files = drafts.files_of(drafts.revision(drafts.draft_of("c3")))
    assert files["01-a/lesson.en.md"] == b"theirs" and files["01-a/lesson.ru.md"] == b"mine"


def test_two_saves_racing_from_the_same_head_move_it_once(ctx):
    from lms.authoring.models import CourseDraft

    author = make_author()
    draft = drafts.create_course(author, "c4", "Course", "en")
    db.session.commit()
    assert draft.head == 1  # read by this process
    # Another server saves between this process's read and its write.
    with db.engine.begin() as conn:
        conn.execute(sa.update(CourseDraft.__table__).where(CourseDraft.id == draft.id).values(head=5))
    with pytest.raises(drafts.ConflictError):
        drafts.save(draft, author, 1, {"x.md": b"late"})
    db.session.rollback()


def test_paths_outside_the_folder_are_refused(ctx):
    author = make_author()
    draft = drafts.create_course(author, "c5", "Course", "en")
    for bad in ("../x.md", "/etc/passwd", "a/../../b.md", ".hidden.md", "a\\b.md", ""):
        with pytest.raises(drafts.AuthoringError):
            drafts.save(draft, author, 1, {bad: b"x"})


def test_restore_makes_an_old_revision_the_newest(ctx):
    author = make_author()
    draft = drafts.create_course(author, "c6", "Course", "en")
    drafts.save(draft, author, 1, {"a/lesson.en.md": b"one"})
    drafts.save(draft, author, 2, {"a/lesson.en.md": b"two"})
    rev = drafts.restore(draft, author, 2)
    db.session.commit()
    assert rev.number == 4 and rev.note == {"action": "restored", "from": 2}
    assert _text(draft, "a/lesson.en.md") == "one"
    assert _text(draft, "a/lesson.en.md", 3) == "two"  # history is kept
    assert "authoring.restored" in audit_actions("c6")


def test_history_diff_shows_changed_lines():
    from lms.authoring.diffs import file_diffs

    old = {"a.md": b"one\ntwo\nthree\n", "b.png": b"\x89PNG1"}
    new = {"a.md": b"one\n2\nthree\n", "b.png": b"\x89PNG2", "c.md": b"new\n"}
    diffs = {d.path: d for d in file_diffs(old, new)}
    assert [(k, t) for k, _a, _b, t in diffs["a.md"].lines if k in "+-"] == [("-", "two"), ("+", "2")]
    assert diffs["b.png"].is_text is False and diffs["c.md"].status == "added"


# ---- publishing -------------------------------------------------------------------------

def _edit_lesson(draft, user, text: str):
    files = drafts.files_of(drafts.revision(draft))
    changed = files[LESSON].decode().replace("The first hour in prison", text)
    return drafts.save(draft, user, draft.head, {LESSON: changed.encode()})


def test_a_correction_replaces_the_content_and_keeps_every_record(client, ctx):
    version = load_sample()
    officer = make_user()
    db.session.commit()
    login(client, officer)
    enrol(client)
    take_quiz(client, version, "01-admission-basics")
    before = db.session.scalars(sa.select(QuizAttempt)).all()
    admin = make_user(role=Role.ADMIN)
    draft = drafts.open_draft(admin, COURSE)
    _edit_lesson(draft, admin, "The very first hour in prison")
    result = drafts.publish(draft, admin, "correction", draft.head)
    db.session.commit()
    assert (result.outcome, result.version) == ("updated", 1)
    db.session.expire_all()
    assert db.session.get(Course, COURSE).current_version == 1
    assert [(a.id, a.course_version, a.score) for a in db.session.scalars(sa.select(QuizAttempt))] == \
           [(a.id, a.course_version, a.score) for a in before]
    page = client.get(f"/courses/{COURSE}/modules/01-admission-basics").get_data(as_text=True)
    assert "The very first hour in prison" in page
    assert "authoring.published" in audit_actions(COURSE)


def test_a_new_version_becomes_current_and_records_keep_theirs(client, ctx):
    version = load_sample()
    officer = make_user()
    db.session.commit()
    login(client, officer)
    enrol(client)
    take_quiz(client, version, "01-admission-basics")
    admin = make_user(role=Role.ADMIN)
    draft = drafts.open_draft(admin, COURSE)
    _edit_lesson(draft, admin, "Version two says")
    result = drafts.publish(draft, admin, "new-version", draft.head)
    db.session.commit()
    assert (result.outcome, result.version) == ("new-version", 2)
    assert yaml.safe_load(_text(draft, "course.yaml"))["version"] == 2
    assert drafts.revision(draft).published_version == 2
    assert {v for (v,) in db.session.execute(sa.select(CourseVersion.version))} == {1, 2}
    assert {a.course_version for a in db.session.scalars(sa.select(QuizAttempt))} == {1}


def test_an_invalid_draft_is_not_published_and_nothing_changes(ctx):
    load_sample()
    admin = make_user(role=Role.ADMIN)
    draft = drafts.open_draft(admin, COURSE)
    drafts.save(draft, admin, draft.head, {"01-admission-basics/quiz.yaml": b"id: broken\nquestions: []\n"})
    db.session.commit()
    state = database_state()
    with pytest.raises(drafts.PublishRefusedError) as caught:
        drafts.publish(draft, admin, "new-version", draft.head)
    db.session.rollback()
    assert any("quiz.yaml" in p.file for p in caught.value.problems)
    assert database_state() == state


def test_publishing_from_a_stale_page_is_refused(ctx):
    author = make_author()
    draft = drafts.create_course(author, "c7", "Course", "en")
    drafts.save(draft, author, 1, {"a/lesson.en.md": b"x"})
    with pytest.raises(drafts.ConflictError):
        drafts.publish(draft, author, "new-version", 1)


def test_a_correction_of_a_course_never_published_is_refused(ctx):
    author = make_author()
    draft = drafts.create_course(author, "c8", "Course", "en")
    with pytest.raises(drafts.AuthoringError, match="never-published"):
        drafts.publish(draft, author, "correction", draft.head)


def test_with_version_changes_only_the_version_line():
    text = b"# comment\nid: x\nversion: 3\ntitle: {en: X}\n"
    assert drafts.with_version(text, 4) == b"# comment\nid: x\nversion: 4\ntitle: {en: X}\n"


# ---- web ---------------------------------------------------------------------------------

def _authoring_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("authoring."):
            yield rule


def _url(rule, course_id):
    path = rule.rule.replace("<course_id>", course_id).replace("<int:number>", "1")
    return path + ("?path=" + LESSON if rule.rule.endswith(("/file", "/preview", "/media")) else "")


@pytest.mark.parametrize("role", [Role.OFFICER, Role.MANAGER])
def test_officers_and_managers_get_403_on_every_editor_route(app, client, ctx, role):
    load_sample()
    user = make_user(role=role)
    db.session.commit()
    login(client, user)
    for rule in _authoring_rules(app):
        for method in rule.methods & {"GET", "POST"}:
            response = client.open(_url(rule, COURSE), method=method)
            assert response.status_code == 403, (method, rule.rule)


def test_a_trainer_who_is_not_an_editor_gets_403_on_every_route_of_the_course(app, client, ctx):
    load_sample()
    make_editor(COURSE)
    stranger = make_author()  # may start new courses, yet is not an editor of this one
    db.session.commit()
    login(client, stranger)
    tried = 0
    for rule in _authoring_rules(app):
        if "<course_id>" not in rule.rule:
            continue
        for method in rule.methods & {"GET", "POST"}:
            response = client.open(_url(rule, COURSE), method=method)
            assert response.status_code == 403, (method, rule.rule)
            tried += 1
    assert tried >= 12
    assert drafts.draft_of(COURSE) is None


def test_an_editor_opens_the_draft_of_a_published_course(client, ctx):
    load_sample()
    editor = make_editor(COURSE)
    db.session.commit()
    login(client, editor)
    page = client.get(f"/authoring/courses/{COURSE}")
    assert page.status_code == 200
    assert LESSON in page.get_data(as_text=True)
    assert client.get("/authoring").status_code == 200
    assert COURSE in client.get("/authoring").get_data(as_text=True)


def test_a_trainer_without_the_right_cannot_start_a_course(client, ctx):
    trainer = make_user(role=Role.TRAINER)
    db.session.commit()
    login(client, trainer)
    assert "New course" not in client.get("/authoring").get_data(as_text=True)
    assert client.post("/authoring/new", data={"title": "X", "lang": "en", "course_id": "x"}).status_code == 403


def test_an_author_creates_a_course_and_saves_and_previews_a_lesson(client, ctx):
    author = make_author()
    db.session.commit()
    login(client, author)
    response = client.post("/authoring/new", data={"title": "Первая помощь", "lang": "ru", "course_id": "first-aid"})
    assert response.status_code == 302
    path = "01-intro/lesson.ru.md"
    page = client.get(f"/authoring/courses/first-aid/file?path={path}").get_data(as_text=True)
    base = re.search(r'name="base" type="hidden" value="(\d+)"', page).group(1)
    text = "## Начало\n\n!!! note \"Главное\"\n    Спокойно.\n\n<script>alert(1)</script>\n\nТекст[^1].\n\n[^1]: Сноска.\n"
    response = client.post(f"/authoring/courses/first-aid/file?path={path}",
                           data={"base": base, "text": text, "then": "preview"})
    assert response.status_code == 302 and "/preview" in response.headers["Location"]
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="admonition note"' in preview and "Спокойно." in preview
    assert "<script>alert" not in preview and 'class="footnote"' in preview


def test_a_stale_save_in_the_browser_shows_both_texts_and_keeps_the_typed_one(client, ctx):
    author = make_author()
    draft = drafts.create_course(author, "c9", "Course", "en")
    drafts.save(draft, author, 1, {"a/lesson.en.md": b"start"})
    drafts.save(draft, author, 2, {"a/lesson.en.md": b"saved in another tab"})
    db.session.commit()
    login(client, author)
    response = client.post("/authoring/courses/c9/file?path=a/lesson.en.md",
                           data={"base": "2", "text": "typed here, from the old page"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "typed here, from the old page" in page and "saved in another tab" in page
    assert 'name="base" type="hidden" value="3"' in page  # saving again merges onto the newest
    assert _text(drafts.draft_of("c9"), "a/lesson.en.md") == "saved in another tab"


def test_history_lists_revisions_and_restores_one(client, ctx):
    author = make_author()
    draft = drafts.create_course(author, "c10", "Course", "en")
    drafts.save(draft, author, 1, {"a/lesson.en.md": b"one\n"})
    drafts.save(draft, author, 2, {"a/lesson.en.md": b"two\n"})
    db.session.commit()
    login(client, author)
    page = client.get("/authoring/courses/c10/history").get_data(as_text=True)
    assert "saved: a/lesson.en.md" in page
    diff = client.get("/authoring/courses/c10/revisions/3").get_data(as_text=True)
    assert "two" in diff and 'class="del"' in diff and 'class="ins"' in diff
    assert client.post("/authoring/courses/c10/revisions/2/restore").status_code == 302
    assert _text(drafts.draft_of("c10"), "a/lesson.en.md") == "one\n"


def test_publish_page_shows_what_changes_then_publishes(client, ctx):
    load_sample()
    editor = make_editor(COURSE)
    db.session.commit()
    login(client, editor)
    draft = drafts.open_draft(editor, COURSE)
    _edit_lesson(draft, editor, "Corrected text")
    db.session.commit()
    page = client.get(f"/authoring/courses/{COURSE}/publish").get_data(as_text=True)
    assert "01-admission-basics (en)" in page
    response = client.post(f"/authoring/courses/{COURSE}/publish", data={"base": draft.head, "mode": "correction"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Course, COURSE).current_version == 1
    response = client.post(f"/authoring/courses/{COURSE}/publish", data={"base": draft.head, "mode": "correction"})
    assert response.status_code == 422 and "Nothing to publish" in response.get_data(as_text=True)


def test_image_upload_is_reencoded_without_metadata_and_named_by_hash(client, ctx):
    from PIL import Image

    author = make_author()
    draft = drafts.create_course(author, "c11", "Course", "en")
    drafts.save(draft, author, 1, {"01-a/module.yaml": b"id: 01-a\n"})
    db.session.commit()
    login(client, author)
    img = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010E] = "secret location"  # ImageDescription
    raw = io.BytesIO()
    img.save(raw, "JPEG", exif=exif)
    assert b"secret location" in raw.getvalue()
    response = client.post("/authoring/courses/c11/upload", data={
        "base": "2", "module": "01-a", "image": (io.BytesIO(raw.getvalue()), "photo.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    files = drafts.files_of(drafts.revision(drafts.draft_of("c11")))
    [path] = [p for p in files if "/media/" in p]
    assert re.fullmatch(r"01-a/media/[0-9a-f]{16}\.jpg", path)  # type from the bytes, not the name
    assert b"secret location" not in files[path] and Image.open(io.BytesIO(files[path])).size == (40, 30)
    assert client.get(f"/authoring/courses/c11/media?path={path}").status_code == 200


@pytest.mark.parametrize("payload,name,message", [
    (b"not an image at all", "x.png", "not a PNG, JPEG, WebP or SVG"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg", "scripts"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "x.svg", "scripts"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><image x:href="http://evil/x.png"/></svg>', "x.svg", "scripts"),
])
def test_unsafe_or_fake_images_are_refused(client, ctx, payload, name, message):
    author = make_author()
    draft = drafts.create_course(author, "c12", "Course", "en")
    drafts.save(draft, author, 1, {"01-a/module.yaml": b"id: 01-a\n"})
    db.session.commit()
    login(client, author)
    response = client.post("/authoring/courses/c12/upload", data={
        "base": "2", "module": "01-a", "image": (io.BytesIO(payload), name),
    }, content_type="multipart/form-data", follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert drafts.draft_of("c12").head == 2


def test_an_image_with_too_many_pixels_is_refused():
    from PIL import Image

    from lms.authoring.images import ImageRefusedError, prepare_upload

    raw = io.BytesIO()
    Image.new("1", (5000, 5000)).save(raw, "PNG")
    with pytest.raises(ImageRefusedError, match="too-many-pixels"):
        prepare_upload(raw.getvalue())


def test_admin_grants_and_removes_editors_and_authors(client, ctx):
    load_sample()
    admin = make_user(role=Role.ADMIN)
    trainer = make_user(role=Role.TRAINER, number="T-77")
    officer = make_user(number="O-77")
    db.session.commit()
    login(client, admin)
    assert client.post(f"/authoring/courses/{COURSE}/editors", data={"personnel_number": "T-77"}).status_code == 302
    assert drafts.may_edit(trainer, COURSE)
    response = client.post(f"/authoring/courses/{COURSE}/editors", data={"personnel_number": "O-77"})
    assert response.status_code == 422 and officer.role == Role.OFFICER
    client.post(f"/authoring/courses/{COURSE}/editors", data={"personnel_number": "T-77", "action": "remove"})
    db.session.expire_all()
    assert not drafts.may_edit(trainer, COURSE)
    client.post("/authoring/authors", data={"personnel_number": "T-77"})
    assert drafts.may_author(trainer)
    assert audit_actions()[-3:] == ["authoring.editor_added", "authoring.editor_removed", "authoring.author_granted"]


# ---- course fields and modules -----------------------------------------------------------

def test_course_fields_are_saved_into_course_yaml_and_problems_show_next_to_them(client, ctx):
    author = make_author()
    drafts.create_course(author, "c20", "Курс", "ru")
    db.session.commit()
    login(client, author)
    client.get("/language/ru")
    page = client.get("/authoring/courses/c20/settings").get_data(as_text=True)
    assert 'name="title_kk"' in page
    response = client.post("/authoring/courses/c20/settings", data={
        "base": "1", "source_language": "ru", "languages_": ["ru", "kk"], "audience": ["prison"],
        "title_ru": "Первая помощь", "summary_ru": "Кратко.", "title_kk": "", "summary_kk": "",
        "estimated_minutes": "40", "pass_mark": "75", "certificate_enabled": "y", "certificate_hours": "2",
        "pre_test": "",
    })
    assert response.status_code == 302
    data = yaml.safe_load(_text(drafts.draft_of("c20"), "course.yaml"))
    assert data["languages"] == ["ru", "kk"] and data["title"]["ru"] == "Первая помощь"
    assert data["completion"]["pass_mark"] == 75 and data["certificate"] == {"enabled": True, "hours": 2}
    page = client.get("/authoring/courses/c20/settings").get_data(as_text=True)
    # The missing Kazakh title is reported under the Kazakh title field, in Russian.
    kk_field = page[page.index('name="title_kk"'):]
    assert kk_field.index("нет перевода") < kk_field.index('name="summary_kk"')


def test_a_bad_number_keeps_everything_typed(client, ctx):
    author = make_author()
    drafts.create_course(author, "c21", "Course", "en")
    db.session.commit()
    login(client, author)
    response = client.post("/authoring/courses/c21/settings", data={
        "base": "1", "source_language": "en", "languages_": ["en"], "title_en": "Typed title",
        "estimated_minutes": "forty", "pass_mark": "80", "certificate_hours": "0",
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Typed title"' in page and 'value="forty"' in page
    assert drafts.draft_of("c21").head == 1


def test_modules_are_added_reordered_and_removed(client, ctx):
    author = make_author()
    drafts.create_course(author, "c22", "Course", "en")
    db.session.commit()
    login(client, author)
    client.post("/authoring/courses/c22/modules", data={"base": "1", "action": "add", "title": "Arrival", "kind": "lesson"})
    client.post("/authoring/courses/c22/modules", data={"base": "2", "action": "add", "title": "Talk", "kind": "scenario"})
    draft = drafts.draft_of("c22")
    assert yaml.safe_load(_text(draft, "course.yaml"))["modules"] == ["01-arrival", "02-talk"]
    files = drafts.files_of(drafts.revision(draft))
    assert {"01-arrival/module.yaml", "01-arrival/lesson.en.md", "02-talk/scenario.yaml"} <= set(files)
    client.post("/authoring/courses/c22/modules", data={"base": "3", "action": "up", "module_id": "02-talk"})
    assert yaml.safe_load(_text(draft, "course.yaml"))["modules"] == ["02-talk", "01-arrival"]
    client.post("/authoring/courses/c22/modules", data={"base": "4", "action": "remove", "module_id": "01-arrival"})
    db.session.expire_all()
    files = drafts.files_of(drafts.revision(drafts.draft_of("c22")))
    assert not any(p.startswith("01-arrival/") for p in files)
    assert yaml.safe_load(files["course.yaml"])["modules"] == ["02-talk"]


def test_a_published_module_is_retired_and_its_id_never_reused(client, ctx):
    load_sample()
    editor = make_editor(COURSE)
    db.session.commit()
    login(client, editor)
    draft = drafts.open_draft(editor, COURSE)
    db.session.commit()
    response = client.post(f"/authoring/courses/{COURSE}/modules", data={
        "base": draft.head, "action": "remove", "module_id": "02-role-play-admission"}, follow_redirects=True)
    assert "retired" in response.get_data(as_text=True)
    response = client.post(f"/authoring/courses/{COURSE}/modules", data={
        "base": draft.head + 1, "action": "add", "title": "Again", "kind": "lesson",
        "module_id": "02-role-play-admission"}, follow_redirects=True)
    assert "existed in a published version" in response.get_data(as_text=True)
    page = client.get(f"/authoring/courses/{COURSE}/publish").get_data(as_text=True)
    assert "02-role-play-admission" in page and "publish them as a new version" in page


# ---- role-play graph and play from a node -----------------------------------------------------

FIVE_NODES = b"""id: talk-scenario
title: {en: A talk}
briefing: {en: Talk to him.}
roles:
  officer: {name: {en: Officer}}
  prisoner: {name: {en: Rustam}}
start: n1
pass_score: 5
nodes:
  n1:
    speaker: prisoner
    text: {en: "Why am I here?"}
    choices:
      - {id: c1, text: {en: Tell me more.}, next: n2, score: 2}
      - {id: c2, text: {en: Be quiet.}, next: bad, score: 0}
  n2:
    speaker: prisoner
    text: {en: Nobody listens.}
    choices:
      - {id: c1, text: {en: I am listening.}, next: good, score: 2}
      - {id: c2, text: {en: Later.}, next: stuck, score: 0}
  stuck:
    speaker: prisoner
    text: {en: "..."}
  orphan:
    speaker: prisoner
    text: {en: Never shown.}
    choices:
      - {id: c1, text: {en: x}, next: good, score: 1}
  good: {ending: good, debrief: {en: Well done.}}
  bad: {ending: poor, debrief: {en: He stopped talking.}}
"""


def test_the_graph_marks_unreachable_nodes_dead_ends_and_a_best_path_below_the_pass_score():
    from lms.authoring import graph

    scenario = graph.normalize(yaml.safe_load(FIVE_NODES))
    analysis = graph.analyse(scenario)
    assert analysis.reachable == {"n1", "n2", "stuck", "good", "bad"}
    assert analysis.dead_ends == {"stuck"}
    assert analysis.best_path == []  # the engine cannot analyse a graph with a dead end
    fixed = graph.normalize(yaml.safe_load(FIVE_NODES.replace(b'    text: {en: "..."}\n', b"    ending: mixed\n    debrief: {en: ok}\n")))
    fixed["nodes"].pop("orphan")
    analysis = graph.analyse(fixed)
    assert analysis.best_path == [("n1", "c1"), ("n2", "c1")] and analysis.best_score == 4
    assert analysis.below_pass
    svg = str(graph.draw(fixed, analysis))
    assert svg.startswith("<svg") and 'stroke="#c0392b" stroke-width="4"' in svg


def test_graph_page_and_play_from_a_node_record_nothing(client, ctx):
    from lms.scenarios.models import ScenarioRun

    author = make_author()
    draft = drafts.create_course(author, "c30", "Course", "en")
    drafts.save(draft, author, 1, {"01-talk/scenario.yaml": FIVE_NODES})
    db.session.commit()
    login(client, author)
    page = client.get("/authoring/courses/c30/graph?module=01-talk").get_data(as_text=True)
    assert "<svg" in page and 'class="node unreachable"' in page and 'class="node dead-end"' in page
    assert "/authoring/courses/c30/play?module=01-talk&amp;node=n2" in page
    played = client.get("/authoring/courses/c30/play?module=01-talk&node=n2&choices=c1").get_data(as_text=True)
    assert "Well done." in played and "Score: 2 of the pass score 5" in played
    assert client.get("/authoring/courses/c30/play?module=01-talk&choices=zz").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScenarioRun)) == 0


# ---- autosave, live preview and quiz preview ---------------------------------------------------

def test_autosave_answers_json_and_refuses_a_stale_revision(client, ctx):
    author = make_author()
    draft = drafts.create_course(author, "c40", "Course", "en")
    drafts.save(draft, author, 1, {"a/lesson.en.md": b"one"})
    db.session.commit()
    login(client, author)
    fetch = {"X-Requested-With": "fetch"}
    response = client.post("/authoring/courses/c40/file?path=a/lesson.en.md", data={"base": "2", "text": "two"},
                           headers=fetch)
    assert response.status_code == 200 and response.json["base"] == 3
    response = client.post("/authoring/courses/c40/file?path=a/lesson.en.md", data={"base": "2", "text": "stale"},
                           headers=fetch)
    assert response.status_code == 409 and "someone else saved" in response.json["message"]
    assert _text(drafts.draft_of("c40"), "a/lesson.en.md") == "two"


def test_live_preview_renders_through_the_learners_sanitizer(client, ctx):
    author = make_author()
    draft = drafts.create_course(author, "c41", "Course", "en")
    drafts.save(draft, author, 1, {"a/lesson.en.md": b"x"})
    db.session.commit()
    login(client, author)
    response = client.post("/authoring/courses/c41/render?path=a/lesson.en.md", data={
        "base": "2", "text": "| a | b |\n|---|---|\n| 1 | 2 |\n\n<img src=x onerror=alert(1)>[link](http://evil.example)"})
    html = response.json["html"]
    assert "<table>" in html and "onerror" not in html and "evil.example" not in html


QUIZ_POOL = b"""id: q1
pass_mark: 50
draw: 1
questions:
  - id: q-a
    type: single
    text: {en: "Pick a"}
    options:
      - {id: a, text: {en: A}, correct: true, feedback: {en: "Yes, a."}}
      - {id: b, text: {en: B}}
  - id: q-b
    type: multiple
    text: {en: "Pick both"}
    options:
      - {id: a, text: {en: A}, correct: true}
      - {id: b, text: {en: B}, correct: true}
"""


def test_quiz_preview_grades_like_the_engine_and_records_nothing(client, ctx):
    author = make_author()
    draft = drafts.create_course(author, "c42", "Course", "en")
    drafts.save(draft, author, 1, {"01-q/quiz.yaml": QUIZ_POOL})
    db.session.commit()
    login(client, author)
    page = client.get("/authoring/courses/c42/quiz?module=01-q").get_data(as_text=True)
    assert "Pick both" in page and "Each attempt draws 1 of these 2 questions" in page
    response = client.post("/authoring/courses/c42/quiz?module=01-q", data={"q-q-a": "a", "q-q-b": "a"})
    page = response.get_data(as_text=True)
    assert "Score: 50 of the pass score 50" in page and "Yes, a." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 0


def test_a_stale_save_of_the_text_already_saved_is_not_a_conflict(ctx):
    author = make_author()
    draft = drafts.create_course(author, "c43", "Course", "en")
    drafts.save(draft, author, 1, {"a/lesson.en.md": b"typed"})  # the autosave got in first
    assert drafts.save(draft, author, 1, {"a/lesson.en.md": b"typed"}) is None  # then the button


def test_a_new_course_without_an_id_gets_one_from_its_title(client, ctx):
    author = make_author()
    db.session.commit()
    login(client, author)
    response = client.post("/authoring/new", data={"title": "Задержание и доставка", "lang": "ru", "course_id": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith("/zaderzhanie-i-dostavka")


def test_the_course_id_changes_until_the_first_publication_only(client, ctx):
    author = make_author()
    drafts.create_course(author, "c50", "Course", "en")
    db.session.commit()
    login(client, author)
    response = client.post("/authoring/courses/c50/rename", data={"base": "1", "course_id": "first-aid-2"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/first-aid-2/settings")
    draft = drafts.draft_of("first-aid-2")
    assert yaml.safe_load(_text(draft, "course.yaml"))["id"] == "first-aid-2"
    assert drafts.may_edit(author, "first-aid-2") and drafts.draft_of("c50") is None
    load_sample()
    admin = make_user(role=Role.ADMIN)
    db.session.commit()
    with pytest.raises(drafts.AuthoringError, match="id-fixed"):
        drafts.rename_course(drafts.open_draft(admin, COURSE), admin, "other-id", 1)


# ---- quiz editor ------------------------------------------------------------------------------

def test_questions_of_every_type_are_written_through_forms(client, ctx):
    author = make_author()
    draft = drafts.create_course(author, "c60", "Курс", "ru")
    from lms.authoring import course_form

    # A module listed in course.yaml (the check only reads listed modules), its quiz still empty.
    drafts.save(draft, author, 1, course_form.add_module(drafts.files_of(drafts.revision(draft)), "03-exam",
                                                         "assessment", "Экзамен", set()))
    db.session.commit()
    _course, problems = drafts.check("c60", drafts.files_of(drafts.revision(drafts.draft_of("c60"))))
    assert [p for p in problems if p.file.endswith("03-exam/quiz.yaml")], "the check does not see the quiz"
    login(client, author)
    url = "/authoring/courses/c60/question?module=03-exam"
    response = client.post(url, data={
        "base": "2", "rows": "4", "qid": "q-one", "type": "multiple", "text_ru": "Что записать?",
        "opt0_id": "a", "opt0_text_ru": "Время", "opt0_correct": "y", "opt0_feedback_ru": "Да.",
        "opt1_id": "b", "opt1_text_ru": "Меры", "opt1_correct": "y",
        "opt2_id": "c", "opt2_text_ru": "Слухи", "opt3_id": "", "opt3_text_ru": "",
        "explanation_ru": "Правило 8.", "refs": "rule-8, record",
    })
    assert response.status_code == 302
    client.post(url, data={"base": "3", "rows": "2", "qid": "q-two", "type": "true_false", "text_ru": "Верно?",
                           "opt0_id": "true", "opt0_text_ru": "Да", "opt0_correct": "y",
                           "opt1_id": "false", "opt1_text_ru": "Нет"})
    client.post("/authoring/courses/c60/quiz-editor?module=03-exam", data={
        "base": "4", "action": "settings", "quiz_id": "exam", "pass_mark": "60", "attempts": "2",
        "shuffle": "y", "draw": "1"})
    client.post("/authoring/courses/c60/quiz-editor?module=03-exam", data={"base": "5", "action": "up", "index": "1"})
    quiz = yaml.safe_load(_text(drafts.draft_of("c60"), "03-exam/quiz.yaml"))
    assert [q["id"] for q in quiz["questions"]] == ["q-two", "q-one"]
    assert (quiz["pass_mark"], quiz["attempts"], quiz["shuffle"], quiz["draw"]) == (60, 2, True, 1)
    one = quiz["questions"][1]
    assert one["options"] == [
        {"id": "a", "text": {"ru": "Время"}, "correct": True, "feedback": {"ru": "Да."}},
        {"id": "b", "text": {"ru": "Меры"}, "correct": True},
        {"id": "c", "text": {"ru": "Слухи"}},
    ]
    assert one["explanation"] == {"ru": "Правило 8."} and one["refs"] == ["rule-8", "record"]
    # The course check sees the quiz as written: no problem in it.
    files = drafts.files_of(drafts.revision(drafts.draft_of("c60")))
    _course, problems = drafts.check("c60", files)
    assert not [p for p in problems if p.file.endswith("03-exam/quiz.yaml")]
    bad = client.post("/authoring/courses/c60/quiz-editor?module=03-exam", data={
        "base": "6", "action": "settings", "quiz_id": "exam", "pass_mark": "sixty"})
    assert bad.status_code == 422 and 'value="sixty"' in bad.get_data(as_text=True)
