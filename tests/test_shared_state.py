"""Several app servers: rate limits counted in one shared Redis, forwarded headers believed
only from the configured proxies, a readiness check a load balancer can ask."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def redis_url():
    server = RedisServer()
    yield server.start()
    server.stop()


@pytest.fixture
def make_app(app, monkeypatch):
    """An app built from the environment the way a server builds it (not the test config's
    rate-limit settings); the shared limiter goes back to the suite's settings afterwards."""
    from lms import create_app
    from lms.extensions import limiter

    def make(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost",
                           "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})

    yield make
    monkeypatch.delenv("LMS_REDIS_URL", raising=False)
    create_app(dict(app.config))  # the limiter back on the suite's memory storage, off
    limiter.enabled = False


# An empty sign-in form is counted by the per-address limit (20 a minute) and by nothing else.
def _post_login(client, **headers):
    return client.post("/login", data={}, headers=headers).status_code


OTHER_SERVER = """
import json, sys
from lms import create_app
app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost",
                  "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
client = app.test_client()
print(json.dumps([client.post("/login", data={}).status_code for _ in range(int(sys.argv[2]))]))
"""


def _other_server_posts(database_url: str, count: int, redis_url: str) -> list[int]:
    env = dict(os.environ, LMS_REDIS_URL=redis_url)
    out = subprocess.run([sys.executable, "-c", OTHER_SERVER, database_url, str(count)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_sign_in_limit_counts_every_server_together_in_redis(make_app, redis_url, app):
    here = make_app(LMS_REDIS_URL=redis_url).test_client()
    assert [_post_login(here) for _ in range(10)] == [200] * 10
    # Another process (another server) with the same Redis uses up the rest of the minute.
    assert _other_server_posts(app.config["SQLALCHEMY_DATABASE_URI"], 10, redis_url) == [200] * 10
    response = here.post("/login", data={})
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)


def test_forwarded_addresses_are_ignored_unless_a_proxy_is_trusted(make_app):
    client = make_app(LMS_TRUSTED_PROXIES="0").test_client()
    # A client cannot escape the limit by inventing X-Forwarded-For addresses.
    codes = [_post_login(client, **{"X-Forwarded-For": f"10.0.0.{n}"}) for n in range(21)]
    assert codes[:20] == [200] * 20 and codes[20] == 429


def test_behind_one_trusted_proxy_each_client_address_has_its_own_limit(make_app):
    client = make_app(LMS_TRUSTED_PROXIES="1").test_client()
    first = {"X-Forwarded-For": "10.0.0.1", "X-Forwarded-Proto": "https"}
    assert [_post_login(client, **first) for _ in range(20)] == [200] * 20
    assert _post_login(client, **first) == 429
    # Another officer behind the same proxy is not held back by the first one's requests.
    assert _post_login(client, **{"X-Forwarded-For": "10.0.0.2"}) == 200
    # Only the last hop is believed: an address the client prepended does not count.
    assert _post_login(client, **{"X-Forwarded-For": "10.9.9.9, 10.0.0.1"}) == 429


def test_readiness_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "database": "ok"}


def test_readiness_checks_redis_when_configured(make_app, redis_url):
    response = make_app(LMS_REDIS_URL=redis_url).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "database": "ok", "rate_limit_store": "ok"}


