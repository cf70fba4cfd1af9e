"""Regression tests of the security review: redirects, sessions, exports, media, lessons."""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from pathlib import Path

import pytest

from lms.catalog.models import Course
from lms.catalog.render import render_lesson
from lms.extensions import db
from lms.org.models import User
from lms.reports.exports import Table, write_csv
from tests.course_helpers import COURSE, enrol, load_sample
from tests.factories import PASSWORD, login, make_user

# The attack corpus: every way seen to leave the site from a link or redirect "within" it.
OFF_SITE = ["/\\evil.example/", "/\\/evil.example", "/\t/evil.example", "/\n/evil.example",
            "//evil.example", "https://evil.example/", "/\r/evil.example", "/\x7f/evil.example",
            " //evil.example", "javascript:alert(1)", "\t//evil.example", "/\\\\evil.example"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_redirects_to_another_host(client, ctx, target):
    user = make_user()
    db.session.commit()
    response = client.post("/login", query_string={"next": target},
                           data={"personnel_number": user.personnel_number, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_in_still_follows_a_next_page_within_the_site(client, ctx):
    user = make_user()
    db.session.commit()
    response = client.post("/login", query_string={"next": "/certificates?page=2"},
                           data={"personnel_number": user.personnel_number, "password": PASSWORD})
    assert response.headers["Location"] == "/certificates?page=2"


@pytest.mark.parametrize("target", OFF_SITE)
def test_language_switch_never_redirects_to_another_host(client, target):
    response = client.get("/language/ru", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_returns_to_the_page_within_the_site(client):
    response = client.get("/language/ru", query_string={"next": "/verify?serial=x"})
    assert response.headers["Location"] == "/verify?serial=x"


def test_a_disabled_account_loses_its_open_session(client, ctx):
    user = make_user()
    db.session.commit()
    login(client, user)
    assert client.get("/learning").status_code == 200
    db.session.get(User, user.id).is_active_account = False
    db.session.commit()
    response = client.get("/learning")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_csv_export_neutralises_formulas_behind_a_tab_or_carriage_return():
    out = io.StringIO()
    cells = ["\t=HYPERLINK(\"http://evil.example\")", "\r=1+1", "=1+1", "-2+3", "@SUM(A1)", "plain"]
    write_csv(out, Table(["h"], [[c] for c in cells]))
    rows = list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + c for c in cells[:-1]] + ["plain"]


def _media_url(client) -> str:
    page = client.get(f"/courses/{COURSE}/modules/01-admission-basics").get_data(as_text=True)
    return re.search(r'<img[^>]+src="([^"]+)"', page).group(1)


def test_course_media_follow_the_course_page_rules(client, ctx):
    load_sample()
    enrolled, outsider = make_user(), make_user()
    db.session.commit()
    login(client, enrolled)
    enrol(client)
    src = _media_url(client)
    db.session.get(Course, COURSE).is_open = False
    db.session.commit()
    assert client.get(src).status_code == 200  # enrolled: still theirs
    client.post("/logout")

    login(client, outsider)
    assert client.get(f"/courses/{COURSE}").status_code == 404
    assert client.get(src).status_code == 404  # a closed course's pictures too
    db.session.get(Course, COURSE).is_open = True
    db.session.get(Course, COURSE).is_published = False
    db.session.commit()
    assert client.get(src).status_code == 404  # an unpublished course's pictures


def test_lesson_links_with_a_backslash_do_not_leave_the_site():
    html = render_lesson("[a](/\\evil.example/x) [b](/courses) [c](#top)", lambda src: None)
    assert 'href="/courses"' in html and 'href="#top"' in html
    assert "evil.example" not in html and "<a>a</a>" in html


@pytest.mark.parametrize("target", OFF_SITE)
def test_lesson_links_follow_the_same_rule_as_redirects(target):
    markdown_link = render_lesson(f"[x](<{target}>)", lambda src: None)
    assert "evil.example" not in markdown_link and "javascript" not in markdown_link


@pytest.mark.parametrize("html", [
    '<a href="/&#9;/example.org/x">x</a>', '<a href="/&#x09;/example.org/x">x</a>',
    '<a href="/&#10;/example.org/x">x</a>', '<a href="/&Tab;/example.org/x">x</a>',
    '<a href="/&NewLine;/example.org/x">x</a>', '<a href="&#47;&#47;example.org/x">x</a>',
])
def test_lesson_links_written_with_character_references_do_not_leave_the_site(html):
    rendered = render_lesson(f"Read {html} first.", lambda src: None)
    assert "example.org" not in rendered


def test_demo_passwords_file_is_private_even_when_it_existed_before(app, runner, ctx):
    store = Path(app.instance_path) / "demo-accounts.json"
    store.write_text("{}")
    os.chmod(store, 0o644)
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert stat.S_IMODE(store.stat().st_mode) == 0o600


def test_every_answer_carries_the_security_headers_and_a_view_keeps_its_own(client, ctx):
    load_sample()
    user = make_user()
    db.session.commit()
    anonymous = client.get("/login")
    login(client, user)
    enrol(client)
    signed_in = client.get("/about")
    picture = client.get(_media_url(client))  # an SVG: a policy of its own
    for response in (anonymous, signed_in, picture):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert len(response.headers.getlist("Content-Security-Policy")) == 1
        assert "Cookie" in response.headers["Vary"]
    assert "frame-ancestors 'none'" in signed_in.headers["Content-Security-Policy"]
    assert picture.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    # A signed-in account's pages stay out of shared caches; a view's own caching is kept.
    assert signed_in.headers["Cache-Control"] == "private, no-store"
    assert picture.headers["Cache-Control"] == "private, max-age=86400"
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")


def _session_cookie(client, app) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def test_a_session_cookie_taken_from_memory_still_expires_with_the_session_lifetime(app, client, ctx, monkeypatch):
    """lms/session_cookie.py remembers a verified cookie; its age is checked on every request."""
    import time

    from lms import session_cookie

    officer = make_user()
    db.session.commit()
    login(client, officer)
    for _ in range(2):  # the second request reads the cookie the first one left (no message to flash)
        assert client.get("/learning").status_code == 200
    text = _session_cookie(client, app)
    assert any(key[-1] == text for key in session_cookie.VERIFIED.items)  # remembered
    assert client.get("/learning").status_code == 200  # and taken from memory
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    later = time.time() + lifetime + 5
    monkeypatch.setattr(time, "time", lambda: later)  # itsdangerous reads the same clock
    response = client.get("/learning")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_only_the_very_cookie_signed_with_the_same_key_is_taken_from_memory(app, client, ctx):
    from lms import create_app

    officer = make_user()
    db.session.commit()
    login(client, officer)
    assert client.get("/learning").status_code == 200
    text = _session_cookie(client, app)
    assert client.get("/learning").status_code == 200
    name = app.config["SESSION_COOKIE_NAME"]
    signature_at = text.rindex(".") + 5
    tampered = text[:signature_at] + ("A" if text[signature_at] != "A" else "B") + text[signature_at + 1:]
    same = app.test_client()  # the very cookie, in another browser: signed in
    same.set_cookie(name, text, domain="localhost")
    assert same.get("/learning").status_code == 200
    other = app.test_client()
    other.set_cookie(name, tampered, domain="localhost")
    response = other.get("/learning")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # The same cookie, remembered by this process, at an app with another secret key: refused.
    stranger = create_app({**app.config, "SECRET_KEY": "another-secret-key-for-this-test"})
    try:
        visitor = stranger.test_client()
        visitor.set_cookie(name, text, domain="localhost")
        response = visitor.get("/learning")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    finally:
        with stranger.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_session_holding_a_list_is_read_afresh_so_no_request_sees_another_ones_change(app):
    """Flask adds a flashed message to the session's list in place: such a session is never
    shared between requests through the memory of verified cookies."""
    name = app.config["SESSION_COOKIE_NAME"]
    text = app.session_interface.get_signing_serializer(app).dumps(
        {"_flashes": [["message", "Saved."]], "csrf_token": "t"})
    sessions = []
    for _ in range(2):
        with app.test_request_context("/", headers={"Cookie": f"{name}={text}"}) as request_context:
            session = app.session_interface.open_session(app, request_context.request)
            sessions.append(session)
            session["_flashes"].append(["message", "Saved again."])
    assert [len(s["_flashes"]) for s in sessions] == [2, 2]
