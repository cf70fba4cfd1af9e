import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lms.extensions import db
from tests.factories import make_user


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


# SQLite's reflection skips indexes on expressions (lower(personnel_number)); PostgreSQL's
# does not, and the same test there compares them.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrated_schema_equals_the_models(app):
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_migrations_run_down_and_up_again_with_data(app, database_url, tmp_path):
    from flask_migrate import downgrade, upgrade

    from lms import create_app

    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    else:
        # A database of its own on the same server, away from the suite's tables.
        admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.execute(sa.text("DROP DATABASE IF EXISTS roundtrip"))
            conn.execute(sa.text("CREATE DATABASE roundtrip"))
        admin.dispose()
        url = database_url.rsplit("/", 1)[0] + "/roundtrip"
    other = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with other.app_context():
        upgrade()
        make_user()
        db.session.commit()
        db.session.remove()
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert "users" in sa.inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()


def _scratch_database(database_url: str, tmp_path, name: str) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / (name + '.sqlite3')}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return database_url.rsplit("/", 1)[0] + "/" + name


def test_course_content_migration_keeps_every_version_and_stores_it_as_utf8(app, database_url, tmp_path):
    """c4d8e2a6f1b3 moves each version's content out of course_versions, written again as
    UTF-8, and the downgrade puts it back: nothing is lost either way."""
    import json

    from flask_migrate import downgrade, upgrade

    from lms import create_app

    before = "5b7c9d1e2f30"
    contents = {1: {"title": {"ru": "Правила Нельсона Манделы", "ar": "قواعد نيلسون مانديلا"}, "modules": []},
                2: {"title": {"kk": "Қауіпсіздік", "tg": "Амният ҳуҷҷат"}, "modules": [{"id": "m"}]}}
    other = create_app({"SQLALCHEMY_DATABASE_URI": _scratch_database(database_url, tmp_path, "contents"),
                        "TESTING": True})
    with other.app_context():
        upgrade(revision=before)
        pg = db.engine.dialect.name == "postgresql"
        versions = sa.table("course_versions", *(sa.column(c) for c in (
            "id", "course_id", "version", "content", "content_hash", "loaded_at")))
        stored_contents = sa.table("course_contents", sa.column("course_version_id"), sa.column("content"))
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO courses (id, current_version, is_published, is_open, created_at) "
                                 "VALUES ('c', 2, true, true, CURRENT_TIMESTAMP)"))
            for number, content in contents.items():
                # As the previous release wrote it: every letter outside ASCII escaped.
                raw = sa.literal(json.dumps(content), sa.Text)
                conn.execute(sa.insert(versions).values(
                    id=number, course_id="c", version=number, content=sa.cast(raw, sa.JSON) if pg else raw,
                    content_hash=f"hash-{number}", loaded_at=sa.func.current_timestamp()))
        upgrade()
        with db.engine.connect() as conn:
            stored = dict(conn.execute(sa.select(stored_contents.c.course_version_id,
                                                 sa.cast(stored_contents.c.content, sa.Text))).all())
        assert {k: json.loads(v) for k, v in stored.items()} == contents
        assert "Правила Нельсона Манделы" in stored[1] and "قواعد" in stored[1] and "\\u" not in stored[1]
        assert "content" not in {c["name"] for c in sa.inspect(db.engine).get_columns("course_versions")}
        from lms.catalog.models import CourseVersion

        version = db.session.get(CourseVersion, 2)
        assert version.content == contents[2] and version.content["title"]["tg"] == "Амният ҳуҷҷат"
        db.session.remove()
        downgrade(revision=before)
        with db.engine.connect() as conn:
            back = dict(conn.execute(sa.select(versions.c.id, sa.cast(versions.c.content, sa.Text))).all())
        assert {k: json.loads(v) for k, v in back.items()} == contents
        assert "course_contents" not in sa.inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()


