"""Every route has an explicit access rule, and each role gets exactly what it should."""

import re

import pytest

from lms import access
from lms.extensions import db
from lms.org.models import Role
from tests.factories import login, make_country, make_institution, make_user

O, T, M, A = Role.OFFICER, Role.TRAINER, Role.MANAGER, Role.ADMIN  # noqa: E741
EVERYONE = "public"
SIGNED = "signed_in"
STAFF = frozenset({T, M, A})
ADMIN = frozenset({A})

# The intended rule of every endpoint. A new route must be added here, on purpose.
EXPECTED = {
    "static": EVERYONE,
    "core.home": EVERYONE,
    "core.about": EVERYONE,
    "core.set_language": EVERYONE,
    "core.healthz": EVERYONE,
    "core.readyz": EVERYONE,
    "auth.login": EVERYONE,
    "auth.logout": SIGNED,
    "auth.change_password": SIGNED,
    "auth.change_email": SIGNED,
    "admin.index": ADMIN,
    "admin.countries": ADMIN,
    "admin.country_edit": ADMIN,
    "admin.institutions": ADMIN,
    "admin.institution_edit": ADMIN,
    "admin.positions": ADMIN,
    "admin.position_edit": ADMIN,
    "admin.users": ADMIN,
    "admin.user_edit": ADMIN,
    "admin.reset_password": ADMIN,
    "admin.scope_grant_add": ADMIN,
    "admin.scope_grant_end": ADMIN,
    "admin.audit_log": ADMIN,
    "admin.audit_export": ADMIN,
    "admin.roster_template": ADMIN,
    "admin.roster_import": ADMIN,
    "org.cohorts": frozenset({T, A}),
    "org.cohort_new": frozenset({T, A}),
    "org.cohort": frozenset({T, A}),
    "org.people": STAFF,
    "org.person": STAFF,
    "reports.index": STAFF,
    "reports.dashboard": STAFF,
    "reports.register": STAFF,
    "reports.register_export": STAFF,
    "reports.record": STAFF,
    "reports.summary": STAFF,
    "reports.summary_export": STAFF,
    "reports.progress": STAFF,
    "reports.questions": STAFF,
    "reports.case_file": STAFF,
    "catalog.courses": SIGNED,
    "catalog.course": SIGNED,
    "catalog.enrol": frozenset({O, T, M, A}),
    "catalog.module": SIGNED,
    "catalog.mark_read": SIGNED,
    "catalog.skip_pre_test": SIGNED,
    "catalog.media": SIGNED,
    "learning.mine": SIGNED,
    "learning.assign": frozenset({T, A}),
    "learning.assignments_page": frozenset({T, A}),
    "learning.notifications": SIGNED,
    "quizzes.quiz": SIGNED,
    "quizzes.start": SIGNED,
    "quizzes.answer": SIGNED,
    "quizzes.review": SIGNED,
    "scenarios.play": SIGNED,
    "scenarios.start": SIGNED,
    "scenarios.choose": SIGNED,
    "scenarios.debrief": SIGNED,
    "scenarios.script": STAFF,
    "certificates.verify_form": EVERYONE,
    "certificates.verify": EVERYONE,
    "certificates.verify_offline": EVERYONE,
    "certificates.public_keys": EVERYONE,
    "certificates.mine": SIGNED,
    "certificates.pdf": SIGNED,
    "certificates.badge_json": SIGNED,
    "certificates.manage": STAFF,
    "certificates.detail": STAFF,
    "certificates.export": STAFF,
    "certificates.export_zip": STAFF,
    "certificates.export_zip_status": STAFF,
    "certificates.export_zip_download": STAFF,
    "certificates.revoke": ADMIN,
    "certificates.reissue": ADMIN,
    "scenarios.script_pdf": STAFF,
    "scenarios.classroom_sessions": frozenset({T, A}),
    "scenarios.classroom_module": frozenset({T, A}),
    "scenarios.classroom_new": frozenset({T, A}),
    "scenarios.classroom_session": frozenset({T, A}),
    "scenarios.classroom_sheet": frozenset({T, A}),
    "scenarios.classroom_record": frozenset({T, A}),
    "scenarios.classroom_correct": frozenset({T, A}),
    # The course editor: trainers and admins; each course's routes only for its editors
    # (tests/test_authoring.py proves the per-course rule on every one of them).
    "authoring.index": frozenset({T, A}),
    "authoring.new_course": frozenset({T, A}),
    "authoring.import_package": frozenset({T, A}),
    "authoring.course": frozenset({T, A}),
    "authoring.edit_file": frozenset({T, A}),
    "authoring.preview": frozenset({T, A}),
    "authoring.media": frozenset({T, A}),
    "authoring.upload": frozenset({T, A}),
    "authoring.history": frozenset({T, A}),
    "authoring.revision": frozenset({T, A}),
    "authoring.restore": frozenset({T, A}),
    "authoring.publish": frozenset({T, A}),
    "authoring.export": frozenset({T, A}),
    "authoring.settings": frozenset({T, A}),
    "authoring.modules": frozenset({T, A}),
    "authoring.scenario_graph": frozenset({T, A}),
    "authoring.play": frozenset({T, A}),
    "authoring.quiz_preview": frozenset({T, A}),
    "authoring.render_preview": frozenset({T, A}),
    "authoring.rename": frozenset({T, A}),
    "authoring.quiz_editor": frozenset({T, A}),
    "authoring.question": frozenset({T, A}),
    "authoring.scenario_editor": frozenset({T, A}),
    "authoring.scenario_node": frozenset({T, A}),
    "authoring.officer_module": frozenset({T, A}),
    "authoring.officer_quiz": frozenset({T, A}),
    "authoring.officer_play": frozenset({T, A}),
    "authoring.module_editor": frozenset({T, A}),
    "authoring.editors": ADMIN,
    # The translation page of a course is for its editors and admins (tests/test_translation.py
    # proves the per-course rule on every route); the glossary for trainers and admins.
    "translation.overview": frozenset({T, A}),
    "translation.editor": frozenset({T, A}),
    "translation.start": frozenset({T, A}),
    "translation.offer": frozenset({T, A}),
    "translation.glossary_page": frozenset({T, A}),
    "translation.xliff_export": frozenset({T, A}),
    "translation.xliff_import": frozenset({T, A}),
    "authoring.authors": ADMIN,
}


