"""Synthetic data for the report benchmarks: officers, enrolments, completions, quiz attempts.

    .venv/bin/python bench/generate.py                       # 100,000 officers into bench/bench.sqlite3
    .venv/bin/python bench/generate.py --officers 20000
    .venv/bin/python bench/generate.py --url postgresql+psycopg://user@host/db

The schema comes from the real migrations, with the indexes the reports use (declared
in the models). The large tables are filled set-based, a handful of INSERT … SELECT
statements over a number series (generate_series on PostgreSQL, a recursive CTE on
SQLite), so the database does the work: 100,000 officers and 400,000 enrolments take
well under a minute on PostgreSQL. "Random" choices are a hash of the row's number and
--seed, computed in SQL the same way on both databases, so a run is repeatable.
Four countries (KZ the largest: 40, 25, 20 and 15 institutions, an officer's institution
picked uniformly, so 40 % of officers are in KZ), a quarter of institutions probation
offices, 30 % women, --courses courses (copies of the fixture course) with
--per-officer enrolments per officer; 45 % of enrolments completed (with a final quiz
attempt, its answers and a completion), 30 % in progress, the rest not started, 70 %
with a due date; 70 % of started enrolments have a pre-test attempt.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = f"sqlite:///{ROOT / 'bench' / 'bench.sqlite3'}"
SAMPLE = ROOT / "tests" / "fixtures" / "courses" / "valid" / "sample-first-steps"
COUNTRIES = [("KZ", 40), ("KG", 25), ("TJ", 20), ("IQ", 15)]  # institutions per country
POSITIONS = ["Inspector", "Senior inspector", "Duty officer", "Shift supervisor",
             "Psychologist", "Social worker", "Medical officer", "Head of unit"]
PROBATION_POSITIONS = ["Probation officer", "Senior probation officer"]
BENCH_PASSWORD = "bench-password-2024"  # the benchmark's manager signs in with it
QUIZ_MODULE = "01-admission-basics"
DAY = 86_400
# Parts per million for the "random" choices (see _Sql.rnd).
WOMEN, COMPLETED, STARTED, DUE, PRE_TEST = 300_000, 450_000, 750_000, 700_000, 700_000


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _Sql:
    """The few expressions that differ between PostgreSQL and SQLite."""

    def __init__(self, dialect: str, now: datetime, seed: int) -> None:
        self.pg = dialect == "postgresql"
        self.now = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        self.seed = seed

    def series(self, n: int, name: str = "s") -> str:
        """A CTE `name(i)` of the numbers 1..n."""
        if self.pg:
            return f"{name}(i) AS (SELECT generate_series(1, {int(n)}))"
        return f"{name}(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM {name} WHERE i < {int(n)})"

    def with_series(self, n: int) -> str:
        return f"WITH {'' if self.pg else 'RECURSIVE '}{self.series(n)}"

    def rnd(self, expr: str, salt: int) -> str:
        """A number in [0, 1,000,000) that looks random, from an integer expression and a salt:
        two rounds of multiply-and-square modulo a prime (exact in 64-bit integers)."""
        p = 1_000_003
        x = f"(CAST({expr} AS BIGINT) * 7919 + {salt * 104_729 + self.seed * 15_485_863}) % {p}"
        y = f"(({x}) * ({x}) % {p} * 31 + {salt}) % {p}"
        return f"(({y}) * ({y}) % {p} + ({x})) % {p} % 1000000"

    def uniform(self, expr: str, salt: int, low: int, high: int) -> str:
        """An integer in [low, high) that looks random (see rnd)."""
        return f"({low} + {self.rnd(expr, salt)} * {high - low} / 1000000)"

    def ago(self, seconds: str) -> str:
        """The moment `seconds` (an integer expression, negative for the future) before now,
        stored as SQLAlchemy stores a UTC datetime."""
        if self.pg:
            return f"(TIMESTAMPTZ '{self.now}+00' - ({seconds}) * INTERVAL '1 second')"
        return f"strftime('%Y-%m-%d %H:%M:%S.000000', '{self.now}', (-({seconds})) || ' seconds')"

    def day_of(self, moment: str) -> str:
        if self.pg:
            return f"CAST({moment} AT TIME ZONE 'UTC' AS DATE)"
        return f"date({moment})"

    def json(self, value: str) -> str:
        return f"CAST({_quote(value)} AS JSON)" if self.pg else _quote(value)

    def boolean(self, condition: str) -> str:
        return f"({condition})" if self.pg else f"CASE WHEN {condition} THEN 1 ELSE 0 END"

    def newline(self) -> str:
        return "chr(10)" if self.pg else "char(10)"


def _pick(index: str, items: list[str]) -> str:
    """CASE choosing items[index] (index an integer expression in range)."""
    whens = " ".join(f"WHEN {n} THEN {_quote(item)}" for n, item in enumerate(items))
    return f"CASE {index} {whens} END"


def generate(officers: int, courses: int, per_officer: int, seed: int) -> dict:
    from lms.auth.passwords import hash_password
    from lms.catalog.models import Course, CourseVersion
    from lms.catalog.spec import read_course
    from lms.extensions import db
    from lms.org.models import Country, Institution

    if not 1 <= per_officer <= courses:
        raise ValueError("each officer's enrolments are in different courses: 1 <= --per-officer <= --courses")
    sql = _Sql(db.engine.dialect.name, datetime.now(UTC), seed)
    content, problems = read_course(SAMPLE)
    assert content is not None, problems
    quiz = next(m for m in content["modules"] if m["id"] == QUIZ_MODULE)["quiz"]
    pre_test = content["pre_test"]

    # The small tables through the models.
    course_ids = [f"bench-course-{n + 1}" for n in range(courses)]
    for n, course_id in enumerate(course_ids):
        copy = dict(content, id=course_id, title={k: f"{v} ({n + 1})" for k, v in content["title"].items()})
        db.session.add(Course(id=course_id, current_version=1))
        db.session.add(CourseVersion(course_id=course_id, version=1, content=copy, content_hash=f"bench{n}"))
    institution_ids = []
    for code, n_inst in COUNTRIES:
        country = Country(code=code, names={"en": f"Country {code}"})
        db.session.add(country)
        db.session.flush()
        for i in range(n_inst):
            kind = "probation_office" if i % 4 == 3 else "prison"
            inst = Institution(country_id=country.id, kind=kind,
                               names={"en": f"{code} {'Probation office' if kind != 'prison' else 'Prison'} {i + 1}"})
            db.session.add(inst)
            db.session.flush()
            institution_ids.append(inst.id)
    db.session.commit()

    timings = {}

    def run(name: str, statement: str) -> None:
        started = time.perf_counter()
        # Straight to the driver, without parameters (times like 11:54 are no bind names).
        db.session.connection().execution_options(no_parameters=True).exec_driver_sql(statement)
        db.session.commit()
        timings[name] = round(time.perf_counter() - started, 1)

    # Officers: institution picked uniformly (by its place in institution_ids), service by
    # the institution's kind, position from the service's list.
    placeholder = hash_password("not-a-real-password-for-synthetic-officers")
    values = ", ".join(f"({n}, {iid})" for n, iid in enumerate(institution_ids))
    slot = f"{sql.rnd('s.i', 1)} % {len(institution_ids)}"
    native, latin = f"{sql.rnd('s.i', 3)}", f"{sql.rnd('s.i', 4)}"
    number = "'B' || CAST(s.i AS VARCHAR(12))"
    choice = sql.rnd("s.i", 5)
    position = (f"CASE WHEN inst.kind = 'probation_office' "
                f"THEN {_pick(f'{choice} % {len(PROBATION_POSITIONS)}', PROBATION_POSITIONS)} "
                f"ELSE {_pick(f'{choice} % {len(POSITIONS)}', POSITIONS)} END")
    nl = sql.newline()
    run("users", f"""
        {sql.with_series(officers)}, slots(n, institution_id) AS (VALUES {values})
        INSERT INTO users (personnel_number, password_hash, name_native, name_latin, gender, service,
                           position, search_key, institution_id, role, is_active_account,
                           must_change_password, session_version, created_at)
        SELECT {number}, {_quote(placeholder)},
               'Офицер ' || CAST({native} AS VARCHAR(12)), 'Officer ' || CAST({latin} AS VARCHAR(12)),
               CASE WHEN {sql.rnd('s.i', 2)} < {WOMEN} THEN 'female' ELSE 'male' END,
               CASE WHEN inst.kind = 'probation_office' THEN 'probation' ELSE 'prison' END,
               {position},
               'офицер ' || CAST({native} AS VARCHAR(12)) || {nl} || 'officer ' || CAST({latin} AS VARCHAR(12))
                   || {nl} || 'b' || CAST(s.i AS VARCHAR(12)),
               inst.id, 'officer', {sql.boolean('1 = 1')}, {sql.boolean('1 = 0')}, 0, {sql.ago('0')}
        FROM s JOIN slots ON slots.n = {slot} JOIN institutions inst ON inst.id = slots.institution_id
        ORDER BY s.i
    """)

    # Enrolments: per officer, per_officer different courses from a "random" starting
    # course; enrolled 1 to 900 days ago; completed 1 to 120 days later, or last active 0 to
    # 60 days later (never after now); due 90 days after enrolling.
    courses_values = ", ".join(f"({n}, {_quote(c)})" for n, c in enumerate(course_ids))
    roll, key = sql.rnd("e.k", 12), "e.k"
    enrolled_ago = sql.uniform(key, 11, DAY, 900 * DAY)
    later = (f"CASE WHEN e.roll < {COMPLETED} THEN {sql.uniform(key, 13, DAY, 120 * DAY)} "
             f"ELSE {sql.uniform(key, 13, 0, 60 * DAY)} END")
    after = f"CASE WHEN e.enrolled_ago < {later} THEN 0 ELSE e.enrolled_ago - {later} END"
    run("enrolments", f"""
        WITH {'' if sql.pg else 'RECURSIVE '}{sql.series(per_officer, 'k')},
             cs(n, course_id) AS (VALUES {courses_values}),
             e AS (SELECT u.id AS user_id, u.id * {per_officer} + k.i AS k,
                          ({sql.rnd('u.id', 10)} + k.i) % {courses} AS course_n
                   FROM users u CROSS JOIN k WHERE u.role = 'officer')
        INSERT INTO enrolments (user_id, course_id, enrolled_at, due_on, completed_at, last_activity_at, reminded)
        SELECT e.user_id, cs.course_id, {sql.ago('e.enrolled_ago')},
               CASE WHEN {sql.rnd(key, 14)} < {DUE} THEN {sql.day_of(sql.ago(f'e.enrolled_ago - {90 * DAY}'))} END,
               CASE WHEN e.roll < {COMPLETED} THEN {sql.ago(after)} END,
               CASE WHEN e.roll < {STARTED} THEN {sql.ago(after)} END,
               ''
        FROM (SELECT e.*, {enrolled_ago} AS enrolled_ago, {roll} AS roll FROM e) e
        JOIN cs ON cs.n = e.course_n
        ORDER BY e.user_id, e.k
    """)

    def final_score(enrolment_id: str) -> str:
        return f"60 + {sql.rnd(enrolment_id, 20)} % 41"

    def pre_test_score(enrolment_id: str) -> str:
        return f"10 + {sql.rnd(enrolment_id, 21)} % 70"

    def takes_pre_test(enrolment: str) -> str:
        return f"{enrolment}.last_activity_at IS NOT NULL AND {sql.rnd(enrolment + '.id', 22)} < {PRE_TEST}"

    score = final_score("en.id")
    run("course_completions", f"""
        INSERT INTO course_completions (user_id, course_id, course_version, completed_at, final_score)
        SELECT en.user_id, en.course_id, 1, en.completed_at, {score}
        FROM enrolments en WHERE en.completed_at IS NOT NULL ORDER BY en.id
    """)

    # Quiz attempts: the pre-test (number 1) for 70 % of started enrolments, when they
    # enrolled; the final quiz, with the completion's score, when they completed.
    pre_score = pre_test_score("en.id")
    common = "user_id, course_id, course_version, module_id, quiz_id, number, is_pre_test, layout, draft, " \
             "started_at, submitted_at, score, passed"
    run("quiz_attempts", f"""
        INSERT INTO quiz_attempts ({common})
        SELECT user_id, course_id, course_version, module_id, quiz_id, number, is_pre_test, layout, draft,
               started_at, submitted_at, score, {sql.boolean('score >= 70')}
        FROM (
            SELECT en.id AS eid, 0 AS part, en.user_id, en.course_id, 1 AS course_version,
                   {_quote(pre_test['id'])} AS module_id, {_quote(pre_test['quiz']['id'])} AS quiz_id, 1 AS number,
                   {sql.boolean('1 = 1')} AS is_pre_test, {sql.json('[]')} AS layout, {sql.json('{}')} AS draft,
                   en.enrolled_at AS started_at, en.enrolled_at AS submitted_at, {pre_score} AS score
            FROM enrolments en
            WHERE {takes_pre_test('en')}
            UNION ALL
            SELECT en.id, 1, en.user_id, en.course_id, 1, {_quote(QUIZ_MODULE)}, {_quote(quiz['id'])}, 1,
                   {sql.boolean('1 = 0')}, {sql.json('[]')}, {sql.json('{}')}, en.completed_at, en.completed_at,
                   {score}
            FROM enrolments en WHERE en.completed_at IS NOT NULL
        ) a ORDER BY eid, part
    """)

    # The two scores the reports read from the enrolment, as the application keeps them:
    # the completion's final score and the pre-test's score (the only attempt of each).
    run("enrolment_scores", f"""
        UPDATE enrolments
        SET final_score = CASE WHEN enrolments.completed_at IS NOT NULL THEN {final_score('enrolments.id')} END,
            pre_test_score = CASE WHEN {takes_pre_test('enrolments')} THEN {pre_test_score('enrolments.id')} END
    """)

    # Answers to the final quiz: each question right with the attempt's score as its chance.
    questions = []
    for pos, q in enumerate(quiz["questions"]):
        good = [o["id"] for o in q["options"] if o["correct"]]
        bad = [o["id"] for o in q["options"] if not o["correct"]][:1] or good
        questions.append(f"({pos}, {_quote(q['id'])}, {_quote(json.dumps(good))}, {_quote(json.dumps(bad))})")
    right = f"{sql.rnd('a.id * 16 + q.pos', 23)} % 100 < a.score"
    run("attempt_answers", f"""
        WITH q(pos, question_id, good, bad) AS (VALUES {', '.join(questions)})
        INSERT INTO attempt_answers (attempt_id, position, question_id, selected, is_correct)
        SELECT a.id, q.pos, q.question_id,
               {'CAST(' if sql.pg else ''}CASE WHEN {right} THEN q.good ELSE q.bad END{' AS JSON)' if sql.pg else ''},
               {sql.boolean(right)}
        FROM quiz_attempts a CROSS JOIN q
        WHERE NOT a.is_pre_test ORDER BY a.id, q.pos
    """)
    return {"officers": officers, "courses": course_ids, "timings": timings}


def build_database(url: str, officers: int, courses: int = 4, per_officer: int = 4, seed: int = 1) -> dict:
    """Create the schema at url (an empty database, or a SQLite file to replace) and fill it."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.exists():
            path.unlink()
    from flask_migrate import upgrade

    from lms import create_app
    from lms.extensions import db
    from lms.org.models import User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        if db.session.scalar(sa.select(sa.func.count(User.id))):
            sys.exit("The database already holds accounts; give an empty one.")
        started = time.perf_counter()
        result = generate(officers, courses, per_officer, seed)
        # Statistics for the planner, and on PostgreSQL the visibility map that index-only
        # scans need (what autovacuum keeps up to date on a database in use).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)" if db.engine.dialect.name == "postgresql" else "ANALYZE")
        result["timings"]["vacuum_analyze"] = round(time.perf_counter() - started - sum(result["timings"].values()), 1)
        result["counts"] = {
            t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}"))  # noqa: S608
            for t in ("users", "enrolments", "course_completions", "quiz_attempts", "attempt_answers")
        }
        result["seconds"] = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--officers", type=int, default=100_000)
    parser.add_argument("--courses", type=int, default=4)
    parser.add_argument("--per-officer", type=int, default=4, help="enrolments per officer")
    parser.add_argument("--url", default=DEFAULT_URL, help="database URL (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = build_database(args.url, args.officers, args.courses, args.per_officer, args.seed)
    print(f"Generated in {result['seconds']:.1f} s ({result['timings']}): {result['counts']}; "
          f"courses {result['courses']}")


if __name__ == "__main__":
    main()