def test_enrolment_scores_migration_fills_both_scores_from_the_completions_and_attempts(app, database_url, tmp_path):
    """b6e2d4f8a1c3 keeps on each enrolment the final score of the latest version's
    completion and the first submitted pre-test attempt's score, filled from the rows
    already there; the downgrade takes the columns away again."""
    from datetime import UTC, datetime

    from flask_migrate import downgrade, upgrade

    from lms import create_app

    before = "d1f3a5c7e902"
    other = create_app({"SQLALCHEMY_DATABASE_URI": _scratch_database(database_url, tmp_path, "scores"),
                        "TESTING": True})
    with other.app_context():
        upgrade(revision=before)
        ids = [make_user(number=f"S-{n}").id for n in range(5)]
        db.session.commit()
        now = datetime(2026, 11, 1, tzinfo=UTC)
        enrolments = sa.table("enrolments", *(sa.column(c) for c in (
            "user_id", "course_id", "enrolled_at", "completed_at", "reminded")))
        completions = sa.table("course_completions", *(sa.column(c) for c in (
            "user_id", "course_id", "course_version", "completed_at", "final_score")))
        attempts = sa.table("quiz_attempts", sa.column("layout", sa.JSON), sa.column("draft", sa.JSON),
                            *(sa.column(c) for c in ("user_id", "course_id", "course_version", "module_id",
                                                     "quiz_id", "number", "is_pre_test", "started_at",
                                                     "submitted_at", "score", "passed")))

        def attempt(user_id, number, score, submitted=True):
            return dict(user_id=user_id, course_id="c", course_version=1, module_id="pre", quiz_id="q",
                        number=number, is_pre_test=True, layout=[], draft={}, started_at=now,
                        submitted_at=now if submitted else None, score=score if submitted else None,
                        passed=False)

        once, newer, skipped, twice, open_only = ids
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO courses (id, current_version, is_published, is_open, created_at) "
                                 "VALUES ('c', 2, true, true, CURRENT_TIMESTAMP)"))
            conn.execute(sa.insert(enrolments), [
                dict(user_id=i, course_id="c", enrolled_at=now, reminded="",
                     completed_at=now if i in (once, newer, skipped) else None) for i in ids])
            conn.execute(sa.insert(completions), [
                dict(user_id=once, course_id="c", course_version=1, completed_at=now, final_score=80),
                dict(user_id=newer, course_id="c", course_version=2, completed_at=now, final_score=65),
                dict(user_id=newer, course_id="c", course_version=1, completed_at=now, final_score=90),
                dict(user_id=skipped, course_id="c", course_version=1, completed_at=now, final_score=70)])
            conn.execute(sa.insert(attempts), [attempt(once, 1, 40), attempt(newer, 1, 30), attempt(twice, 1, 20),
                                               attempt(twice, 2, 95), attempt(open_only, 1, 0, submitted=False)])
        upgrade()
        with db.engine.connect() as conn:
            got = conn.execute(sa.text("SELECT user_id, final_score, pre_test_score FROM enrolments")).all()
        assert {u: (f, p) for u, f, p in got} == {
            once: (80, 40), newer: (65, 30), skipped: (70, None), twice: (None, 20), open_only: (None, None)}
        db.session.remove()
        downgrade(revision=before)
        assert "final_score" not in {c["name"] for c in sa.inspect(db.engine).get_columns("enrolments")}
        upgrade()
        db.session.remove()
        db.engine.dispose()


def test_error_pages_are_translated(client):
    client.get("/language/ru")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Страница не найдена" in response.get_data(as_text=True)


def test_internal_error_shows_a_translated_page_without_details(app):
    from lms import create_app

    fresh = create_app(dict(app.config, TESTING=False))

    @fresh.get("/boom-test")
    def boom():
        raise RuntimeError("secret detail")

    boom._access = "public"
    client = fresh.test_client()
    client.get("/language/ru")
    response = client.get("/boom-test")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "secret detail" not in page
    assert "Что-то пошло не так" in page


