"""Unbound extension objects; nothing here imports the application."""

from typing import TYPE_CHECKING

import flask_compress
import sqlalchemy as sa
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from isal import isal_zlib
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Every constraint gets a stable name, so migrations can refer to it on any database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
# The models' base class. Flask-SQLAlchemy makes db.Model from Base at run time, which a type
# checker cannot follow; it sees Base, whose mapped columns db.Model has.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()


class Compress(flask_compress.Compress):
    """Flask-Compress, with gzip made by ISA-L (python-isal) in one call.

    Compressing the page was a sixth of a signed-in lesson request (about 1.1 M of its 6.2 M
    instructions, zlib level 2 through GzipFile): ISA-L at level 1 compresses a 14.5 KB
    lesson page in 35 µs instead of 93 µs and into fewer bytes (5.46 KB instead of 5.47 KB),
    and does the same for every other page. Any browser's gzip decoder reads it: it is
    gzip (RFC 1952), only made faster."""

    def compress(self, app, response, algorithm):
        if algorithm == "gzip":
            return isal_zlib.compress(response.get_data(), app.config["COMPRESS_LEVEL"], wbits=31)
        return super().compress(app, response, algorithm)


compress = Compress()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def rows_matched(statement: sa.Executable, parameters: dict | None = None) -> int:
    """Run an UPDATE or DELETE in the request's session; return how many rows it matched
    (the count the "exactly once" claims compare). parameters: the values of a statement
    built once with bound parameters."""
    result = db.session.execute(statement, parameters)
    assert isinstance(result, sa.CursorResult)  # what UPDATE and DELETE return
    return result.rowcount


def insert_if_absent(model: type[Base], index_elements: list[str], **values) -> sa.Insert:
    """INSERT ... ON CONFLICT DO NOTHING on PostgreSQL and SQLite alike: a row that two
    requests may create at the same moment is created once, and neither fails."""
    table = model.metadata.tables[model.__tablename__]
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=index_elements)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=index_elements)


def insert_or_lock(table: sa.Table, index_elements: list[str], unchanged: str, dialect: str) -> sa.Insert:
    """INSERT ... ON CONFLICT DO UPDATE that changes nothing (the column `unchanged` set to the
    value it has: one in no index, or the update would write the index entry again), for
    PostgreSQL or SQLite: a row that two requests may create at the same moment is created
    once, and it is locked for the rest of the transaction whether it was made or found (on
    PostgreSQL a row lock, as SELECT ... FOR UPDATE takes; SQLite has one writer at a time).
    Add .values() (or bound parameters) and .returning() to read the row in the same statement."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_update(index_elements=index_elements, set_={unchanged: table.c[unchanged]})


class Migrations:
    """Flask-Migrate for one app, loaded when migrations are first asked for.

    Alembic and Flask-Migrate take about 10 MiB of a process, and a web worker never runs a
    migration: this stands in app.extensions["migrate"] until something reads it (Flask-Migrate's
    functions, the tests), and `lms` loads it at once for its `db` commands (lms/cli.py)."""

    def __init__(self, app, directory: str) -> None:
        self.app = app
        self.directory = directory

    def load(self):
        from flask_migrate import Migrate

        # Replaces this stand-in in app.extensions["migrate"] and adds the `db` commands.
        Migrate(self.app, db, directory=self.directory)
        return self.app.extensions["migrate"]

    def __getattr__(self, name: str):
        return getattr(self.load(), name)
