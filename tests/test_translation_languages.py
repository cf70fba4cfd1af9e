"""Adding a language is files only: a catalog in the translation folders, nothing in the code."""

from __future__ import annotations

import pytest
import yaml
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from lms.authoring import drafts
from lms.extensions import db
from tests.authoring_helpers import make_editor
from tests.course_helpers import COURSE, load_sample
from tests.factories import login

PROJECT = "translations"


def _catalog(folder, code: str, entries: dict[str, str]) -> None:
    messages = folder / code / "LC_MESSAGES"
    messages.mkdir(parents=True)
    catalog = Catalog(locale=code)
    for msgid, msgstr in entries.items():
        catalog.add(msgid, msgstr)
    with open(messages / "messages.po", "wb") as fh:
        write_po(fh, catalog)
    with open(messages / "messages.mo", "wb") as fh:
        write_mo(fh, catalog)


@pytest.fixture
def extra_app(app, tmp_path):
    """The suite's app with two more catalogs, Kyrgyz and Sorani Kurdish, in the test's own folder."""
    from lms import create_app

    _catalog(tmp_path, "ky", {"Sign in": "Кирүү"})
    _catalog(tmp_path, "ckb", {"Sign in": "چوونەژوورەوە"})
    project = app.config["BABEL_TRANSLATION_DIRECTORIES"]
    twin = create_app({**app.config, "BABEL_TRANSLATION_DIRECTORIES": f"{project};{tmp_path}"})
    yield twin
    with twin.app_context():
        db.session.remove()


def test_a_catalog_puts_the_language_in_the_picker_with_its_direction(app, extra_app):
    client = extra_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "/language/ky" in page and "Кыргызча" in page
    assert "/language/ckb" in page and "کوردیی ناوەندی" in page
    client.get("/language/ky")
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ky" dir="ltr">' in page and "Кирүү" in page
    client.get("/language/ckb")
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ckb" dir="rtl">' in page and "چوونەژوورەوە" in page
    # the suite's own app, without those files, has neither
    plain = app.test_client().get("/login").get_data(as_text=True)
    assert "/language/ky" not in plain and "/language/ckb" not in plain


def test_a_course_listing_the_language_gets_a_column_in_the_translation_page(extra_app, ctx):
    load_sample()
    editor = make_editor(COURSE)
    draft = drafts.open_draft(editor, COURSE)
    files = drafts.files_of(drafts.revision(draft))
    data = yaml.safe_load(files["course.yaml"])
    data["translating"] = ["ky", "ckb"]
    drafts.save(draft, editor, draft.head, {"course.yaml": drafts.dump_yaml(data)})
    db.session.commit()
    assert drafts.check(COURSE, drafts.files_of(drafts.revision(drafts.draft_of(COURSE))))[1] == []
    client = extra_app.test_client()
    login(client, editor)
    page = client.get(f"/translation/courses/{COURSE}").get_data(as_text=True)
    assert 'id="col-ky" lang="ky" dir="ltr"' in page
    assert 'id="col-ckb" lang="ckb" dir="rtl"' in page
    editor_page = client.get(f"/translation/courses/{COURSE}/ckb?module=01-admission-basics").get_data(as_text=True)
    assert 'lang="ckb" dir="rtl"' in editor_page and "<textarea" in editor_page
    # the overview counts the new languages' texts as missing until translated
    assert page.count('<span class="count-missing">0</span>') < page.count('class="count-missing"')
