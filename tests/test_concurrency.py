"""Two submissions of the same attempt at the same moment grade it once (real threads, real DB)."""

import threading

import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import ProgressEvent
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from tests.course_helpers import (
    COURSE,
    choice_form,
    correct_answers,
    enrol,
    form_of,
    load_sample,
    open_attempt_id,
)
from tests.factories import login, make_user

M1 = "01-admission-basics"


def _at_once(calls, timeout: float = 60) -> list:
    """Run the calls in real threads released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    return results


def _two_meet(function, *, after: bool):
    """function, made to wait (at most 3 s) for a second thread to reach the same point, just
    before it runs or just after: both threads are then past the point where they could race."""
    held = threading.Barrier(2, timeout=3)

    def meet() -> None:
        try:
            held.wait()
        except threading.BrokenBarrierError:
            pass

    def wrapped(*args, **kwargs):
        if not after:
            meet()
        result = function(*args, **kwargs)
        if after:
            meet()
        return result

    return wrapped


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
    responses = _at_once([lambda c=c: c.post(f"/attempts/{attempt_id}", data=data) for c in clients], timeout=30)
    assert [r.status_code if r else None for r in responses] == [302, 302]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(QuizAttempt.id))) == 1
    answers = db.session.scalar(sa.select(sa.func.count(AttemptAnswer.id)))
    assert answers == len(version.module(M1)["quiz"]["questions"])
    graded = db.session.scalars(sa.select(ProgressEvent).where(ProgressEvent.kind == "quiz_submitted")).all()
    assert len(graded) == 1
    assert db.session.get(QuizAttempt, attempt_id).score == 100


def test_parallel_wrong_passwords_are_all_counted(app, ctx, clock):
    """Twelve wrong passwords at the same moment: only the free allowance is checked.
    (The throttle's clock stands still: on a loaded machine a request may come seconds late.)"""
    make_user(number="race-signin")
    db.session.commit()
    clients = [app.test_client() for _ in range(12)]
    responses = _at_once([
        lambda c=c: c.post("/login", data={"personnel_number": "race-signin", "password": "guess"}) for c in clients])
    statuses = [r.status_code if r else None for r in responses]
    free = app.config["LMS_SIGNIN_FREE_FAILURES"]
    assert sorted(statuses) == [200] * free + [429] * (len(clients) - free), statuses


def test_two_enrol_posts_at_once_enrol_once_and_answer_alike(app, ctx, monkeypatch):
    from lms.learning import progress
    from lms.learning.models import Enrolment

    load_sample()
    user = make_user(number="race-enrol")
    db.session.commit()
    clients = [app.test_client() for _ in range(2)]
    for c in clients:
        login(c, user)
    # Both requests look for the enrolment before either makes it: the race, every time.
    monkeypatch.setattr(progress, "enrolment_of", _two_meet(progress.enrolment_of, after=True))
    responses = _at_once([lambda c=c: c.post(f"/courses/{COURSE}/enrol") for c in clients])
    assert [r.status_code for r in responses] == [302, 302]
    assert {r.headers["Location"] for r in responses} == {f"/courses/{COURSE}"}
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 1


def test_two_quiz_starts_at_once_open_one_attempt(app, ctx):
    load_sample()
    user = make_user(number="race-start")
    db.session.commit()
    clients = [app.test_client() for _ in range(2)]
    for c in clients:
        login(c, user)
    enrol(clients[0])
    url = f"/courses/{COURSE}/modules/{M1}/quiz/start"
    responses = _at_once([lambda c=c: c.post(url) for c in clients])
    assert [r.status_code for r in responses] == [302, 302]
    assert len({r.headers["Location"] for r in responses}) == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(QuizAttempt.id))) == 1
    assert open_attempt_id(clients[0], M1) == open_attempt_id(clients[1], M1)


