"""One walk through a shipped course in a real browser, as an officer: enrol, pre-test, every
module with the best answers and replies, checking each page's language on the way."""

from lms.scenarios import engine
from tests.browser.test_learning_browser import answer_quiz, say


def complete_in_browser(page, version, lang: str, artifacts, screenshot_module: str | None = None) -> None:
    course_id = version.course_id
    page.goto(f"/courses/{course_id}")
    page.click(f"form[action='/courses/{course_id}/enrol'] button")
    page.click("a[href$='/modules/00-pre-test/quiz']")
    page.click("form[action$='/quiz/start'] button")
    answer_quiz(page, version, "00-pre-test")
    for module in version.content["modules"]:
        base = f"/courses/{course_id}/modules/{module['id']}"
        page.goto(base)
        assert module["title"][lang] in page.locator("h1").inner_text()
        if module.get("lesson"):
            assert page.locator("article.lesson").get_attribute("lang") == lang
            if module["id"] == screenshot_module:
                page.screenshot(path=str(artifacts / f"{course_id}-{module['id']}-{lang}.png"), full_page=False)
            page.click("form.end-of-lesson button")
        if module.get("quiz"):
            page.goto(f"{base}/quiz")
            page.click("form[action$='/quiz/start'] button")
            answer_quiz(page, version, module["id"])
            assert "/attempts/" in page.url
        if module.get("scenario"):
            page.goto(f"{base}/scenario")
            page.click("form[action$='/scenario/start'] button")
            for choice in engine.best_run(module["scenario"]):
                say(page, choice)
            assert "/runs/" in page.url
    page.goto(f"/courses/{course_id}")
    page.screenshot(path=str(artifacts / f"{course_id}-complete-{lang}.png"), full_page=False)
