"""Two submissions of the same attempt at the same moment grade it once (real threads, real DB)."""

import threading

import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import ProgressEvent
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from tests.course_helpers import (
    COURSE,
    correct_answers,
    enrol,
    form_of,
    load_sample,
    open_attempt_id,
)
from tests.factories import login, make_user

M1 = "01-admission-basics"


def test_two_threads_submitting_the_same_attempt_grade_it_once(app, ctx):
    version = load_sample()
    user = make_user(number="race-1")
    db.session.commit()
    clients = [app.test_client() for _ in range(2)]
    for c in clients:
        login(c, user)
    enrol(clients[0])
    clients[0].post(f"/courses/{COURSE}/modules/{M1}/quiz/start")
    attempt_id = open_attempt_id(clients[0], M1)
    data = form_of(correct_answers(version, M1), attempt_id)
    barrier = threading.Barrier(2)
    statuses = []

    def submit(client):
        barrier.wait()
        statuses.append(client.post(f"/attempts/{attempt_id}", data=data).status_code)

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert statuses == [302, 302]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(QuizAttempt.id))) == 1
    answers = db.session.scalar(sa.select(sa.func.count(AttemptAnswer.id)))
    assert answers == len(version.module(M1)["quiz"]["questions"])
    graded = db.session.scalars(sa.select(ProgressEvent).where(ProgressEvent.kind == "quiz_submitted")).all()
    assert len(graded) == 1
    assert db.session.get(QuizAttempt, attempt_id).score == 100


def test_parallel_wrong_passwords_are_all_counted(app, ctx):
    """Twelve wrong passwords at the same moment: only the free allowance is checked."""
    make_user(number="race-signin")
    db.session.commit()
    clients = [app.test_client() for _ in range(12)]
    barrier = threading.Barrier(len(clients))
    statuses = []

    def guess(client):
        barrier.wait()
        r = client.post("/login", data={"personnel_number": "race-signin", "password": "guess"})
        statuses.append(r.status_code)

    threads = [threading.Thread(target=guess, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    free = app.config["LMS_SIGNIN_FREE_FAILURES"]
    assert sorted(statuses) == [200] * free + [429] * (len(clients) - free), statuses
