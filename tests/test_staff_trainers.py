"""Trainers: the module page, classroom sessions scheduled ahead, attendance sheets, corrections."""

from datetime import date, timedelta

import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import ModuleProgress
from lms.org.models import AuditEvent, Cohort, InstitutionKind, Role
from lms.scenarios.models import ClassroomSession, ScenarioRun
from tests.course_helpers import COURSE, load_sample
from tests.factories import login, make_country, make_institution, make_user

MODULE = "02-role-play-admission"
NEW_SESSION = f"/courses/{COURSE}/modules/{MODULE}/classroom/new"


def _trainer_and_officers():
    kz = make_country("KZ")
    academy = make_institution(kz, kind=InstitutionKind.ACADEMY, name="Academy")
    prison = make_institution(kz, name="Prison 5")
    trainer = make_user(role=Role.TRAINER, institution=academy, number="tr-1")
    a = make_user(institution=prison, number="KZ-A", name="Aliya Bekova")
    b = make_user(institution=prison, number="KZ-B", name="Bolat Sadykov")
    cohort = Cohort(name="Spring", institution_id=prison.id, trainer_id=trainer.id, members=[a, b])
    db.session.add(cohort)
    db.session.commit()
    return trainer, a, b, cohort


def test_a_trainer_sees_script_sessions_and_results_on_the_module_page_without_enrolling(client, ctx):
    load_sample()
    trainer, *_ = _trainer_and_officers()
    login(client, trainer)
    page = client.get(f"/courses/{COURSE}/modules/{MODULE}").get_data(as_text=True)
    assert f"/courses/{COURSE}/modules/{MODULE}/script" in page
    assert f"/courses/{COURSE}/modules/{MODULE}/classroom" in page
    assert f"/reports/progress?course={COURSE}" in page
    quiz_page = client.get(f"/courses/{COURSE}/modules/01-admission-basics").get_data(as_text=True)
    assert "/reports/questions?course=" in quiz_page


def test_a_session_is_scheduled_ahead_printed_with_names_and_recorded_later(client, ctx):
    load_sample()
    trainer, a, b, cohort = _trainer_and_officers()
    login(client, trainer)
    later = date.today() + timedelta(days=7)
    url = f"{NEW_SESSION}?cohort={cohort.id}&then=schedule"
    assert "Schedule the session" in client.get(url).get_data(as_text=True)
    r = client.post(url, data={"held_on": later.isoformat(), "place": "Hall 3"})
    assert r.status_code == 302
    session = db.session.scalar(sa.select(ClassroomSession))
    assert session.is_scheduled and session.held_on == later and sorted(session.invited) == sorted([a.id, b.id])
    assert _module_done(a) is None  # nothing counts before it is recorded
    sheet = client.get(f"/classroom/{session.id}/sheet").get_data(as_text=True)
    assert "Aliya Bekova" in sheet and "KZ-B" in sheet and "Hall 3" in sheet and "data-print" in sheet
    # A date in the past cannot be scheduled.
    past = client.post(url, data={"held_on": (date.today() - timedelta(days=1)).isoformat(), "place": "X"})
    assert past.status_code == 200 and db.session.scalar(sa.select(sa.func.count(ClassroomSession.id))) == 1

    record = f"/classroom/{session.id}/record"
    form = client.get(record).get_data(as_text=True)
    assert "Aliya Bekova" in form and "Hall 3" in form
    r = client.post(record, data={"held_on": date.today().isoformat(), "place": "Hall 3",
                                  f"present_{a.id}": "y", f"played_{a.id}": "y", f"ending_{a.id}": "good",
                                  f"passed_{a.id}": "yes"})
    assert r.status_code == 302
    db.session.expire_all()
    session = db.session.get(ClassroomSession, session.id)
    assert not session.is_scheduled and session.attendees == [a.id]
    assert db.session.scalar(sa.select(ScenarioRun.passed).where(ScenarioRun.user_id == a.id)) is True
    assert db.session.scalar(sa.select(sa.func.count(ClassroomSession.id))) == 1


def test_a_recorded_session_is_corrected_with_a_reason_in_the_audit_log(client, ctx):
    load_sample()
    trainer, a, b, cohort = _trainer_and_officers()
    login(client, trainer)
    client.post(f"{NEW_SESSION}?cohort={cohort.id}", data={
        "held_on": date.today().isoformat(), "place": "Room 1", f"present_{a.id}": "y", f"played_{a.id}": "y",
        f"ending_{a.id}": "good", f"passed_{a.id}": "yes"})
    session = db.session.scalar(sa.select(ClassroomSession))
    assert session.attendees == [a.id]
    correct = f"/classroom/{session.id}/correct"
    # Without a reason nothing changes; an officer who played cannot be dropped.
    assert client.post(correct, data={"held_on": date.today().isoformat(), "place": "Room 1",
                                      "present": [a.id, b.id]}).status_code == 200
    page = client.post(correct, data={"held_on": date.today().isoformat(), "place": "Room 1",
                                      "present": [b.id], "reason": "typo"}).get_data(as_text=True)
    assert "must be marked as present" in page
    r = client.post(correct, data={"held_on": date.today().isoformat(), "place": "Room 1",
                                   "present": [a.id, b.id], "reason": "Bolat signed the paper sheet"})
    assert r.status_code == 302
    db.session.expire_all()
    assert sorted(db.session.get(ClassroomSession, session.id).attendees) == sorted([a.id, b.id])
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "classroom.corrected"))
    assert event.detail["reason"] == "Bolat signed the paper sheet"
    assert event.detail["before"]["attendees"] == [a.id]


