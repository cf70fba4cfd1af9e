"""Every officer page sends a fixed number of queries, whatever the data size.

The numbers are held here on purpose: a page that starts asking the database one more
thing per request shows up as a failing test, not as a slower training room. "Warm"
means the page was opened once before in this process: course content and lesson pages
are then read from the process's own cache (lms/catalog/cache.py).
"""

from lms.extensions import db
from tests.course_helpers import COURSE, enrol, load_sample, take_quiz
from tests.factories import login, make_institution, make_user
from tests.querycount import count_queries

M1 = "01-admission-basics"
ROLE_PLAY = "02-role-play-admission"

# Queries per page once warm: the account (every signed-in page) plus what the page reads.
WARM = {
    "floor": 1,       # /about: the account only
    "lesson": 2,      # the account; version, access, enrolment and progress in one query
    "quiz": 3,        # + the officer's attempts at this quiz
    "role-play": 3,   # + the officer's runs of this role-play
    "learning": 4,    # + enrolments with versions, completed modules, notices
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
