"""Lesson and quiz pages send a fixed number of queries, whatever the data size."""

from lms.extensions import db
from tests.course_helpers import COURSE, enrol, load_sample, take_quiz
from tests.factories import login, make_institution, make_user
from tests.querycount import count_queries

M1 = "01-admission-basics"


def _populate(app, version, officers: int) -> None:
    inst = make_institution()
    users = [make_user(institution=inst) for _ in range(officers)]
    db.session.commit()
    for user in users:
        c = app.test_client()
        login(c, user)
        enrol(c)
        take_quiz(c, version, M1, correct=False)


def _measure(app, client):
    counts = {}
    for name, path in (("lesson", f"/courses/{COURSE}/modules/{M1}"),
                       ("quiz", f"/courses/{COURSE}/modules/{M1}/quiz"),
                       ("course", f"/courses/{COURSE}"),
                       ("learning", "/learning")):
        with count_queries(app) as statements:
            assert client.get(path).status_code == 200
        counts[name] = len(statements)
    return counts


def test_page_queries_do_not_grow_with_officers_or_attempts(app, client, ctx):
    version = load_sample()
    me = make_user(number="me-1")
    db.session.commit()
    login(client, me)
    enrol(client)
    take_quiz(client, version, M1, correct=False)
    small = _measure(app, client)
    _populate(app, version, 12)
    take_quiz(client, version, M1, correct=False)
    large = _measure(app, client)
    assert small == large, (small, large)
    assert small["lesson"] <= 8 and small["quiz"] <= 8, small