def test_pages_load_nothing_from_other_hosts(client, ctx):
    import re

    for path in ("/login", "/about"):
        page = client.get(path).get_data(as_text=True)
        for url in re.findall(r'(?:src|href|action)="([^"]+)"', page):
            assert not re.match(r"^(https?:)?//", url), url


def test_pages_are_compressed_for_slow_links(client):
    """A browser that takes gzip and Brotli gets gzip (ISA-L's, cheaper to make and smaller),
    which unpacks to the very page; a client that takes only Brotli still gets Brotli."""
    import gzip

    import brotli

    plain = client.get("/login", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    for accepted in ("gzip", "gzip, deflate, br", "br, gzip", "gzip, deflate, br, zstd"):
        response = client.get("/login", headers={"Accept-Encoding": accepted})
        assert response.headers.get("Content-Encoding") == "gzip", accepted
        assert "Accept-Encoding" in response.headers["Vary"]
        assert len(response.data) < len(plain.data) / 2
        assert gzip.decompress(response.data) == plain.data
    response = client.get("/login", headers={"Accept-Encoding": "gzip;q=0, br"})
    assert response.headers.get("Content-Encoding") == "br"
    assert brotli.decompress(response.data) == plain.data


def test_a_web_worker_loads_neither_migrations_nor_the_task_queue_at_start_up(tmp_path):
    """Alembic with Flask-Migrate (about 10 MiB) and huey with the clients of its stores (about
    15 MiB) are loaded where they are used: by the `lms db` commands, the tests, and the first
    job put on the queue; a web worker that serves pages keeps that memory."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, LMS_INSTANCE_PATH=str(tmp_path), LMS_DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3")
    code = ("import sys; from lms import create_app; create_app(); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'flask_migrate', 'huey'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True, env=env)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    # The command line still has its migration commands.
    cli = subprocess.run([sys.executable, "-c", "from lms.cli import main; main()", "db", "upgrade"],
                         capture_output=True, text=True, timeout=300, env=env)
    assert cli.returncode == 0, cli.stderr
    current = subprocess.run([sys.executable, "-c", "from lms.cli import main; main()", "db", "current"],
                             capture_output=True, text=True, timeout=120, env=env)
    assert "(head)" in current.stdout, current.stdout + current.stderr


_FIRST_PAGE = """
import sys
from lms import create_app
from lms.extensions import db

app = create_app()
with app.app_context():
    db.create_all()
compiled = []
compile_template = app.jinja_env.compile
app.jinja_env.compile = lambda source, name=None, *args, **kw: compiled.append(name) or compile_template(
    source, name, *args, **kw)
assert app.test_client().get("/login").status_code == 200
print("compiled", sorted(set(compiled)))
print("signing library loaded", "cryptography" in sys.modules)
from lms.certificates.keys import KeyStore
KeyStore(app.instance_path + "/keys").current()
print("after signing", "cryptography" in sys.modules)
"""


def test_a_new_worker_serves_its_first_page_without_compiling_templates_or_loading_cryptography(tmp_path):
    """A worker's cold start: the templates compiled by an earlier worker are read from the
    instance folder's template cache, and cryptography (about 6 MiB) waits for the first
    certificate signed or checked."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, LMS_INSTANCE_PATH=str(tmp_path), LMS_DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3")

    def worker() -> list[str]:
        out = subprocess.run([sys.executable, "-c", _FIRST_PAGE], capture_output=True, text=True, timeout=120,
                             env=env)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip().splitlines()[-3:]

    first = worker()
    assert "auth/login.html" in first[0] and "base.html" in first[0]
    assert first[1:] == ["signing library loaded False", "after signing True"]
    assert worker() == ["compiled []", "signing library loaded False", "after signing True"]


