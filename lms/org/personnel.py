"""Personnel numbers: the one place that decides their format and uniqueness.

A personnel number is kept as it was typed and compared without regard to case, everywhere:
sign-in, the admin forms, the roster import and the `lms` command.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.extensions import db
from lms.org.models import User

MAX_LENGTH = 40
_FORMAT = re.compile(r"[A-Za-z0-9._-]+")


def clean(raw: str | None) -> str:
    """The number as it is kept: surrounding spaces removed."""
    return (raw or "").strip()


def key(number: str) -> str:
    """The form two numbers are compared in: the same key is the same number."""
    return clean(number).lower()


def format_problem(number: str) -> str | None:
    """A translated reason why the number is not well formed, or None."""
    number = clean(number)
    if not number:
        return _("This field is required.")
    if len(number) > MAX_LENGTH:
        return _("Too long: at most %(n)d characters.", n=MAX_LENGTH)
    # ASCII only: \w and str.isdigit() would accept superscripts and other scripts.
    if not _FORMAT.fullmatch(number):
        return _("Use Latin letters, digits, dot, dash or underscore.")
    return None


def is_number(column: sa.SQLColumnExpression[str], number: str) -> sa.ColumnElement[bool]:
    """A SQL condition: the column holds this personnel number, whatever its case."""
    return sa.func.lower(column) == key(number)


def find(number: str) -> User | None:
    """The account with this personnel number, whatever its case."""
    return db.session.scalar(sa.select(User).where(is_number(User.personnel_number, number)))


def problem(number: str, account: User | None = None) -> str | None:
    """Why this number cannot be given to the account (None when it can): format, then uniqueness."""
    if (reason := format_problem(number)) is not None:
        return reason
    holder = find(number)
    if holder is not None and holder is not account:
        return _("This personnel number is already in use.")
    return None


def taken_keys() -> set[str]:
    """The keys of every number in use, for checking a whole roster at once."""
    return {key(n) for n in db.session.scalars(sa.select(User.personnel_number))}
