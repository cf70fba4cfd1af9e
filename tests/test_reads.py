"""Reads sent straight to the driver (lms.reads): the officer's pages open no ORM session,
hand their connection back, see what the request wrote, and fail as SQLAlchemy would."""

from datetime import datetime

import pytest
import sqlalchemy as sa

from lms import reads
from lms.auth import account
from lms.extensions import db
from lms.learning.course_access import course_page
from lms.org.models import Role, User
from lms.reads import DriverSelect
from tests.course_helpers import COURSE, enrol, load_sample
from tests.factories import login, make_user

M1 = "01-admission-basics"
ROLE_PLAY = "02-role-play-admission"


def test_officer_pages_open_no_session_and_give_their_connection_back(app, client, ctx):
    load_sample()
    me = make_user(number="R-1")
    me.name_native = "Айгүл Сейтқали"
    db.session.commit()
    login(client, me)
    enrol(client)
    client.post(f"/courses/{COURSE}/modules/{M1}/read")
    begun = []

    def session_begins(_session, transaction):
        if transaction.parent is None:
            begun.append(transaction)

    with app.app_context():
        pools = {db.engine.pool, reads.read_engine(db.engine).pool}
    pages = {"/about": "Айгүл Сейтқали", f"/courses/{COURSE}/modules/{M1}": "Айгүл Сейтқали",
             f"/courses/{COURSE}/modules/{M1}/quiz": "Айгүл Сейтқали",
             f"/courses/{COURSE}/modules/{ROLE_PLAY}/scenario": "Айгүл Сейтқали",
             "/learning": "First steps: respectful admission"}
    for path, shown in pages.items():
        assert client.get(path).status_code == 200  # warm: the course's content is cached
        sa.event.listen(sa.orm.Session, "after_transaction_create", session_begins)
        try:
            response = client.get(path)
        finally:
            sa.event.remove(sa.orm.Session, "after_transaction_create", session_begins)
        assert response.status_code == 200 and shown in response.get_data(as_text=True), path
        assert begun == [], path
        assert [pool.checkedout() for pool in pools] == [0] * len(pools), path


def test_the_lesson_page_shows_progress_read_without_the_session(client, ctx):
    version = load_sample()
    me = make_user(number="R-2")
    db.session.commit()
    login(client, me)
    enrol(client)
    page = f"/courses/{COURSE}/modules/{M1}"
    assert "I have read this lesson" in client.get(page).get_data(as_text=True)
    client.post(f"{page}/read")
    found = course_page(me, COURSE, M1)
    assert found.version.id == version.id and found.access.may_take_part and found.started
    assert isinstance(found.progress.lesson_read_at, datetime) and found.progress.quiz_passed_at is None
    assert "Lesson read" in client.get(page).get_data(as_text=True)


def test_a_read_sees_what_the_session_wrote_and_has_not_committed(ctx):
    user = make_user(number="R-3")
    db.session.flush()  # written in the session's transaction, not committed
    loaded = account.load(user.id, user.session_version)
    assert loaded is not None and loaded.id == user.id
    db.session.rollback()
    assert account.load(user.id, 0) is None


def test_a_session_beginning_takes_the_read_connection_back(app, ctx):
    user = make_user(number="R-4")
    db.session.commit()
    user_id, version = user.id, user.session_version
    with app.app_context():
        session_pool, read_pool = db.engine.pool, reads.read_engine(db.engine).pool
        out = session_pool.checkedout if session_pool is read_pool else (
            lambda: session_pool.checkedout() + read_pool.checkedout())
        assert account.load(user_id, version) is not None
        assert read_pool.checkedout() == 1 and out() == 1  # held for the request's next reads
        db.session.execute(sa.select(sa.literal(1)))
        assert session_pool.checkedout() == 1 and out() == 1  # the session's, and only it
        assert account.load(user_id, version) is not None  # on the session's connection
        assert out() == 1
        db.session.commit()
    assert out() == 0


def test_values_come_as_their_columns_types_give_them(ctx):
    user = make_user(role=Role.TRAINER, number="R-5")
    db.session.commit()
    loaded = account.load(user.id, user.session_version)
    assert loaded.role is Role.TRAINER
    assert loaded.must_change_password is False and loaded.is_active_account is True
    assert loaded == db.session.get(User, user.id)


def test_statements_the_driver_cannot_take_as_written_are_refused(ctx):
    users = User.__table__
    listed = DriverSelect(sa.select(users.c.id).where(users.c.id.in_(sa.bindparam("ids", expanding=True))))
    with pytest.raises(ValueError, match="plain bound parameters"):
        listed.rows(ids=[1, 2])
    with pytest.raises(ValueError, match="no Numeric column"):
        DriverSelect(sa.select(sa.cast(users.c.id, sa.Numeric(10, 2)))).rows()


def test_driver_errors_come_as_sqlalchemy_errors_and_the_next_read_works(ctx):
    user = make_user(number="R-6")
    db.session.commit()
    user_id, version = user.id, user.session_version
    db.session.remove()  # no session transaction: reads use their own connection
    missing = DriverSelect(sa.select(sa.table("no_such_table", sa.column("x")).c.x))
    with pytest.raises(sa.exc.DBAPIError):
        missing.rows()
    assert account.load(user_id, version) is not None


def test_listeners_are_given_a_connection_as_sqlalchemy_gives_them(app, ctx):
    user = make_user(number="R-7")
    db.session.commit()
    user_id, version = user.id, user.session_version
    seen = []

    def listener(conn, _cursor, statement, _parameters, _context, _executemany):
        seen.append((conn.connection.dbapi_connection.cursor is not None, statement.split()[0]))

    with app.app_context():
        engine = db.engine
        pool = reads.read_engine(engine).pool
        assert account.load(user_id, version) is not None  # its connection taken with no listener
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            assert account.load(user_id, version) is not None
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        assert pool.checkedout() == 1  # still the one connection
    assert pool.checkedout() == 0
    assert seen == [(True, "SELECT")]


def test_reads_take_their_own_connections_in_autocommit_without_a_ping_where_a_server_can_restart(app):
    """On PostgreSQL a read is one round trip: its own pool in autocommit, no ping (a connection
    the server ended is found by the read, which is sent again: tests/test_shared_state.py).
    On SQLite the app's own engine: no server, no ping, no transaction for a SELECT."""
    with app.app_context():
        engine = db.engine
        reader = reads.read_engine(engine)
        if engine.dialect.name == "sqlite":
            assert reader is engine and engine.pool._pre_ping is False
            return
        assert reader is not engine and reader.url == engine.url and reads.read_engine(engine) is reader
        assert reader.pool._pre_ping is False and engine.pool._pre_ping is True
        _connection, dbapi_connection, own, fresh = reads._connection(engine, False)
        assert own and fresh and dbapi_connection.autocommit is True
        # The session's connections are not in autocommit: its writes stay one transaction.
        assert db.session.connection().connection.dbapi_connection.autocommit is False
