"""The signed-in account as every request reads it: a few columns, the ORM object on demand.

Every signed-in request reads the account (Flask-Login's user loader). Loaded as the ORM
`User` through SQLAlchemy, that was about 330 µs of a 2 ms page, for the handful of values
most pages use: who it is, the role, the scope, the language, the name in the header.
`Account` holds those values, read in one SELECT sent straight to the driver (lms.reads),
and nothing else.

Whatever else is asked of it (a relationship, another column, a method of `User`) is
answered by the ORM `User`, loaded then, once per request, from the same session; a value
set on it is set on that `User` (so the session commits it) and kept here too. Code that
needs the ORM object itself (to add it to a session, or to hand it to a relationship) asks
for `account.record`. An account compares equal to its `User`.
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin

from lms.extensions import db
from lms.org.models import AccountRules, User
from lms.reads import DriverSelect

# The columns read on every request; any other is read through the ORM `User` when asked for.
COLUMNS = ("id", "role", "locale", "name_native", "institution_id", "scope_institution_id",
           "scope_country_id", "is_active_account", "must_change_password", "session_version")


@functools.cache
def _select() -> DriverSelect:
    users = User.metadata.tables[User.__tablename__]
    return DriverSelect(sa.select(*(users.c[name] for name in COLUMNS))
                        .where(users.c.id == sa.bindparam("account_id", type_=sa.Integer)))


def load(user_id: int, session_version: int) -> Account | None:
    """The account of a session, if it still exists, is open and the session is current."""
    found = _select().rows(account_id=user_id)
    if not found:
        return None
    values = dict(zip(COLUMNS, found[0], strict=True))
    # A password change or reset raises the version: older sessions end.
    if values["session_version"] != session_version:
        return None
    return Account(values)  # each value as its column's type gives it (role a Role, flags bools)


class Account(AccountRules, UserMixin):
    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        self.__dict__["_record"] = None

    @property
    def record(self) -> User:
        """The ORM `User` of this account, loaded from the request's session when first asked for."""
        if self._record is None:
            user = db.session.get(User, self.id)
            if user is None:  # deleted during the request
                raise LookupError(f"account {self.id} no longer exists")
            self.__dict__["_record"] = user
        return self._record

    def __getattr__(self, name: str) -> Any:
        # Only what this object does not hold: a relationship, another column, a method.
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.record, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.record, name, value)
        if name in COLUMNS:
            self.__dict__[name] = value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Account | User):
            return other.id == self.id
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.role.value}>"
