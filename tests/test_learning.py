"""The learning engine through the test client: enrol, read, quiz, role-play, complete."""

import re
from datetime import date, timedelta

import sqlalchemy as sa

from lms.catalog.models import Course
from lms.extensions import db
from lms.learning.models import CourseCompletion, Enrolment, ModuleProgress, ProgressEvent
from lms.org.models import Role
from lms.quizzes.models import QuizAttempt
from lms.timeutil import utcnow
from tests.course_helpers import (
    COURSE,
    best_path,
    correct_answers,
    course_copy,
    enrol,
    form_of,
    load_sample,
    open_attempt_id,
    play_scenario,
    take_quiz,
)
from tests.factories import login, make_user


def _officer(client):
    user = make_user(number="off1")
    db.session.commit()
    login(client, user)
    return user


def test_officer_enrols_in_an_open_course_and_sees_it_in_my_learning(client, ctx):
    version = load_sample()
    user = _officer(client)
    assert "First steps" in client.get("/courses").get_data(as_text=True)
    enrol(client)
    page = client.get("/learning").get_data(as_text=True)
    assert "First steps" in page and "0 of 2 modules" in page
    assert db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == user.id))
    assert version.version == 1


def test_lesson_renders_markdown_sanitized_with_image_and_admonitions(client, ctx):
    load_sample()
    _officer(client)
    enrol(client)
    page = client.get(f"/courses/{COURSE}/modules/01-admission-basics").get_data(as_text=True)
    assert '<div class="admonition note">' in page and '<div class="admonition warning">' in page
    assert '<div class="admonition example">' in page and '<table>' in page
    assert 'class="footnote"' in page
    src = re.search(r'<img[^>]+src="([^"]+)"', page).group(1)
    assert src.startswith("/media/sample-first-steps/1/01-admission-basics/")
    image = client.get(src)
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"


def test_lesson_in_the_officers_language_and_rtl_for_arabic(client, ctx):
    load_sample()
    _officer(client)
    enrol(client)
    client.get("/language/ar")
    page = client.get(f"/courses/{COURSE}/modules/01-admission-basics").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert '<article class="lesson" lang="ar" dir="rtl">' in page
    assert "قواعد نيلسون مانديلا" in page


def test_missing_language_falls_back_to_source_with_a_notice(client, ctx):
    version = load_sample()
    # A draft without Kazakh: drop it from the stored content and lesson pages.
    from lms.catalog.models import LessonPage

    content = dict(version.content)
    content["languages"] = [lang for lang in content["languages"] if lang != "kk"]
    version.content = content
    db.session.execute(sa.delete(LessonPage).where(LessonPage.lang == "kk"))
    db.session.commit()
    _officer(client)
    enrol(client)
    client.get("/language/kk")
    page = client.get(f"/courses/{COURSE}/modules/01-admission-basics").get_data(as_text=True)
    assert 'lang="en"' in page and "First steps" in page
    assert 'class="notice"' in page


def test_not_enrolled_officer_is_sent_to_the_course_page(client, ctx):
    load_sample()
    _officer(client)
    response = client.get(f"/courses/{COURSE}/modules/01-admission-basics")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/courses/{COURSE}")


def test_correct_answers_never_reach_the_browser_before_submission(client, ctx):
    version = load_sample()
    _officer(client)
    enrol(client)
    client.post(f"/courses/{COURSE}/modules/01-admission-basics/quiz/start")
    page = client.get(f"/courses/{COURSE}/modules/01-admission-basics/quiz").get_data(as_text=True)
    quiz = version.module("01-admission-basics")["quiz"]
    for q in quiz["questions"]:
        for o in q["options"]:
            assert o["feedback"]["en"] not in page
        assert q["explanation"]["en"] not in page
    assert "correct" not in page.lower().replace("incorrect", "")


