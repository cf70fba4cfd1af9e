"""What each signed-in request costs, in CPU time inside one warm app process.

Run: `.venv/bin/python bench/request_cost.py` (add `--profile lesson` for a cProfile of
one page). On a shared machine wall-clock timings measure the neighbours; CPU time
(`time.process_time`) over a fixed number of requests through a warm app measures the code.
The same data as bench/lesson.py (its `setup_data`) in a private SQLite file; the officer
signs in through the form as a browser does, and every request asks for gzip as wrk does.

Printed: µs of CPU per request for the anonymous sign-in page (the yardstick), the
signed-in floor (/about), the lesson, quiz and role-play pages and My learning, each also as a ratio to the
sign-in page; then what the floor is made of, each part timed on its own in a request
context (session cookie, account, locale, frame, compression ...).

With `--posts`, also the POSTs: a failing quiz submit (the bench's answers), a passing one
(the lesson read before, so the module is completed) and a role-play step, each POST
another officer's record with that officer's cookie (bench/lesson.py's request lines), in a
copy of the prepared database, so every run posts to the same untouched records; µs of CPU
and SQL statements per POST, and the wall time of each POST's write section (its first write
to the end of its commit), which two workers cannot run at once on SQLite.
`--profile quiz_submit` (or another POST) profiles one of them.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lesson import COURSE, MODULE, PASSWORD, USER_AGENT, setup_data  # noqa: E402
from bench.lesson import PAGES as BENCH_PAGES  # noqa: E402

# The pages `make bench` measures, by the same keys.
PAGES = {key: path for key, _label, path, _signed in BENCH_PAGES}
HEADERS = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}


POSTS = ("quiz_submit", "quiz_passed", "roleplay_post")


def prepare(tmp: Path, items: int) -> None:
    env = dict(os.environ)
    for args in (("db", "upgrade"), ("courses", "load")):
        subprocess.run([str(ROOT / ".venv" / "bin" / "lms"), *args], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    setup_data(str(tmp), max(200, items + 1), max(2, items))


def post_requests(app, tmp: Path, n: int) -> dict[str, list[tuple[str, str, str]]]:
    """(path, cookie, body) of 3 rounds of n POSTs of each kind and 10 more to warm up, each
    another officer's record: failing quiz submits (the bench's answers), passing ones after
    the lesson was read (so the module is completed with the quiz), and role-play steps."""
    import urllib.parse

    from lms.catalog.content import quiz_of
    from lms.catalog.queries import current_version
    from lms.extensions import db
    from lms.learning.progress import mark_lesson_read
    from lms.quizzes.attempts import asked, option_keys
    from lms.quizzes.grading import correct_options
    from lms.quizzes.models import QuizAttempt

    def lines(name: str) -> list[tuple[str, str, str]]:
        rows = [line.split("\t") for line in (tmp / name).read_text().splitlines() if line]
        return [(path, cookie, body) for _method, path, cookie, body in rows]

    quiz, play = lines("quiz.txt"), lines("roleplay.txt")
    total = 3 * n + 10
    assert len(quiz) >= 2 * total and len(play) >= total, "prepared too few records for -n"
    passing = []
    with app.app_context():
        version = current_version(COURSE)
        secret = app.config["SECRET_KEY"]
        for path, cookie, body in quiz[total:2 * total]:
            attempt = db.session.get(QuizAttempt, int(path.rsplit("/", 1)[1]))
            keys = option_keys(attempt, secret)
            token = urllib.parse.parse_qs(body)["csrf_token"][0]
            answers = [(f"q-{q['id']}", keys[q["id"]][o])
                       for q in asked(quiz_of(version.module(MODULE)), attempt.layout)["questions"]
                       for o in sorted(correct_options(q))]
            passing.append((path, cookie, urllib.parse.urlencode([("csrf_token", token), *answers])))
            mark_lesson_read(attempt.user_id, version, MODULE)
        db.session.commit()
    return {"quiz_submit": quiz[:total], "quiz_passed": passing, "roleplay_post": play[:total]}


def check_posts(app, requests: dict, n: int) -> str:
    """What the measured POSTs wrote, counted in the database; fails when a record is missing."""
    import sqlalchemy as sa

    from lms.extensions import db
    from lms.learning.models import ModuleProgress
    from lms.quizzes.models import QuizAttempt
    from lms.scenarios.models import ScenarioRun

    def ids(kind: str) -> list[int]:
        return [int(path.split("/")[2]) for path, _cookie, _body in requests[kind][:3 * n]]

    with app.app_context():
        failed = db.session.scalar(sa.select(sa.func.count()).where(
            QuizAttempt.id.in_(ids("quiz_submit")), QuizAttempt.submitted_at.is_not(None), QuizAttempt.passed.is_(False)))
        passed = db.session.scalar(sa.select(sa.func.count()).where(
            QuizAttempt.id.in_(ids("quiz_passed")), QuizAttempt.passed.is_(True)))
        modules = db.session.scalar(sa.select(sa.func.count()).where(
            ModuleProgress.module_id == MODULE, ModuleProgress.completed_at.is_not(None),
            ModuleProgress.user_id.in_(sa.select(QuizAttempt.user_id).where(QuizAttempt.id.in_(ids("quiz_passed"))))))
        steps = db.session.scalar(sa.select(sa.func.count()).where(
            ScenarioRun.id.in_(ids("roleplay_post")), sa.func.json_array_length(ScenarioRun.choices) == 1))
    counts = {"failed attempts": failed, "passed attempts": passed, "modules completed": modules, "steps": steps}
    if set(counts.values()) != {3 * n}:
        raise RuntimeError(f"{counts}, {3 * n} each expected")
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def cpu_per_post(client, requests: list[tuple[str, str, str]], n: int) -> tuple[float, float, list[float]]:
    """µs of CPU per POST (the best of three rounds of n), SQL statements per POST, and the
    write section of each POST in ms of wall time: from its first write statement to the end
    of its commit, the part that holds SQLite's one writer (lms.sqlite_writer) and that two
    workers cannot do at once."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from lms.extensions import db
    from lms.sqlite_writer import begins_write

    with client.application.app_context():
        engine = db.engine
    statements = [0]
    first_write: list[float] = []
    sections: list[float] = []

    def count(conn, _cursor, statement, *_args):
        statements[0] += 1
        dbapi = conn.connection.dbapi_connection
        if not first_write and not dbapi.in_transaction and begins_write(statement):
            first_write.append(time.perf_counter())

    def committed(_session):
        if first_write:
            sections.append((time.perf_counter() - first_write.pop()) * 1000)

    best = float("inf")
    sa.event.listen(engine, "before_cursor_execute", count)
    sa.event.listen(Session, "after_commit", committed)
    try:
        for round_number in range(3):
            started = time.process_time()
            for path, cookie, body in requests[round_number * n:(round_number + 1) * n]:
                first_write.clear()
                post(client, path, cookie, body)
            best = min(best, (time.process_time() - started) / n)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
        sa.event.remove(Session, "after_commit", committed)
    return best * 1e6, statements[0] / (3 * n), sorted(sections)


