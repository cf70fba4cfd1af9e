"""The shipped Nelson Mandela Rules course loads and can be completed in each of its five languages."""

import re

import pytest
import sqlalchemy as sa
from markupsafe import escape

from lms.extensions import db
from lms.learning.models import CourseCompletion
from lms.scenarios import engine
from tests.browser.test_nmr_course_browser import COURSE, load_nmr
from tests.course_helpers import correct_answers, enrol, form_of
from tests.factories import login, make_user


def test_course_shape_meets_the_brief(ctx):
    version = load_nmr()
    content = version.content
    assert content["languages"] == ["en", "ru", "kk", "tg", "ar"]
    lessons = [m for m in content["modules"] if m["kind"] == "lesson"]
    scenarios = [m for m in content["modules"] if m["kind"] == "scenario"]
    assert len(lessons) >= 8 and len(scenarios) >= 2
    assert content["pre_test"] and content["modules"][-1]["kind"] == "assessment"
    for module in lessons:
        assert len(module["quiz"]["questions"]) >= 6, module["id"]
        assert all(q["explanation"].get("en") for q in module["quiz"]["questions"]), module["id"]
        assert module["objectives"], module["id"]
        words = len((load_nmr.__globals__["PROJECT_ROOT"] / "courses" / COURSE / module["id"] / "lesson.en.md").read_text().split())
        assert 700 <= words <= 1300, (module["id"], words)
    for module in scenarios:
        s = module["scenario"]
        assert len(s["nodes"]) >= 10
        assert {n["ending"] for n in s["nodes"].values() if "ending" in n} == {"good", "mixed", "poor"}
        assert s["observer_checklist"] and all(role.get("card") for role in s["roles"].values())


@pytest.mark.parametrize("lang", ["en", "ru", "kk", "tg", "ar"])
def test_course_can_be_completed_in_each_language(client, ctx, lang):
    version = load_nmr()
    user = make_user(number=f"nmr-c-{lang}", locale=lang)
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
