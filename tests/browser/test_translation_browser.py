"""A translator translates a module into Kazakh beside the Russian reference; the author changes
one English paragraph and only that Kazakh text is flagged; the Arabic editor is right to left."""

from __future__ import annotations

import yaml

from lms.authoring import drafts
from lms.extensions import db
from tests.authoring_helpers import make_author, make_editor
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

CID = "admission-short"
MODULE = "01-admission"
LESSON_EN = """## Admission

Greet the new prisoner and say your name.

Explain the rules calmly and check that they are understood.

- Record visible injuries.
- Inform the family.
"""
LESSON_RU = """## Прием

Поприветствуйте нового заключенного и назовите свое имя.

Спокойно объясните правила и убедитесь, что их поняли.

- Запишите видимые телесные повреждения.
- Сообщите семье.
"""
KAZAKH = {
    "Admission": "Қабылдау",
    "Receive a new prisoner with respect": "Жаңа тұтқынды құрметпен қабылдау",
    "## Admission": "## Қабылдау",
    "Greet the new prisoner and say your name.": "Жаңа тұтқынмен амандасып, өз атыңызды айтыңыз.",
    "Explain the rules calmly and check that they are understood.":
        "Ережелерді сабырмен түсіндіріп, олардың түсінілгенін тексеріңіз.",
    "- Record visible injuries.": "- Көзге көрінетін жарақаттарды тіркеңіз.",
    "- Inform the family.": "- Отбасына хабарлаңыз.",
}


def _course(author) -> None:
    draft = drafts.create_course(author, CID, "Admission, short", "en")
    course = {
        "id": CID, "version": 1, "source_language": "en", "languages": ["en", "ru"], "translating": ["kk", "ar"],
        "title": {"en": "Admission, short", "ru": "Прием, кратко"},
        "audience": ["prison"], "estimated_minutes": 10, "completion": {"pass_mark": 80, "required": "all"},
        "certificate": {"enabled": False, "hours": 0}, "modules": [MODULE],
    }
    module = {"id": MODULE, "kind": "lesson", "title": {"en": "Admission", "ru": "Прием"}, "estimated_minutes": 10,
              "objectives": [{"en": "Receive a new prisoner with respect", "ru": "Уважительно принять нового заключенного"}]}
    drafts.save(draft, author, draft.head, {
        "course.yaml": drafts.dump_yaml(course), f"{MODULE}/module.yaml": drafts.dump_yaml(module),
        f"{MODULE}/lesson.en.md": LESSON_EN.encode(), f"{MODULE}/lesson.ru.md": LESSON_RU.encode(),
    })


def _cell(page, lang: str, what: str) -> str:
    return page.locator(f"td[data-lang={lang}][data-module='{MODULE}'] .count-{what}").inner_text()


def test_translate_side_by_side_then_only_the_changed_paragraph_is_flagged(browser, live_server, ctx, artifacts):
    translator = make_editor(CID, number="translator-kk")
    author = make_author(number="author-en")
    _course(author)
    db.session.commit()
    assert drafts.check(CID, drafts.files_of(drafts.revision(drafts.draft_of(CID))))[1] == []

    tctx = browser.new_context(base_url=live_server, viewport={"width": 1200, "height": 900})
    page = tctx.new_page()
    sign_in(page, translator.personnel_number, PASSWORD)
    page.goto(f"/translation/courses/{CID}")
    assert _cell(page, "kk", "missing") == "7"
    page.locator("#col-kk a", has_text="Translate").click()
    page.select_option("select#module", MODULE)
    page.select_option("select#ref", "ru")
    page.click("form.filters button")
    assert page.locator("section.segment").count() == 7
    first = page.locator("section.segment").nth(2)  # the lesson's heading
    assert first.locator(".reference .segment-text").inner_text() == "## Прием"
    for index in range(7):
        section = page.locator("section.segment").nth(index)
        source = section.locator(".source .segment-text").first.inner_text().strip()
        section.locator("textarea[name=text]").fill(KAZAKH[source])
        section.locator("button[value=save]").click()
        page.wait_for_load_state()
        assert page.locator("p.flash").first.is_visible()
    assert page.locator("section.segment[data-state=translated]").count() == 7
    page.screenshot(path=str(artifacts / "translation-kk-side-by-side.png"), full_page=True)
    page.goto(f"/translation/courses/{CID}")
    assert _cell(page, "kk", "missing") == "0" and _cell(page, "kk", "outdated") == "0"

    # The author changes one English paragraph.
    actx = browser.new_context(base_url=live_server)
    apage = actx.new_page()
    sign_in(apage, author.personnel_number, PASSWORD)
    apage.goto(f"/authoring/courses/{CID}/file?path={MODULE}/lesson.en.md")
    text = apage.locator("textarea[name=text]").input_value()
    apage.locator("textarea[name=text]").fill(text.replace("Explain the rules calmly", "Explain the rules slowly"))
    apage.click("form button.primary")
    assert apage.locator("p.flash").first.is_visible()
    actx.close()

    # Only that Kazakh text is out of date, with the old and the new source shown.
    page.goto(f"/translation/courses/{CID}")
    assert _cell(page, "kk", "outdated") == "1" and _cell(page, "kk", "missing") == "0"
    page.goto(f"/translation/courses/{CID}/kk?module={MODULE}&filter=outdated&ref=ru")
    flagged = page.locator("section.segment")
    assert flagged.count() == 1
    assert flagged.locator(".diff del").inner_text() == "calmly"
    assert flagged.locator(".diff ins").inner_text() == "slowly"
    assert "Ережелерді сабырмен" in flagged.locator("textarea").input_value()
    page.screenshot(path=str(artifacts / "translation-kk-out-of-date.png"), full_page=True)
    data = yaml.safe_load(drafts.files_of(drafts.revision(drafts.draft_of(CID)))["translations.yaml"])
    assert len(data["kk"][f"{MODULE}/lesson"]) == 5

    # The Arabic editor is right to left.
    page.goto(f"/translation/courses/{CID}/ar?module={MODULE}")
    area = page.locator("section.segment textarea").first
    assert area.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert page.locator("section.segment .source .segment-text").first.evaluate(
        "el => getComputedStyle(el).direction") == "ltr"
    page.screenshot(path=str(artifacts / "translation-ar-editor.png"), full_page=True)
    tctx.close()
