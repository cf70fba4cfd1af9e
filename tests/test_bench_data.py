"""The report benchmark's synthetic population (bench/generate.py), on both databases.

The figures in the speed notes are only worth what the data behind them is: these tests
hold that the set-based generator makes what its docstring says (every officer's
enrolments in different courses, a completion, final attempt and answers for each
completed enrolment with one score, dates in order) and that a manager's pages read it
as real data (dashboard totals, register search by name).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from bench.generate import QUIZ_MODULE, generate
from lms.extensions import db
from lms.learning.models import CourseCompletion, Enrolment
from lms.org.models import Country, Institution, Role, User
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from lms.reports import queries
from lms.timeutil import today, utcnow
from tests.factories import login, make_user

OFFICERS = 400


def _generated():
    return generate(OFFICERS, courses=4, per_officer=3, seed=7)


def test_every_officer_has_enrolments_in_different_courses_with_consistent_records(ctx):
    result = _generated()
    officers = db.session.scalars(sa.select(User)).all()
    assert len(officers) == OFFICERS and {u.role for u in officers} == {Role.OFFICER}
    enrolments = db.session.scalars(sa.select(Enrolment)).all()
    per_officer = Counter(e.user_id for e in enrolments)
    assert set(per_officer.values()) == {3}
    assert len({(e.user_id, e.course_id) for e in enrolments}) == len(enrolments)
    assert {e.course_id for e in enrolments} == set(result["courses"])

    now = utcnow() + timedelta(seconds=5)
    completed = [e for e in enrolments if e.completed_at is not None]
    started = [e for e in enrolments if e.last_activity_at is not None]
    # Roughly the shares the docstring gives (45 % complete, 75 % started, 70 % due).
    assert 0.35 < len(completed) / len(enrolments) < 0.55
    assert 0.65 < len(started) / len(enrolments) < 0.85
    assert 0.6 < sum(e.due_on is not None for e in enrolments) / len(enrolments) < 0.8
    for e in enrolments:
        assert e.enrolled_at < now - timedelta(hours=23)
        if e.due_on is not None:
            assert e.due_on == (e.enrolled_at + timedelta(days=90)).date()
        if e.completed_at is not None:
            assert e.enrolled_at < e.completed_at <= now and e.last_activity_at == e.completed_at

    completions = {(c.user_id, c.course_id): c for c in db.session.scalars(sa.select(CourseCompletion))}
    assert set(completions) == {(e.user_id, e.course_id) for e in completed}
    finals = {(a.user_id, a.course_id): a for a in db.session.scalars(
        sa.select(QuizAttempt).where(QuizAttempt.is_pre_test.is_(False)))}
    assert set(finals) == set(completions)
    questions = db.session.execute(sa.select(AttemptAnswer.attempt_id, sa.func.count())
                                   .group_by(AttemptAnswer.attempt_id)).all()
    assert len(questions) == len(finals) and len({n for _a, n in questions}) == 1
    for key, completion in completions.items():
        attempt = finals[key]
        assert attempt.module_id == QUIZ_MODULE and attempt.submitted_at == completion.completed_at
        assert attempt.score == completion.final_score and 60 <= attempt.score <= 100
        assert attempt.passed == (attempt.score >= 70)
    pre_tests = db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.is_pre_test.is_(True))).all()
    # The scores the reports read from the enrolment agree with the completion and the attempt.
    pre_scores = {(a.user_id, a.course_id): a.score for a in pre_tests}
    for e in enrolments:
        completion = completions.get((e.user_id, e.course_id))
        assert e.final_score == (completion.final_score if completion else None)
        assert e.pre_test_score == pre_scores.get((e.user_id, e.course_id))
    assert any(e.final_score is not None and e.pre_test_score is not None for e in enrolments)
    started_keys = {(e.user_id, e.course_id) for e in started}
    assert pre_tests and all((a.user_id, a.course_id) in started_keys and a.number == 1 for a in pre_tests)
    assert 0.55 < len(pre_tests) / len(started) < 0.85

    genders = Counter(u.gender.value for u in officers)
    assert 0.2 < genders["female"] / OFFICERS < 0.4
    kinds = dict(db.session.execute(sa.select(Institution.id, Institution.kind)).all())
    for u in officers:
        assert (u.service.value == "probation") == (kinds[u.institution_id].value == "probation_office")


def test_a_manager_reads_the_generated_population_on_the_dashboard_and_finds_an_officer_by_name(client, ctx):
    _generated()
    kz = db.session.scalar(sa.select(Country).where(Country.code == "KZ"))
    home = db.session.scalar(sa.select(Institution).where(Institution.country_id == kz.id))
    manager = make_user(Role.MANAGER, institution=home, scope_country=kz)
    db.session.commit()
    course = "bench-course-1"
    in_kz = (sa.select(Enrolment).join(User, User.id == Enrolment.user_id)
             .join(Institution, Institution.id == User.institution_id)
             .where(Institution.country_id == kz.id, Enrolment.course_id == course, User.role == Role.OFFICER))
    expected = db.session.scalars(in_kz).all()
    data = queries.dashboard(manager, course, today())
    assert data.total.enrolled == len(expected) > 0
    assert data.total.completed == sum(e.completed_at is not None for e in expected)
    assert data.total.score_count == data.total.completed
    assert data.total.gain_count > 0

    login(client, manager)
    assert client.get(f"/reports/dashboard?course={course}").status_code == 200
    # A six-digit name is no part of another name: the search finds this officer's rows.
    officer = max((db.session.get(User, e.user_id) for e in expected), key=lambda u: len(u.name_latin))
    page = client.get("/reports/register", query_string={"q": officer.name_latin.lower()}).get_data(as_text=True)
    assert officer.personnel_number in page
    page = client.get("/reports/register", query_string={"q": officer.name_native}).get_data(as_text=True)
    assert officer.personnel_number in page
