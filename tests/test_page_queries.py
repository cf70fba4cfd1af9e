"""Every officer page sends a fixed number of queries, whatever the data size.

The numbers are held here on purpose: a page that starts asking the database one more
thing per request shows up as a failing test, not as a slower training room. "Warm"
means the page was opened once before in this process: course content and lesson pages
are then read from the process's own cache (lms/catalog/cache.py).
"""

import re

import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import Enrolment, ModuleProgress, ProgressEvent
from lms.quizzes.models import QuizAttempt
from lms.scenarios import engine
from lms.scenarios.models import ScenarioRun
from tests.course_helpers import (
    COURSE,
    choice_form,
    correct_answers,
    enrol,
    form_of,
    load_sample,
    open_attempt_id,
    take_quiz,
    wrong_answers,
)
from tests.factories import login, make_institution, make_user
from tests.querycount import count_queries

M1 = "01-admission-basics"
ROLE_PLAY = "02-role-play-admission"

# Queries per page once warm: the account (every signed-in page) plus what the page reads.
WARM = {
    "floor": 1,       # /about: the account only
    "lesson": 2,      # the account; version, access, enrolment and progress in one query
    "quiz": 2,        # the account; version, access, enrolment and the officer's attempts at
                      #   this quiz in one query (course_access.part_page with SHOWN_ATTEMPTS)
    "role-play": 2,   # the account; version, access, enrolment and the officer's runs of this
                      #   role-play in one query (course_access.part_page with SHOWN_RUNS)
    "learning": 2,    # the account; each enrolment with its version, dates, assigner (for the
                      #   notices) and completed modules in one query (progress.my_learning)
    "course": 9,
}
PAGES = {
    "floor": "/about",
    "lesson": f"/courses/{COURSE}/modules/{M1}",
    "quiz": f"/courses/{COURSE}/modules/{M1}/quiz",
    "role-play": f"/courses/{COURSE}/modules/{ROLE_PLAY}/scenario",
    "learning": "/learning",
    "course": f"/courses/{COURSE}",
}


def _populate(app, version, officers: int) -> None:
    inst = make_institution()
    users = [make_user(institution=inst) for _ in range(officers)]
    db.session.commit()
    for user in users:
        c = app.test_client()
        login(c, user)
        enrol(c)
        take_quiz(c, version, M1, correct=False)


def _measure(app, client) -> dict[str, int]:
    counts = {}
    for name, path in PAGES.items():
        assert client.get(path).status_code == 200  # warm
        with count_queries(app) as statements:
            assert client.get(path).status_code == 200
        counts[name] = len(statements)
    return counts


def test_officer_pages_send_a_fixed_number_of_queries(app, client, ctx):
    version = load_sample()
    me = make_user(number="me-1")
    db.session.commit()
    login(client, me)
    enrol(client)
    take_quiz(client, version, M1, correct=False)
    client.post(f"/courses/{COURSE}/modules/{M1}/quiz/start")  # the quiz page shows an open attempt
    client.post(f"/courses/{COURSE}/modules/{ROLE_PLAY}/scenario/start")  # and the role-play a step
    small = _measure(app, client)
    _populate(app, version, 12)
    take_quiz(client, version, M1, correct=False)
    client.post(f"/courses/{COURSE}/modules/{M1}/quiz/start")
    large = _measure(app, client)
    assert small == large, (small, large)
    assert small == WARM, small


# Queries per POST, whatever the data size: the account, the record posted to and its
# course version (one statement for a quiz attempt, two for a role-play run), then what is
# written; nothing is read again after the commit (the redirect names the record by the id in the URL).
POSTS = {
    "quiz-submit": 6,      # + the claim that also writes the grade, the answers (one INSERT),
                           #   the event and the enrolment's last activity
    "quiz-passed": 9,      # the lesson read before, so this completes the module: + the quiz part
                           #   recorded (lms.learning.completion.record_part): the enrolment's
                           #   UPDATE (it locks the row), the module's row made or locked, its
                           #   UPDATE, the modules completed (is the course?), the events (one INSERT)
    "role-play-step": 4,   # + the step (one conditional UPDATE)
}


def _post(app, client, path: str, data: dict) -> int:
    with count_queries(app) as statements:
        response = client.post(path, data=data)
    assert response.status_code == 302, response.status_code
    return len(statements)


def _measure_posts(app, client, version) -> dict[str, int]:
    quiz, play = f"/courses/{COURSE}/modules/{M1}/quiz", f"/courses/{COURSE}/modules/{ROLE_PLAY}/scenario"
    counts = {}
    for name, answers in (("quiz-submit", wrong_answers), ("quiz-passed", correct_answers)):
        if name == "quiz-passed":
            assert client.post(f"/courses/{COURSE}/modules/{M1}/read").status_code == 302
        client.post(quiz + "/start")
        attempt_id = open_attempt_id(client, M1)
        events_before = db.session.scalar(sa.select(sa.func.max(ProgressEvent.id)))
        counts[name] = _post(app, client, f"/attempts/{attempt_id}", form_of(answers(version, M1), attempt_id))
        db.session.expire_all()
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.passed is (name == "quiz-passed") and len(attempt.answers) == len(attempt.layout)
        progress = db.session.scalar(sa.select(ModuleProgress).where(
            ModuleProgress.user_id == attempt.user_id, ModuleProgress.module_id == M1))
        kinds = db.session.scalars(sa.select(ProgressEvent.kind).where(
            ProgressEvent.user_id == attempt.user_id, ProgressEvent.id > events_before).order_by(ProgressEvent.id)).all()
        enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == attempt.user_id))
        assert enrolment.last_activity_at >= attempt.submitted_at
        if name == "quiz-passed":
            assert progress.quiz_passed_at is not None and progress.completed_at is not None
            assert kinds == ["quiz_submitted", "quiz_done", "module_completed"], kinds
            assert enrolment.last_module_id == M1
        else:
            assert kinds == ["quiz_submitted"], kinds
    client.post(play + "/start")
    run_id = int(re.search(r'action="/runs/(\d+)/choose"', client.get(play).get_data(as_text=True)).group(1))
    scenario = version.module(ROLE_PLAY)["scenario"]
    state = engine.start(scenario)
    reply = engine.available_choices(scenario, state.node_id, state.variables)[0]["id"]
    counts["role-play-step"] = _post(app, client, f"/runs/{run_id}/choose", choice_form(run_id, 0, reply))
    db.session.expire_all()
    assert db.session.get(ScenarioRun, run_id).choices == [reply]
    return counts


def test_quiz_submit_and_role_play_step_send_a_fixed_number_of_queries(app, client, ctx):
    version = load_sample()
    first = make_user(number="me-1")
    db.session.commit()
    login(client, first)
    enrol(client)
    small = _measure_posts(app, client, version)
    _populate(app, version, 12)
    second = make_user(number="me-2")
    db.session.commit()
    other = app.test_client()
    login(other, second)
    enrol(other)
    large = _measure_posts(app, other, version)
    assert small == large, (small, large)
    assert small == POSTS, small
