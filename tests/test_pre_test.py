"""The pre-test is offered first; skipping it is an explicit, recorded choice; reports count it."""

import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import Enrolment, ModuleProgress, ProgressEvent
from lms.quizzes.models import QuizAttempt
from tests.course_helpers import COURSE, enrol, load_sample, take_quiz
from tests.factories import login, make_user

M1 = "01-admission-basics"


def _officer(client, number="pre-1"):
    user = make_user(number=number)
    db.session.commit()
    login(client, user)
    return user


def test_course_page_offers_the_pre_test_first_and_says_why(client, ctx):
    load_sample()
    _officer(client)
    enrol(client, skip_pre_test=False)
    page = client.get(f"/courses/{COURSE}").get_data(as_text=True)
    assert "Start the course" not in page
    assert f'class="button primary" href="/courses/{COURSE}/modules/00-pre-test/quiz"' in page
    assert "it shows what you learn" in page
    assert f'action="/courses/{COURSE}/pre-test/skip"' in page
    assert "you cannot take it later" in page


def test_starting_a_module_does_not_silently_close_the_pre_test(client, ctx):
    version = load_sample()
    user = _officer(client)
    enrol(client, skip_pre_test=False)
    for url in (f"/courses/{COURSE}/modules/{M1}/read", f"/courses/{COURSE}/modules/{M1}/quiz/start",
                f"/courses/{COURSE}/modules/02-role-play-admission/scenario/start"):
        response = client.post(url)
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/courses/{COURSE}#pretest-h")
    page = client.get(f"/courses/{COURSE}").get_data(as_text=True)
    assert "take the pre-test or choose to skip it" in page
    assert db.session.scalar(sa.select(sa.func.count(ModuleProgress.id))) == 0
    # The pre-test is still open, and taking it opens the modules.
    take_quiz(client, version, "00-pre-test", correct=False)
    assert db.session.scalar(sa.select(QuizAttempt.score).where(QuizAttempt.user_id == user.id)) == 0
    client.post(f"/courses/{COURSE}/modules/{M1}/read")
    assert db.session.scalar(sa.select(sa.func.count(ModuleProgress.id))) == 1


def test_skipping_is_recorded_and_closes_the_pre_test(client, ctx):
    load_sample()
    user = _officer(client)
    enrol(client, skip_pre_test=False)
    response = client.post(f"/courses/{COURSE}/pre-test/skip")
    assert response.headers["Location"].endswith(f"/courses/{COURSE}/modules/{M1}")
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == user.id))
    assert enrolment.pre_test_skipped_at is not None
    kinds = db.session.scalars(sa.select(ProgressEvent.kind).where(ProgressEvent.user_id == user.id)).all()
    assert kinds == ["pre_test_skipped"]
    page = client.get(f"/courses/{COURSE}").get_data(as_text=True)
    assert "You skipped the pre-test." in page and "Start the course" in page
    assert "Skip the pre-test" not in page
    page = client.post(f"/courses/{COURSE}/modules/00-pre-test/quiz/start", follow_redirects=True)
    assert "The pre-test is closed" in page.get_data(as_text=True)
    # Skipping twice records nothing more.
    page = client.post(f"/courses/{COURSE}/pre-test/skip", follow_redirects=True).get_data(as_text=True)
    assert "no longer open" in page
    assert db.session.scalar(sa.select(sa.func.count(ProgressEvent.id))) == 1


def test_an_officer_who_took_the_pre_test_cannot_skip_it(client, ctx):
    version = load_sample()
    user = _officer(client)
    enrol(client, skip_pre_test=False)
    take_quiz(client, version, "00-pre-test")
    response = client.post(f"/courses/{COURSE}/pre-test/skip", follow_redirects=True)
    # Refused with a word, not with a missing page (a route that does not exist refuses too).
    assert response.status_code == 200 and "The pre-test is no longer open." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Enrolment.pre_test_skipped_at).where(Enrolment.user_id == user.id)) is None
    kinds = db.session.scalars(sa.select(ProgressEvent.kind).where(ProgressEvent.user_id == user.id)).all()
    assert "pre_test_skipped" not in kinds


def test_knowledge_gain_report_counts_who_skipped_the_pre_test(app, client, ctx):
    import re

    from lms.org.models import Role

    version = load_sample()
    skipper = _officer(client, "pre-skip")
    enrol(client, skip_pre_test=False)
    client.post(f"/courses/{COURSE}/pre-test/skip")
    taker = make_user(number="pre-take", institution=skipper.institution)
    manager = make_user(role=Role.MANAGER, institution=skipper.institution,
                        scope_institution=skipper.institution)
    db.session.commit()
    other = app.test_client()
    login(other, taker)
    enrol(other, skip_pre_test=False)
    take_quiz(other, version, "00-pre-test")
    staff = app.test_client()
    login(staff, manager)
    page = staff.get(f"/reports/dashboard?course={COURSE}").get_data(as_text=True)
    assert re.search(r'id="fig-pre-test-skipped">1<', page)
    assert "1 officer chose to skip the pre-test" in page