def test_shuffled_order_is_kept_on_reload_and_the_attempt_resumes(client, ctx):
    load_sample()
    user = _officer(client)
    enrol(client)
    client.post(f"/courses/{COURSE}/modules/01-admission-basics/quiz/start")
    first = client.get(f"/courses/{COURSE}/modules/01-admission-basics/quiz").get_data(as_text=True)
    attempt_id = open_attempt_id(client, "01-admission-basics")
    attempt = db.session.get(QuizAttempt, attempt_id)
    qid, options = attempt.layout[0]
    client.post(f"/attempts/{attempt_id}", data=form_of({qid: [options[0]]}, attempt_id, "save"))
    # A new browser: sign in again; the same attempt, same order, saved answer checked.
    client.post("/logout")
    login(client, user)
    again = client.get(f"/courses/{COURSE}/modules/01-admission-basics/quiz").get_data(as_text=True)
    order = lambda html: re.findall(r'name="q-([a-z0-9-]+)" value="([a-z0-9-]+)"', html)  # noqa: E731
    assert order(first) == order(again)
    key = form_of({qid: [options[0]]}, attempt_id)[f"q-{qid}"][0]
    assert re.search(rf'name="q-{qid}" value="{key}" checked', again)


def test_submitting_twice_grades_once(client, ctx):
    version = load_sample()
    user = _officer(client)
    enrol(client)
    attempt_id, response = take_quiz(client, version, "01-admission-basics")
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}")
    again = client.post(f"/attempts/{attempt_id}", data=form_of(correct_answers(version, "01-admission-basics"), attempt_id),
                        follow_redirects=True)
    assert "already submitted" in again.get_data(as_text=True)
    rows = db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id)).all()
    assert len(rows) == 1 and rows[0].score == 100
    events = db.session.scalars(sa.select(ProgressEvent.kind).where(ProgressEvent.kind == "quiz_submitted")).all()
    assert len(events) == 1


def test_review_shows_score_feedback_and_explanation_after_submission(client, ctx):
    version = load_sample()
    _officer(client)
    enrol(client)
    attempt_id, _ = take_quiz(client, version, "01-admission-basics", correct=True)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    quiz = version.module("01-admission-basics")["quiz"]
    assert "100%" in page and "passed" in page
    assert quiz["questions"][0]["explanation"]["en"] in page
    assert any(o["feedback"]["en"] in page for o in quiz["questions"][0]["options"])


def test_attempt_limit_is_enforced(client, ctx):
    version = load_sample()
    _officer(client)
    enrol(client)
    for _ in range(3):
        take_quiz(client, version, "01-admission-basics", correct=False)
    page = client.post(f"/courses/{COURSE}/modules/01-admission-basics/quiz/start",
                       follow_redirects=True).get_data(as_text=True)
    assert "used all your attempts" in page
    assert db.session.scalar(sa.select(sa.func.count(QuizAttempt.id))) == 3


def test_another_officer_cannot_see_or_submit_my_attempt(client, app, ctx):
    version = load_sample()
    _officer(client)
    enrol(client)
    attempt_id, _ = take_quiz(client, version, "01-admission-basics")
    other = make_user(number="off2")
    db.session.commit()
    second = app.test_client()
    login(second, other)
    assert second.get(f"/attempts/{attempt_id}").status_code == 404
    assert second.post(f"/attempts/{attempt_id}", data={"action": "submit"}).status_code == 404


def test_pre_test_is_taken_before_the_first_module_and_kept(client, ctx):
    version = load_sample()
    user = _officer(client)
    enrol(client, skip_pre_test=False)
    page = client.get(f"/courses/{COURSE}").get_data(as_text=True)
    assert "Take the pre-test" in page
    take_quiz(client, version, "00-pre-test", correct=False)
    pre = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.is_pre_test.is_(True)))
    assert pre.score == 0 and pre.user_id == user.id
    # The pre-test does not count towards completion.
    assert db.session.scalar(sa.select(sa.func.count(ModuleProgress.id))) == 0


def test_pre_test_closes_once_skipped_and_modules_have_started(client, ctx):
    load_sample()
    _officer(client)
    enrol(client)  # and skip the pre-test
    client.post(f"/courses/{COURSE}/modules/01-admission-basics/read")
    page = client.post(f"/courses/{COURSE}/modules/00-pre-test/quiz/start", follow_redirects=True)
    assert "The pre-test is closed" in page.get_data(as_text=True)


