"""What an officer's pages say and how: badges beside headings, fields that announce their
hint and error, plural-aware durations, full years, months as the language writes them."""

import re
from datetime import UTC, date, datetime

import pytest
from markupsafe import escape

from lms.extensions import db
from lms.i18n import date_text, datetime_text, list_html, month_text
from tests.course_helpers import COURSE, enrol, load_sample
from tests.factories import PASSWORD, login, make_user

M1 = "01-admission-basics"


def _officer(client, locale=None, number="pages-1"):
    user = make_user(number=number, locale=locale)
    db.session.commit()
    login(client, user)
    return user


def test_status_badges_sit_beside_headings_not_inside(client, ctx):
    version = load_sample()
    _officer(client)
    enrol(client)
    page = client.get(f"/courses/{COURSE}/modules/{M1}").get_data(as_text=True)
    h1 = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert "Not started" not in h1 and "badge" not in h1
    assert re.search(r'</h1>\s*<span class="badge">Not started</span>', page)
    course = client.get(f"/courses/{COURSE}").get_data(as_text=True)
    headings = re.findall(r"<h3>(.*?)</h3>", course, re.S)
    # One heading per module, each holding its title (and no badge).
    assert len(headings) == len(version.content["modules"])
    for h3, module in zip(headings, version.content["modules"], strict=True):
        assert "badge" not in h3
        assert str(escape(module["title"]["en"])) in h3


def test_a_field_announces_both_its_hint_and_its_error(client, ctx):
    _officer(client)
    page = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "short",
                                                  "confirm": "short"}).get_data(as_text=True)
    field = re.search(r'<input[^>]*name="new_password"[^>]*>', page).group(0)
    assert 'aria-describedby="new_password-hint new_password-err"' in field
    assert 'aria-invalid="true"' in field
    assert 'id="new_password-hint"' in page and 'id="new_password-err"' in page
    # Without an error the hint alone is named.
    fresh = client.get("/account/password").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="new_password"[^>]*>', fresh).group(0)
    assert 'aria-describedby="new_password-hint"' in field and "aria-invalid" not in field


@pytest.mark.parametrize("lang,expected", [
    ("en", "about 7 hours"), ("ru", "около 7 часов"), ("kk", "шамамен 7 сағат"),
    ("tg", "тақрибан 7 соат"), ("ar", "نحو 7 ساعات"),
])
def test_course_duration_is_plural_aware(client, ctx, lang, expected):
    from tests.course_helpers import load_shipped

    load_shipped("dynamic-security")  # 425 minutes
    _officer(client, locale=lang)
    assert expected in client.get("/courses/dynamic-security").get_data(as_text=True)


def test_a_short_course_counts_its_minutes(client, ctx):
    load_sample()  # 30 minutes
    _officer(client, locale="ru")
    assert "около 30 минут" in client.get(f"/courses/{COURSE}").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["en", "ru", "kk", "tg", "ar"])
def test_every_locale_writes_the_year_in_full(app, lang):
    with app.app_context():
        for fmt in ("short", "medium", "long"):
            assert "2026" in date_text(date(2026, 5, 7), fmt, lang), (lang, fmt)
            assert "2026" in datetime_text(datetime(2026, 5, 7, 9, 30, tzinfo=UTC), fmt, lang), (lang, fmt)


def test_attempt_dates_on_a_kazakh_page_have_four_digit_years(client, ctx):
    from tests.course_helpers import take_quiz

    version = load_sample()
    _officer(client, locale="kk")
    enrol(client)
    take_quiz(client, version, M1, correct=False)
    page = client.get(f"/courses/{COURSE}/modules/{M1}/quiz").get_data(as_text=True)
    cell = re.search(r"<td>(\d\d\.\d\d\.\d+)", page).group(1)
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4}", cell), cell


def test_a_month_standing_alone_takes_its_standalone_form(app):
    with app.app_context():
        assert month_text(date(2026, 5, 1), "ru").startswith("май 2026")
        assert month_text(date(2026, 5, 1), "en") == "May 2026"


def test_arabic_dates_use_the_iraqi_month_names_everywhere(app):
    with app.app_context():
        assert date_text(date(2026, 12, 1), "long", "ar") == "1 كانون الأول 2026"
        assert month_text(date(2026, 5, 1), "ar") == "أيار 2026"


def test_lists_are_joined_the_locale_way(app):
    with app.app_context():
        assert list_html(["1", "2", "3"], "ar") == "1 و2 و3"
        assert list_html(["1", "2", "3"], "ru") == "1, 2 и 3"
        assert list_html(["<b>"], "en") == "&lt;b&gt;"
