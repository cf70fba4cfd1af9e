"""Rules decided once and called everywhere: "today" in the deployment's time zone, who may
open a course or module, and which languages are written right to left."""

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from lms import timeutil
from lms.catalog.models import Course
from lms.extensions import db
from lms.learning.course_access import course_access
from lms.learning.models import Enrolment
from lms.org.models import Role
from tests.course_helpers import COURSE, enrol, load_sample
from tests.factories import login, make_user

# 20:30 UTC on 1 March is already 2 March in Almaty (UTC+5) and still 1 March in UTC.
EVENING_UTC = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(timeutil, "utcnow", lambda: EVENING_UTC)


@pytest.mark.parametrize("zone,overdue", [("UTC", False), ("Asia/Almaty", True)])
def test_today_follows_the_deployment_time_zone_for_officer_and_manager(app, client, ctx, clock, monkeypatch,
                                                                        zone, overdue):
    monkeypatch.setitem(app.config, "LMS_TIMEZONE", zone)
    load_sample()
    officer = make_user(number="tz-1")
    manager = make_user(role=Role.MANAGER, institution=officer.institution, scope_institution=officer.institution)
    db.session.commit()
    login(client, officer)
    enrol(client)
    db.session.execute(sa.update(Enrolment).values(due_on=date(2026, 3, 1)))
    db.session.commit()
    mine = client.get("/learning").get_data(as_text=True)
    assert ("Overdue" in mine) == overdue
    staff = app.test_client()
    login(staff, manager)
    register = staff.get(f"/reports/register?course={COURSE}").get_data(as_text=True)
    row = register[register.index(officer.personnel_number):]
    status = re.search(r'<span class="badge[^"]*">([^<]+)</span>', row).group(1)
    assert (status == "Overdue") == overdue


def test_today_and_local_dates_in_one_place(app, clock, monkeypatch):
    with app.app_context():
        monkeypatch.setitem(app.config, "LMS_TIMEZONE", "Asia/Baghdad")  # UTC+3
        assert timeutil.today() == date(2026, 3, 1)
        assert timeutil.local_date(datetime(2026, 3, 1, 21, 0, tzinfo=UTC)) == date(2026, 3, 2)
        assert timeutil.day_start(date(2026, 3, 2)) == datetime(2026, 3, 1, 21, 0, tzinfo=UTC)
        monkeypatch.setitem(app.config, "LMS_TIMEZONE", "Asia/Almaty")
        assert timeutil.today() == date(2026, 3, 2)


def test_an_unknown_time_zone_setting_is_refused_with_its_name(monkeypatch):
    from lms.config import _timezone

    monkeypatch.setenv("LMS_TIMEZONE", "Asia/Nowhere")
    with pytest.raises(RuntimeError, match="Asia/Nowhere"):
        _timezone()


@pytest.mark.parametrize("zone,refused", [("UTC", False), ("Asia/Almaty", True)])
def test_assigning_a_due_date_uses_the_deployment_today(app, client, ctx, clock, monkeypatch, zone, refused):
    monkeypatch.setitem(app.config, "LMS_TIMEZONE", zone)
    load_sample()
    trainer = make_user(role=Role.TRAINER)
    officer = make_user(institution=trainer.institution)
    trainer.scope_institution_id = trainer.institution_id
    db.session.commit()
    login(client, trainer)
    response = client.post(f"/courses/{COURSE}/assign", data={"officers": [officer.id], "cohort_id": 0,
                                                             "due_on": "2026-03-01"})
    assert ("The due date cannot be in the past." in response.get_data(as_text=True)) == refused
    assert (response.status_code == 302) == (not refused)


# Who may open a course or module ----------------------------------------------------------

class _User:
    def __init__(self, role):
        self.role = role


