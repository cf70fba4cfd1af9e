"""The Nelson Mandela Rules course, completed end to end in a real browser, in Russian and Arabic."""

import pytest
import sqlalchemy as sa

from lms.catalog.models import CourseVersion
from lms.extensions import db
from lms.learning.models import CourseCompletion
from tests.browser.conftest import sign_in
from tests.browser.course_walk import complete_in_browser
from tests.course_helpers import load_shipped
from tests.factories import PASSWORD, make_user

COURSE = "nelson-mandela-rules"


def load_nmr() -> CourseVersion:
    return load_shipped(COURSE)


@pytest.mark.parametrize("lang", ["ru", "ar"])
def test_officer_completes_the_mandela_rules_course(page, ctx, artifacts, lang):
    version = load_nmr()
    user = make_user(number=f"nmr-{lang}", locale=lang)
    db.session.commit()
    sign_in(page, user.personnel_number, PASSWORD)
    complete_in_browser(page, version, lang, artifacts, screenshot_module="05-restrictions-discipline-sanctions")
    completion = db.session.scalar(sa.select(CourseCompletion).where(CourseCompletion.user_id == user.id))
    assert completion is not None and completion.course_version == version.version
