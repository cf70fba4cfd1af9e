"""Sign-in throttling state, shared by every worker and server through the database."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import Model
from lms.timeutil import UTCDateTime


class SignInThrottle(Model):
    """Failed attempts counted for one key: an account, a client address, or both together.

    The key is a keyed hash, so the table holds neither typed personnel numbers (people
    sometimes type a password there) nor addresses in clear.
    """

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    # The account's own key, on its account and account-and-address rows: a successful
    # sign-in or a password reset clears them together.
    account: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # No attempt for this key is checked before this moment.
    next_allowed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<SignInThrottle {self.key[:8]} {self.failures}>"