def test_completing_every_module_completes_the_course_once(client, ctx):
    version = load_sample()
    user = _officer(client)
    enrol(client)
    client.post(f"/courses/{COURSE}/modules/01-admission-basics/read")
    take_quiz(client, version, "01-admission-basics")
    assert db.session.scalar(sa.select(sa.func.count(CourseCompletion.id))) == 0
    scenario = version.module("02-role-play-admission")["scenario"]
    run_id = play_scenario(client, version, "02-role-play-admission", best_path(scenario))
    debrief = client.get(f"/runs/{run_id}").get_data(as_text=True)
    assert "Passed" in debrief
    completions = db.session.scalars(sa.select(CourseCompletion)).all()
    assert len(completions) == 1
    assert completions[0].user_id == user.id and completions[0].course_version == 1
    assert completions[0].final_score == 100
    page = client.get("/learning").get_data(as_text=True)
    assert "2 of 2 modules" in page


def test_an_event_is_activity_of_an_enrolment_not_yet_written_in_the_same_transaction(ctx):
    from lms.learning import completion

    version = load_sample()
    user = make_user(number="off1")
    db.session.commit()
    user_id, _loaded = user.id, version.version  # loaded again now: no load (and flush) in log_event
    enrolment = Enrolment(user_id=user_id, course_id=COURSE)
    db.session.add(enrolment)  # in the session, not yet in the table
    completion.log_event(user_id, version, "01-admission-basics", "quiz_started", attempt=1)
    db.session.commit()
    db.session.expire_all()
    at = db.session.scalar(sa.select(ProgressEvent.at).where(ProgressEvent.user_id == user_id))
    assert at is not None and db.session.get(Enrolment, enrolment.id).last_activity_at == at


def test_a_part_done_reuses_its_compiled_statements_on_sqlite(ctx):
    """Every statement of a part done comes from SQLAlchemy's compiled cache once warm: on
    SQLite they run inside the write section, where compiling one (an INSERT ... ON CONFLICT
    has no cache key of its own) kept every other writer waiting."""
    from sqlalchemy.engine.interfaces import CacheStats

    from lms.learning import completion

    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL locks rows, not the database: the upsert is compiled as SQLAlchemy does
    version = load_sample()
    users = [make_user(number=f"off{n}") for n in range(2)]
    db.session.commit()
    ids = [u.id for u in users]
    for user_id in ids:
        db.session.add(Enrolment(user_id=user_id, course_id=COURSE))
    db.session.commit()
    misses = []

    def executed(_conn, _cursor, statement, _params, context, _many):
        if context.cache_hit is not CacheStats.CACHE_HIT:
            misses.append(statement)

    completion.record_part(ids[0], version, "01-admission-basics", "lesson")  # warm
    sa.event.listen(db.engine, "after_cursor_execute", executed)
    try:
        completion.record_part(ids[1], version, "01-admission-basics", "lesson")
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", executed)
    db.session.commit()
    assert misses == []


def test_a_module_needs_every_part(client, ctx):
    version = load_sample()
    _officer(client)
    enrol(client)
    take_quiz(client, version, "01-admission-basics")  # quiz passed, lesson not read
    row = db.session.scalar(sa.select(ModuleProgress))
    assert row.quiz_passed_at is not None and row.completed_at is None
    client.post(f"/courses/{COURSE}/modules/01-admission-basics/read")
    db.session.expire_all()
    assert db.session.scalar(sa.select(ModuleProgress)).completed_at is not None


