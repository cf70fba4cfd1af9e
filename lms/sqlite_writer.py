"""SQLite's one writer at a time, handed on within a millisecond: an OS lock around each write transaction.

SQLite lets one connection write at a time. A connection that finds another writing waits in
SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25 ... ms between looks: a write
section of 9 ms (a quiz submit, commit included) can keep the next writer asleep for 18.
Python's sqlite3 offers no other handler. So each write transaction here first takes an
exclusive flock on a file next to the database, asked for again every half millisecond
while another holds it, so the next writer starts within a millisecond of the last one's
commit or rollback.

Where a transaction begins: in the sqlite3 module's default mode (the one SQLAlchemy uses),
reads run outside any transaction and the module itself sends BEGIN just before the first
INSERT, UPDATE, DELETE or REPLACE while none is open. The lock is taken at that same point,
and released after the COMMIT or ROLLBACK that ends the transaction; a failed first statement
that leaves no transaction open releases it at once. A killed process holds nothing: the
kernel drops its flocks, and a connection object that is collected closes its lock file.

What it cannot do is wait for itself: a thread that already writes through one connection
and starts a write through a second one (a test's setup session beside a request) takes no
lock for the second; SQLite's own wait decides there, as before. No reader ever takes the
lock, and a transaction takes it before its first write (so before SQLite's write lock),
so it never waits for it while holding SQLite's lock. PostgreSQL is not concerned.

The wait is bounded, as SQLite's own is: a writer that does not get the lock within the
connection's busy timeout (5 s unless set) goes on without it, and SQLite's busy handler
decides as it did before this lock ("database is locked" once its own timeout passes). A
stalled writer (a long `lms courses load`, a stopped process) thus costs a request a clear
"try again" answer instead of a wait without end. (A blocking flock would wake the next
writer at once, but cannot be given a time limit from a worker's thread.)

The price: SQLite's automatic checkpoint (every 1,000 pages of log) runs inside the COMMIT
that crosses it, so the next writer now waits for it too, where SQLite's own lock would
already have let it write.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from typing import IO

# The statements before which the sqlite3 module begins a transaction (its "DML" test).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

# How often a waiting writer asks for the lock again (seconds).
_POLL = 0.0005

# The connection through which this thread holds the lock, if any.
_this_thread = threading.local()


def begins_write(sql: str) -> bool:
    """Whether the sqlite3 module begins a transaction before `sql` (when none is open)."""
    return sql.lstrip()[:7].upper().startswith(_WRITES)


def lock_path(database: str) -> str:
    """The lock file of a database file."""
    return database + "-writer"


class Connection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions take the database's writer lock."""

    def __init__(self, database, *args, **kwargs) -> None:
        super().__init__(database, *args, **kwargs)
        # sqlite3.connect's own busy timeout (its second argument), 5 s by default.
        self._wait = float(kwargs.get("timeout", args[0] if args else 5.0))
        path = os.fspath(database)
        self._lock_path = None if kwargs.get("uri") or path in ("", ":memory:") else lock_path(path)
        self._lock_file: IO[bytes] | None = None
        self._locked = False

    def cursor(self, factory=None):
        return super().cursor(factory or Cursor)

    # The shortcuts make their cursor in C, without cursor(): through ours instead.
    def execute(self, sql, parameters=(), /):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        return self.cursor().executemany(sql, seq_of_parameters)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            if not self.in_transaction:
                self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()
            if self._lock_file is not None:
                self._lock_file.close()
                self._lock_file = None

    def _take_before(self, sql: str) -> bool:
        """Take the lock when `sql` begins a write transaction; whether it was taken."""
        if (self._lock_path is None or self.in_transaction or self.isolation_level is None
                or not begins_write(sql)):
            return False
        holder = getattr(_this_thread, "holder", None)
        if holder is not None and holder._locked:
            return False  # this thread writes through another connection: it would wait for itself
        if self._lock_file is None:
            self._lock_file = open(self._lock_path, "ab")  # noqa: SIM115 (kept open with the connection)
        if not self._lock_within(self._wait):
            return False  # a stalled writer: SQLite's own busy wait decides, as without the lock
        self._locked = True
        _this_thread.holder = self
        return True

    def _lock_within(self, seconds: float) -> bool:
        assert self._lock_file is not None
        deadline = time.monotonic() + seconds
        while True:
            try:
                fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(_POLL)

    def _release(self) -> None:
        if self._locked:
            self._locked = False
            if getattr(_this_thread, "holder", None) is self:
                _this_thread.holder = None
            assert self._lock_file is not None
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)


class Cursor(sqlite3.Cursor):
    def execute(self, sql, parameters=(), /):
        return self._locked_if_writing(sql, super().execute, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        return self._locked_if_writing(sql, super().executemany, seq_of_parameters)

    def _locked_if_writing(self, sql, run, parameters):
        connection = self.connection
        if not connection._take_before(sql):
            return run(sql, parameters)
        try:
            return run(sql, parameters)
        finally:
            if not connection.in_transaction:  # the statement failed before its transaction began
                connection._release()