def post(client, path: str, cookie: str, body: str) -> None:
    response = client.post(path, data=body, headers={
        **HEADERS, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 302, (path, response.status_code)


def signed_in_client(app):
    client = app.test_client()
    page = client.get("/login", headers={"User-Agent": USER_AGENT}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/login", headers=HEADERS,
                         data={"personnel_number": "b0", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    assert client.get("/learning", headers=HEADERS).status_code == 200
    return client


def cpu_per_request(client, path: str, n: int) -> float:
    """µs of CPU per request, the best of three rounds of n."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for _ in range(n):
            response = client.get(path, headers=HEADERS)
            assert response.status_code == 200, (path, response.status_code)
        best = min(best, (time.process_time() - started) / n)
    return best * 1e6


def cpu_of(fn, n: int) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - started) / n)
    return best * 1e6


class Parts:
    """CPU time spent in named parts of real requests, each part without the parts it calls
    (a part that loads the account the first time it asks for it does not count the load)."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.stack: list[list] = []

    def wrap(self, name: str, fn):
        def timed(*args, **kwargs):
            self.stack.append([time.process_time(), 0.0])
            try:
                return fn(*args, **kwargs)
            finally:
                started, children = self.stack.pop()
                elapsed = time.process_time() - started
                self.totals[name] = self.totals.get(name, 0.0) + elapsed - children
                if self.stack:
                    self.stack[-1][1] += elapsed

        functools.update_wrapper(timed, fn)  # keeps what the app reads from a view (its access rule)
        return timed


def parts_of(app, client, path: str, n: int) -> dict[str, float]:
    """µs of CPU per request in each part of a signed-in request to `path`, measured inside
    n real requests (the parts are wrapped for the measurement and unwrapped after)."""
    import sqlalchemy as sa

    from lms import i18n
    from lms.extensions import db, login_manager

    parts = Parts()
    undo = []

    def patch(owner, attr, name):
        original = getattr(owner, attr)
        setattr(owner, attr, parts.wrap(name, original))
        undo.append((owner, attr, original))

    def patch_list(funcs, label):
        for i, fn in enumerate(funcs):
            funcs[i] = parts.wrap(f"{label} {fn.__module__}.{getattr(fn, '__qualname__', fn)}", fn)
        undo.append((funcs, None, list(f.__wrapped__ for f in funcs)))

    patch(app, "wsgi_app", "Flask request handling not counted below (routing, contexts, response)")
    patch(app.session_interface, "open_session", "session cookie: verify and decode")
    patch(app.session_interface, "save_session", "session cookie: save (Vary only when unchanged)")
    patch(login_manager, "_load_user", "Flask-Login: session protection, signals")
    patch(login_manager, "_user_callback", "account: load_user (query and ORM object)")
    patch(app.extensions["babel"], "locale_selector", "locale: select_locale and Locale.parse")
    patch(i18n, "get_locale", "locale: get_locale calls")
    patch_list(app.before_request_funcs[None], "before_request")
    patch_list(app.after_request_funcs[None], "after_request")
    patch_list(app.teardown_appcontext_funcs, "teardown")
    patch_list(app.template_context_processors[None], "context processor")
    endpoint = app.url_map.bind("localhost").match(path)[0]
    view = app.view_functions[endpoint]
    app.view_functions[endpoint] = parts.wrap(f"view {endpoint} (its own code and queries)", view)
    undo.append((app.view_functions, endpoint, view))
    frame_fn = app.jinja_env.globals["frame"]
    app.jinja_env.globals["frame"] = parts.wrap("frame: the page header", frame_fn)
    undo.append((app.jinja_env.globals, "frame", frame_fn))
    import flask.templating

    render = flask.templating._render
    flask.templating._render = parts.wrap("templates: render (without frame, locale, context)", render)
    undo.append((flask.templating, "_render", render))
    with app.app_context():
        engine = db.engine
    checkout = parts.wrap("SQL: connection checkout (pool, pre-ping)", engine.pool.connect)
    engine.pool.connect = checkout
    undo.append((engine.pool, "connect", None))

    statements = [0]

    def count(*_args):
        statements[0] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        started = time.process_time()
        for _ in range(n):
            assert client.get(path, headers=HEADERS).status_code == 200
        total = time.process_time() - started
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
        for owner, attr, original in reversed(undo):
            if attr is None:
                owner[:] = original
            elif isinstance(owner, dict):
                owner[attr] = original
            elif original is None:
                delattr(owner, attr)
            else:
                setattr(owner, attr, original)
    out = {name: us / n * 1e6 for name, us in sorted(parts.totals.items(), key=lambda kv: -kv[1])}
    out["test client (building the request, reading the answer)"] = (total - sum(parts.totals.values())) / n * 1e6
    out[f"-- total; SQL statements per request: {statements[0] / n:.1f}"] = total / n * 1e6
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=300, help="requests per round (three rounds, best kept)")
    parser.add_argument("--profile", choices=[*PAGES, *POSTS], help="also print a cProfile of this page or POST")
    parser.add_argument("--parts", nargs="*", choices=list(PAGES), help="also time each part of these pages")
    parser.add_argument("--data", type=Path, help="keep the prepared database in this folder and reuse it")
    parser.add_argument("--posts", action="store_true",
                        help="also the POSTs (quiz submit failing and passing, role-play step), in a copy of the data")
    args = parser.parse_args()
    tmp = args.data or Path(tempfile.mkdtemp(prefix="lms-cost-"))
    tmp.mkdir(exist_ok=True)
    fresh = not (tmp / "cost.sqlite3").exists()
    os.environ.update(LMS_INSTANCE_PATH=str(tmp), LMS_DATABASE_URL=f"sqlite:///{tmp / 'cost.sqlite3'}",
                      LMS_RATELIMIT_ENABLED="0")
    if fresh:
        prepare(tmp, 6 * args.n + 20 if args.posts else 0)
    if args.posts:
        # The POSTs write: each run posts in its own copy of the prepared database (the
        # backup API copies what is still in the write-ahead log too).
        import sqlite3

        (tmp / "posts.sqlite3").unlink(missing_ok=True)
        with sqlite3.connect(tmp / "cost.sqlite3") as source, sqlite3.connect(tmp / "posts.sqlite3") as copy:
            source.backup(copy)
        os.environ["LMS_DATABASE_URL"] = f"sqlite:///{tmp / 'posts.sqlite3'}"
    from lms import create_app

    app = create_app()
    anonymous = app.test_client()
    client = signed_in_client(app)
    for _ in range(20):
        for key, path in PAGES.items():
            (anonymous if key == "login" else client).get(path, headers=HEADERS)
    results = {key: cpu_per_request(anonymous if key == "login" else client, path, args.n)
               for key, path in PAGES.items()}
    results["login_again"] = cpu_per_request(anonymous, PAGES["login"], args.n)
    base = results["login"]
    print(f"load average {os.getloadavg()[0]:.2f}; µs CPU per request (best of 3 × {args.n}), "
          "and requests per CPU-second as a ratio to the sign-in page")
    for key, us in results.items():
        print(f"  {key:14} {us:8.0f} µs   {base / us:5.2f} × sign-in")
    for key in args.parts or ():
        print(f"parts of {key} ({PAGES[key]}), µs CPU per request:")
        for name, us in parts_of(app, anonymous if key == "login" else client, PAGES[key], args.n).items():
            print(f"  {us:8.1f}  {name}")
    if args.posts:
        requests = post_requests(app, tmp, args.n)
        post_client = app.test_client(use_cookies=False)  # each request its own officer's cookie
        for kind in POSTS:  # warm: each kind's statements compiled, its templates loaded
            for path, cookie, body in requests[kind][3 * args.n:]:
                post(post_client, path, cookie, body)
        print(f"POSTs, each another officer's record; µs CPU per POST (best of 3 × {args.n}), SQL statements, "
              "write section (first write to commit done) p50 / p95 ms of wall time")
        for kind in POSTS:
            if kind == args.profile:
                continue
            us, statements, sections = cpu_per_post(post_client, requests[kind], args.n)
            print(f"  {kind:14} {us:8.0f} µs   {base / us:5.2f} × sign-in   {statements:4.1f} statements   "
                  f"write section {sections[len(sections) // 2]:5.2f} / {sections[len(sections) * 95 // 100]:5.2f} ms")
    if args.profile in POSTS:
        profiler = cProfile.Profile()
        profiler.enable()
        for path, cookie, body in requests[args.profile][:3 * args.n]:
            post(post_client, path, cookie, body)
        profiler.disable()
        profiler.dump_stats(str(tmp / f"{args.profile}.prof"))
        pstats.Stats(profiler).sort_stats("tottime").print_stats(45)
    if args.posts:
        print("  written: " + check_posts(app, requests, args.n))
    if args.profile in PAGES:
        path = PAGES[args.profile]
        who = anonymous if args.profile == "login" else client
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.n):
            who.get(path, headers=HEADERS)
        profiler.disable()
        profiler.dump_stats(str(tmp / f"{args.profile}.prof"))
        pstats.Stats(profiler).sort_stats("tottime").print_stats(45)


if __name__ == "__main__":
    main()
