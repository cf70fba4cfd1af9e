"""Passwords: the one place that hashes, sets, judges and checks them."""

from __future__ import annotations

import secrets
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from lms.org import personnel
from lms.org.models import User

MIN_LENGTH = 10
# zxcvbn's scale: 3 is "safely unguessable" (about 10^8 guesses and more), enough behind
# the sign-in throttle.
MIN_SCORE = 3
# zxcvbn judges at most this many characters; a longer password is judged by its start.
_ESTIMATE_LENGTH = 72
# Easy to read aloud and type from a printed slip: no 0/O, 1/l/I.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# A one-time password has 12 characters of that alphabet (about 69 random bits): trying
# them all through even a light hash takes far longer than the password lives, so it gets
# one (PBKDF2, 1,000 rounds: a third of a millisecond) and a roster of 5,000 officers is
# hashed in seconds instead of ten minutes. It must be changed at first sign-in.
_ONE_TIME_METHOD = "pbkdf2:sha256:1000"
# A password an officer chooses: scrypt at Werkzeug's full cost (about 32 MB and 50 ms).
FULL_METHOD = "scrypt:32768:8:1"
# The test suite's hash where hashing is not what is tested: the same scheme at a tiny cost.
# Only a TESTING app with LMS_TEST_CHEAP_PASSWORD_HASH gets it (see chosen_method).
_TEST_METHOD = "scrypt:1024:8:1"
# The same keys typed on a Russian keyboard layout: "йцукен" is "qwerty".
_RU_LAYOUT = str.maketrans(
    "йцукенгшщзхъфывапролджэячсмитьбю", "qwertyuiop[]asdfghjkl;'zxcvbnm,."
)


def chosen_method() -> str:
    """How a chosen password is hashed: full scrypt, except in the test suite's own config."""
    cheap = current_app.testing and current_app.config.get("LMS_TEST_CHEAP_PASSWORD_HASH")
    return _TEST_METHOD if cheap else FULL_METHOD


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=chosen_method())  # salted


def one_time_password() -> str:
    """A random password to hand to an officer, who must change it at first sign-in."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))


def set_password(user: User, password: str, *, one_time: bool) -> None:
    """Give the account a password; every session opened with an older one ends.

    A one-time password (handed out by an administrator) must be changed at first sign-in.
    """
    method = _ONE_TIME_METHOD if one_time else chosen_method()
    user.password_hash = generate_password_hash(password, method=method)
    user.must_change_password = one_time
    user.end_sessions()


def give_one_time_password(user: User) -> str:
    """Set a fresh one-time password on the account and return it, to be handed over."""
    password = one_time_password()
    set_password(user, password, one_time=True)
    return password


def password_problems(password: str, personnel_number: str = "", names: tuple[str, ...] = ()) -> list[str]:
    """Return translated reasons why a new password is too weak (empty when it is fine)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(n)d characters.", n=MIN_LENGTH))
    if password.isdigit():
        problems.append(_("Use letters as well as digits."))
    lowered = password.lower()
    number = personnel.key(personnel_number)
    if len(number) >= 2 and (number in lowered or number.replace("-", "") in lowered.replace("-", "")):
        problems.append(_("Do not use your personnel number in your password."))
    words = [w.lower() for name in names for w in name.split()]
    if any(len(w) >= 4 and w in lowered for w in words):
        problems.append(_("Do not use your name in your password."))
    if not problems and _score(password, [number, *words]) < MIN_SCORE:
        problems.append(
            _("This password is too easy to guess: it is a common password or a simple pattern. "
              "Add more words or characters.")
        )
    return problems


def _score(password: str, user_inputs: list[str]) -> int:
    # Loaded on first use: its dictionaries take 12 MiB that a worker serving pages never needs.
    from zxcvbn import zxcvbn

    start = password[:_ESTIMATE_LENGTH]
    inputs = [i for i in user_inputs if i]
    return min(
        zxcvbn(start, user_inputs=inputs)["score"],
        zxcvbn(start.lower().translate(_RU_LAYOUT), user_inputs=inputs)["score"],
    )


def authenticate(personnel_number: str, password: str) -> User | None:
    """The account these credentials open, or None. Unknown number, wrong password and a
    disabled account look the same from outside: same answer, same time spent."""
    user = personnel.find(personnel_number)
    dummy = _dummy_hash(chosen_method())
    if user is None:
        check_password_hash(dummy, password)
        return None
    if not user.password_hash.startswith(chosen_method() + "$"):
        check_password_hash(dummy, password)  # a one-time hash is quick to check
    if not check_password_hash(user.password_hash, password) or not user.is_active_account:
        return None
    return user


def check_current_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


@cache
def _dummy_hash(method: str) -> str:
    """A hash to check when there is no account, so that it takes as long as a real one."""
    return generate_password_hash("not-a-real-password", method=method)
