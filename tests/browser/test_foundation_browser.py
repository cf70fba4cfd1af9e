"""Each role signs in, switches language; Arabic runs right to left."""

import pytest

from lms.extensions import db
from lms.org.models import Role
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_country, make_user

ROLES = [Role.OFFICER, Role.TRAINER, Role.MANAGER, Role.ADMIN]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_switches_language_and_signs_out(page, ctx, role):
    kz = make_country()
    user = make_user(role=role, number=f"b-{role.value}", scope_country=kz if role == Role.MANAGER else None)
    db.session.commit()
    sign_in(page, user.personnel_number, PASSWORD)
    officer = role == Role.OFFICER
    assert page.locator("h1").inner_text().startswith("My learning" if officer else "Welcome")
    page.click("nav.languages >> text=Русский")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert ("Мое обучение" if officer else "Добро пожаловать") in page.locator("h1").inner_text()
    page.click("form.signout button")
    assert "/login" in page.url


@pytest.mark.parametrize("code", ["ar", "kk"])
def test_sign_in_and_home_pages_in_arabic_and_kazakh(page, ctx, artifacts, code):
    user = make_user(number=f"shot-{code}", name="Айгүл Серікқызы")
    db.session.commit()
    page.goto("/login")
    page.click(f"nav.languages a[hreflang={code}]")
    # Wait for the page in the chosen language: read mid-navigation, the document has no element yet.
    page.locator(f"html[lang={code}]").wait_for(state="attached")
    direction = page.evaluate("getComputedStyle(document.documentElement).direction")
    assert direction == ("rtl" if code == "ar" else "ltr")
    page.screenshot(path=str(artifacts / f"sign-in-{code}.png"), full_page=True)
    sign_in(page, user.personnel_number, PASSWORD)
    assert page.locator("html").get_attribute("lang") == code
    if code == "ar":
        # The layout mirrors: the brand sits on the right in Arabic.
        box = page.locator(".brand").bounding_box()
        assert box["x"] > 500
    page.screenshot(path=str(artifacts / f"home-{code}.png"), full_page=True)


def test_pages_fit_a_360px_screen_and_focus_is_visible(browser, live_server, ctx, artifacts):
    admin = make_user(role=Role.ADMIN, number="narrow-1")
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto("/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    sign_in(page, admin.personnel_number, PASSWORD)
    for path in ("/", "/admin/users", "/reports/register", "/language/ar?next=/courses"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    page.screenshot(path=str(artifacts / "courses-ar-360px.png"), full_page=True)
    page.click("details.menu > summary")  # on a phone, signing out is in the menu
    page.click("details.menu form.signout button")
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    context.close()