def test_a_correction_keeps_the_date_in_range_and_cleans_the_place_and_reason(client, ctx):
    """Issue #19: classroom dates bounded, invisible direction characters cleaned, in the
    correction form as in the session form."""
    load_sample()
    trainer, a, _b, cohort = _trainer_and_officers()
    login(client, trainer)
    client.post(f"{NEW_SESSION}?cohort={cohort.id}", data={
        "held_on": date.today().isoformat(), "place": "Room 1", f"present_{a.id}": "y"})
    session = db.session.scalar(sa.select(ClassroomSession))
    correct = f"/classroom/{session.id}/correct"
    for far in ("0001-01-01", "1999-12-31"):
        page = client.post(correct, data={"held_on": far, "place": "Room 1", "present": [a.id],
                                          "reason": "date"}).get_data(as_text=True)
        assert "Choose a date between 2000-01-01 and 2100-12-31." in page, far
    db.session.expire_all()
    assert db.session.get(ClassroomSession, session.id).held_on == date.today()
    r = client.post(correct, data={"held_on": date.today().isoformat(), "place": "Room\u202e 2\x0b",
                                   "present": [a.id], "reason": "Wrong\u200b room"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(ClassroomSession, session.id).place == "Room 2"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "classroom.corrected"))
    assert event.detail["reason"] == "Wrong room"


def _module_done(user):
    return db.session.scalar(sa.select(ModuleProgress.completed_at).where(
        ModuleProgress.user_id == user.id, ModuleProgress.module_id == MODULE))


def test_assignments_show_who_assigned_whom_extend_and_unassign_with_audit(client, app, ctx):
    from lms.learning.models import Enrolment

    load_sample()
    trainer, a, b, cohort = _trainer_and_officers()
    login(client, trainer)
    due = date.today() + timedelta(days=3)
    client.post(f"/courses/{COURSE}/assign", data={"officers": [a.id, b.id], "cohort_id": 0,
                                                  "due_on": due.isoformat()})
    page = client.get(f"/courses/{COURSE}/assignments").get_data(as_text=True)
    assert "Aliya Bekova" in page and "Bolat Sadykov" in page and trainer.name_native in page
    ea, eb = (db.session.scalar(sa.select(Enrolment.id).where(Enrolment.user_id == u.id)) for u in (a, b))

    # The officer sees the assignment as due soon on their home page and in the notifications.
    officer = app.test_client()
    login(officer, a)
    assert "Due soon" in officer.get("/learning").get_data(as_text=True)
    assert "Due soon" in officer.get("/learning/notifications").get_data(as_text=True)

    later = date.today() + timedelta(days=30)
    client.post(f"/courses/{COURSE}/assignments", data={"chosen": [ea], "due_on": later.isoformat(),
                                                       "action": "due"})
    db.session.expire_all()
    assert db.session.get(Enrolment, ea).due_on == later
    notices = officer.get("/learning/notifications").get_data(as_text=True)
    assert "Due soon" not in notices and "assigned you" in notices

    client.post(f"/courses/{COURSE}/assignments", data={"chosen": [eb], "action": "unassign"})
    db.session.expire_all()
    assert db.session.get(Enrolment, eb) is None
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"assignment.due_date_changed", "assignment.removed"} <= actions

    # Overdue once the date has passed.
    db.session.get(Enrolment, ea).due_on = date.today() - timedelta(days=1)
    db.session.commit()
    assert "Overdue" in officer.get("/learning/notifications").get_data(as_text=True)

    # A course since withdrawn: no notice that would lead to a page not found.
    from lms.catalog.models import Course

    db.session.execute(sa.update(Course).where(Course.id == COURSE).values(is_published=False))
    db.session.commit()
    assert "Overdue" not in officer.get("/learning/notifications").get_data(as_text=True)
    assert "Overdue" not in officer.get("/learning").get_data(as_text=True)


def test_question_analysis_says_nothing_about_difficulty_after_one_attempt_and_filters_by_cohort(client, ctx):
    from tests.test_reports import QUIZ, _add_attempt, _answers, build_world, page_of, question_rows
    from tests.test_reports import A as COURSE_A

    world = build_world()
    a1, a2 = world.users["a1"], world.users["a2"]
    _add_attempt(a1.id, 1, 0, {q: ["b"] for q in ("q-dignity-rule-1", "q-language-rule-55",
                                                  "q-written-information-content")}
                 | {"q-family-rule-68": ["false"], "q-injuries-in-file": ["true"]})
    db.session.commit()
    login(client, world.country_manager)
    page = page_of(client, f"/reports/questions?course={COURSE_A}&quiz={QUIZ}")
    assert "Too few attempts" in page.ids["attempts"]
    assert all(row[-1] == "" for row in question_rows(page).values())  # no "Nearly everyone fails"
    client.post("/logout")

    for i in range(10):
        _add_attempt(a2.id, 10 + i, 10 * i, _answers(i))
    cohort = Cohort(name="Only a1", institution_id=a1.institution_id, trainer_id=world.trainer.id, members=[a1])
    db.session.add(cohort)
    db.session.commit()
    login(client, world.trainer)
    everyone = page_of(client, f"/reports/questions?course={COURSE_A}&quiz={QUIZ}")
    assert everyone.ids["attempts"].startswith("11 submitted attempts")
    only = page_of(client, f"/reports/questions?course={COURSE_A}&quiz={QUIZ}&cohort={cohort.id}")
    assert only.ids["attempts"].startswith("1 submitted attempt")
