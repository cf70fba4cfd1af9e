"""Staff journeys in Chromium: an academy trainer in Russian; charts at 360 and 1280 px."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.org.models import Cohort, InstitutionKind, Role
from lms.scenarios.models import ClassroomSession, ScenarioRun
from tests.browser.conftest import sign_in
from tests.course_helpers import COURSE, load_sample
from tests.factories import PASSWORD, make_country, make_institution, make_user

MODULE = "02-role-play-admission"

# Every pair of text boxes inside each chart, as the browser lays them out.
OVERLAPS = """() => {
  const found = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const boxes = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect()]);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [ta, a] = boxes[i], [tb, b] = boxes[j];
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 0.5 && h > 0.5) found.push(svg.id + ': ' + ta + ' / ' + tb);
    }
  }
  return found;
}"""


WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 30))"""


def test_academy_trainer_in_russian_finds_assigns_schedules_prints_and_records(page, ctx, artifacts):
    load_sample()
    kz = make_country("KZ")
    academy = make_institution(kz, kind=InstitutionKind.ACADEMY, name="Academy of the penal service")
    prison = make_institution(kz, name="Prison 12, Karaganda")
    trainer = make_user(role=Role.TRAINER, institution=academy, number="tr-academy", locale="ru")
    officer = make_user(institution=prison, number="KZ-5501", name="Әсел Нұрова")
    db.session.commit()
    sign_in(page, trainer.personnel_number, PASSWORD)
    assert page.get_attribute("html", "lang") == "ru"

    # Find an officer of another institution, typed without Kazakh letters and in capitals.
    page.goto(f"/courses/{COURSE}/assign?q=АСЕЛ")
    page.check(f"input[name=officers][value='{officer.id}']")
    page.fill("input[name=due_on]", (date.today() + timedelta(days=14)).isoformat())
    page.click("main form[method=post] button.primary")
    page.wait_for_url(f"**/courses/{COURSE}/assignments")
    assert "Әсел Нұрова" in page.inner_text("#assignments")

    # Schedule a classroom session for next week.
    page.goto(f"/courses/{COURSE}/modules/{MODULE}/classroom/new?q=нурова")
    page.check(f"input[name=officer][value='{officer.id}']")
    page.click("button[name=then][value=schedule]")
    page.fill("input[name=held_on]", (date.today() + timedelta(days=7)).isoformat())
    page.fill("input[name=place]", "Аудитория 3")
    page.click("main form[method=post] button.primary")
    page.wait_for_url("**/classroom/*")
    session = db.session.scalar(sa.select(ClassroomSession))
    assert session.is_scheduled

    # Print the attendance sheet with the name filled in.
    page.click(f"a[href='/classroom/{session.id}/sheet']")
    page.wait_for_url(f"**/classroom/{session.id}/sheet")
    assert "Әсел Нұрова" in page.inner_text("#attendance") and "KZ-5501" in page.inner_text("#attendance")
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts / "attendance-sheet-ru.png"), full_page=True)
    assert not page.is_visible("header.site-header")
    page.emulate_media(media="screen")

    # Record it after the session.
    page.goto(f"/classroom/{session.id}/record")
    page.fill("input[name=held_on]", date.today().isoformat())
    page.check(f"input[name=present_{officer.id}]")
    page.check(f"input[name=played_{officer.id}]")
    page.select_option(f"select[name=ending_{officer.id}]", "good")
    page.check(f"input[name=passed_{officer.id}][value=yes]")
    page.click("main form[method=post] button.primary")
    page.wait_for_url(f"**/classroom/{session.id}")
    db.session.expire_all()
    assert not db.session.get(ClassroomSession, session.id).is_scheduled
    assert db.session.scalar(sa.select(ScenarioRun.passed).where(ScenarioRun.user_id == officer.id)) is True


@pytest.mark.parametrize("lang", ["tg", "ar"])
def test_dashboard_charts_have_no_overlapping_text_at_360_and_1280_px(browser, live_server, ctx, artifacts, lang):
    from tests.test_reports import build_world

    world = build_world()
    long_name = {"tg": "Муассисаи ислоҳии рақами 3-и шаҳри Душанбе барои маҳкумшудагони занона",
                 "ar": "المؤسسة الإصلاحية المركزية للنساء والأحداث في محافظة بغداد"}[lang]
    world.inst["pb"].names = {**world.inst["pb"].names, lang: long_name}
    world.country_manager.locale = lang
    cohort = Cohort(name="x", institution_id=world.inst["pa"].id, trainer_id=world.trainer.id)
    db.session.add(cohort)
    db.session.commit()
    for width in (360, 1280):
        context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in(page, world.country_manager.personnel_number, PASSWORD)
        page.goto("/reports/dashboard")
        assert page.get_attribute("html", "lang") == lang
        assert page.locator("svg.chart").count() >= 3
        page.screenshot(path=str(artifacts / f"dashboard-{lang}-{width}px.png"), full_page=True)
        assert page.evaluate(OVERLAPS) == [], width
        wide = page.evaluate(WIDE)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, wide
        context.close()
