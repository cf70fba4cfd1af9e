"""Synthetic data for the report benchmarks: officers, enrolments, completions, quiz attempts.

    .venv/bin/python bench/generate.py                       # 100,000 officers into bench/bench.sqlite3
    .venv/bin/python bench/generate.py --officers 20000
    .venv/bin/python bench/generate.py --url postgresql+psycopg://user@host/db

The schema comes from the real migrations; the indexes the reports need on other
features' tables (REPORT_INDEXES, proposed for those models) are added on top unless
--no-report-indexes is given. Rows go in with bulk inserts, in chunks.
Four countries of unequal size (KZ the largest), about 100 institutions, 30% women,
four courses (copies of the fixture course) with four enrolments per officer.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = f"sqlite:///{ROOT / 'bench' / 'bench.sqlite3'}"
SAMPLE = ROOT / "tests" / "fixtures" / "courses" / "valid" / "sample-first-steps"
COUNTRIES = [("KZ", 0.40, 40), ("KG", 0.25, 25), ("TJ", 0.20, 20), ("IQ", 0.15, 15)]
POSITIONS = ["Inspector", "Senior inspector", "Duty officer", "Shift supervisor",
             "Psychologist", "Social worker", "Medical officer", "Head of unit"]
PROBATION_POSITIONS = ["Probation officer", "Senior probation officer"]
CHUNK = 10_000
BENCH_PASSWORD = "bench-password-2024"  # the benchmark's manager signs in with it
QUIZ_MODULE = "01-admission-basics"

# Indexes the report queries use on tables owned by other features. Proposed to the lead
# for those models' __table_args__ (and a migration); the benchmark adds them itself.
REPORT_INDEXES = [
    # Dashboard and register: an enrolment's status read from the index alone.
    ("ix_enrolments_course_user_state", "enrolments",
     ["course_id", "user_id", "completed_at", "due_on", "last_activity_at"]),
    # Breakdowns: the officer's grouping keys read from the index alone
    # (would replace ix_users_institution_role, its prefix).
    ("ix_users_institution_role_keys", "users", ["institution_id", "role", "gender", "service", "position"]),
    # Final score of the latest version, and completions in a period, read from the index alone.
    ("ix_course_completions_user_course_score", "course_completions",
     ["user_id", "course_id", "course_version", "final_score", "completed_at"]),
    # First pre-test attempt and its score (course first: PostgreSQL reads one course's
    # pre-tests from the index alone; SQLite probes it with all four equalities).
    ("ix_quiz_attempts_first_score", "quiz_attempts",
     ["course_id", "is_pre_test", "number", "user_id", "submitted_at", "score"]),
    # Register: the first page in name order without sorting the whole scope.
    ("ix_users_name_latin", "users", ["name_latin", "id"]),
]


def add_report_indexes(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for name, table, cols in REPORT_INDEXES:
            conn.execute(sa.text(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({', '.join(cols)})"))
        conn.execute(sa.text("ANALYZE"))


def _insert(model, rows: list[dict]) -> None:
    from lms.extensions import db

    for i in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(model), rows[i:i + CHUNK])


def generate(officers: int, courses: int, per_officer: int, seed: int) -> dict:
    from lms.auth.passwords import hash_password
    from lms.catalog.models import Course, CourseVersion
    from lms.catalog.spec import read_course
    from lms.extensions import db
    from lms.org.models import Country, Institution, User
    from lms.quizzes.models import QuizAttempt

    rng = random.Random(seed)
    now = datetime.now(UTC)
    content, problems = read_course(SAMPLE)
    assert content is not None, problems
    quiz = next(m for m in content["modules"] if m["id"] == QUIZ_MODULE)["quiz"]
    pre_quiz = content["pre_test"]["quiz"]

    course_ids = [f"bench-course-{n + 1}" for n in range(courses)]
    for n, course_id in enumerate(course_ids):
        copy = dict(content, id=course_id, title={k: f"{v} ({n + 1})" for k, v in content["title"].items()})
        db.session.add(Course(id=course_id, current_version=1))
        db.session.add(CourseVersion(course_id=course_id, version=1, content=copy, content_hash=f"bench{n}"))

    inst_by_country: dict[str, list[tuple[int, str]]] = {}
    for code, _share, n_inst in COUNTRIES:
        country = Country(code=code, names={"en": f"Country {code}"})
        db.session.add(country)
        db.session.flush()
        rows = []
        for i in range(n_inst):
            kind = "probation_office" if i % 4 == 3 else "prison"
            rows.append(Institution(country_id=country.id, kind=kind,
                                    names={"en": f"{code} {'Probation office' if kind != 'prison' else 'Prison'} {i + 1}"}))
        db.session.add_all(rows)
        db.session.flush()
        inst_by_country[code] = [(r.id, str(r.kind)) for r in rows]
    db.session.commit()

    placeholder = hash_password("not-a-real-password-for-synthetic-officers")
    users = []
    user_id = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(User.id), 0))) + 1
    first_user = user_id
    shares = [s for _c, s, _n in COUNTRIES]
    for n in range(officers):
        code = rng.choices([c for c, _s, _n in COUNTRIES], shares)[0]
        inst_id, kind = rng.choice(inst_by_country[code])
        service = "probation" if kind == "probation_office" else "prison"
        woman = rng.random() < 0.30
        users.append({
            "id": user_id, "personnel_number": f"B{n:07d}", "password_hash": placeholder,
            "name_native": f"Офицер {rng.randrange(10**6):06d}", "name_latin": f"Officer {rng.randrange(10**6):06d}",
            "gender": "female" if woman else "male", "service": service,
            "position": rng.choice(PROBATION_POSITIONS if service == "probation" else POSITIONS),
            "institution_id": inst_id, "role": "officer", "is_active_account": True,
            "must_change_password": False, "created_at": now,
        })
        user_id += 1
    _insert(User, users)
    db.session.commit()

    enrolments, completions, attempts, answers = [], [], [], []
    attempt_id = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(QuizAttempt.id), 0))) + 1
    for uid in range(first_user, user_id):
        for course_id in rng.sample(course_ids, per_officer):
            enrolled = now - timedelta(days=rng.uniform(1, 900))
            due = (enrolled + timedelta(days=90)).date() if rng.random() < 0.7 else None
            roll = rng.random()
            completed = last = None
            if roll < 0.45:
                completed = min(now, enrolled + timedelta(days=rng.uniform(1, 120)))
                last = completed
            elif roll < 0.75:
                last = min(now, enrolled + timedelta(days=rng.uniform(0, 60)))
            enrolments.append({"user_id": uid, "course_id": course_id, "enrolled_at": enrolled, "due_on": due,
                               "completed_at": completed, "last_activity_at": last})
            if last is not None and rng.random() < 0.7:
                pre = rng.randrange(10, 80)
                attempts.append(_attempt(attempt_id, uid, course_id, content["pre_test"]["id"], pre_quiz["id"],
                                         True, enrolled, pre))
                attempt_id += 1
            if completed is not None:
                score = rng.randrange(60, 101)
                attempts.append(_attempt(attempt_id, uid, course_id, QUIZ_MODULE, quiz["id"], False,
                                         completed, score))
                for pos, q in enumerate(quiz["questions"]):
                    right = rng.random() < score / 100
                    good = [o["id"] for o in q["options"] if o["correct"]]
                    bad = [o["id"] for o in q["options"] if not o["correct"]]
                    answers.append({"attempt_id": attempt_id, "position": pos, "question_id": q["id"],
                                    "selected": good if right else [rng.choice(bad)], "is_correct": right})
                attempt_id += 1
                completions.append({"user_id": uid, "course_id": course_id, "course_version": 1,
                                    "completed_at": completed, "final_score": score})
        if len(enrolments) >= 50_000:
            _flush(enrolments, completions, attempts, answers)
    _flush(enrolments, completions, attempts, answers)
    db.session.commit()
    return {"officers": officers, "courses": course_ids}


def _attempt(aid: int, uid: int, course_id: str, module_id: str, quiz_id: str, pre: bool,
             at: datetime, score: int) -> dict:
    return {"id": aid, "user_id": uid, "course_id": course_id, "course_version": 1, "module_id": module_id,
            "quiz_id": quiz_id, "number": 1, "is_pre_test": pre, "layout": [], "draft": {},
            "started_at": at, "submitted_at": at, "score": score, "passed": score >= 70}


def _flush(enrolments: list, completions: list, attempts: list, answers: list) -> None:
    from lms.learning.models import CourseCompletion, Enrolment
    from lms.quizzes.models import AttemptAnswer, QuizAttempt

    for model, rows in ((Enrolment, enrolments), (CourseCompletion, completions),
                        (QuizAttempt, attempts), (AttemptAnswer, answers)):
        _insert(model, rows)
        rows.clear()


def build_database(url: str, officers: int, courses: int = 4, per_officer: int = 4, seed: int = 1,
                   report_indexes: bool = True) -> dict:
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
        if db.engine.dialect.name == "postgresql":
            # Ids were given explicitly: move the sequences past them.
            with db.engine.begin() as conn:
                for table in ("users", "quiz_attempts"):
                    conn.execute(sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
                    ))
        if report_indexes:
            add_report_indexes(db.engine)
        else:
            with db.engine.begin() as conn:
                conn.execute(sa.text("ANALYZE"))
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
    parser.add_argument("--no-report-indexes", action="store_true", help="leave out REPORT_INDEXES")
    args = parser.parse_args()
    result = build_database(args.url, args.officers, args.courses, args.per_officer, args.seed,
                            not args.no_report_indexes)
    print(f"Generated in {result['seconds']:.1f} s: {result['counts']}; courses {result['courses']}")


if __name__ == "__main__":
    main()
