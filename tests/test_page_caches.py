"""The officer's pages keep finished parts per process (lms/catalog/cache.py, lms/csrf_tokens.py):
what is shown to one officer never shows on another's page, and a new version, a corrected
version or another language is shown at once."""

from __future__ import annotations

import re
import shutil

import sqlalchemy as sa

from lms.catalog.loader import load_course_dir
from lms.extensions import db
from lms.learning.models import ModuleProgress
from lms.org.models import Role
from tests.course_helpers import COURSE, SAMPLE, enrol, load_sample, take_quiz
from tests.factories import login, make_user

M1 = "01-admission-basics"
PAGE = f"/courses/{COURSE}/modules/{M1}"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _signed_in(app, user):
    client = app.test_client()
    login(client, user)
    return client


def _tokens(page: str) -> set[str]:
    return set(TOKEN.findall(page))


def test_module_page_shows_each_account_its_own_progress_role_and_token(app, ctx):
    version = load_sample()
    read, fresh, trainer = make_user(number="read-1"), make_user(number="fresh-1"), make_user(role=Role.TRAINER)
    db.session.commit()
    first, second, staff = _signed_in(app, read), _signed_in(app, fresh), _signed_in(app, trainer)
    for client in (first, second, staff):
        enrol(client)
    for client in (first, staff):
        client.post(f"{PAGE}/read")
    take_quiz(second, version, M1, correct=False)  # in progress too, the lesson not read
    # The trainer's page (staff tools) is made first, then the first officer's, in the same progress.
    assert "For trainers" in staff.get(PAGE).get_data(as_text=True)
    mine = first.get(PAGE).get_data(as_text=True)
    assert "Lesson read" in mine and "I have read this lesson" not in mine and "For trainers" not in mine
    assert "In progress" in mine

    theirs = second.get(PAGE).get_data(as_text=True)
    assert "I have read this lesson" in theirs and "Lesson read" not in theirs and "For trainers" not in theirs
    assert "In progress" in theirs
    # One token on the page (the lesson form and sign out), the second officer's own, and it is accepted.
    (token,) = _tokens(theirs)
    assert token not in _tokens(mine)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert second.post(f"{PAGE}/read", data={"csrf_token": token}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.scalar(sa.select(ModuleProgress.lesson_read_at).where(
        ModuleProgress.user_id == fresh.id, ModuleProgress.module_id == M1)) is not None
    assert "Lesson read" in second.get(PAGE).get_data(as_text=True)


def test_a_session_keeps_one_token_and_a_new_session_gets_its_own(app, ctx):
    load_sample()
    officer = make_user(number="token-1")
    db.session.commit()
    client = _signed_in(app, officer)
    enrol(client)
    pages = [client.get(path).get_data(as_text=True) for path in (PAGE, "/about", PAGE)]
    (token,) = set.union(*map(_tokens, pages))
    again = _signed_in(app, officer)  # another browser: another session
    assert _tokens(again.get(PAGE).get_data(as_text=True)) != {token}


def test_module_page_shows_a_corrected_version_and_a_new_version_at_once(app, ctx, tmp_path):
    load_sample()
    officer = make_user(number="versions-1")
    db.session.commit()
    client = _signed_in(app, officer)
    enrol(client)
    assert "Admission: what the Nelson Mandela Rules require" in client.get(PAGE).get_data(as_text=True)

    folder = tmp_path / SAMPLE.name
    shutil.copytree(SAMPLE, folder)
    module_yaml = folder / M1 / "module.yaml"
    module_yaml.write_text(module_yaml.read_text().replace(
        "Admission: what the Nelson Mandela Rules require", "Admission, corrected title"))
    assert load_course_dir(folder).outcome == "updated"  # same version, corrected text
    db.session.commit()
    page = client.get(PAGE).get_data(as_text=True)
    assert "Admission, corrected title" in page and "what the Nelson Mandela Rules require" not in page

    module_yaml.write_text(module_yaml.read_text().replace("Admission, corrected title", "Admission in version two"))
    course_yaml = folder / "course.yaml"
    course_yaml.write_text(course_yaml.read_text().replace("version: 1\n", "version: 2\n"))
    assert load_course_dir(folder).outcome == "new-version"
    db.session.commit()
    page = client.get(PAGE).get_data(as_text=True)
    assert "Admission in version two" in page and "corrected title" not in page


def test_module_page_follows_the_interface_language(app, ctx):
    load_sample()
    officer = make_user(number="lang-1")
    db.session.commit()
    client = _signed_in(app, officer)
    enrol(client)
    assert "What you will be able to do" in client.get(PAGE).get_data(as_text=True)
    client.get(f"/language/ru?next={PAGE}")
    page = client.get(PAGE).get_data(as_text=True)
    assert "Чему вы научитесь" in page and "Прием: чего требуют Правила Нельсона Манделы" in page
    assert "What you will be able to do" not in page
    client.get(f"/language/en?next={PAGE}")
    assert "What you will be able to do" in client.get(PAGE).get_data(as_text=True)
