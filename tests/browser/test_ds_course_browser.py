"""The dynamic security course, completed end to end in a real browser.

English (left to right) for now; Arabic (right to left) joins automatically when course.yaml
lists it, and the first of Russian/English stays the left-to-right walk.
"""

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import CourseCompletion
from tests.browser.conftest import sign_in
from tests.browser.course_walk import complete_in_browser
from tests.factories import PASSWORD, make_user
from tests.test_ds_course import LANGUAGES, load_ds

# One left-to-right language and Arabic, as the course brief asks, once Arabic is listed.
BROWSER_LANGUAGES = [lang for lang in LANGUAGES if lang in ("en", "ru", "ar")][:1] + (["ar"] if "ar" in LANGUAGES else [])


@pytest.mark.parametrize("lang", BROWSER_LANGUAGES)
def test_officer_completes_the_dynamic_security_course(page, ctx, artifacts, lang):
    version = load_ds()
    user = make_user(number=f"ds-{lang}", locale=lang)
    db.session.commit()
    sign_in(page, user.personnel_number, PASSWORD)
    complete_in_browser(page, version, lang, artifacts, screenshot_module="06-information-to-intelligence")
    completion = db.session.scalar(sa.select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    assert completion is not None and completion.final_score == 100
