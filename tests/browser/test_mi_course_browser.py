"""The motivational interviewing course, completed end to end in a real browser: every lesson,
quiz (statements sorted, best replies chosen) and role-play.

One left-to-right language, and Arabic (right to left) as soon as course.yaml lists it.
"""

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import CourseCompletion
from tests.browser.conftest import sign_in
from tests.browser.course_walk import complete_in_browser
from tests.factories import PASSWORD, make_user
from tests.test_mi_course import LANGUAGES, load_mi

BROWSER_LANGUAGES = [lang for lang in LANGUAGES if lang in ("en", "ru")][:1] + (["ar"] if "ar" in LANGUAGES else [])


@pytest.mark.parametrize("lang", BROWSER_LANGUAGES)
def test_officer_completes_the_motivational_interviewing_course(page, ctx, artifacts, lang):
    version = load_mi()
    user = make_user(number=f"mi-{lang}", locale=lang)
    db.session.commit()
    sign_in(page, user.personnel_number, PASSWORD)
    complete_in_browser(page, version, lang, artifacts, screenshot_module="06-change-talk-and-discord")
    if lang == "ar":
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    completion = db.session.scalar(sa.select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    assert completion is not None and completion.final_score == 100