def test_two_modules_completed_at_once_complete_the_course_with_one_certificate(app, data_app, ctx, monkeypatch):
    """Under READ COMMITTED each transaction saw only its own module done, and the course
    stayed incomplete. Both transactions are held at the completion check until the other
    reaches it too (or a short wait passes: with the fix, one waits for the other's lock)."""
    from lms.certificates.models import Certificate
    from lms.learning import completion, progress
    from lms.learning.models import CourseCompletion, ModuleProgress
    from lms.timeutil import utcnow
    from tests.test_certificates import signed_institution

    version = load_sample()
    user = make_user(number="race-complete", institution=signed_institution())
    progress.enrol(user, COURSE)
    modules = [m["id"] for m in version.content["modules"]]
    last_parts = {}
    for module in version.content["modules"]:
        parts = completion.required_parts(module)
        last = "quiz" if "quiz" in parts else "scenario" if "scenario" in parts else "lesson"
        last_parts[module["id"]] = last
        done = {f"{p}_read_at" if p == "lesson" else f"{p}_passed_at": utcnow() for p in parts - {last}}
        db.session.add(ModuleProgress(user_id=user.id, course_id=COURSE, module_id=module["id"],
                                      course_version=version.version, **done))
    db.session.commit()
    racing = [m for m in modules if m != (version.content.get("pre_test") or {}).get("id")][-2:]
    # Every other module is complete already; the last two finish at the same moment.
    for module_id in modules:
        if module_id not in racing:
            completion.record_part(user.id, version, module_id, last_parts[module_id])
    db.session.commit()

    monkeypatch.setattr(completion, "_complete_course_if_due",
                        _two_meet(completion._complete_course_if_due, after=False))
    user_id, number = user.id, version.version  # plain values: each thread has its own session

    def finish(module_id):
        with data_app.app_context():
            from lms.catalog.queries import version_of

            v = version_of(COURSE, number)
            completion.record_part(user_id, v, module_id, last_parts[module_id])
            db.session.commit()
            db.session.remove()
        return True

    assert _at_once([lambda m=m: finish(m) for m in racing]) == [True, True]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(CourseCompletion.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1


def test_two_tabs_stepping_the_same_role_play_node_do_not_overwrite_each_other(app, ctx):
    from lms.scenarios import engine
    from lms.scenarios.models import ScenarioRun

    version = load_sample()
    user = make_user(number="race-step")
    db.session.commit()
    tabs = [app.test_client() for _ in range(2)]
    for t in tabs:
        login(t, user)
    module_id = next(m["id"] for m in version.content["modules"] if m.get("scenario"))
    enrol(tabs[0])
    tabs[0].post(f"/courses/{COURSE}/modules/{module_id}/scenario/start")
    run = db.session.scalar(sa.select(ScenarioRun))
    scenario = version.module(module_id)["scenario"]
    state = engine.start(scenario)
    offered = [c["id"] for c in engine.available_choices(scenario, state.node_id, state.variables)]
    assert len(offered) >= 2
    forms = [choice_form(run.id, 0, c) for c in offered[:2]]  # as each tab's page names them
    responses = _at_once([
        lambda t=t, f=f: t.post(f"/runs/{run.id}/choose", data=f)
        for t, f in zip(tabs, forms, strict=True)
    ])
    assert [r.status_code for r in responses] == [302, 302]
    db.session.expire_all()
    recorded = db.session.get(ScenarioRun, run.id).choices
    assert len(recorded) == 1 and recorded[0] in offered[:2]
    # The tab whose reply was not taken is told so, on the page it returns to.
    told = ["already taken" in t.get(r.headers["Location"]).get_data(as_text=True)
            for t, r in zip(tabs, responses, strict=True)]
    loser = offered[:2].index(recorded[0]) ^ 1
    assert told == [i == loser for i in range(2)]


def test_two_mark_read_posts_at_once_record_the_lesson_once(app, ctx):
    """A double click on "mark as read" (or two tabs): both requests find no progress row
    for the module; without the enrolment locked first, both inserted one and the second
    got a 500 (unique constraint) on PostgreSQL."""
    from lms.learning.models import ModuleProgress

    version = load_sample()
    user = make_user(number="race-read")
    db.session.commit()
    clients = [app.test_client() for _ in range(4)]
    for c in clients:
        login(c, user)
    enrol(clients[0])
    clients[0].post(f"/courses/{COURSE}/pre-test/skip")
    module_id = next(m["id"] for m in version.content["modules"]
                     if m.get("lesson") and m["id"] != (version.content.get("pre_test") or {}).get("id"))
    url = f"/courses/{COURSE}/modules/{module_id}/read"
    responses = _at_once([lambda c=c: c.post(url) for c in clients])
    assert [r.status_code for r in responses] == [302] * len(clients)
    assert len({r.headers["Location"] for r in responses}) == 1
    db.session.expire_all()
    rows = db.session.scalars(sa.select(ModuleProgress).where(ModuleProgress.module_id == module_id)).all()
    assert len(rows) == 1 and rows[0].lesson_read_at is not None


def test_two_skip_pre_test_posts_at_once_record_one_skip(app, ctx):
    """A double click on "skip the pre-test": one skip, one progress event."""
    load_sample()
    user = make_user(number="race-skip")
    db.session.commit()
    clients = [app.test_client() for _ in range(4)]
    for c in clients:
        login(c, user)
    enrol(clients[0], skip_pre_test=False)
    url = f"/courses/{COURSE}/pre-test/skip"
    responses = _at_once([lambda c=c: c.post(url) for c in clients])
    assert [r.status_code for r in responses] == [302] * len(clients)
    db.session.expire_all()
    skips = db.session.scalars(sa.select(ProgressEvent).where(ProgressEvent.user_id == user.id,
                                                              ProgressEvent.kind == "pre_test_skipped")).all()
    assert len(skips) == 1


def _two_tabs_on_a_role_play(app, number: str):
    """One officer, enrolled, signed in in two tabs: (the account, the tabs, the role-play's start URL)."""
    version = load_sample()
    user = make_user(number=number)
    db.session.commit()
    clients = [app.test_client() for _ in range(2)]
    for c in clients:
        login(c, user)
    enrol(clients[0])
    module_id = next(m["id"] for m in version.content["modules"] if m.get("scenario"))
    return user, clients, f"/courses/{COURSE}/modules/{module_id}/scenario"


def _runs_of(user):
    from lms.scenarios.models import ScenarioRun

    db.session.expire_all()
    return db.session.scalars(sa.select(ScenarioRun).where(ScenarioRun.user_id == user.id)).all()


def test_two_role_play_starts_at_once_open_one_run(app, ctx, monkeypatch):
    """A double click on "Start the role-play": both requests looked for an open run before
    either had opened one, and each opened its own. The enrolment is now held first."""
    from lms.scenarios import runs as scenario_runs

    user, clients, page_url = _two_tabs_on_a_role_play(app, "race-rp-2")
    # Each request, having looked for an open run, waits (up to 3 s) for the other to have looked too.
    monkeypatch.setattr(scenario_runs, "runs_of", _two_meet(scenario_runs.runs_of, after=True))
    responses = _at_once([lambda c=c: c.post(f"{page_url}/start") for c in clients])
    assert [r.status_code for r in responses] == [302, 302]
    runs = _runs_of(user)
    assert len(runs) == 1 and runs[0].finished_at is None


def test_a_second_start_of_a_role_play_opens_no_second_run(app, ctx):
    """A second click on "Start the role-play" (another tab, a retried request) leaves one open run."""
    user, clients, page_url = _two_tabs_on_a_role_play(app, "race-rp")
    clients[0].post(f"{page_url}/start")
    clients[1].post(f"{page_url}/start")
    runs = _runs_of(user)
    assert len(runs) == 1 and runs[0].finished_at is None
    assert f'action="/runs/{runs[0].id}/choose"' in clients[0].get(page_url).get_data(as_text=True)
