"""One walk through a shipped course in a real browser, as an officer: enrol, pre-test, every
module with the best answers and replies, checking each page's language on the way."""

from lms.scenarios import engine
from tests.browser.test_learning_browser import say
from tests.course_helpers import correct_answers, form_of, written_answers


def write_and_answer(page, version, module_id: str) -> None:
    """A case file's written parts (a justification per factor, a reason for the placement) typed
    into their boxes, then the best answers checked and the attempt submitted."""
    action = page.locator("form[action^='/attempts/']").get_attribute("action")
    attempt_id = int(action.rsplit("/", 1)[1])
    for name, text in written_answers(version.module(module_id)["quiz"], attempt_id).items():
        page.fill(f"textarea[name='{name}']", text)
    # Options under this attempt's opaque keys; a statement to sort or a factor to rate is a radio
    # group of its own (q-QUESTION.N), a case file's placement another (q-QUESTION.p).
    form = form_of(correct_answers(version, module_id), attempt_id)
    for name, keys in form.items():
        for key in keys if name != "action" else []:
            page.check(f"input[name^='{name}'][value='{key}']")
    page.click("button[name=action][value=submit]")


def complete_in_browser(page, version, lang: str, artifacts, screenshot_module: str | None = None) -> None:
    course_id = version.course_id
    page.goto(f"/courses/{course_id}")
    page.click(f"form[action='/courses/{course_id}/enrol'] button")
    page.click("a[href$='/modules/00-pre-test/quiz']")
    page.click("form[action$='/quiz/start'] button")
    write_and_answer(page, version, "00-pre-test")
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
            write_and_answer(page, version, module["id"])
            assert "/attempts/" in page.url
        if module.get("scenario"):
            page.goto(f"{base}/scenario")
            page.click("form[action$='/scenario/start'] button")
            for choice in engine.best_run(module["scenario"]):
                say(page, choice)
            assert "/runs/" in page.url
    page.goto(f"/courses/{course_id}")
    page.screenshot(path=str(artifacts / f"{course_id}-complete-{lang}.png"), full_page=False)
