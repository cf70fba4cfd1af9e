"""The shipped motivational interviewing course loads, each module meets the brief's shape, the
practice formats (best_response, classify) are used from lesson 3 on, and an officer can complete
what has been written so far in each of its languages."""

import re

import pytest
import sqlalchemy as sa
import yaml

from lms.catalog.models import CourseVersion
from lms.config import PROJECT_ROOT
from lms.extensions import db
from lms.learning.models import CourseCompletion
from tests.course_helpers import complete_course, load_shipped, shipped_languages
from tests.factories import login, make_user

COURSE = "motivational-interviewing"
COURSE_DIR = PROJECT_ROOT / "courses" / COURSE
LANGUAGES = shipped_languages(COURSE)
PRACTICE_TYPES = {"best_response", "classify"}
# The module plan shared by the writers: ids are fixed, and the course lists them in this order.
PLAN = [
    "01-what-mi-is", "02-spirit-and-processes", "03-open-questions-and-affirmations",
    "04-reflections-and-summaries", "05-role-play-programme", "06-change-talk-and-discord",
    "07-evoking-change-talk", "08-information-and-advice", "09-role-play-missed-appointments",
    "10-mi-in-prison-and-probation", "11-mi-and-violent-extremism", "12-role-play-rejecting-contact",
    "13-assessing-mi-practice", "14-final-assessment",
]


def load_mi() -> CourseVersion:
    return load_shipped(COURSE)


def words(module_id: str, lang: str) -> int:
    return len((COURSE_DIR / module_id / f"lesson.{lang}.md").read_text().split())


def explanations_and_answers(question: dict, lang: str) -> None:
    assert question["explanation"].get(lang), (question["id"], lang)
    if question["type"] in ("classify", "rate"):
        assert len(question["items"]) >= 2 and len(question["categories"]) >= 2, question["id"]
        if question["type"] == "rate":
            # The expert's reasoning is what the officer learns from after rating a factor.
            assert all(i["feedback"].get(lang) for i in question["items"]), question["id"]
    elif question["type"] == "best_response":
        # Exactly one best reply, so that an officer choosing it earns the whole question.
        assert [o["credit"] for o in question["options"]].count(100) == 1, question["id"]
        assert all(o["feedback"].get(lang) for o in question["options"]), question["id"]
    else:
        assert any(o["correct"] for o in question["options"]), question["id"]


def test_modules_follow_the_plan_in_order(ctx):
    content = load_mi().content
    ids = [m["id"] for m in content["modules"]]
    assert ids == sorted(ids, key=PLAN.index), ids
    assert set(ids) <= set(PLAN)
    on_disk = sorted(p.name for p in COURSE_DIR.iterdir() if p.is_dir() and p.name != content["pre_test"]["id"])
    assert on_disk == sorted(ids)
    assert content["audience"] == ["prison", "probation"]
    assert content["source_language"] == "en" and content["languages"][0] == "en"


def test_each_lesson_meets_the_brief(ctx):
    content = load_mi().content
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
        for question in questions:
            for lang in content["languages"]:
                explanations_and_answers(question, lang)
        if module["id"] >= "03":
            assert PRACTICE_TYPES & {q["type"] for q in questions}, module["id"]


def test_best_reply_is_not_always_in_the_same_place(ctx):
    content = load_mi().content
    places = set()
    for module in [content["pre_test"], *content["modules"]]:
        for question in (module.get("quiz") or {}).get("questions", []):
            if question["type"] == "best_response":
                credits = [o["credit"] for o in question["options"]]
                places.add(credits.index(100))
    assert len(places) > 1, places


def test_pre_test_minutes_and_certificate_hours(ctx):
    content = load_mi().content
    pre = content["pre_test"]
    assert pre["kind"] == "assessment" and len(pre["quiz"]["questions"]) >= 10
    assert pre["quiz"]["attempts"] == 1
    assert PRACTICE_TYPES <= {q["type"] for q in pre["quiz"]["questions"]}
    for question in pre["quiz"]["questions"]:
        for lang in content["languages"]:
            explanations_and_answers(question, lang)
    total = sum(m["estimated_minutes"] for m in [*content["modules"], pre])
    assert content["estimated_minutes"] == total
    raw = yaml.safe_load((COURSE_DIR / "course.yaml").read_text())
    assert raw["completion"]["pass_mark"] == 80 and raw["certificate"]["enabled"]
    # The certificate's hours match the study time: never more, and less by under half an hour.
    assert 0 <= total / 60 - content["certificate"]["hours"] < 0.5, (total, content["certificate"]["hours"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_course_can_be_completed_in_each_language(client, ctx, lang):
    version = load_mi()
    user = make_user(number=f"mi-c-{lang}", locale=lang)
    db.session.commit()
    login(client, user)
    complete_course(client, version, lang)
    completion = db.session.scalar(sa.select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    assert completion is not None and completion.final_score == 100


def lessons_cited(text: str) -> set[int]:
    """Lesson numbers an explanation points to: "lesson 7", "lessons 4 and 7", "lessons 1, 2 and 10"."""
    found = set()
    for group in re.findall(r"lessons? (\d+(?:(?:, | and )\d+)*)", text):
        found |= {int(n) for n in re.findall(r"\d+", group)}
    return found


def test_final_assessment_draws_on_every_lesson(ctx):
    content = load_mi().content
    final = content["modules"][-1]
    assert final["id"] == "14-final-assessment" and final["kind"] == "assessment"
    questions = final["quiz"]["questions"]
    assert len(questions) >= 20
    assert {"best_response", "classify"} <= {q["type"] for q in questions}
    for question in questions:
        for lang in content["languages"]:
            explanations_and_answers(question, lang)
    cited = set().union(*(lessons_cited(q["explanation"]["en"]) for q in questions))
    lessons = {int(m["id"][:2]) for m in content["modules"] if m["kind"] == "lesson"}
    assert lessons <= cited, sorted(lessons - cited)
