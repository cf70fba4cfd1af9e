"""SQLite's writer lock (lms.sqlite_writer): taken before a transaction's first write,
released when it ends on every path, never taken by a reader, and never waited for by the
thread that holds it."""

import fcntl
import sqlite3
import threading
import time

import pytest

from lms import sqlite_writer


def _connect(path) -> sqlite_writer.Connection:
    connection = sqlite3.connect(path, factory=sqlite_writer.Connection, timeout=5,
                                 check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


@pytest.fixture
def database(tmp_path):
    path = str(tmp_path / "db.sqlite3")
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
    return path


def _held(path) -> bool:
    """Whether some connection holds the database's writer lock (asked without waiting)."""
    with open(sqlite_writer.lock_path(path), "ab") as other:
        try:
            fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)
        return False


def test_a_write_transaction_holds_the_lock_from_its_first_write_until_commit(database):
    connection = _connect(database)
    cursor = connection.cursor()
    cursor.execute("SELECT count(*) FROM t").fetchall()
    assert not _held(database)  # a read takes nothing
    cursor.execute("INSERT INTO t (v) VALUES ('a')")
    assert _held(database)
    cursor.execute("SELECT count(*) FROM t").fetchall()
    cursor.executemany("INSERT INTO t (v) VALUES (?)", [("b",), ("c",)])
    assert _held(database)
    connection.commit()
    assert not _held(database)
    cursor.executemany("  update t SET v = v || ?", [("x",)])  # as the sqlite3 module reads it: any case, spaces
    assert _held(database)
    connection.rollback()
    assert not _held(database)
    assert cursor.execute("SELECT v FROM t ORDER BY id").fetchall() == [("a",), ("b",), ("c",)]


def test_the_lock_is_released_however_the_transaction_ends(database):
    connection = _connect(database)
    cursor = connection.cursor()
    # A first statement that fails before its transaction begins (prepared against no table).
    with pytest.raises(sqlite3.OperationalError):
        cursor.execute("INSERT INTO missing (v) VALUES ('a')")
    assert not _held(database) and not connection.in_transaction
    # One that fails inside its transaction: held until the rollback.
    cursor.execute("INSERT INTO t (v) VALUES ('a')")
    with pytest.raises(sqlite3.IntegrityError):
        cursor.execute("INSERT INTO t (v) VALUES ('a')")
    assert _held(database)
    connection.rollback()
    assert not _held(database)
    cursor.execute("INSERT INTO t (v) VALUES ('a')")
    connection.close()
    assert not _held(database)


def test_a_second_writer_waits_for_the_commit_and_then_writes(database):
    first, second = _connect(database), _connect(database)
    first.cursor().execute("INSERT INTO t (v) VALUES ('first')")
    order = []

    def write_second():
        second.cursor().execute("INSERT INTO t (v) VALUES ('second')")
        order.append("second wrote")
        second.commit()

    thread = threading.Thread(target=write_second)
    thread.start()
    time.sleep(0.2)
    order.append("first commits")
    first.commit()
    thread.join(timeout=10)
    assert order == ["first commits", "second wrote"]
    assert first.cursor().execute("SELECT v FROM t ORDER BY id").fetchall() == [("first",), ("second",)]
    assert not _held(database)


def test_a_thread_writing_through_two_connections_does_not_wait_for_itself(database):
    first, second = _connect(database), _connect(database)
    second.execute("PRAGMA busy_timeout = 100")
    first.cursor().execute("INSERT INTO t (v) VALUES ('first')")
    # Without the lock SQLite answers "locked" after its busy timeout, as it always did.
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.cursor().execute("INSERT INTO t (v) VALUES ('second')")
    second.rollback()
    first.commit()
    assert not _held(database)


def test_autocommit_and_memory_databases_take_no_lock(database):
    autocommit = sqlite3.connect(database, factory=sqlite_writer.Connection, isolation_level=None)
    autocommit.cursor().execute("INSERT INTO t (v) VALUES ('a')")
    assert not _held(database)
    memory = sqlite3.connect(":memory:", factory=sqlite_writer.Connection)
    memory.execute("CREATE TABLE t (v TEXT)")
    memory.cursor().execute("INSERT INTO t (v) VALUES ('a')")
    memory.commit()


def test_the_app_writes_through_the_lock_on_sqlite_only(app):
    from lms.extensions import db

    with app.app_context():
        dbapi = db.session.connection().connection.dbapi_connection
        db.session.rollback()
        if db.engine.dialect.name == "sqlite":
            assert isinstance(dbapi, sqlite_writer.Connection)
        else:
            assert not isinstance(dbapi, sqlite3.Connection)


def test_a_stalled_writer_delays_the_next_one_no_longer_than_the_busy_timeout(database):
    """A writer whose lock is held by a stalled process waits no longer than the connection's
    busy timeout, then goes on without it and SQLite's own lock decides, as without this lock:
    here nobody is writing in SQLite, so the write succeeds."""
    with open(sqlite_writer.lock_path(database), "ab") as stalled:
        fcntl.flock(stalled.fileno(), fcntl.LOCK_EX)  # held as by a stopped process
        connection = sqlite3.connect(database, factory=sqlite_writer.Connection, timeout=0.3)
        started = time.monotonic()
        connection.execute("INSERT INTO t (v) VALUES ('after the wait')")
        connection.commit()
        waited = time.monotonic() - started
        assert 0.3 <= waited < 3, waited
        connection.close()
    assert sqlite3.connect(database).execute("SELECT v FROM t").fetchall() == [("after the wait",)]


def test_the_next_writer_starts_soon_after_the_lock_is_released(database):
    first, second = _connect(database), _connect(database)
    first.execute("INSERT INTO t (v) VALUES ('first')")
    released = []
    thread = threading.Thread(target=lambda: (second.execute("INSERT INTO t (v) VALUES ('second')"),
                                              released.append(time.monotonic()), second.commit()))
    thread.start()
    time.sleep(0.2)
    assert not released  # still waiting for the first writer
    committed = time.monotonic()
    first.commit()
    thread.join(timeout=10)
    assert released and released[0] - committed < 0.1, released
    assert [v for (v,) in first.execute("SELECT v FROM t ORDER BY id")] == ["first", "second"]


def test_the_connections_own_execute_takes_the_lock_too(database):
    connection = _connect(database)
    connection.execute("INSERT INTO t (v) VALUES ('a')")
    assert _held(database)
    connection.rollback()
    connection.executemany("INSERT INTO t (v) VALUES (?)", [("b",)])
    assert _held(database)
    connection.commit()
    assert not _held(database)
