"""The shipped dynamic security course loads, meets the brief's shape, and can be completed in each of its languages."""

import pytest
import sqlalchemy as sa

from lms.catalog.models import CourseVersion
from lms.config import PROJECT_ROOT
from lms.extensions import db
from lms.learning.models import CourseCompletion
from tests.course_helpers import (
    assert_course_shape,
    complete_course,
    load_shipped,
    shipped_languages,
)
from tests.factories import login, make_user

COURSE = "dynamic-security"
COURSE_DIR = PROJECT_ROOT / "courses" / COURSE
LANGUAGES = shipped_languages(COURSE)


def load_ds() -> CourseVersion:
    return load_shipped(COURSE)


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


def test_course_shape_meets_the_brief(ctx):
    content = load_ds().content
    assert_course_shape(content)
    assert len(content["modules"][-1]["quiz"]["questions"]) >= 15


@pytest.mark.parametrize("lang", LANGUAGES)
def test_course_can_be_completed_in_each_language(client, ctx, lang):
    version = load_ds()
    user = make_user(number=f"ds-c-{lang}", locale=lang)
    db.session.commit()
    login(client, user)
    complete_course(client, version, lang)
    completion = db.session.scalar(sa.select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    assert completion is not None and completion.final_score == 100
