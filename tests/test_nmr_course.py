"""The shipped Nelson Mandela Rules course loads and can be completed in each of its five languages."""

import pytest
import sqlalchemy as sa

from lms.config import PROJECT_ROOT
from lms.extensions import db
from lms.learning.models import CourseCompletion
from tests.browser.test_nmr_course_browser import COURSE, load_nmr
from tests.course_helpers import assert_course_shape, complete_course
from tests.factories import login, make_user


def test_course_shape_meets_the_brief(ctx):
    content = load_nmr().content
    assert content["languages"] == ["en", "ru", "kk", "tg", "ar"]
    assert_course_shape(content)
    for module in (m for m in content["modules"] if m["kind"] == "lesson"):
        words = len((PROJECT_ROOT / "courses" / COURSE / module["id"] / "lesson.en.md").read_text().split())
        assert 700 <= words <= 1300, (module["id"], words)


@pytest.mark.parametrize("lang", ["en", "ru", "kk", "tg", "ar"])
def test_course_can_be_completed_in_each_language(client, ctx, lang):
    version = load_nmr()
    user = make_user(number=f"nmr-c-{lang}", locale=lang)
    db.session.commit()
    login(client, user)
    complete_course(client, version, lang)
    completion = db.session.scalar(sa.select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    assert completion is not None and completion.final_score == 100
