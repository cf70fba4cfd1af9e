"""Every GET route, with real, unknown and malformed arguments, answers without a server error."""

import re

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.org.models import Role
from tests.course_helpers import COURSE, enrol, load_sample, take_quiz
from tests.factories import login, make_country, make_user

VALUES = {
    "course_id": [COURSE, "no-such-course", "%00"],
    "module_id": ["01-admission-basics", "02-role-play-admission", "nope"],
    "serial": ["XXXX-XXXX-XXXX-XXXX-X", "not a serial", "0"],
    "filename": ["admission-steps.svg", "../../etc/passwd"],
    "fmt": ["csv", "xlsx", "pdf"],
    "code": ["ru", "xx"],
}
QUERY_NOISE = "?page=-1&q=%27%3B--&course=zzz&from=2026-13-45&to=yesterday&lang=xx&quiz=nope&institution=abc&status=weird"
# The attack corpus of issue #19: numbers past any database integer, superscript digits, far dates.
HUGE = "99999999999999999999"
QUERY_OUT_OF_RANGE = (
    f"?page={HUGE}&institution={HUGE}&officer={HUGE}&cohort={HUGE}&course=%C2%B9&quiz=%C2%B2"
    "&start=9999-12-31&end=0001-01-01&completed_from=9999-12-31&completed_to=0001-01-01"
    "&from=9999-12-31&to=9999-12-31&status=complete"
)
QUERY_PAGE_SUPERSCRIPT = "?page=%C2%B9&institution=%C2%B2&officer=%C2%B3&cohort=-99999999999999999999"


def _paths(app, ids):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        options = []
        for arg in rule.arguments:
            if arg in VALUES:
                options.append(VALUES[arg])
            elif rule._converters[arg].__class__.__name__ == "IntegerConverter":
                options.append([ids.get(arg, 1), 999999])
            else:
                options.append(["1", "x"])
        combos = [{}]
        for arg, values in zip(rule.arguments, options, strict=True):
            combos = [dict(c, **{arg: v}) for c in combos for v in values]
        for combo in combos[:12]:
            path = rule.rule
            for arg, value in combo.items():
                path = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(value), path)
            yield path


@pytest.mark.parametrize("role", [Role.OFFICER, Role.TRAINER, Role.MANAGER, Role.ADMIN])
def test_no_get_route_answers_500(app, client, ctx, role):
    version = load_sample()
    kz = make_country()
    user = make_user(role=role, scope_country=kz if role == Role.MANAGER else None)
    db.session.commit()
    login(client, user)
    enrol(client)
    attempt_id, _ = take_quiz(client, version, "01-admission-basics")
    ids = {"attempt_id": attempt_id, "user_id": user.id}
    failures = []
    for path in _paths(app, ids):
        for url in (path, path + QUERY_NOISE, path + QUERY_OUT_OF_RANGE, path + QUERY_PAGE_SUPERSCRIPT):
            status = client.get(url).status_code
            if status >= 500:
                failures.append((url, status))
    assert failures == [], "\n".join(f"{s} {u}" for u, s in failures)


def test_a_nul_byte_in_a_form_gets_400_not_500(client):
    response = client.post("/login", data={"personnel_number": "a\x00b", "password": "x"})
    assert response.status_code == 400


def test_out_of_range_numbers_get_400_and_far_dates_a_form_error(client, ctx):
    admin = make_user(role=Role.ADMIN)
    db.session.commit()
    login(client, admin)
    for url in ("/admin/audit", "/reports/register", "/people", "/certificates/manage", "/classroom"):
        for value in (HUGE, "¹", "-" + HUGE, "1.5"):
            assert client.get(url, query_string={"page": value}).status_code == 400, (url, value)
        assert client.get(url, query_string={"page": "2"}).status_code == 200, url
    assert client.get(f"/admin/users/{HUGE}").status_code == 404
    for url, field in (("/reports/summary", "end"), ("/reports/register", "completed_from"),
                       ("/admin/audit", "end")):
        response = client.get(url, query_string={field: "9999-12-31"})
        assert response.status_code == 200, url
        assert "Choose a date between 2000-01-01 and 2100-12-31." in response.get_data(as_text=True), url


