"""One meaning of "in progress": the officer's course page and the manager's reports agree."""

import re

from lms.extensions import db
from lms.org.models import Role
from tests.course_helpers import COURSE, enrol, load_sample, take_quiz
from tests.factories import login, make_user

M1 = "01-admission-basics"


def _module_badge(html: str, module_title: str) -> str:
    item = html[html.index(module_title):]
    return re.search(r'<span class="badge[^"]*">([^<]+)</span>', item).group(1)


def test_after_a_failed_quiz_officer_and_manager_both_see_in_progress(app, client, ctx):
    version = load_sample()
    officer = make_user(number="status-1")
    manager = make_user(role=Role.MANAGER, institution=officer.institution,
                        scope_institution=officer.institution)
    db.session.commit()
    login(client, officer)
    enrol(client, skip_pre_test=False)
    take_quiz(client, version, "00-pre-test", correct=True)
    # Nothing of module 1 is done yet: the lesson unread, the quiz failed.
    take_quiz(client, version, M1, correct=False)
    course_page = client.get(f"/courses/{COURSE}").get_data(as_text=True)
    assert _module_badge(course_page, version.module(M1)["title"]["en"]) == "In progress"

    staff = app.test_client()
    login(staff, manager)
    register = staff.get(f"/reports/register?course={COURSE}").get_data(as_text=True)
    row = register[register.index(officer.personnel_number):]
    assert re.search(r'<span class="badge[^"]*">([^<]+)</span>', row).group(1) == "In progress"
    grid = staff.get(f"/reports/progress?course={COURSE}").get_data(as_text=True)
    row = grid[grid.index(officer.personnel_number):]
    cells = re.findall(r"<td>(.*?)</td>", row.split("</tr>")[0], re.S)
    assert "In progress" in cells[0]  # the course
    assert "In progress" in cells[1]  # module 1
    assert "Not started" in cells[2]  # the role-play


def test_an_enrolment_with_nothing_done_is_not_started_everywhere(app, client, ctx):
    version = load_sample()
    officer = make_user(number="status-2")
    manager = make_user(role=Role.MANAGER, institution=officer.institution,
                        scope_institution=officer.institution)
    db.session.commit()
    login(client, officer)
    enrol(client, skip_pre_test=False)
    staff = app.test_client()
    login(staff, manager)
    register = staff.get(f"/reports/register?course={COURSE}").get_data(as_text=True)
    row = register[register.index(officer.personnel_number):]
    assert re.search(r'<span class="badge[^"]*">([^<]+)</span>', row).group(1) == "Not started"
    # The progress grid and the officer's own pages say the same, for the course and every module.
    grid = staff.get(f"/reports/progress?course={COURSE}").get_data(as_text=True)
    row = grid[grid.index(officer.personnel_number):].split("</tr>")[0]
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert cells and all("Not started" in c for c in cells), cells
    course_page = client.get(f"/courses/{COURSE}").get_data(as_text=True)
    for module in version.content["modules"]:
        assert _module_badge(course_page, module["title"]["en"]) == "Not started", module["id"]
