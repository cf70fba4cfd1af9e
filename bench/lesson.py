"""The officer's pages under gunicorn, as ratios against the anonymous sign-in page.

Run: `make bench` (or `.venv/bin/python bench/lesson.py --officers 20000`); with
`--postgres`, the same against a private PostgreSQL server (the production shape) that the
bench starts and stops itself, with every commit synced as in production.

What a browser does is what is measured: the officer signs in through the form, and the
session cookie then carries its CSRF token (a page with a form put it there), so no
measured request has to mint one. Measured in one run, one after another, against one
gunicorn (2 sync workers) and one SQLite file (WAL, every commit synced) or PostgreSQL:

- the anonymous sign-in page (the yardstick: every ratio is against it) and a bare Flask
  "hello world" served the same way (for reference);
- the signed-in floor: /about with the officer's cookie, the least any signed-in page pays
  (session, account, locale, page frame, compression);
- the lesson page, the quiz page (an attempt in progress), a role-play step (a run in
  progress) and My learning;
- quiz submit and a role-play step as POSTs, each request a different officer's own
  attempt or run with that officer's cookie and CSRF token; afterwards the bench counts
  the rows written and fails when they are not all there.

The pages are measured in rounds (5 by default): each round measures the sign-in page and
then every page for a few seconds each, and a page's ratio is the median of its ratios to the
sign-in page of the same round. The machine's speed drifts by a fifth and more within a minute
on a shared or virtual machine; one long measurement per page, one after another, took that
drift into the ratios, while neighbouring seconds in the same round share it.

Everything runs on 127.0.0.1; every load is wrk with a fixed duration, every loop bounded.
"""

from __future__ import annotations

import argparse
import gzip
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV = ROOT / ".venv" / "bin"
COURSE = "nelson-mandela-rules"
MODULE = "05-restrictions-discipline-sanctions"  # lesson and quiz
ROLE_PLAY = "06-role-play-separation"
# One user agent for the sign-in and for wrk: Flask-Login ties the session to it.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) lms-bench"
PASSWORD = "bench-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def deploy_preloads() -> bool:
    """Whether deploy/gunicorn.conf.py loads the app in the master (preload_app)."""
    text = (ROOT / "deploy" / "gunicorn.conf.py").read_text()
    return re.search(r"^preload_app = True$", text, re.MULTILINE) is not None


def gunicorn(target: str, env: dict, workers: int, preload: bool = False) -> tuple[subprocess.Popen, str, float]:
    """Start gunicorn; return it, its address and the seconds until it first answered."""
    port = free_port()
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(VENV / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         *(["--preload"] if preload else []), target],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/healthz" if "wsgi" in target else url, timeout=1)  # noqa: S310
            return proc, url, time.monotonic() - started
        except Exception:
            time.sleep(0.05)
    stop(proc)
    raise RuntimeError(f"{target} did not start")


