"""A release upgrade runs `lms db upgrade` while the previous release still serves: each
migration is run on a populated PostgreSQL database while a reader keeps issuing the
previous schema's queries (every column of every table, as the previous release's models
select them). A migration either leaves those reads working and never holds them up for
long, or it is listed below with what it does to them, as the README's upgrade table says."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import sqlalchemy as sa

# Migrations that remove something the previous release reads: README "Upgrading to a new
# release" tells administrators to stop the app servers before them.
STOP_FIRST = {"a3c9e1f0b7d2", "c4d8e2a6f1b3"}
# Migrations that hold reads of a table for most of their run (README: run them at a
# quiet hour): the search-key fill runs inside the
# transaction that added the column, so reads of `users` wait for the whole fill.
HOLDS_READS = {"3c1f0a9e5b21"}
# The first revision with every table the later migrations change.
POPULATE_AT = "20d40584a683"
LONGEST_READ_SECONDS = 2.0
OFFICERS = 20_000


def _revisions(app) -> list[tuple[str, str | None]]:
    from alembic.script import ScriptDirectory
    from flask import current_app

    with app.app_context():
        config = current_app.extensions["migrate"].migrate.get_config()
        script = ScriptDirectory.from_config(config)
        return [(r.revision, r.down_revision) for r in reversed(list(script.walk_revisions()))]


def _populate(conn) -> None:
    """Officers and their enrolments, written with the schema of POPULATE_AT."""
    conn.execute(sa.text("INSERT INTO countries (id, code, names) VALUES (1, 'KZ', '{\"en\": \"KZ\"}')"))
    conn.execute(sa.text(
        "INSERT INTO institutions (id, country_id, kind, names, signer_names, signer_titles) "
        "VALUES (1, 1, 'prison', '{\"en\": \"Colony\"}', '{}', '{}')"))
    conn.execute(sa.text(
        "INSERT INTO users (personnel_number, password_hash, name_native, name_latin, gender, service, "
        "position, institution_id, role, is_active_account, must_change_password, failed_logins, created_at) "
        "SELECT 'U' || n, 'x', 'Имя ' || n, 'Name ' || n, 'female', 'prison', 'Inspector', 1, 'officer', "
        "true, false, 0, now() FROM generate_series(1, :n) AS n"), {"n": OFFICERS})
    conn.execute(sa.text(
        "INSERT INTO courses (id, current_version, is_published, is_open, created_at) "
        "VALUES ('c', 1, true, true, now())"))
    conn.execute(sa.text(
        "INSERT INTO enrolments (user_id, course_id, enrolled_at) SELECT id, 'c', now() FROM users"))


class PreviousRelease:
    """Reads with the column lists of the schema before a migration, in a loop, timed."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        metadata = sa.MetaData()
        metadata.reflect(engine)
        self.queries = [sa.select(*t.columns).limit(20) for t in metadata.sorted_tables
                        if t.name != "alembic_version"]
        self.errors: list[str] = []
        self.longest = 0.0
        self.rounds = 0
        self.stop = threading.Event()

    def one_round(self) -> None:
        for query in self.queries:
            started = time.monotonic()
            try:
                with self.engine.connect() as conn:
                    conn.execute(query).all()
            except sa.exc.DBAPIError as exc:
                self.errors.append(f"{query.get_final_froms()[0].name}: {type(exc.orig).__name__}")
            self.longest = max(self.longest, time.monotonic() - started)
        self.rounds += 1

    def run(self) -> None:
        deadline = time.monotonic() + 120
        while not self.stop.is_set() and time.monotonic() < deadline:
            self.one_round()


def test_migrations_run_while_the_previous_release_reads(request):
    if request.config.getoption("--db") != "postgres":
        pytest.skip("PostgreSQL's locks are what this measures: runs with --db=postgres (make test does)")
    request.getfixturevalue("app")  # its instance folder, not the working directory
    database_url = request.getfixturevalue("database_url")
    from flask_migrate import upgrade

    from lms import create_app
    from lms.extensions import db

    name = f"upgrade_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = database_url.rsplit("/", 1)[0] + f"/{name}"
    other = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "RATELIMIT_ENABLED": False})
    reader_engine = sa.create_engine(url, pool_size=2)
    outcomes = {}
    try:
        with other.app_context():
            upgrade(revision=POPULATE_AT)
            with db.engine.begin() as conn:
                _populate(conn)
            later = [rev for rev, _down in _revisions(other)]
            for revision in later[later.index(POPULATE_AT) + 1:]:
                previous = PreviousRelease(reader_engine)
                reader = threading.Thread(target=previous.run)
                reader.start()
                started = time.monotonic()
                try:
                    db.session.remove()
                    upgrade(revision=revision)
                finally:
                    took = time.monotonic() - started
                    previous.stop.set()
                    reader.join(timeout=150)
                previous.one_round()  # and once more, on the migrated schema
                outcomes[revision] = (sorted(set(previous.errors)), round(previous.longest, 2),
                                      previous.rounds, round(took, 2))
            db.session.remove()
            db.engine.dispose()
    finally:
        reader_engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(outcomes)
    for revision, (errors, longest, rounds, took) in outcomes.items():
        assert rounds >= 2, (revision, outcomes)
        if revision in STOP_FIRST:
            assert errors, f"{revision} no longer breaks the previous release: take it out of STOP_FIRST and the README"
            continue
        assert not errors, f"{revision} breaks the previous release's reads: {errors}"
        if revision in HOLDS_READS:
            # Held for most of the migration, however fast this machine is.
            assert longest >= took / 2, f"{revision} no longer holds reads: update HOLDS_READS and the README"
        else:
            assert longest < LONGEST_READ_SECONDS, f"{revision} held reads for {longest} s"