def test_out_of_range_and_superscript_numbers_in_posted_forms_get_400_or_a_form_error(client, ctx):
    """Numbers posted in forms (not only in the query string): past any database integer, a
    superscript digit, a count of rows no form has. Each is refused, never a 500 (on
    PostgreSQL an id past 2**31 in a query was an "integer out of range" error)."""
    from lms.authoring import drafts
    from lms.org.models import Cohort
    from lms.scenarios.models import ScenarioRun
    from tests.authoring_helpers import make_author

    version = load_sample()
    admin = make_user(role=Role.ADMIN)
    author = make_author()
    draft = drafts.create_course(author, "c-bounds", "Курс", "ru")
    drafts.save(draft, author, 1, {"03-exam/quiz.yaml": b"id: exam\nquestions: []\n"})
    cohort = Cohort(name="Spring", institution_id=admin.institution_id)
    db.session.add(cohort)
    db.session.commit()
    officer = make_user(number="bounds-officer")
    db.session.commit()

    def refused(response, *, form_error: str | None = None) -> bool:
        if form_error is not None:
            return response.status_code in (200, 422) and form_error in response.get_data(as_text=True)
        return response.status_code == 400

    login(client, admin)
    for value in (HUGE, "-" + HUGE, "¹"):
        r = client.post(f"/cohorts/{cohort.id}", data={"add": value})
        assert refused(r), (value, r.status_code)
        r = client.post(f"/cohorts/{cohort.id}", data={"remove": value})
        assert refused(r), (value, r.status_code)
    client.post("/logout")

    login(client, author)
    quiz_editor = "/authoring/courses/c-bounds/quiz-editor?module=03-exam"
    question = "/authoring/courses/c-bounds/question?module=03-exam"
    for value in (HUGE, "¹"):
        assert refused(client.get(f"/authoring/courses/c-bounds/media?path=x/media/a.png&revision={value}"))
        assert refused(client.get(f"{question}&index={value}"))
        assert refused(client.post(quiz_editor, data={"base": value, "action": "settings", "quiz_id": "exam"}))
        assert refused(client.post(quiz_editor, data={"base": "2", "action": "up", "index": value}))
        assert refused(client.post(question, data={"base": value, "rows": "1", "qid": "q"}))
    number_message = "Pass mark, attempts and the number of questions drawn are whole numbers."
    for field in ("pass_mark", "attempts", "draw"):
        r = client.post(quiz_editor, data={"base": "2", "action": "settings", "quiz_id": "exam", field: "¹"})
        assert refused(r, form_error=number_message), (field, r.status_code)
    # A count of option rows that is not a number, or that no form could hold.
    for rows in ("x", "¹", HUGE, str(2**31 - 1)):
        db.session.expire_all()
        base = str(drafts.draft_of("c-bounds").head)
        r = client.post(question, data={"base": base, "rows": rows, "qid": "q-x", "type": "single"})
        assert r.status_code in (302, 400), (rows, r.status_code)
    client.post("/logout")

    login(client, officer)
    enrol(client)
    module_id = next(m["id"] for m in version.content["modules"] if m.get("scenario"))
    client.post(f"/courses/{COURSE}/modules/{module_id}/scenario/start")
    run = db.session.scalar(sa.select(ScenarioRun))
    for value in (HUGE, "-" + HUGE, "¹"):
        r = client.post(f"/runs/{run.id}/choose", data={"choice": "x", "step": value})
        assert refused(r), (value, r.status_code)
    db.session.expire_all()
    assert db.session.get(ScenarioRun, run.id).choices == []
