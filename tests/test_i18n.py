"""Interface languages: complete catalogs, negotiation, direction, formatting."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from lms.extensions import db
from lms.i18n import LOCALES
from lms.org.models import User
from tests.factories import login, make_user

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [code for code in LOCALES if code != "en"]


def _catalog(code):
    with open(ROOT / "translations" / code / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=code)


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_interface_string_is_translated_and_none_is_fuzzy(code):
    catalog = _catalog(code)
    missing, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            fuzzy.append(message.id)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            missing.append(message.id)
    assert not missing, f"{code}: untranslated: {missing[:10]}"
    assert not fuzzy, f"{code}: fuzzy: {fuzzy[:10]}"


def test_catalogs_are_up_to_date_with_the_code(tmp_path):
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "--no-wrap", "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with open(pot, "rb") as fh:
        fresh = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    for code in TRANSLATED:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(code) if m.id}
        new = fresh - known
        assert not new, f"run `make messages` and translate: {code} lacks {sorted(new)[:10]}"


def test_kazakh_and_tajik_catalogs_use_their_own_letters():
    # A catalog written with Russian look-alikes would never contain these letters.
    kk = "".join(m.string if isinstance(m.string, str) else "".join(m.string) for m in _catalog("kk") if m.id)
    tg = "".join(m.string if isinstance(m.string, str) else "".join(m.string) for m in _catalog("tg") if m.id)
    assert sum(kk.count(ch) for ch in "әғқңөұүһі") > 50
    assert sum(tg.count(ch) for ch in "ғӣқӯҳҷ") > 50


@pytest.mark.parametrize("code", list(LOCALES))
def test_sign_in_page_in_every_language_with_direction(client, code):
    client.get(f"/language/{code}")
    page = client.get("/login").get_data(as_text=True)
    expected_dir = "rtl" if code == "ar" else "ltr"
    assert f'<html lang="{code}" dir="{expected_dir}">' in page


def test_browser_language_is_used_when_nothing_was_chosen(client):
    page = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(as_text=True)
    assert '<html lang="ru"' in page
    assert "Войти" in page or "Вход" in page


def test_unknown_locale_in_url_gets_a_message_and_changes_nothing(client):
    client.get("/language/kk")
    response = client.get("/language/xx", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="kk"' in page  # the earlier choice stands
    assert "қол жетімді емес" in page or "тіл" in page.lower()


def test_choice_is_saved_on_the_account(client, ctx):
    user = make_user(number="L1")
    db.session.commit()
    login(client, user)
    client.get("/language/tg")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "tg"
    client.post("/logout")
    client.get("/language/en")
    login(client, user)
    assert '<html lang="tg"' in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_dates_and_numbers_are_formatted_for_the_locale(app):
    from datetime import datetime

    from flask_babel import force_locale, format_date, format_decimal

    with app.test_request_context():
        with force_locale("ru"):
            assert format_decimal(12345.5) == "12\xa0345,5"
            assert "нояб" in format_date(datetime(2026, 11, 22), "medium")
        with force_locale("ar"):
            assert "نوفمبر" in format_date(datetime(2026, 11, 22), "long")


def test_counts_are_written_exactly_as_babel_writes_whole_numbers_in_every_language(app):
    from flask_babel import force_locale, format_decimal

    from lms.i18n import LOCALES, count_text

    numbers = [*range(0, 2100), 9999, 10_000, 65_536, 99_999, 100_000, 999_999, 1_000_000,
               40_159, 123_456_789, 10**12 + 7, -1, -1234]
    with app.test_request_context():
        assert {"en", "ru", "ar"} <= set(LOCALES)
        for lang in LOCALES:
            with force_locale(lang):
                assert [count_text(n) for n in numbers] == [format_decimal(n) for n in numbers], lang
        with force_locale("ru"):
            assert count_text(1234567) == "1\xa0234\xa0567"


def test_language_links_bring_the_reader_back_to_the_same_page(client):
    """The page's own address in the language links is kept per process for ordinary
    addresses (lms/frame.py): a cached and a computed one lead back alike."""
    import html
    import re

    from lms import frame

    short, long = "/login?next=%2Flearning", "/login?next=" + "%2Fcourses" * 40
    assert len(short) <= frame.HERE_LONGEST < len(long)
    for path in (short, long):
        for _ in range(2):  # the second time from the process's memory, for the short one
            page = client.get(path).get_data(as_text=True)
            (link,) = set(re.findall(r'href="([^"]*)" lang="ru"', page))
            response = client.get(html.unescape(link))
            assert response.status_code == 302 and response.headers["Location"] == path
        assert (frame.HERE.get(path) is not None) is (path == short)
    assert '<html lang="ru"' in client.get(short).get_data(as_text=True)  # the language was changed
