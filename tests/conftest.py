"""Fixtures: the app on SQLite or on a private PostgreSQL server, a client, a CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings

# A wall-clock deadline per example measures the machine's load, not the code: CI shares 2 cores.
settings.register_profile("lms", deadline=None)
settings.load_profile("lms")

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def pytest_addoption(parser):
    parser.addoption("--db", choices=["sqlite", "postgres"], default="sqlite",
                     help="database the suite runs on")


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    if request.config.getoption("--db") == "postgres":
        from tests.pg import PostgresServer

        server = PostgresServer()
        url = server.start()
        yield url
        server.stop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["LMS_INSTANCE_PATH"] = str(instance)
    from flask_migrate import upgrade

    from lms import create_app

    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "LMS_COURSES_DIR": str(Path(__file__).parent / "fixtures" / "courses" / "valid"),
        "SERVER_NAME": "localhost",
        # Queued tasks run at once, in the test's process (tests/test_tasks.py runs a real consumer).
        "LMS_TASKS_IMMEDIATE": True,
        # Hashing is not what most tests test: a cheap scrypt (tests/test_auth.py proves the
        # full cost outside the suite's config).
        "LMS_TEST_CHEAP_PASSWORD_HASH": True,
    })
    with app.app_context():
        upgrade()  # the real migrations build the schema
    yield app
    _dispose(app)


def _dispose(app):
    from lms.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Every test starts from empty tables (real commits, so transactions are real too)."""
    yield
    # A test that builds a second app re-initialises the shared limiter object; the suite's
    # own app runs with limits off, so put them off again for the tests that follow.
    from lms.extensions import limiter

    limiter.enabled = False
    # Tests change a version's content in place, under the same content hash, which the
    # platform itself never does; the next test starts from empty per-process caches.
    from lms.catalog import cache

    cache.CONTENT.clear()
    cache.LESSONS.clear()
    cache.MODULE_PAGES.clear()
    cache.TITLES.clear()
    cache.MY_LEARNING.clear()
    cache.VERSIONS.clear()
    cache.QUIZ_PAGES.clear()
    cache.ATTEMPT_PAGES.clear()
    cache.ROLE_PLAY_STEPS.clear()
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from lms.extensions import db

    with app.app_context():
        db.session.remove()
        existing = set(sa.inspect(db.engine).get_table_names())
        # Only tables the migrations made: a model without its migration fails its own test.
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name in existing]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())


@pytest.fixture(scope="session")
def data_app(app):
    """A twin of the app for test setup: its own app context and session, so requests
    made by the client never share the test's session (as in production)."""
    from lms import create_app

    twin = create_app(dict(app.config))
    yield twin
    _dispose(twin)


@pytest.fixture
def ctx(data_app):
    with data_app.app_context():
        yield
        from lms.extensions import db

        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class Clock:
    """The sign-in throttle's clock, moved by hand."""

    def __init__(self):
        from lms.timeutil import utcnow

        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    from lms.auth import throttle

    fake = Clock()
    monkeypatch.setattr(throttle, "utcnow", fake)
    return fake