@pytest.mark.parametrize("role,is_open,enrolled,expected", [
    (Role.OFFICER, True, False, (True, True, False, False)),
    (Role.OFFICER, False, False, (False, False, False, False)),
    (Role.OFFICER, False, True, (True, False, True, True)),
    (Role.OFFICER, True, True, (True, False, True, True)),
    (Role.TRAINER, False, False, (True, True, True, False)),
    (Role.MANAGER, False, True, (True, False, True, True)),
])
def test_course_access_table(role, is_open, enrolled, expected):
    access = course_access(_User(role), is_open, enrolled)
    assert (access.visible, access.may_enrol, access.may_read, access.may_take_part) == expected


def test_closed_course_is_closed_alike_in_catalogue_pages_media_quizzes_and_role_plays(client, ctx):
    load_sample()
    db.session.get(Course, COURSE).is_open = False
    officer = make_user(number="closed-1")
    db.session.commit()
    login(client, officer)
    assert COURSE not in client.get("/courses").get_data(as_text=True)
    for url in (f"/courses/{COURSE}", f"/courses/{COURSE}/modules/01-admission-basics",
                f"/courses/{COURSE}/modules/01-admission-basics/quiz",
                f"/courses/{COURSE}/modules/02-role-play-admission/scenario"):
        assert client.get(url).status_code == 404, url
    for url in (f"/courses/{COURSE}/enrol", f"/courses/{COURSE}/modules/01-admission-basics/quiz/start",
                f"/courses/{COURSE}/modules/02-role-play-admission/scenario/start"):
        assert client.post(url).status_code == 404, url


def test_staff_read_a_course_without_enrolling_but_take_part_only_when_enrolled(client, ctx):
    load_sample()
    db.session.get(Course, COURSE).is_open = False
    trainer = make_user(role=Role.TRAINER)
    db.session.commit()
    login(client, trainer)
    assert client.get(f"/courses/{COURSE}/modules/01-admission-basics").status_code == 200
    quiz = client.get(f"/courses/{COURSE}/modules/01-admission-basics/quiz")
    assert quiz.status_code == 302 and quiz.headers["Location"].endswith(f"/courses/{COURSE}")
    play = client.get(f"/courses/{COURSE}/modules/02-role-play-admission/scenario")
    assert play.status_code == 302


# Right-to-left languages ------------------------------------------------------------------

@pytest.mark.parametrize("lang,direction", [("ar", "rtl"), ("ckb", "rtl"), ("ur", "rtl"), ("he", "rtl"),
                                            ("kk", "ltr"), ("en", "ltr")])
def test_fallback_text_takes_its_direction_from_the_one_list(app, lang, direction):
    from lms.i18n import Localized

    with app.test_request_context("/"):
        text = app.jinja_env.globals["text"]  # course text in every template (lms.i18n.localized_html)
        html = str(text(Localized("x", lang, True)))
    assert f'dir="{direction}"' in html


def test_course_text_is_escaped_and_marked_with_its_language_only_when_it_fell_back(app):
    """Course text in every page (`text(...)`, a function rather than a template macro for speed)."""
    from lms.i18n import Localized

    with app.test_request_context("/"):
        text = app.jinja_env.globals["text"]
        assert str(text(Localized('<b>"A" & B</b>', "ru", False))) == "<span>&lt;b&gt;&#34;A&#34; &amp; B&lt;/b&gt;</span>"
        assert str(text(Localized("<i>", "ar", True))) == '<span lang="ar" dir="rtl">&lt;i&gt;</span>'
        assert str(text(None)) == "<span></span>"
        page = app.jinja_env.from_string("{{ text(t) }}").render(t=Localized("x<", "en", True))
    assert page == '<span lang="en" dir="ltr">x&lt;</span>'


def test_no_template_or_form_names_a_right_to_left_language_itself():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "lms"
    offenders = [str(p) for p in [*root.rglob("*.html"), *root.rglob("forms.py")]
                 if re.search(r"""in \('ar'|== ["']ar["']""", p.read_text(encoding="utf-8"))]
    assert offenders == []
