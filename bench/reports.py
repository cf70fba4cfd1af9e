"""Time the manager's dashboard and the first page of the register for the largest country.

    .venv/bin/python bench/generate.py --officers 100000
    .venv/bin/python bench/reports.py [--url ...] [--repeat 7]
    .venv/bin/python bench/reports.py --private-postgres 100000   # generate into a throwaway server
    .venv/bin/python bench/reports.py --private-postgres 250000   # 1,000,000 enrolments

Requests go through the Flask test client (the whole stack but the network: routing,
access rules, session, queries, templates), signed in as a manager of the country with
the most officers. Prints each page's median wall time, its median CPU time (the
process's own; on SQLite this is the work itself, unaffected by other load on the
machine) and its number of SQL statements. The targets: the dashboard within 0.3 s and the
first register page within 0.5 s at 100,000 officers on PostgreSQL, with the same
statement count at any size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import BENCH_PASSWORD, DEFAULT_URL  # noqa: E402

TARGETS = {"dashboard": 0.3, "register, first page": 0.5}  # seconds, median wall time


def _manager(country_id: int, institution_id: int):
    from lms.auth.passwords import hash_password
    from lms.extensions import db
    from lms.org.models import Gender, Role, Service, User

    number = f"bench-manager-{country_id}"
    user = db.session.scalar(sa.select(User).where(User.personnel_number == number))
    if user is None:
        user = User(personnel_number=number, password_hash=hash_password(BENCH_PASSWORD),
                    name_native="Bench Manager", name_latin="Bench Manager", gender=Gender.FEMALE,
                    service=Service.PRISON, institution_id=institution_id, role=Role.MANAGER,
                    must_change_password=False, scope_country_id=country_id, locale="en")
        db.session.add(user)
        db.session.commit()
    return number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sqlite-tuning", action="store_true",
                        help="give SQLite connections a 256 MiB memory map and a 64 MiB page cache "
                             "(SQLITE_TUNING; proposed for the app's SQLite engine)")
    parser.add_argument("--private-postgres", type=int, metavar="OFFICERS",
                        help="start a private PostgreSQL server, generate this many officers, time, stop")
    parser.add_argument("--courses", type=int, default=4, help="with --private-postgres: courses generated")
    parser.add_argument("--per-officer", type=int, default=4, help="with --private-postgres: enrolments per officer")
    args = parser.parse_args()
    if args.private_postgres:
        from bench.generate import build_database
        from tests.pg import PostgresServer

        server = PostgresServer()
        try:
            url = server.start()
            result = build_database(url, args.private_postgres, args.courses, args.per_officer)
            print(f"Generated in {result['seconds']:.1f} s ({result['timings']}): {result['counts']}")
            run(url, args.repeat, False)
        finally:
            server.stop()
    else:
        run(args.url, args.repeat, args.sqlite_tuning)


# Per-connection settings for SQLite: read the database through a memory map and keep more
# pages cached, instead of the 2 MiB default cache. Proposed for the app's SQLite engine.
SQLITE_TUNING = ("PRAGMA mmap_size = 268435456", "PRAGMA cache_size = -65536")


class ServerCpu:
    """CPU time a local PostgreSQL server spends for this process's connection: its backend
    (from /proc/PID/schedstat) plus the parallel workers that ended meanwhile (the postmaster's
    reaped children). Unlike wall time, it hardly moves with other load on the machine."""

    def __init__(self, engine: sa.Engine) -> None:
        self.backend = self.postmaster = None
        if engine.dialect.name != "postgresql":
            return
        with engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        try:
            self.postmaster = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            self.backend = pid
        except (OSError, ValueError):  # a server on another machine, or not ours to read
            return

    def seconds(self) -> float | None:
        if self.backend is None:
            return None
        own = int(Path(f"/proc/{self.backend}/schedstat").read_text().split()[0]) / 1e9
        fields = Path(f"/proc/{self.postmaster}/stat").read_text().rsplit(")", 1)[1].split()
        reaped = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime + cstime
        return own + reaped


def run(url: str, repeat: int, sqlite_tuning: bool) -> None:

    from lms import create_app
    from lms.extensions import db
    from lms.org.models import Country, Institution, Role, User

    # CSRF off only so that the test client can sign in with a plain POST.
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        code, country_id, officers = db.session.execute(
            sa.select(Country.code, Country.id, sa.func.count(User.id))
            .join(Institution, Institution.country_id == Country.id)
            .join(User, User.institution_id == Institution.id)
            .where(User.role == Role.OFFICER)
            .group_by(Country.code, Country.id)
            .order_by(sa.func.count(User.id).desc())
            .limit(1)
        ).one()
        institution_id = db.session.scalar(sa.select(Institution.id).where(Institution.country_id == country_id))
        course_id = db.session.scalar(sa.text("SELECT id FROM courses ORDER BY id"))
        enrolments = db.session.scalar(sa.text("SELECT count(*) FROM enrolments"))
        total_officers = db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == Role.OFFICER))
        number = _manager(country_id, institution_id)
        engine = db.engine
        if sqlite_tuning and engine.dialect.name == "sqlite":
            @sa.event.listens_for(engine, "connect")
            def tune(dbapi_connection, _record):
                for pragma in SQLITE_TUNING:
                    dbapi_connection.execute(pragma)

            engine.dispose()  # new connections get the settings

    client = app.test_client()
    response = client.post("/login", data={"personnel_number": number, "password": BENCH_PASSWORD})
    assert response.status_code == 302, response.status_code
    with app.app_context():
        # The pool keeps one connection, so the requests below all use this backend.
        server = ServerCpu(engine)
    statements: list[str] = []

    def count(conn, cursor, statement, *rest):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    print(f"{total_officers} officers, {enrolments} enrolments on {engine.dialect.name}; "
          f"largest country {code}: {officers} officers; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs{'; SQLite tuning on' if sqlite_tuning else ''}")
    pages = {
        "dashboard": f"/reports/dashboard?course={course_id}",
        "register, first page": "/reports/register",
        "register, one course": f"/reports/register?course={course_id}",
        "register, overdue": f"/reports/register?status=overdue&course={course_id}",
        "training summary": "/reports/summary",
    }
    verdicts = []
    for name, path in pages.items():
        times, cpu, db_cpu = [], [], []
        for _ in range(repeat):
            statements.clear()
            started, started_cpu, started_db = time.perf_counter(), time.process_time(), server.seconds()
            response = client.get(path)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            if started_db is not None:
                db_cpu.append(server.seconds() - started_db)
            assert response.status_code == 200, (path, response.status_code)
        median = statistics.median(times)
        db_text = f"  server CPU median {statistics.median(db_cpu) * 1000:6.1f} ms" if db_cpu else ""
        if name in TARGETS:
            verdicts.append(f"{name} {median * 1000:.0f} ms {'within' if median <= TARGETS[name] else 'OVER'} "
                            f"its {TARGETS[name]} s target")
        print(f"  {name:22} wall median {median * 1000:7.1f} ms (best {min(times) * 1000:6.1f})  "
              f"CPU median {statistics.median(cpu) * 1000:7.1f} ms{db_text}  {len(statements)} SQL statements")
    print("; ".join(verdicts) + ".")


if __name__ == "__main__":
    main()
