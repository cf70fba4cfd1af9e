"""Latin and Cyrillic values inside Arabic pages sit next to their labels: every page that shows
a name, a personnel number, an institution, a cohort, a place, a serial or a course title in
another language isolates it (<bdi> or a dir attribute), checked in Chromium's DOM with the
computed styles, for every role."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.learning import progress
from lms.learning.demo import complete_course_for
from lms.org.models import Cohort, InstitutionKind, Position, Role
from lms.quizzes.models import QuizAttempt
from lms.scenarios import classroom
from lms.scenarios.models import ScenarioRun
from lms.timeutil import today
from tests.browser.conftest import sign_in
from tests.course_helpers import COURSE, load_sample
from tests.factories import PASSWORD, make_country, make_institution, make_user
from tests.test_ds_course import COURSE as DS
from tests.test_ds_course import load_ds

# Values written in other scripts than the page's, each ending in a neutral character where
# that is natural (a trailing full stop or a closing number jumps to the wrong side when a
# value is not isolated).
OFFICER = "Айгерим Сапарова-Нұрланқызы"
NUMBER = "KZ-0042-A"
TRAINER = "Daniel O. Smith Jr."
ACADEMY = "Karaganda Academy No. 2"
PRISON = "Учреждение ЕЦ-166/2"
COHORT = "Group A-12"
PLACE = "Room 12-B"
POSITION = "Senior inspector (2nd grade)"

# The walker runs in the page: a text node (or an <option>) holding one of the values must have,
# between it and the block it sits in, an element that isolates it: <bdi>, a dir attribute, or a
# computed unicode-bidi of isolate / isolate-override / plaintext.
CHECK = """(values) => {
  // The direction a value takes by itself: that of its first letter with a direction.
  const firstStrong = (text) => {
    for (const ch of text) {
      if (/[\\p{Script=Arabic}\\p{Script=Hebrew}]/u.test(ch)) return 'rtl';
      if (/\\p{L}/u.test(ch)) return 'ltr';
    }
    return null;
  };
  // Isolated means: between the text and its block, an element (<bdi>, a dir attribute, a
  // computed unicode-bidi of isolate / plaintext / embed in SVG) whose base direction is the
  // value's own. An isolating element whose direction comes from other text around the value
  // (a whole heading with unicode-bidi: plaintext, say) does not count.
  const isolated = (el, own) => {
    while (el && el !== document.documentElement) {
      const cs = getComputedStyle(el);
      const svg = el.namespaceURI === 'http://www.w3.org/2000/svg';
      const isolating = svg ? el.hasAttribute('direction') && ['embed', 'isolate'].includes(cs.unicodeBidi)
        : el.tagName === 'BDI' || el.hasAttribute('dir')
          || ['isolate', 'isolate-override', 'plaintext'].includes(cs.unicodeBidi);
      if (isolating) {
        const auto = (el.tagName === 'BDI' && !el.hasAttribute('dir')) || el.getAttribute('dir') === 'auto'
          || cs.unicodeBidi === 'plaintext';
        const base = auto ? (firstStrong(el.textContent) || cs.direction) : cs.direction;
        return base === own;
      }
      if (!svg && !cs.display.startsWith('inline')) return false;  // the block: the paragraph it is in
      if (svg && el.tagName === 'text') return false;
      el = el.parentElement;
    }
    return false;
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const value = values.find((v) => node.nodeValue.includes(v));
    if (!value || !node.parentElement || node.parentElement.closest('script, style, textarea, title')) continue;
    if (node.parentElement.offsetParent === null && node.parentElement.tagName !== 'OPTION'
        && getComputedStyle(node.parentElement).position !== 'fixed') continue;  // not shown
    if (!isolated(node.parentElement, firstStrong(value))) found.push([value, node.parentElement.outerHTML.slice(0, 160)]);
  }
  for (const input of document.querySelectorAll('input[type=text], input[type=search], input:not([type])')) {
    const value = values.find((v) => input.value.includes(v));
    if (value && !input.hasAttribute('dir')) found.push([value, input.outerHTML.slice(0, 160)]);
  }
  return found;
}"""


def _seed():
    kz = make_country()
    academy = make_institution(kz, kind=InstitutionKind.ACADEMY, name=ACADEMY)
    prison = make_institution(kz, name=PRISON)
    db.session.add(Position(country_id=kz.id, key="senior-inspector", names={"en": POSITION, "ru": POSITION}))
    officer = make_user(number=NUMBER, institution=prison, name=OFFICER, locale="ar", position=POSITION)
    trainer = make_user(role=Role.TRAINER, institution=academy, name=TRAINER, locale="ar", number="trainer-ar")
    manager = make_user(role=Role.MANAGER, institution=academy, scope_country=kz, locale="ar", number="manager-ar",
                        name="Мария Иванова")
    admin = make_user(role=Role.ADMIN, institution=academy, locale="ar", number="admin-ar", name="Admin User")
    sample = load_sample()
    ds = load_ds()  # English only: its title is in another language on every Arabic page
    complete_course_for(officer, sample)
    progress.enrol(officer, DS, assigned_by=trainer, due_on=today() + timedelta(days=3))
    cohort = Cohort(name=COHORT, institution_id=academy.id, trainer_id=trainer.id, members=[officer])
    db.session.add(cohort)
    db.session.flush()
    session = classroom.schedule_session(trainer, sample, sample.module("02-role-play-admission"),
                                         today() + timedelta(days=2), PLACE, cohort, [officer])
    db.session.commit()
    serial = db.session.scalar(sa.select(Certificate.serial).where(Certificate.user_id == officer.id))
    ids = {
        "user_id": officer.id, "cohort_id": cohort.id, "session_id": session.id,
        "country_id": kz.id, "institution_id": prison.id,
        "position_id": db.session.scalar(sa.select(Position.id)),
        "attempt_id": db.session.scalar(sa.select(QuizAttempt.id).where(QuizAttempt.user_id == officer.id)),
        "run_id": db.session.scalar(sa.select(ScenarioRun.id).where(ScenarioRun.user_id == officer.id)),
        "serial": serial, "version": sample.version, "number": 1, "code": "ar", "lang": "ar", "zip_id": 1,
    }
    users = {Role.OFFICER: officer, Role.TRAINER: trainer, Role.MANAGER: manager, Role.ADMIN: admin}
    values = [OFFICER, NUMBER, TRAINER, ACADEMY, PRISON, COHORT, PLACE, POSITION, serial, "Мария Иванова",
              ds.content["title"]["en"]]
    return users, ids, values, sample


def _paths(app, ids: dict, sample) -> list[str]:
    modules = {COURSE: [m["id"] for m in sample.content["modules"]], DS: []}
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or "fmt" in rule.arguments:
            continue
        if rule.rule.endswith((".pdf", ".json", ".csv", ".xlsx")) or "filename" in rule.arguments:
            continue
        combos = [dict(ids)]
        if "course_id" in rule.arguments:
            combos = [dict(ids, course_id=c) for c in (COURSE, DS)]
        if "module_id" in rule.arguments:
            combos = [dict(ids, course_id=COURSE, module_id=m) for m in modules[COURSE]]
        for combo in combos:
            path = rule.rule
            for arg in rule.arguments:
                path = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(combo[arg]), path)
            paths.append(path)
    return sorted(set(paths))


@pytest.mark.parametrize("role", [Role.OFFICER, Role.TRAINER, Role.MANAGER, Role.ADMIN])
def test_other_script_values_are_isolated_on_every_arabic_page(app, browser, live_server, ctx, artifacts, role):
    users, ids, values, sample = _seed()
    user = users[role]
    # The test client finds every page this role reaches that shows one of the values ...
    client = app.test_client()
    client.post("/login", data={"personnel_number": user.personnel_number, "password": PASSWORD})
    pages = []
    for path in _paths(app, ids, sample):
        response = client.get(path)
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        if response.status_code == 200 and any(v in body for v in values):
            pages.append(path)
    assert len(pages) >= {Role.OFFICER: 5, Role.TRAINER: 8, Role.MANAGER: 6, Role.ADMIN: 8}[role], pages
    # ... and Chromium checks each of them as it lays the page out.
    context = browser.new_context(base_url=live_server, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    sign_in(page, user.personnel_number, PASSWORD)
    problems = []
    for path in pages:
        page.goto(path)
        assert page.locator("html").get_attribute("dir") == "rtl", path
        problems += [(path, *found) for found in page.evaluate(CHECK, values)]
    page.goto(pages[0])
    page.screenshot(path=str(artifacts / f"isolation-ar-{role.value}.png"), full_page=True)
    context.close()
    assert problems == [], "\n".join(map(str, problems))


def test_chromium_draws_an_option_in_its_own_direction_with_the_stylesheet(browser, live_server):
    """The stylesheet's `option { unicode-bidi: plaintext }` changes what Chromium draws: a
    selected option ending in a full stop on an Arabic page looks exactly like one marked
    dir="ltr", and unlike the same option with the rule undone (the stop jumps to the left)."""
    context = browser.new_context(base_url=live_server, viewport={"width": 600, "height": 300})
    page = context.new_page()

    def drawn(option_attrs: str, undo_rule: bool = False) -> bytes:
        undo = "<style>option { unicode-bidi: normal; }</style>" if undo_rule else ""
        page.set_content(f'<html lang="ar" dir="rtl"><head><link rel="stylesheet" href="{live_server}'
                         f'/static/lms.css">{undo}</head><body><select id="s" style="width:20rem">'
                         f"<option {option_attrs}>{TRAINER}</option></select></body></html>")
        page.wait_for_load_state("load")
        return page.locator("#s").screenshot()

    with_rule, marked_ltr, rule_undone = drawn(""), drawn('dir="ltr"'), drawn("", undo_rule=True)
    context.close()
    assert with_rule == marked_ltr
    assert rule_undone != marked_ltr


def test_chromium_draws_a_chart_label_in_another_script_in_its_own_direction(browser, live_server):
    """A Latin label on an Arabic chart (lms/reports/charts.py wraps it in an embedding) keeps
    its full stop at its end as Chromium lays it out; left to the chart's direction, the stop
    would be drawn at the far left of the label."""
    from lms.reports.charts import _Canvas

    context = browser.new_context(base_url=live_server, viewport={"width": 700, "height": 200})
    page = context.new_page()

    def stop_after_letters(svg: str) -> bool:
        page.set_content(f'<html lang="ar" dir="rtl"><body><div id="c">{svg}</div></body></html>')
        # x of the final "." against x of the "J" before it, as laid out.
        return page.evaluate("""() => {
          const t = document.querySelector('#c svg text:last-of-type');
          const n = t.getNumberOfChars();
          return t.getStartPositionOfChar(n - 1).x > t.getStartPositionOfChar(n - 3).x;
        }""")

    canvas = _Canvas("c", "t", "d", 120, rtl=True)
    canvas.text(10, 40, TRAINER)
    svg = str(canvas.markup())
    assert 'direction="ltr" unicode-bidi="embed"' in svg
    plain = svg.replace('<tspan direction="ltr" unicode-bidi="embed">', "").replace("</tspan>", "")
    assert stop_after_letters(svg) is True
    assert stop_after_letters(plain) is False  # what the embedding prevents
    context.close()
