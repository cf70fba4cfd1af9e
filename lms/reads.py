"""The reads every officer page makes, sent straight to the database driver.

A signed-in lesson, quiz or role-play page reads two rows sets: the account, and the
course page's one query (lms.learning.course_access). Through SQLAlchemy's ORM session,
opening and closing the session cost each request about 70 µs and each SELECT about 70 µs
more than the driver takes for it (the course page's statement: 88 µs against 15 µs), on a
page of about 1.6 ms. `DriverSelect` keeps what SQLAlchemy gives these statements (a Core
SELECT on the tables' columns, compiled for the database in use, each value converted by its
column's type, every statement announced to the engine's cursor events, driver errors raised
as SQLAlchemy's) and leaves out the rest.

Which connection a read uses:
- the session's, when the request's session is already in a transaction: the read then sees
  what the request wrote and has not committed;
- otherwise a connection of its own (`read_engine`: on PostgreSQL a pool in autocommit,
  without a ping), held for the rest of the request. It is handed back as soon as the session
  begins a transaction (a request holds one connection at a time) and at the end of the
  request, as the session's is; a request that only reads these statements never opens a
  session at all.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, g

from lms.extensions import db

# Where the request's own pooled connection is kept (flask.g lives as long as the request).
_HELD = "_lms_read_connection"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # the parameters' order when the driver takes them by position
    fixed: dict[str, Any]  # values the statement binds itself (literals), by name
    processors: tuple[Any, ...]  # each column's conversion of the driver's value, or None


class DriverSelect:
    """A Core SELECT (built once, its parameters bound by name with `sa.bindparam`), compiled
    once per kind of database, run on the driver."""

    def __init__(self, statement: sa.Select) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: sa.Dialect) -> _Compiled:
        done = self._compiled.get(dialect.name)
        if done is None:
            compiled = self.statement.compile(dialect=dialect)
            # What this class leaves out: lists expanded at execution (IN), renamed parameters
            # and parameters converted before they reach the driver. Refused here, at first use.
            if compiled.post_compile_params or compiled.escaped_bind_names or any(compiled._bind_processors.values()):
                raise ValueError("DriverSelect takes only plain bound parameters")
            required = {name for name, param in compiled.binds.items() if param.required}
            fixed = {name: param.effective_value for name, param in compiled.binds.items() if name not in required}
            # As SQLAlchemy's result does, without the driver's type code (which only Numeric
            # columns read, and those are refused).
            if any(isinstance(column.type, sa.Numeric) for column in self.statement.selected_columns):
                raise ValueError("DriverSelect reads no Numeric column")
            processors = tuple(column.type._cached_result_processor(dialect, None)
                               for column in self.statement.selected_columns)
            done = _Compiled(str(compiled), tuple(compiled.positiontup or ()) if compiled.positional else None,
                             fixed, processors)
            self._compiled[dialect.name] = done
        return done

    def rows(self, **params: Any) -> list[tuple]:
        """Every row of the statement with these parameters, each value as its column's type gives it."""
        engine = db.engine
        compiled = self._for(engine.dialect)
        values = {**compiled.fixed, **params} if compiled.fixed else params
        parameters: Any = values if compiled.names is None else tuple(values[name] for name in compiled.names)
        try:
            found = _execute(engine, compiled.sql, parameters, may_retry=True)
        except _StaleConnectionError:
            # A connection the server ended while it waited in the pool (reads take theirs
            # without a ping): a SELECT is safely sent again, once, on a new connection.
            found = _execute(engine, compiled.sql, parameters, may_retry=False)
        processors = compiled.processors
        if not any(processors):
            return found
        return [tuple(value if convert is None or value is None else convert(value)
                      for convert, value in zip(processors, row, strict=True)) for row in found]


class _StaleConnectionError(Exception):
    """The request's own read connection was found closed by the server before its first read."""


def _execute(engine: sa.Engine, sql: str, parameters: Any, may_retry: bool) -> list[tuple]:
    dispatch = engine.dispatch
    # Announced as SQLAlchemy announces every statement, so whatever counts or logs
    # statements (the tests' query counts, a tracer) sees these too, with a Connection.
    announce = bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)
    connection, dbapi_connection, own, fresh = _connection(engine, announce)
    cursor = dbapi_connection.cursor()
    try:
        if announce:
            dispatch.before_cursor_execute(connection, cursor, sql, parameters, None, False)
        try:
            cursor.execute(sql, parameters)
            found = cursor.fetchall()
        except engine.dialect.loaded_dbapi.Error as error:
            gone = engine.dialect.is_disconnect(error, dbapi_connection, cursor)
            if own:
                # The pool resets the connection (a failed statement leaves PostgreSQL's
                # transaction unusable) or drops it when the database has gone; the
                # request's next read takes another.
                _release(invalidate=gone)
                if gone:
                    # The server went away (a restart): every connection in the pool is as
                    # dead as this one, so the read pool starts afresh (the session's pool
                    # finds its own with its ping).
                    if (reader := read_engine(engine)) is not engine:
                        reader.dispose()
                    if fresh and may_retry:
                        raise _StaleConnectionError() from error
            raise sa.exc.DBAPIError.instance(sql, parameters, error, engine.dialect.loaded_dbapi.Error,
                                             connection_invalidated=gone and own, dialect=engine.dialect) from error
        if announce:
            dispatch.after_cursor_execute(connection, cursor, sql, parameters, None, False)
        return found
    finally:
        cursor.close()