def test_every_endpoint_declares_an_access_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    undeclared = sorted(e for e in endpoints if access.rule_of_app(app, e) is None)
    assert undeclared == [], f"endpoints without an access rule: {undeclared}"


def test_every_endpoint_has_the_intended_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(EXPECTED), "add new endpoints to EXPECTED with their intended rule"
    for endpoint in endpoints:
        assert access.rule_of_app(app, endpoint) == EXPECTED[endpoint], endpoint


def test_a_view_without_a_rule_is_refused(app):
    from flask import Flask

    probe = Flask("probe")
    probe.config["SECRET_KEY"] = "x"
    from lms.extensions import login_manager

    login_manager.init_app(probe)
    probe.before_request(access.enforce)
    probe.add_url_rule("/naked", "naked", lambda: "secret")
    assert probe.test_client().get("/naked").status_code == 403


def _simple_get_paths(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint not in (
            "static", "core.set_language"):
            yield rule.endpoint, rule.rule


@pytest.mark.parametrize("role", [O, T, M, A])
def test_roles_get_200_or_403_as_intended(app, client, ctx, role):
    kz = make_country()
    user = make_user(role=role, scope_country=kz if role == M else None)
    db.session.commit()
    login(client, user)
    for endpoint, path in _simple_get_paths(app):
        rule = EXPECTED[endpoint]
        allowed = rule in (EVERYONE, SIGNED) or role in rule
        status = client.get(path).status_code
        if endpoint == "auth.login" or (endpoint == "core.home" and role == O):
            assert status == 302  # already signed in; an officer's home is "My learning"
        elif allowed:
            assert status == 200, (role, path, status)
        else:
            assert status == 403, (role, path, status)


def test_anonymous_visitors_are_sent_to_sign_in(app, client, ctx):
    for endpoint, path in _simple_get_paths(app):
        status = client.get(path)
        if EXPECTED[endpoint] == EVERYONE:
            assert status.status_code in (200, 302), path
        else:
            assert status.status_code == 302 and "/login" in status.headers["Location"], path


def test_manager_never_sees_an_account_outside_their_scope(client, ctx):
    kz, kg = make_country("KZ"), make_country("KG")
    prison_a, prison_b = make_institution(kz), make_institution(kz)
    abroad = make_institution(kg)
    inside = make_user(institution=prison_a, name="Inside Officer")
    beside = make_user(institution=prison_b, name="Beside Officer")
    outside = make_user(institution=abroad, name="Outside Officer")
    inst_manager = make_user(role=M, institution=prison_a, scope_institution=prison_a)
    country_manager = make_user(role=M, institution=prison_a, scope_country=kz)
    db.session.commit()

    login(client, inst_manager)
    page = client.get("/people").get_data(as_text=True)
    assert "Inside Officer" in page and "Beside Officer" not in page and "Outside Officer" not in page
    assert client.get(f"/people/{inside.id}").status_code == 200
    assert client.get(f"/people/{beside.id}").status_code == 404
    assert client.get(f"/people/{outside.id}").status_code == 404
    searched = client.get("/people?q=Beside").get_data(as_text=True)
    assert "Beside Officer" not in searched and "No account matched “Beside”" in searched
    client.post("/logout")

    login(client, country_manager)
    page = client.get("/people").get_data(as_text=True)
    assert "Inside Officer" in page and "Beside Officer" in page and "Outside Officer" not in page
    assert client.get(f"/people/{outside.id}").status_code == 404
    assert client.get(f"/admin/users/{outside.id}").status_code == 403


def test_officer_cannot_open_anyone_elses_record(client, ctx):
    me, other = make_user(), make_user()
    db.session.commit()
    login(client, me)
    assert client.get(f"/people/{other.id}").status_code == 403
    assert client.get(f"/admin/users/{other.id}").status_code == 403


def test_csrf_is_enforced_on_every_post(app, client, ctx, csrf_on):
    admin = make_user(role=A)
    db.session.commit()
    # Sign in the proper way, with the token from the form.
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"personnel_number": admin.personnel_number,
                                       "password": "correct-horse-battery",
                                       "csrf_token": token}).status_code == 302
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        path = re.sub(r"<(?:int:)?\w+>", str(admin.id), rule.rule)
        response = client.post(path, data={})
        assert response.status_code == 400, path
        assert "The form has expired" in response.get_data(as_text=True)