_SIGNED_IN_COOKIE = """
from flask import session
from flask_login import login_user
from lms import create_app
from lms.extensions import db
from tests.factories import make_user

app = create_app()
with app.app_context():
    db.create_all()
    officer = make_user(number="o1")
    db.session.commit()
    with app.test_request_context("/", headers={"User-Agent": "fresh-worker-test"}):
        login_user(officer)
        print(app.session_interface.get_signing_serializer(app).dumps(dict(session)))
"""

_FRESH_WORKER = """
import os, sys
import werkzeug.routing.rules

builders = []
compile_builder = werkzeug.routing.rules.Rule._compile_builder
werkzeug.routing.rules.Rule._compile_builder = lambda rule, *args: builders.append(rule.rule) or compile_builder(
    rule, *args)
from lms import create_app

app = create_app()
print("builders compiled at start", len(builders), "of", len(list(app.url_map.iter_rules())))
client = app.test_client()
assert client.get("/healthz").status_code == 200
client.set_cookie(app.config["SESSION_COOKIE_NAME"], os.environ["SIGNED_IN_COOKIE"])
page = client.get("/learning", headers={"User-Agent": "fresh-worker-test"})
assert page.status_code == 200 and b'action="/logout"' in page.data, page.status_code
print("builders compiled for the first pages", len(builders))
with app.test_request_context():
    from flask import url_for

    print(url_for("catalog.module", course_id="a b", module_id="m", rule="r", next="/x?y"))
"""


def test_a_new_worker_compiles_url_builders_only_for_the_urls_its_pages_build(tmp_path):
    """Werkzeug compiles a function that builds each rule's URLs; a new worker compiles it
    when url_for first needs it, not for every rule at start (about a sixth of create_app).
    Every route is still registered at start (the URL map is walked by the access test)."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, LMS_INSTANCE_PATH=str(tmp_path), LMS_DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3")
    setup = subprocess.run([sys.executable, "-c", _SIGNED_IN_COOKIE], capture_output=True, text=True, timeout=120,
                           env=env)
    assert setup.returncode == 0, setup.stderr
    env["SIGNED_IN_COOKIE"] = setup.stdout.strip().splitlines()[-1]
    out = subprocess.run([sys.executable, "-c", _FRESH_WORKER], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    start, first_pages, url = out.stdout.strip().splitlines()[-3:]
    words = start.split()
    # Flask compiles its static rule's two builders in its constructor, before create_app can
    # choose the rule class; the app's own rules compile none.
    assert int(words[-3]) == 2 and int(words[-1]) > 100, start
    assert 2 < int(first_pages.split()[-1]) < 60, first_pages
    # Path variables quoted, the other values appended as a query string, as werkzeug builds them.
    assert url == "/courses/a%20b/modules/m?rule=r&next=/x?y", url


def test_the_served_app_leaves_what_its_start_made_out_of_garbage_collection(tmp_path):
    """wsgi.py (what gunicorn loads) freezes the objects the start made: a full collection in
    a worker then walks only what requests made, not every module, class and template."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, LMS_INSTANCE_PATH=str(tmp_path), LMS_DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3")
    out = subprocess.run(
        [sys.executable, "-c", "import gc, wsgi; gc.collect(); print(gc.get_freeze_count(), len(gc.get_objects()))"],
        capture_output=True, text=True, timeout=120, env=env, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.returncode == 0, out.stderr
    frozen, tracked = out.stdout.split()[-2:]
    assert int(frozen) > 50_000 and int(tracked) < int(frozen) // 10, out.stdout


def test_connections_are_pinged_before_use_only_where_a_server_can_restart(app):
    """PostgreSQL may restart under the app (a ping first costs no request an error); a SQLite
    file cannot, and a ping would be one more statement on every request."""
    from lms.extensions import db

    with app.app_context():
        engine = db.engine
    assert engine.pool._pre_ping is (engine.dialect.name != "sqlite")
