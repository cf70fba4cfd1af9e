"""The shipped course on managing high-risk and violent extremist prisoners loads, lists only the
modules that exist, in the order of the writers' shared plan, each lesson meets the brief's shape,
the pre-test measures what the course teaches, study minutes add up, no certificate is offered
while the course is incomplete, and an officer can complete what has been written so far in each of
its languages."""

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

COURSE = "high-risk-prisoners"
COURSE_DIR = PROJECT_ROOT / "courses" / COURSE
LANGUAGES = shipped_languages(COURSE)
PRACTICE_TYPES = {"best_response", "classify", "rate"}
# The module plan shared by the writers (issue 14): ids are fixed, and the course lists the modules
# that exist in this order.
PLAN = [
    "01-high-risk-prisoners-and-human-rights", "02-violent-extremist-prisoners", "03-risk-and-needs-assessment",
    "04-case-file-practice-1", "05-classification-and-allocation", "06-sentence-plans-and-interventions",
    "07-role-play-admission-interview", "08-security-intelligence-and-staff-safety", "09-case-file-practice-2",
    "10-release-probation-and-reintegration", "11-gender-and-age", "12-role-play-family-visit",
    "13-case-file-practice-3", "14-final-assessment",
]
PLAN_LESSONS = {1, 2, 3, 5, 6, 8, 10, 11}


def load_hr() -> CourseVersion:
    return load_shipped(COURSE)


def words(module_id: str, lang: str) -> int:
    return len((COURSE_DIR / module_id / f"lesson.{lang}.md").read_text().split())


def explanations_and_answers(question: dict, lang: str) -> None:
    assert question["explanation"].get(lang), (question["id"], lang)
    if question["type"] in ("classify", "rate"):
        assert len(question["items"]) >= 2 and len(question["categories"]) >= 2, question["id"]
        assert all(i["feedback"].get(lang) for i in question["items"]), question["id"]
    elif question["type"] == "best_response":
        # Exactly one best reply, so that an officer choosing it earns the whole question.
        assert [o["credit"] for o in question["options"]].count(100) == 1, question["id"]
        assert all(o["feedback"].get(lang) for o in question["options"]), question["id"]
    else:
        assert any(o["correct"] for o in question["options"]), question["id"]
        assert all(o["feedback"].get(lang) for o in question["options"]), question["id"]


def lessons_cited(text: str) -> set[int]:
    """Lesson numbers an explanation points to: "lesson 7", "lessons 4 and 7", "lessons 1, 2 and 10"."""
    found = set()
    for group in re.findall(r"[Ll]essons? (\d+(?:(?:, | and )\d+)*)", text):
        found |= {int(n) for n in re.findall(r"\d+", group)}
    return found


def quizzes(content: dict) -> list[tuple[str, dict]]:
    return [(m["id"], q) for m in [content["pre_test"], *content["modules"]]
            for q in (m.get("quiz") or {}).get("questions", [])]


def test_modules_exist_and_follow_the_plan_in_order(ctx):
    content = load_hr().content
    ids = [m["id"] for m in content["modules"]]
    # Only modules of the plan, in its order, starting with the first lesson; nothing on disk left
    # out of the list, and nothing listed that is not on disk.
    assert ids and ids[0] == PLAN[0], ids
    assert ids == [m for m in PLAN if m in ids], ids
    on_disk = sorted(p.name for p in COURSE_DIR.iterdir() if p.is_dir() and p.name != content["pre_test"]["id"])
    assert on_disk == sorted(ids)
    assert content["audience"] == ["prison", "probation"]
    assert content["source_language"] == "en" and content["languages"][0] == "en"
    raw = yaml.safe_load((COURSE_DIR / "course.yaml").read_text())
    assert raw["completion"]["pass_mark"] == 80 and raw["id"] == COURSE


def test_each_lesson_meets_the_brief(ctx):
    content = load_hr().content
    lessons = [m for m in content["modules"] if m["kind"] == "lesson"]
    assert lessons
    for module in lessons:
        assert int(module["id"][:2]) in PLAN_LESSONS, module["id"]
        english = (COURSE_DIR / module["id"] / "lesson.en.md").read_text()
        assert 700 <= words(module["id"], "en") <= 1300, (module["id"], words(module["id"], "en"))
        assert "!!! warning" in english and "!!! example" in english and "!!! note" in english, module["id"]
        assert "[^1]:" in english and "(fictional)" in english, module["id"]
        assert module["objectives"], module["id"]
        questions = module["quiz"]["questions"]
        assert len(questions) >= 6, module["id"]
        assert PRACTICE_TYPES & {q["type"] for q in questions}, module["id"]
        for question in questions:
            for lang in content["languages"]:
                explanations_and_answers(question, lang)
            # Every explanation says which lesson teaches the point, and it is this lesson or an earlier one.
            cited = lessons_cited(question["explanation"]["en"])
            assert cited and max(cited) <= int(module["id"][:2]), (module["id"], question["id"])


def test_explanations_point_to_lessons_of_the_plan(ctx):
    """The pre-test and quizzes send officers to lessons that the plan holds (never to a role-play,
    a case file or a number that does not exist)."""
    content = load_hr().content
    for module_id, question in quizzes(content):
        cited = lessons_cited(question["explanation"]["en"])
        assert cited and cited <= PLAN_LESSONS, (module_id, question["id"], cited)


def test_pre_test_measures_the_course(ctx):
    content = load_hr().content
    pre = content["pre_test"]
    assert pre["kind"] == "assessment" and pre["quiz"]["attempts"] == 1
    questions = pre["quiz"]["questions"]
    assert len(questions) >= 10
    assert {"best_response", "classify"} <= {q["type"] for q in questions}
    for question in questions:
        for lang in content["languages"]:
            explanations_and_answers(question, lang)
    # It asks about the lessons on human rights, violent extremism, assessment and placement.
    cited = set().union(*(lessons_cited(q["explanation"]["en"]) for q in questions))
    assert {1, 2, 3, 5} <= cited, cited


def test_best_reply_is_not_always_in_the_same_place(ctx):
    places = set()
    for _, question in quizzes(load_hr().content):
        if question["type"] == "best_response":
            places.add([o["credit"] for o in question["options"]].index(100))
        elif question["type"] in ("single", "true_false") and len(question["options"]) > 2:
            places.add([bool(o.get("correct")) for o in question["options"]].index(True))
    assert len(places) > 1, places


def test_minutes_add_up_and_no_certificate_while_incomplete(ctx):
    content = load_hr().content
    total = sum(m["estimated_minutes"] for m in [*content["modules"], content["pre_test"]])
    assert content["estimated_minutes"] == total
    raw = yaml.safe_load((COURSE_DIR / "course.yaml").read_text())
    listed = [m["id"] for m in content["modules"]]
    if listed != PLAN:
        # A certificate would certify a course that does not yet teach what the issue asks.
        assert raw["certificate"]["enabled"] is False
    else:
        assert raw["certificate"]["enabled"] and 0 <= total / 60 - raw["certificate"]["hours"] < 0.5


@pytest.mark.parametrize("lang", LANGUAGES)
def test_course_can_be_completed_in_each_language(client, ctx, lang):
    version = load_hr()
    user = make_user(number=f"hr-c-{lang}", locale=lang)
    db.session.commit()
    login(client, user)
    complete_course(client, version, lang)
    completion = db.session.scalar(sa.select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    assert completion is not None and completion.final_score == 100