def test_readiness_fails_while_redis_is_unreachable_but_liveness_does_not(make_app):
    served = make_app(LMS_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0").test_client()
    response = served.get("/readyz")
    assert response.status_code == 503
    assert response.json["rate_limit_store"] == "unavailable"
    assert response.json["status"] == "not ready"
    assert served.get("/healthz").status_code == 200
    # Sign-in still answers (counted in memory until Redis is back), never an error page.
    assert _post_login(served) == 200


def test_readiness_fails_when_the_database_is_unreachable(make_app):
    from lms import create_app

    broken = create_app({"TESTING": True, "SERVER_NAME": "localhost",
                         "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://lms@127.0.0.1:{free_port()}/x",
                         "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "unavailable"


def test_static_urls_carry_a_hash_of_the_file(app):
    import hashlib

    with app.test_request_context():
        from flask import url_for

        url = url_for("static", filename="lms.css")
    digest = hashlib.sha256((ROOT / "lms" / "static" / "lms.css").read_bytes()).hexdigest()[:12]
    assert url.endswith(f"/static/lms.css?v={digest}")
    assert app.test_client().get(url).status_code == 200


def test_while_the_database_is_restarting_pages_answer_503_not_500(make_app, client, ctx):
    from lms import create_app
    from lms.extensions import db
    from tests.factories import login, make_user

    make_user(number="DB-1")
    db.session.commit()
    login(client, "DB-1")
    cookie = client.get_cookie("session")
    down = create_app({"TESTING": True, "SERVER_NAME": "localhost",
                       "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://lms@127.0.0.1:{free_port()}/x",
                       "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    other = down.test_client()
    other.set_cookie("session", cookie.value, domain="localhost")
    # A signed-in page: even finding out who is signed in needs the database.
    response = other.get("/learning")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.get_data(as_text=True)


def test_a_connection_lost_after_the_last_query_does_not_turn_the_answer_into_an_error(request, make_app):
    if request.config.getoption("--db") != "postgres":
        pytest.skip("a PostgreSQL server ending a session is what this checks: runs with --db=postgres")
    import time

    import sqlalchemy as sa

    from lms.extensions import db

    served = make_app()
    admin = sa.create_engine(served.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)

    @served.after_request
    def database_restarts_now(response):
        # The request has queried; its connection is ended by the server before the request ends.
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        time.sleep(0.3)
        return response

    try:
        assert served.test_client().get("/healthz").status_code == 200
    finally:
        admin.dispose()


def test_a_page_read_without_the_session_survives_the_server_ending_its_connection(request, make_app, ctx):
    """The officer's pages read through their own pooled connection (lms.reads): the server
    ending it after the page's reads costs neither this answer nor the next request."""
    if request.config.getoption("--db") != "postgres":
        pytest.skip("a PostgreSQL server ending a session is what this checks: runs with --db=postgres")
    import time

    import sqlalchemy as sa
    from flask import g

    from lms.extensions import db
    from lms.reads import _HELD
    from tests.factories import login, make_user

    make_user(number="DB-2").name_native = "Ерлан Сейітов"
    db.session.commit()
    served = make_app()
    admin = sa.create_engine(served.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    ended = []

    @served.after_request
    def database_ends_the_read_connection(response):
        held = g.get(_HELD)
        if held is not None:
            cursor = held.dbapi_connection.cursor()
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
            cursor.close()
            with admin.connect() as conn:
                conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            time.sleep(0.3)
            ended.append(pid)
        return response

    try:
        client = served.test_client()
        login(client, "DB-2")
        for _ in range(2):
            response = client.get("/about")
            assert response.status_code == 200 and "Ерлан Сейітов" in response.get_data(as_text=True)
        assert len(ended) == 2 and ended[0] != ended[1]
    finally:
        admin.dispose()


def test_after_the_database_server_ends_every_connection_pages_read_on_new_ones(request, make_app, ctx):
    """As after a PostgreSQL restart: every connection waiting in the read pool is dead, and
    the first read that finds one starts the pool afresh (lms.reads), so no page fails."""
    if request.config.getoption("--db") != "postgres":
        pytest.skip("a PostgreSQL server ending its sessions is what this checks: runs with --db=postgres")
    import sqlalchemy as sa

    from lms import reads
    from lms.extensions import db
    from tests.factories import login, make_user

    make_user(number="DB-3").name_native = "Дильноза Каримова"
    db.session.commit()
    served = make_app()
    client = served.test_client()
    login(client, "DB-3")
    assert client.get("/about").status_code == 200
    with served.app_context():
        reader = reads.read_engine(db.engine)
    waiting = [reader.raw_connection() for _ in range(3)]  # several connections in the pool
    for connection in waiting:
        connection.close()
    admin = sa.create_engine(served.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            ended = conn.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
                " AND datname = current_database() AND backend_type = 'client backend'")).scalar()
        assert ended >= 3
        for _ in range(2):
            response = client.get("/about")
            assert response.status_code == 200 and "Дильноза Каримова" in response.get_data(as_text=True)
    finally:
        admin.dispose()