def test_trainer_assigns_a_course_with_a_due_date_and_overdue_is_marked(client, app, ctx):
    load_sample()
    trainer = make_user(role=Role.TRAINER)
    officer = make_user(institution=trainer.institution, number="off9")
    outsider = make_user(number="far1")
    db.session.commit()
    login(client, trainer)
    due = date.today() + timedelta(days=10)
    # An officer outside the trainer's scope cannot be slipped into the form.
    response = client.post(f"/courses/{COURSE}/assign",
                           data={"officers": [officer.id, outsider.id], "cohort_id": 0, "due_on": due.isoformat()})
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 0
    response = client.post(f"/courses/{COURSE}/assign",
                           data={"officers": [officer.id], "cohort_id": 0, "due_on": due.isoformat()})
    assert response.status_code == 302
    enrolments = db.session.scalars(sa.select(Enrolment)).all()
    assert [(e.user_id, e.due_on) for e in enrolments] == [(officer.id, due)]
    # Overdue once the date has passed.
    enrolments[0].due_on = date.today() - timedelta(days=1)
    db.session.commit()
    other = app.test_client()
    login(other, officer)
    assert "Overdue" in other.get("/learning").get_data(as_text=True)


def test_assigning_a_cohort_enrols_only_its_members_within_the_trainers_scope(client, ctx):
    """A cohort of the trainer's institution, led by a colleague, may hold an officer from
    another institution whom this trainer does not oversee: the form accepts the cohort, and
    the scope rule, not form validation, keeps that officer out."""
    from lms.org.models import Cohort

    load_sample()
    trainer = make_user(role=Role.TRAINER)
    officer = make_user(institution=trainer.institution, number="coh1")
    outsider = make_user(number="coh-far")
    assert outsider.institution_id != trainer.institution_id
    colleague = make_user(role=Role.TRAINER, institution=trainer.institution, number="coh-tr2")
    cohort = Cohort(name="Intake", institution_id=trainer.institution_id, trainer_id=colleague.id,
                    members=[officer, outsider])
    db.session.add(cohort)
    db.session.commit()
    login(client, trainer)
    response = client.post(f"/courses/{COURSE}/assign", data={"cohort_id": cohort.id})
    assert response.status_code == 302
    assert db.session.scalars(sa.select(Enrolment.user_id)).all() == [officer.id]


def test_officers_cannot_assign_courses(client, ctx):
    load_sample()
    _officer(client)
    assert client.get(f"/courses/{COURSE}/assign").status_code == 403


def _shown_numbers(html: str) -> tuple[list[int], list[str], list[str]]:
    body, _, notes = html.partition('<div class="footnote">')
    refs = re.findall(r'<a class="footnote-ref" href="#fn:([^"]+)">(\d+)</a>', body)
    listed = re.findall(r'<li id="fn:([^"]+)">', notes)
    return [int(n) for _, n in refs], [i for i, _ in refs], listed


def test_footnotes_are_numbered_in_reading_order_in_lists_too():
    """A note in a list item was numbered after the notes of the paragraphs below the list."""
    from pathlib import Path

    from lms.catalog.render import render_lesson

    text = "Before.[^a]\n\n- in a list[^b]\n- again[^a]\n\nAfter.[^c]\n\n[^a]: A\n[^b]: B\n[^c]: C\n"
    numbers, ids, listed = _shown_numbers(render_lesson(text, lambda _: None))
    assert numbers == [1, 2, 1, 3] and listed == ["a", "b", "c"]
    checked = 0
    for lesson in sorted(Path(__file__).parents[1].glob("courses/*/*/lesson.*.md")):
        numbers, ids, listed = _shown_numbers(render_lesson(lesson.read_text(), lambda _: None))
        first = list(dict.fromkeys(ids))
        assert [first.index(i) + 1 for i in ids] == numbers, lesson  # each note keeps its first number
        assert list(dict.fromkeys(numbers)) == list(range(1, len(first) + 1)), lesson  # 1, 2, 3 as one reads
        assert listed[:len(first)] == first, lesson  # the notes at the end in the same order
        checked += bool(ids)
    assert checked >= 40


M1, M2 = "01-admission-basics", "02-role-play-admission"


def _cards(page: str) -> list[tuple[str, str]]:
    """Each course card of My learning: its course and its progress line, in the page's order."""
    return re.findall(r'<h2><a href="/courses/([\w-]+)">.*?(Progress: \d+ of \d+)', page, re.S)


