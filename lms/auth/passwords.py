"""Password hashing, policy and sign-in checks with throttling."""

from __future__ import annotations

import enum
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from lms.extensions import db
from lms.org.models import User
from lms.timeutil import utcnow

MIN_LENGTH = 10
# Rejected outright; a short list of what people pick first.
COMMON = {
    "password123", "qwerty12345", "1234567890", "0987654321", "qwertyuiop", "password1234",
    "1q2w3e4r5t", "1qaz2wsx3edc", "parol12345", "administrator", "passw0rd12",
}
# Easy to read aloud and type from a printed slip: no 0/O, 1/l/I.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, salted


def one_time_password() -> str:
    """A random password to hand to an officer, who must change it at first sign-in."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))


def password_problems(password: str, personnel_number: str = "") -> list[str]:
    """Return translated reasons why a new password is too weak (empty when it is fine)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(n)d characters.", n=MIN_LENGTH))
    if password.isdigit():
        problems.append(_("Use letters as well as digits."))
    if password.lower() in COMMON or len(set(password)) < 4:
        problems.append(_("This password is too easy to guess."))
    if personnel_number and personnel_number.lower() in password.lower():
        problems.append(_("Do not use your personnel number in your password."))
    return problems


class SignIn(enum.Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad"
    LOCKED = "locked"
    INACTIVE = "inactive"


def authenticate(
    personnel_number: str, password: str, max_failures: int, lockout_minutes: int
) -> tuple[SignIn, User | None]:
    """Check credentials; count failures and lock the account after too many in a row."""
    user = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.personnel_number) == personnel_number.lower())
    )
    if user is None:
        # Spend the same time as a real check, so timing does not reveal who exists.
        check_password_hash(_DUMMY_HASH, password)
        return SignIn.BAD_CREDENTIALS, None
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        return SignIn.LOCKED, user
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lockout_minutes)
            user.failed_logins = 0
            return SignIn.LOCKED, user
        return SignIn.BAD_CREDENTIALS, user
    if not user.is_active_account:
        return SignIn.INACTIVE, user
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return SignIn.OK, user


_DUMMY_HASH = generate_password_hash("not-a-real-password")