def stop(proc: subprocess.Popen) -> None:
    """Stop gunicorn and its workers; killed when a loaded machine keeps it from stopping in time."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def wrk(url: str, seconds: int, cookie: str | None = None, requests_file: Path | None = None,
        connections: int = 10, threads: int = 2) -> dict:
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
            "-s", str(ROOT / "bench" / "pct.lua"), "-H", f"User-Agent: {USER_AGENT}",
            "-H", "Accept-Encoding: gzip"]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    args.append(url)
    if requests_file:
        args += ["--", str(requests_file), str(threads)]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    return json.loads(out.strip().splitlines()[-1])


def fetch(url: str, cookie: str | None = None) -> tuple[int, bytes, dict]:
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
    if cookie:
        headers["Cookie"] = cookie
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:  # noqa: S310
        return response.status, response.read(), dict(response.headers)


def sign_in(base: str, number: str, password: str) -> str:
    """Sign in through the form as a browser does; return the cookie after the first page."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"personnel_number": number, "password": password, "csrf_token": token}).encode()
    opener.open(base + "/login", data=data)  # follows the redirect to My learning
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def worker_restart_seconds(env: dict, preload: bool, cookie: str, rounds: int = 3) -> float:
    """A worker's cold start: one worker is killed, and the time until a new one answers
    /healthz and then the officer's lesson page, signed in (median of `rounds`; with preload
    the new worker is forked from the loaded master)."""
    proc, url, _ = gunicorn("wsgi:app", env, 1, preload)
    lesson = next(path for key, _label, path, _signed in PAGES if key == "lesson")
    times = []
    try:
        for _ in range(rounds):
            old = worker_pids(proc.pid)
            os.kill(old[0], signal.SIGKILL)
            started = time.monotonic()
            while time.monotonic() - started < 60:
                pids = worker_pids(proc.pid)
                if pids and pids != old:
                    try:
                        fetch(url + "/healthz")
                    except OSError:
                        time.sleep(0.01)
                        continue
                    fetch(url + lesson, cookie)  # an error page raises: nothing measured then
                    break
                time.sleep(0.01)
            times.append(time.monotonic() - started)
    finally:
        stop(proc)
    return round(sorted(times)[len(times) // 2], 2)


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def commit_ms(folder: Path, synchronous: str, commits: int = 200) -> dict:
    """p50 and p95 (ms) of one small SQLite commit in WAL mode on the bench's disk, with
    `synchronous` FULL (the app's: synced before it returns) or OFF (the same without the
    sync): their difference is what the disk adds to every POST's commit, at this load."""
    import sqlite3

    path = folder / f"commit-{synchronous.lower()}.sqlite3"
    times = []
    with sqlite3.connect(path, isolation_level=None) as con:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute(f"PRAGMA synchronous={synchronous}")
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        for _ in range(commits):
            started = time.perf_counter()
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT INTO t (v) VALUES (?)", ("x" * 200,))
            con.execute("COMMIT")
            times.append((time.perf_counter() - started) * 1000)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    times.sort()
    return {"p50": round(times[len(times) // 2], 3), "p95": round(times[len(times) * 95 // 100], 3)}


def setup_data(folder: str, officers: int, items: int) -> None:
    """In the bench's database: officers enrolled in the course, attempts and runs to post to.

    Writes folder/quiz.txt and folder/roleplay.txt, one request per line (see pct.lua):
    each line is another officer's open attempt or run, with that officer's own session
    cookie and CSRF token, made as Flask-Login and Flask-WTF make them at sign-in.

    Set-based, so that a PostgreSQL server with every commit synced is ready in seconds: the
    officers, enrolments, attempts, runs and their events go in as one INSERT each (in
    batches), with what lms.quizzes.attempts.start_attempt and lms.scenarios.runs.start_run
    write for an officer's first attempt and run (the attempt's layout from the same
    layout_for, the events quiz_started and scenario_started, the enrolment's last activity).
    """
    import random

    import sqlalchemy as sa
    from flask import g, session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    from lms import create_app
    from lms.auth.passwords import hash_password
    from lms.catalog.content import quiz_of, scenario_of
    from lms.catalog.queries import current_version
    from lms.extensions import db
    from lms.learning.models import Enrolment, ProgressEvent
    from lms.org.models import Country, Institution, User
    from lms.quizzes.attempts import layout_for, option_key
    from lms.quizzes.models import QuizAttempt
    from lms.scenarios import engine
    from lms.scenarios.models import ScenarioRun
    from lms.scenarios.runs import choice_key
    from lms.timeutil import utcnow

    def insert(model, rows: list[dict], returning: bool = False) -> list[int]:
        """rows in batches of 5,000; the new ids in the rows' order when asked."""
        table = model.metadata.tables[model.__tablename__]
        ids: list[int] = []
        for start in range(0, len(rows), 5000):
            batch = rows[start:start + 5000]
            if returning:
                ids += db.session.scalars(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                          batch).all()
            else:
                db.session.execute(sa.insert(table), batch)
        return ids

    app = create_app()
    with app.app_context():
        kz = Country(code="KZ", names={"en": "Kazakhstan"})
        db.session.add(kz)
        db.session.flush()
        inst = Institution(country_id=kz.id, kind="prison", names={"en": "Prison 1"})
        db.session.add(inst)
        db.session.flush()
        h = hash_password(PASSWORD)
        insert(User, [dict(personnel_number=f"b{i}", password_hash=h, name_native=f"Officer {i}",
                           name_latin=f"Officer {i}", gender="female" if i % 3 else "male", service="prison",
                           position="Inspector", institution_id=inst.id, role="officer", is_active_account=True,
                           must_change_password=False) for i in range(officers)])
        ids = db.session.scalars(sa.select(User.id).order_by(User.id)).all()
        insert(Enrolment, [dict(user_id=i, course_id=COURSE) for i in ids])
        version = current_version(COURSE)
        quiz_module, play_module = version.module(MODULE), version.module(ROLE_PLAY)
        quiz = quiz_of(quiz_module)
        rng = random.Random(1)
        now = utcnow()
        # The first officer (b0, who reads the pages) has an attempt and a run open too.
        people = ids[:items + 1]
        layouts = [layout_for(quiz, rng) for _ in people]
        attempt_ids = insert(QuizAttempt, [
            dict(user_id=u, course_id=COURSE, course_version=version.version, module_id=MODULE, quiz_id=quiz["id"],
                 number=1, is_pre_test=version.is_pre_test(MODULE), layout=layout, draft={}, started_at=now)
            for u, layout in zip(people, layouts, strict=True)], returning=True)
        run_ids = insert(ScenarioRun, [
            dict(user_id=u, course_id=COURSE, course_version=version.version, module_id=ROLE_PLAY,
                 scenario_id=scenario_of(play_module)["id"], choices=[], started_at=now, observed_skills=[])
            for u in people], returning=True)
        event = dict(course_id=COURSE, course_version=version.version, at=now)
        insert(ProgressEvent, [
            *(dict(event, user_id=u, module_id=MODULE, kind="quiz_started", detail={"attempt": a})
              for u, a in zip(people, attempt_ids, strict=True)),
            *(dict(event, user_id=u, module_id=ROLE_PLAY, kind="scenario_started", detail={"run": r})
              for u, r in zip(people, run_ids, strict=True))])
        db.session.execute(sa.update(Enrolment).where(Enrolment.course_id == COURSE, Enrolment.user_id.in_(
            sa.select(QuizAttempt.user_id))).values(last_activity_at=now))
        users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(people[1:])))}
        db.session.commit()
        secret = app.config["SECRET_KEY"]
        serializer = app.session_interface.get_signing_serializer(app)
        scenario = play_module["scenario"]
        state = engine.start(scenario)
        first_reply = engine.available_choices(scenario, state.node_id, state.variables)[0]["id"]
        quiz_lines, play_lines = [], []
        for user_id, attempt_id, layout, run_id in list(zip(people, attempt_ids, layouts, run_ids, strict=True))[1:]:
            with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                          headers={"User-Agent": USER_AGENT}):
                login_user(users[user_id])
                g.pop("csrf_token", None)  # g outlives this request: each officer a token of their own
                token = generate_csrf()
                cookie = f"{app.config['SESSION_COOKIE_NAME']}={serializer.dumps(dict(session))}"
            answers = [(f"q-{qid}", option_key(secret, attempt_id, qid, options[0])) for qid, options in layout]
            quiz_lines.append("\t".join(["POST", f"/attempts/{attempt_id}", cookie,
                                         urllib.parse.urlencode([("csrf_token", token), *answers])]))
            # The form names each reply by its opaque key for this run and step, as the page does.
            play_lines.append("\t".join(["POST", f"/runs/{run_id}/choose", cookie, urllib.parse.urlencode(
                [("csrf_token", token), ("choice", choice_key(secret, run_id, 0, first_reply)), ("step", "0")])]))
        Path(folder, "quiz.txt").write_text("\n".join(quiz_lines) + "\n")
        Path(folder, "roleplay.txt").write_text("\n".join(play_lines) + "\n")


def prepare(env: dict, tmp: Path, officers: int, items: int) -> None:
    def run(*args: str) -> None:
        subprocess.run([str(VENV / "lms"), *args], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    run("db", "upgrade")
    run("courses", "load")
    subprocess.run([str(VENV / "python"), "-c",
                    f"from bench.lesson import setup_data; setup_data({str(tmp)!r}, {officers}, {items})"],
                   cwd=ROOT, env=env, check=True)


def rows_written(database_url: str, posts: int, kind: str) -> tuple[int, int]:
    """(rows written by the bench's POSTs, rows expected): each POST a different record.
    The same SQL on SQLite and PostgreSQL."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as con:
            first = con.scalar(sa.text("SELECT id FROM users WHERE personnel_number = 'b0'"))
            if kind == "quiz":
                n = con.scalar(sa.text(
                    "SELECT count(*) FROM quiz_attempts WHERE submitted_at IS NOT NULL AND user_id != :first"
                    " AND id IN (SELECT attempt_id FROM attempt_answers)"), {"first": first})
            else:
                n = con.scalar(sa.text("SELECT count(*) FROM scenario_runs WHERE json_array_length(choices) = 1"
                                       " AND user_id != :first"), {"first": first})
    finally:
        engine.dispose()
    return n, posts


PAGES = [
    # (key, label, path, signed in)
    ("login", "sign-in page (anonymous)", "/login", False),
    ("floor", "signed-in floor (/about)", "/about", True),
    ("lesson", "lesson page", f"/courses/{COURSE}/modules/{MODULE}", True),
    ("quiz", "quiz page (attempt open)", f"/courses/{COURSE}/modules/{MODULE}/quiz", True),
    ("roleplay", "role-play step", f"/courses/{COURSE}/modules/{ROLE_PLAY}/scenario", True),
    ("my_learning", "My learning", "/learning", True),
]


def soak(url: str, cookie: str, seconds: int, master: int) -> list[float]:
    """The officer's pages in turn, 20 s each, until `seconds` have passed: the largest
    worker's resident memory (MiB) after each round."""
    paths = [path for key, _label, path, signed in PAGES if signed]
    series = []
    ends = time.monotonic() + seconds
    for round_number in range(10_000):
        if time.monotonic() >= ends:
            break
        wrk(url + paths[round_number % len(paths)], 20, cookie)
        series.append(round(max(rss_kib(pid) for pid in worker_pids(master)) / 1024, 1))
    return series


def in_rounds(rounds: list[dict]) -> dict:
    """One page's wrk results of every round as one: medians of req/s and latencies, the
    ratios to the sign-in page of each round (median and range), errors added up."""
    out = {key: statistics.median([r[key] for r in rounds]) for key in ("rps", "p50", "p95", "p99")}
    out["errors"] = sum(r["errors"] for r in rounds)
    out["requests"] = sum(r["requests"] for r in rounds)
    ratios = [r["ratio"] for r in rounds]
    out.update(ratio=statistics.median(ratios), ratio_low=min(ratios), ratio_high=max(ratios), rounds=rounds)
    return out


def table(results: dict) -> str:
    base = results["login"]["rps"]
    lines = [f"{'':34} {'req/s':>8} {'× sign-in':>9} {'(range)':>11} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
             f"{'errors':>6} {'KB':>5}"]
    rows = [("hello", "hello world (bare Flask)")] + [(k, label) for k, label, _p, _s in PAGES] + [
        ("quiz_submit", "quiz submit (POST)"), ("roleplay_post", "role-play step (POST)")]
    for key, label in rows:
        r = results[key]
        kb = f"{r['bytes'] / 1024:.1f}" if "bytes" in r else ""
        ratio = r.get("ratio", r["rps"] / base)
        spread = (f"{r['ratio_low']:.2f}-{r['ratio_high']:.2f}"
                  if key in {k for k, *_rest in PAGES} - {"login"} else "")
        lines.append(f"{label:34} {r['rps']:8.0f} {ratio:9.2f} {spread:>11} {r['p50']:7.1f} {r['p95']:7.1f} "
                     f"{r['p99']:7.1f} {r['errors']:6d} {kb:>5}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--officers", type=int, default=20000)
    parser.add_argument("--seconds", type=int, default=2, help="wrk duration of each page in each round")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds of the sign-in page and every page; the ratios are the rounds' medians")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--posts", type=int, default=10000, help="attempts and runs prepared for the POSTs")
    parser.add_argument("--postgres", action="store_true",
                        help="against a private PostgreSQL server (started and stopped here) instead of SQLite")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--cold-start", action="store_true",
                        help="also time a worker's restart, with and without preloading the app")
    parser.add_argument("--soak", type=int, default=0, metavar="SECONDS",
                        help="afterwards, this long on the officer's pages in 20 s rounds, worker memory after each")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk (make bench does it)")
    tmp = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    server = None
    results: dict = {"officers": args.officers, "load": os.getloadavg()[0],
                     "database": "postgresql" if args.postgres else "sqlite"}
    try:
        if args.postgres:
            from tests.pg import PostgresServer

            server = PostgresServer(durable=True)
            database_url = server.start()
        else:
            database_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        env = dict(os.environ, LMS_INSTANCE_PATH=str(tmp), LMS_DATABASE_URL=database_url,
                   LMS_RATELIMIT_ENABLED="0")
        results["commit_ms"] = {"synced": commit_ms(tmp, "FULL"), "unsynced": commit_ms(tmp, "OFF")}
        prepare(env, tmp, args.officers, args.posts)
        hello, hello_url, _ = gunicorn("bench.hello:app", env, args.workers)
        try:
            results["hello"] = wrk(hello_url, args.seconds * args.rounds)
        finally:
            stop(hello)
        preload = deploy_preloads()
        app, url, started = gunicorn("wsgi:app", env, args.workers, preload)
        results["start_seconds"] = round(started, 2)
        try:
            cookie = sign_in(url, "b0", PASSWORD)
            for key, _label, path, signed in PAGES:
                for _ in range(20):  # every worker warm: caches filled, nothing measured yet
                    status, body, headers = fetch(url + path, cookie if signed else None)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
                if signed and "Set-Cookie" in headers:
                    raise RuntimeError(f"{path} sets a new session cookie on every request")
                results[key] = {"bytes": len(body)}
                if headers.get("Content-Encoding") == "gzip":
                    results[key]["html_bytes"] = len(gzip.decompress(body))
            before = {pid: rss_kib(pid) for pid in worker_pids(app.pid)}
            rounds: dict[str, list[dict]] = {key: [] for key, *_rest in PAGES}
            for _ in range(args.rounds):
                for key, _label, path, signed in PAGES:  # the sign-in page first: the round's yardstick
                    rounds[key].append(wrk(url + path, args.seconds, cookie if signed else None))
            for key, measured in rounds.items():
                for page, signin in zip(measured, rounds["login"], strict=True):
                    page["ratio"] = page["rps"] / signin["rps"]
                results[key].update(in_rounds(measured))
            # The POSTs in rounds too, the two kinds in turn; each round posts to its own share
            # of the prepared records (no record is posted twice).
            posts = {"quiz_submit": ("quiz", "quiz.txt"), "roleplay_post": ("roleplay", "roleplay.txt")}
            shares = {key: (tmp / name).read_text().splitlines() for key, (_kind, name) in posts.items()}
            share = args.posts // args.rounds
            post_rounds: dict[str, list[dict]] = {key: [] for key in posts}
            for number in range(args.rounds):
                for key in posts:
                    round_file = tmp / f"{key}-{number}.txt"
                    round_file.write_text("\n".join(shares[key][number * share:(number + 1) * share]) + "\n")
                    measured = wrk(url + "/", args.seconds, requests_file=round_file)
                    if measured["wrapped"]:
                        raise RuntimeError(f"{key}: more requests in a round than its {share} prepared records; "
                                           "raise --posts")
                    measured["ratio"] = measured["rps"] / results["login"]["rps"]
                    post_rounds[key].append(measured)
            for key, (kind, _name) in posts.items():
                results[key] = in_rounds(post_rounds[key])
                written, posted = rows_written(database_url, results[key]["requests"], kind)
                results[key]["rows_written"] = written
                # wrk counts the answers it read before its time ran out; a request still in
                # flight then may be written too, so at most one more row per connection a round.
                if not posted <= written <= posted + 10 * args.rounds:
                    raise RuntimeError(f"{key}: {posted} requests answered but {written} records written")
            after = {pid: rss_kib(pid) for pid in worker_pids(app.pid)}
            if args.soak:
                results["soak_rss_mib"] = soak(url, cookie, args.soak, app.pid)
            results["worker_rss_mib_before"] = round(max(before.values()) / 1024, 1)
            results["worker_rss_mib_after"] = round(max(after.values()) / 1024, 1)
        finally:
            stop(app)
        if args.cold_start:
            results["worker_restart_seconds"] = {"preload": worker_restart_seconds(env, True, cookie),
                                                 "no_preload": worker_restart_seconds(env, False, cookie)}
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    c = results["commit_ms"]
    print(f"database: {results['database']}; a small SQLite commit on this disk before the run: "
          f"p50 {c['synced']['p50']} ms / p95 {c['synced']['p95']} ms synced, "
          f"{c['unsynced']['p50']} / {c['unsynced']['p95']} ms without the sync")
    print(table(results))
    print(f"POST rows checked: quiz attempts graded {results['quiz_submit']['rows_written']}, "
          f"role-play steps stored {results['roleplay_post']['rows_written']} (one per request)")
    signin = [r["rps"] for r in results["login"]["rounds"]]
    print(f"{args.rounds} rounds of {args.seconds} s per page; × sign-in is the median of each round's ratio "
          f"to the sign-in page measured just before (range: lowest-highest round); the POSTs' req/s and "
          f"latencies are their rounds' medians too. The sign-in page itself ranged "
          f"{min(signin):.0f}-{max(signin):.0f} req/s over the rounds")
    print(f"worker RSS {results['worker_rss_mib_before']} → {results['worker_rss_mib_after']} MiB; "
          f"gunicorn answered {results['start_seconds']} s after start; load average at start {results['load']:.2f}")
    if "worker_restart_seconds" in results:
        r = results["worker_restart_seconds"]
        print(f"a killed worker answers /healthz and a signed-in lesson page again after {r['preload']} s when "
              f"forked from the loaded master (preload), {r['no_preload']} s when it loads the app itself")
    if "soak_rss_mib" in results:
        series = results["soak_rss_mib"]
        print(f"soak: {len(series) * 20} s, largest worker after each 20 s round (MiB): {series}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
