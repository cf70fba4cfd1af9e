"""Sign-in throttling counted in the database, so it holds across workers and servers.

Every attempt is claimed before its password is checked: one conditional UPDATE per key
counts it and refuses it while the key must still wait. Parallel attempts therefore cannot
slip past the count, on SQLite (one writer at a time) and on PostgreSQL (row locks, and
the UPDATE's condition checked again against the row another transaction committed).
A success gives the attempt back. Instead of a lock that anyone could set on anyone's
account, failures beyond a free allowance make the next attempt wait, twice as long each
time, up to a ceiling; three keys keep an attacker on one machine from holding the real
officer back: the account from one address (strict), the account from anywhere and one
address over all accounts (both more generous).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from lms.auth.models import SignInThrottle
from lms.extensions import db, insert_if_absent
from lms.org import personnel
from lms.timeutil import utcnow

ACCOUNT_FROM_ADDRESS = "account_from_address"
_OPEN = datetime(2000, 1, 1, tzinfo=UTC)
ACCOUNT = "account"
ADDRESS = "address"


@dataclass(frozen=True)
class Rule:
    free: int  # failures before any wait
    max_delay: int  # seconds


@dataclass(frozen=True)
class Policy:
    secret: str
    rules: Mapping[str, Rule]
    window: timedelta  # failures older than this are forgotten

    @classmethod
    def from_config(cls, config: Mapping) -> Policy:
        free = config["LMS_SIGNIN_FREE_FAILURES"]
        longest = config["LMS_SIGNIN_MAX_DELAY_SECONDS"]
        return cls(
            secret=config["SECRET_KEY"],
            rules={
                ACCOUNT_FROM_ADDRESS: Rule(free, longest),
                # Shared by everyone who types this number: kept short, so that failures
                # from elsewhere slow the officer down a little, never lock them out.
                ACCOUNT: Rule(free * 4, min(longest, 300)),
                # A classroom signs in from one address: more free failures.
                ADDRESS: Rule(free * 4, longest),
            },
            window=timedelta(minutes=config["LMS_SIGNIN_WINDOW_MINUTES"]),
        )

    def delay(self, kind: str, failures: int) -> int:
        """Seconds the next attempt waits after this many failures."""
        rule = self.rules[kind]
        if failures < rule.free:
            return 0
        return min(rule.max_delay, 2 ** min(failures - rule.free + 1, 30))

    def key(self, kind: str, *parts: str) -> str:
        message = "\x1f".join((kind, *parts)).encode()
        return hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass
class Attempt:
    """One claimed sign-in attempt; wait > 0 means it was refused (nothing counted)."""

    wait: int
    keys: dict[str, str] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    address: str = ""


def begin(policy: Policy, number: str, address: str, now: datetime | None = None) -> Attempt:
    """Claim an attempt for this personnel number from this address (the caller commits it
    before checking the password, or rolls back when it must wait)."""
    now = now or utcnow()
    account = policy.key(ACCOUNT, personnel.key(number))
    keys = {
        ACCOUNT_FROM_ADDRESS: policy.key(ACCOUNT_FROM_ADDRESS, personnel.key(number), address),
        ACCOUNT: account,
        ADDRESS: policy.key(ADDRESS, address),
    }
    owners = {ACCOUNT_FROM_ADDRESS: account, ACCOUNT: account, ADDRESS: None}
    # The same order in every transaction: concurrent claims never deadlock.
    ordered = sorted(keys.items(), key=lambda item: item[1])
    _ensure_rows([(k, owners[kind]) for kind, k in ordered], now)
    attempt = Attempt(wait=0, keys=keys, address=address)
    row = SignInThrottle
    for kind, k in ordered:
        counted = db.session.execute(
            sa.update(row)
            .where(row.key == k, row.next_allowed_at <= now)
            .values(
                failures=sa.case((row.last_failure_at < now - policy.window, 1), else_=row.failures + 1),
                last_failure_at=now,
            )
            .returning(row.failures)
            .execution_options(synchronize_session=False)
        ).scalar()
        if counted is None:
            until = db.session.scalar(sa.select(row.next_allowed_at).where(row.key == k))
            wait = math.ceil((until - now).total_seconds()) if until else 1
            return Attempt(wait=max(1, wait))
        attempt.failures[kind] = counted
        if delay := policy.delay(kind, counted):
            # Only ever forward: a parallel attempt that read the clock a moment earlier
            # must not be refused by a zero delay counted from a later moment.
            db.session.execute(
                sa.update(row)
                .where(row.key == k)
                .values(next_allowed_at=now + timedelta(seconds=delay))
                .execution_options(synchronize_session=False)
            )
    return attempt


def succeeded(policy: Policy, attempt: Attempt, now: datetime | None = None) -> None:
    """Give the attempt back: the account's failures are forgotten (from this address and
    overall; another address's count on it stays), the address's one less."""
    now = now or utcnow()
    row = SignInThrottle
    db.session.execute(
        sa.delete(row)
        .where(row.key.in_([attempt.keys[ACCOUNT_FROM_ADDRESS], attempt.keys[ACCOUNT]]))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(row)
        .where(row.key == attempt.keys[ADDRESS], row.failures > 0)
        .values(failures=row.failures - 1)
        .execution_options(synchronize_session=False)
    )
    # Keep the table small: rows nobody has failed on for a whole window go.
    db.session.execute(
        sa.delete(row)
        .where(row.last_failure_at < now - policy.window, row.next_allowed_at <= now)
        .execution_options(synchronize_session=False)
    )


def alerts(policy: Policy, attempt: Attempt) -> list[tuple[str, int]]:
    """(kind, failures) for each count of a failed attempt that calls for an administrator's
    attention: when it reaches its free allowance, and at every doubling after that."""
    found = []
    for kind in (ACCOUNT, ADDRESS):
        count, free = attempt.failures.get(kind, 0), policy.rules[kind].free
        if count >= free and count % free == 0 and (count // free) & (count // free - 1) == 0:
            found.append((kind, count))
    return found


def forget(policy: Policy, number: str) -> None:
    """Clear every count on this account (an administrator gave it a new password)."""
    db.session.execute(
        sa.delete(SignInThrottle)
        .where(SignInThrottle.account == policy.key(ACCOUNT, personnel.key(number)))
        .execution_options(synchronize_session=False)
    )


def _ensure_rows(rows: list[tuple[str, str | None]], now: datetime) -> None:
    for k, account in rows:
        # Open from the start of time: a parallel attempt that read the clock a moment
        # earlier must not find the new row closed to it.
        db.session.execute(insert_if_absent(
            SignInThrottle, ["key"],
            key=k, account=account, failures=0, last_failure_at=now, next_allowed_at=_OPEN,
        ))