def test_my_learning_shows_each_course_with_its_own_progress_in_order_and_the_notices_in_order(client, ctx, tmp_path):
    """Cards: unfinished first, the soonest due date first, then by enrolment; a completed course
    last; an unpublished course not at all. Notices: only for unfinished assignments, the soonest
    due first, then the newest; "new" only while nothing was done."""
    load_sample()
    second, third, fourth, fifth, sixth = (course_copy(tmp_path, f"course-{n}", f"Course number {n}")
                                           for n in ("two", "three", "four", "five", "six"))
    trainer = make_user(role=Role.TRAINER, name="Trainer One")
    officer = _officer(client)
    now, day = utcnow(), date.today()

    def enrolment(course_id: str, days_ago: int, **fields) -> None:
        db.session.add(Enrolment(user_id=officer.id, course_id=course_id,
                                 enrolled_at=now - timedelta(days=days_ago), **fields))

    # Started (so no "new" notice although assigned), one module complete here, and a completed
    # module of a version's module list that no longer has it: still 1 of 2.
    enrolment(COURSE, 20, assigned_by_id=trainer.id, last_activity_at=now, last_module_id=M1)
    for module_id in (M2, "a-module-since-removed"):
        db.session.add(ModuleProgress(user_id=officer.id, course_id=COURSE, module_id=module_id, course_version=1,
                                      completed_at=now))
    # Another officer's and another course's completed modules count nowhere here.
    other = make_user()
    db.session.add(ModuleProgress(user_id=other.id, course_id=second, module_id=M1, course_version=1,
                                  completed_at=now))
    db.session.add(ModuleProgress(user_id=officer.id, course_id="course-seven", module_id=M1, course_version=1,
                                  completed_at=now))
    enrolment(second, 8, assigned_by_id=trainer.id, due_on=day + timedelta(days=3))  # due soon
    enrolment(third, 1, assigned_by_id=trainer.id)  # new
    enrolment(fourth, 30, assigned_by_id=trainer.id, due_on=day - timedelta(days=5), completed_at=now)  # done
    enrolment(fifth, 2)  # self-enrolled in a course since unpublished
    enrolment(sixth, 5, assigned_by_id=trainer.id)  # new, assigned before the third
    db.session.execute(sa.update(Course).where(Course.id == fifth).values(is_published=False))
    db.session.commit()

    page = client.get("/learning").get_data(as_text=True)
    assert _cards(page) == [(second, "Progress: 0 of 2"), (COURSE, "Progress: 1 of 2"), (sixth, "Progress: 0 of 2"),
                            (third, "Progress: 0 of 2"), (fourth, "Progress: 0 of 2")]
    assert "Course number five" not in page
    # Where to continue: the module last opened while it is not complete, else the first one not complete.
    assert f'href="/courses/{COURSE}/modules/{M1}">Continue' in page
    assert page.count("Continue where you stopped") == 4 and page.count(">Complete<") == 1
    notices = re.findall(r'<li class="notice-(\w+)">.*?href="/courses/([\w-]+)"', page, re.S)
    assert notices == [("due_soon", second), ("assigned", third), ("assigned", sixth)]
    assert page.count("Trainer One assigned you") == 2

    db.session.execute(sa.update(Enrolment).where(Enrolment.course_id == COURSE).values(last_module_id=M2))
    db.session.execute(sa.update(ModuleProgress).where(ModuleProgress.module_id == M2)
                       .values(module_id="a-module-since-removed-too"))
    db.session.commit()
    page = client.get("/learning").get_data(as_text=True)
    assert (COURSE, "Progress: 0 of 2") in _cards(page)
    assert f'href="/courses/{COURSE}/modules/{M2}">Continue' in page
    db.session.add(ModuleProgress(user_id=officer.id, course_id=COURSE, module_id=M2, course_version=1,
                                  completed_at=now))
    db.session.commit()
    page = client.get("/learning").get_data(as_text=True)
    assert (COURSE, "Progress: 1 of 2") in _cards(page)
    assert f'href="/courses/{COURSE}/modules/{M1}">Continue' in page