# Where the request's own read connections come from, on a database server (PostgreSQL): a
# pool of their own, in autocommit and without a ping before each checkout. Each read is then
# one round trip; through the session's pool it took four more (the ping's BEGIN and SELECT 1,
# and a ROLLBACK when handed back). A connection the server ended meanwhile is found by the
# read itself, which is sent again on a new one. One such engine per database address in a
# process (the tests' apps share it), made on first use, so none exists before a fork.
_READ_ENGINES: dict[str, sa.Engine] = {}
_FOR_ENGINE: weakref.WeakKeyDictionary[sa.Engine, sa.Engine] = weakref.WeakKeyDictionary()
_MAKING = threading.Lock()


def read_engine(engine: sa.Engine) -> sa.Engine:
    """The engine the request's own read connections come from, for the app's engine (on
    SQLite the app's engine itself: a file has no server to lose, and no ping is sent)."""
    found = _FOR_ENGINE.get(engine)
    if found is None:
        if engine.dialect.name == "sqlite":
            found = engine
        else:
            address = engine.url.render_as_string(hide_password=False)
            with _MAKING:  # one engine, even when two threads of a worker ask at once
                found = _READ_ENGINES.get(address)
                if found is None:
                    options = {name: value for name, value in
                               (current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}).items()
                               if name != "pool_pre_ping"}
                    found = _READ_ENGINES[address] = sa.create_engine(engine.url, isolation_level="AUTOCOMMIT",
                                                                      pool_pre_ping=False, **options)
        _FOR_ENGINE[engine] = found
    return found


def forget_connections() -> None:
    """After a fork: the read engines' connections belong to the parent (kept open for it)."""
    for engine in _READ_ENGINES.values():
        engine.dispose(close=False)


def _connection(engine: sa.Engine, announce: bool) -> tuple[sa.Connection | None, Any, bool, bool]:
    """The connection to read on: SQLAlchemy's Connection (None when there is none), the
    driver's connection, whether it is the request's own (not the session's), and whether it
    was just taken from the pool (nothing read on it yet in this request).

    The session's, when the session is in a transaction. Otherwise the request's own from the
    read engine's pool: taken as the driver's connection alone, and given a SQLAlchemy
    Connection (which then owns it) only when statements are announced to listeners, which
    expect one."""
    registry = db.session.registry
    if registry.has() and registry().in_transaction():
        connection = registry().connection()
        return connection, connection.connection.dbapi_connection, False, False
    held = g.get(_HELD)
    fresh = held is None
    reader = read_engine(engine)
    if held is None:
        try:
            held = reader.raw_connection()
        except reader.dialect.loaded_dbapi.Error as error:  # the database is out of reach
            raise sa.exc.DBAPIError.instance(None, None, error, reader.dialect.loaded_dbapi.Error,
                                             dialect=reader.dialect) from error
        setattr(g, _HELD, held)
    if announce and not isinstance(held, sa.Connection):
        held = sa.Connection(reader, connection=held)
        setattr(g, _HELD, held)
    if isinstance(held, sa.Connection):
        return held, held.connection.dbapi_connection, True, fresh
    return None, held.dbapi_connection, True, fresh


def _release(invalidate: bool = False) -> None:
    """Hand the request's own connection back to the pool (or drop it, when the database has gone)."""
    held = g.pop(_HELD, None)
    if held is not None:
        if invalidate:
            held.invalidate()
        held.close()


def release_at_end(_exc: BaseException | None = None) -> None:
    """At the end of the request (teardown of the app context)."""
    if _HELD in g:
        _release()


@sa.event.listens_for(sa.orm.Session, "after_transaction_create")
def _session_begins(_session: sa.orm.Session, transaction: sa.orm.SessionTransaction) -> None:
    # The session takes its own connection next: give this one back first.
    if transaction.parent is None and g and _HELD in g:
        _release()
