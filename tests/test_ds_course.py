"""The shipped dynamic security course loads, meets the brief's shape, and can be completed in each of its languages."""

import re

import pytest
import sqlalchemy as sa
import yaml
from markupsafe import escape

from lms.catalog.loader import load_course_dir
from lms.catalog.models import CourseVersion
from lms.config import PROJECT_ROOT
from lms.extensions import db
from lms.learning.models import CourseCompletion
from lms.scenarios import engine
from tests.course_helpers import correct_answers, enrol, form_of
from tests.factories import login, make_user

COURSE = "dynamic-security"
COURSE_DIR = PROJECT_ROOT / "courses" / COURSE
# The languages the course ships in, read from its own file, so that each translation
# that lands is tested without editing this module.
LANGUAGES = yaml.safe_load((COURSE_DIR / "course.yaml").read_text())["languages"]


def load_ds() -> CourseVersion:
    result = load_course_dir(COURSE_DIR)
    assert result.outcome in ("created", "unchanged"), result.problems
    db.session.commit()
    return db.session.scalar(sa.select(CourseVersion).where(CourseVersion.course_id == COURSE))


def words(module_id: str, lang: str) -> int:
    return len((COURSE_DIR / module_id / f"lesson.{lang}.md").read_text().split())


def test_each_lesson_meets_the_brief(ctx):
    content = load_ds().content
    assert content["languages"][0] == "en" and content["source_language"] == "en"
    lessons = [m for m in content["modules"] if m["kind"] == "lesson"]
    assert lessons
    for module in lessons:
        english = (COURSE_DIR / module["id"] / "lesson.en.md").read_text()
        assert 700 <= words(module["id"], "en") <= 1300, (module["id"], words(module["id"], "en"))
        assert "!!! warning" in english and "!!! example" in english and "!!! note" in english, module["id"]
        assert "[^1]:" in english, module["id"]
        assert module["objectives"], module["id"]
        questions = module["quiz"]["questions"]
        assert len(questions) >= 6, module["id"]
        for q in questions:
            for lang in content["languages"]:
                assert q["explanation"].get(lang), (module["id"], q["id"], lang)
            assert any(o["correct"] for o in q["options"]), (module["id"], q["id"])


def test_course_shape_meets_the_brief(ctx):
    content = load_ds().content
    lessons = [m for m in content["modules"] if m["kind"] == "lesson"]
    scenarios = [m for m in content["modules"] if m["kind"] == "scenario"]
    assert len(lessons) >= 8 and len(scenarios) >= 2
    assert content["pre_test"]["kind"] == "assessment" and content["pre_test"]["quiz"]["questions"]
    final = content["modules"][-1]
    assert final["kind"] == "assessment" and len(final["quiz"]["questions"]) >= 15
    for module in scenarios:
        s = module["scenario"]
        assert len(s["nodes"]) >= 10, module["id"]
        assert {n["ending"] for n in s["nodes"].values() if n.get("ending")} == {"good", "mixed", "poor"}, module["id"]
        assert s["observer_checklist"] and all(role.get("card") for role in s["roles"].values()), module["id"]
        # The best reply is not always in the same place among the choices.
        best_places = set()
        for node in s["nodes"].values():
            scores = [c["score"] for c in node.get("choices", [])]
            if len(scores) > 1:
                best_places.add(scores.index(max(scores)))
        assert len(best_places) > 1, (module["id"], best_places)


def test_minutes_and_certificate_hours_are_consistent(ctx):
    content = load_ds().content
    total = sum(m["estimated_minutes"] for m in [*content["modules"], content["pre_test"]])
    assert content["estimated_minutes"] == total
    assert content["certificate"]["enabled"]
    # Hours printed on the certificate never claim more than the course takes.
    assert 0 < content["certificate"]["hours"] <= total / 60


@pytest.mark.parametrize("lang", LANGUAGES)
def test_course_can_be_completed_in_each_language(client, ctx, lang):
    version = load_ds()
    user = make_user(number=f"ds-c-{lang}", locale=lang)
    db.session.commit()
    login(client, user)
    enrol(client, COURSE)
    for module in version.content["modules"]:
        page = client.get(f"/courses/{COURSE}/modules/{module['id']}").get_data(as_text=True)
        assert str(escape(module["title"][lang])) in page
        if module.get("lesson"):
            assert f'<article class="lesson" lang="{lang}"' in page
            client.post(f"/courses/{COURSE}/modules/{module['id']}/read")
        if module.get("quiz"):
            client.post(f"/courses/{COURSE}/modules/{module['id']}/quiz/start")
            quiz_page = client.get(f"/courses/{COURSE}/modules/{module['id']}/quiz").get_data(as_text=True)
            attempt_id = re.search(r'action="/attempts/(\d+)"', quiz_page).group(1)
            assert str(escape(module["quiz"]["questions"][0]["text"][lang])) in quiz_page
            client.post(f"/attempts/{attempt_id}", data=form_of(correct_answers(version, module["id"]), attempt_id))
        if module.get("scenario"):
            client.post(f"/courses/{COURSE}/modules/{module['id']}/scenario/start")
            run_page = client.get(f"/courses/{COURSE}/modules/{module['id']}/scenario").get_data(as_text=True)
            run_id = re.search(r'action="/runs/(\d+)/choose"', run_page).group(1)
            for step, choice in enumerate(engine.best_run(module["scenario"])):
                client.post(f"/runs/{run_id}/choose", data={"choice": choice, "step": step})
    completion = db.session.scalar(sa.select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    assert completion is not None and completion.final_score == 100
