"""Count the SQL statements an action sends."""

from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def count_queries(app):
    from lms.extensions import db

    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
