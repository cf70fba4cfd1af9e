"""Officers in the middle of a course when a new version is published finish on their version
or move on to the new one, as the course says (`on_new_version`); their records are kept either way."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.authoring import course_form, drafts
from lms.catalog.spec import read_course
from lms.extensions import db
from lms.learning.models import CourseCompletion, Enrolment, ModuleProgress
from lms.org.models import Role
from lms.quizzes.models import QuizAttempt
from tests.course_helpers import (
    COURSE,
    SAMPLE,
    best_path,
    enrol,
    load_sample,
    play_scenario,
    take_quiz,
)
from tests.factories import login, make_user

LESSON = "01-admission-basics/lesson.en.md"
M1, M2 = "01-admission-basics", "02-role-play-admission"


def _publish_v2(setting: str | None):
    admin = make_user(role=Role.ADMIN)
    draft = drafts.open_draft(admin, COURSE)
    files = drafts.files_of(drafts.revision(draft))
    changes = {LESSON: files[LESSON].decode().replace("The first hour in prison", "Version two says").encode()}
    if setting:
        changes["course.yaml"] = files["course.yaml"] + f"on_new_version: {setting}\n".encode()
    drafts.save(draft, admin, draft.head, changes)
    result = drafts.publish(draft, admin, "new-version", draft.head)
    db.session.commit()
    assert (result.outcome, result.version) == ("new-version", 2)


def _records(user_id: int) -> list:
    db.session.expire_all()
    return sorted(
        [("attempt", a.id, a.course_version, a.score) for a in
         db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.user_id == user_id))]
        + [("progress", p.module_id, p.course_version, p.quiz_passed_at is not None) for p in
           db.session.scalars(sa.select(ModuleProgress).where(ModuleProgress.user_id == user_id))], key=str)


def _finish(client, version) -> CourseCompletion:
    client.post(f"/courses/{COURSE}/modules/{M1}/read")
    scenario = version.module(M2)["scenario"]
    play_scenario(client, version, M2, best_path(scenario))
    db.session.expire_all()
    return db.session.scalar(sa.select(CourseCompletion))


@pytest.mark.parametrize("setting", ["finish", "move_on", None])
def test_an_officer_mid_course_finishes_on_the_old_version_or_moves_on_as_the_course_says(client, ctx, setting):
    v1 = load_sample()
    started, fresh = make_user(), make_user()
    db.session.commit()
    login(client, fresh)
    enrol(client, skip_pre_test=False)  # enrolled, nothing recorded yet
    client.post("/logout")
    login(client, started)
    enrol(client)
    take_quiz(client, v1, M1)
    before = _records(started.id)
    _publish_v2(setting)
    held = setting == "finish"
    db.session.expire_all()
    assert db.session.scalar(sa.select(Enrolment.held_version).where(Enrolment.user_id == started.id)) == \
        (1 if held else None)
    assert db.session.scalar(sa.select(Enrolment.held_version).where(Enrolment.user_id == fresh.id)) is None
    page = client.get(f"/courses/{COURSE}/modules/{M1}").get_data(as_text=True)
    assert ("The first hour in prison" in page) == held and ("Version two says" in page) == (not held)
    assert _records(started.id) == before  # nothing earned was changed
    from lms.catalog.queries import version_of

    completion = _finish(client, version_of(COURSE, 1 if held else 2))
    assert completion is not None and completion.user_id == started.id
    assert completion.course_version == (1 if held else 2)
    assert [r for r in _records(started.id) if r[0] == "attempt"] == [r for r in before if r[0] == "attempt"]
    # Once complete, the officer sees the current version like everyone else.
    page = client.get(f"/courses/{COURSE}/modules/{M1}").get_data(as_text=True)
    assert "Version two says" in page
    client.post("/logout")
    login(client, fresh)  # had not started: always the new version
    assert "Version two says" in client.get(f"/courses/{COURSE}/modules/{M1}").get_data(as_text=True)


def test_on_new_version_takes_only_its_two_values(tmp_path):
    import shutil

    folder = tmp_path / COURSE
    shutil.copytree(SAMPLE, folder)
    with open(folder / "course.yaml", "a", encoding="utf-8") as fh:
        fh.write("on_new_version: later\n")
    _course, problems = read_course(folder)
    assert [(p.field, p.message) for p in problems] == [("on_new_version", "must be one of move_on, finish")]


def test_the_author_sets_the_choice_in_the_course_fields_and_the_publish_page_says_it(client, ctx):
    import re

    import yaml

    v1 = load_sample()
    officer, admin = make_user(), make_user(role=Role.ADMIN)
    db.session.commit()
    login(client, officer)
    enrol(client)
    take_quiz(client, v1, M1)
    client.post("/logout")
    login(client, admin)
    page = client.get(f"/authoring/courses/{COURSE}/publish").get_data(as_text=True)
    assert "1 officer is in the middle of this course" in page and "they move on to it" in page
    form = client.get(f"/authoring/courses/{COURSE}/settings").get_data(as_text=True)
    data = {name: value for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)
            if name not in ("on_new_version", "certificate_enabled", "languages_", "audience")}
    data.update({f"summary_{name}": text for name, text in
                 re.findall(r'<textarea[^>]*name="summary_(\w+)"[^>]*>\s*([^<]*)</textarea>', form)})
    data.update({"on_new_version": "finish", "languages_": ["en", "ru", "kk", "tg", "ar"], "audience": ["prison"],
                 "source_language": "en", "pre_test": "00-pre-test", "certificate_enabled": "y"})
    response = client.post(f"/authoring/courses/{COURSE}/settings", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    files = drafts.files_of(drafts.revision(drafts.draft_of(COURSE)))
    assert yaml.safe_load(files["course.yaml"])["on_new_version"] == "finish"
    page = client.get(f"/authoring/courses/{COURSE}/publish").get_data(as_text=True)
    assert "they finish on the version they started" in page, page[page.find("<main"):][:3000]


def _publish_v2_with_a_new_module():
    """Version 2 adds a module (in every language of the course) and says `finish`."""
    admin = make_user(role=Role.ADMIN)
    draft = drafts.open_draft(admin, COURSE)
    files = drafts.files_of(drafts.revision(draft))
    langs = ["en", "ru", "kk", "tg", "ar"]
    new = "03-after-admission"
    changes = course_form.add_module(files, new, "lesson", "After admission", set())
    changes[f"{new}/module.yaml"] = drafts.dump_yaml({
        "id": new, "kind": "lesson", "title": {c: f"After admission ({c})" for c in langs},
        "estimated_minutes": 5, "objectives": [{c: f"Do the next step ({c})." for c in langs}]})
    changes.update({f"{new}/lesson.{c}.md": f"## After admission ({c})\n\nText.\n".encode() for c in langs})
    changes["course.yaml"] = changes["course.yaml"] + b"on_new_version: finish\n"
    drafts.save(draft, admin, draft.head, changes)
    result = drafts.publish(draft, admin, "new-version", draft.head)
    db.session.commit()
    assert (result.outcome, result.version) == ("new-version", 2), result
    return new, result


def test_held_officers_are_audited_and_measured_against_their_version_in_the_progress_report(client, ctx):
    from lms.org.models import AuditEvent

    v1 = load_sample()
    held = make_user(name="Held Officer")
    fresh = make_user(name="Fresh Officer", institution=held.institution)
    trainer = make_user(role=Role.TRAINER, institution=held.institution)
    db.session.commit()
    login(client, held)
    enrol(client)
    take_quiz(client, v1, M1)
    client.post("/logout")
    login(client, fresh)
    enrol(client, skip_pre_test=False)
    client.post("/logout")
    new, result = _publish_v2_with_a_new_module()
    assert result.held == 1
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "authoring.published")).one()
    assert event.detail["held_on_previous_version"] == 1 and event.detail["version"] == 2

    login(client, trainer)
    page = client.get(f"/reports/progress?course={COURSE}").get_data(as_text=True)
    rows = {name: page[page.index(name):].split("</tr>")[0] for name in ("Held Officer", "Fresh Officer")}
    assert "Finishing version 1" in rows["Held Officer"] and "Finishing version 1" not in rows["Fresh Officer"]
    # The new module is not part of version 1: "—" for the held officer, "Not started" for the other.
    assert rows["Held Officer"].count("Not part of the version this officer is finishing") == 2  # title + text
    assert "Not part of the version" not in rows["Fresh Officer"]
