"""The audit log as people read it: filtered, with each record's label and link."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from lms.extensions import db
from lms.org.models import AuditEvent, Cohort, Country, Institution, User
from lms.org.scope import person_matches
from lms.timeutil import day_start

ACTION_LABELS = {
    "user.created": _l("Account created"),
    "user.saved": _l("Account changed"),
    "user.password_reset": _l("Password reset"),
    "password.changed": _l("Own password changed"),
    "email.changed": _l("Own e-mail address changed"),
    "roster.imported": _l("Roster imported"),
    "country.saved": _l("Country saved"),
    "institution.saved": _l("Institution saved"),
    "cohort.created": _l("Cohort created"),
    "cohort.members_changed": _l("Cohort members changed"),
    "course.assigned": _l("Course assigned"),
    "classroom.recorded": _l("Classroom session recorded"),
    "classroom.scheduled": _l("Classroom session scheduled"),
    "classroom.corrected": _l("Classroom session corrected"),
    "assignment.due_date_changed": _l("Due date changed"),
    "assignment.removed": _l("Assignment removed"),
    "certificate.revoked": _l("Certificate revoked"),
    "certificate.reissued": _l("Certificate issued again"),
    "report.exported": _l("Report exported"),
    "certificates.exported": _l("Certificates exported"),
    "backup.created": _l("Backup made"),
    "backup.created_with_private_keys": _l("Backup made, with the private signing keys"),
    "signin.repeated_failures": _l("Repeated failed sign-ins to an account"),
    "signin.repeated_failures_from_address": _l("Repeated failed sign-ins from one address"),
    "scope.granted": _l("Extra scope granted"),
    "scope.grant_ended": _l("Extra scope ended"),
}
DETAIL_LABELS = {
    "reason": _l("Reason"),
    "count": _l("Number of accounts"),
    "code": _l("Code"),
    "format": _l("Format"),
    "new_serial": _l("New serial"),
    "course": _l("Course"),
    "before": _l("Before"),
    "after": _l("After"),
    "invited": _l("Invited"),
    "held_on": _l("Date"),
    "attendees": _l("Present"),
    "played": _l("Played"),
    "due_on": _l("Due date"),
    "kept_progress": _l("Records of training kept"),
    "failures": _l("Failed attempts"),
    "certificates": _l("Certificates"),
    "start": _l("From"),
    "end": _l("Until"),
    "scope": _l("Scope"),
    "place": _l("Extra country or institution"),
    "starts_on": _l("From"),
    "ends_on": _l("Until (inclusive)"),
}


@dataclass
class AuditFilter:
    start: date | None = None
    end: date | None = None
    actor: str = ""
    action: str = ""


def _where(flt: AuditFilter) -> list:
    where = []
    if flt.start:
        where.append(AuditEvent.at >= day_start(flt.start))
    if flt.end:
        where.append(AuditEvent.at < day_start(flt.end + timedelta(days=1)))
    if flt.action:
        where.append(AuditEvent.action == flt.action)
    if flt.actor:
        where.append(AuditEvent.actor_id.in_(sa.select(User.id).where(person_matches(flt.actor))))
    return where


def events(flt: AuditFilter, page: int, page_size: int) -> tuple[list[AuditEvent], bool]:
    rows = db.session.scalars(
        sa.select(AuditEvent).where(*_where(flt)).options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc()).limit(page_size + 1).offset((page - 1) * page_size)
    ).all()
    return list(rows[:page_size]), len(rows) > page_size


def count(flt: AuditFilter) -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(*_where(flt))) or 0


def all_events(flt: AuditFilter, batch: int = 1000) -> Iterator[AuditEvent]:
    """Every matching event, newest first, read in batches (for the CSV export)."""
    last = None
    while True:
        stmt = sa.select(AuditEvent).where(*_where(flt)).options(joinedload(AuditEvent.actor))
        if last is not None:
            stmt = stmt.where(AuditEvent.id < last)
        rows = db.session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def known_actions() -> list[str]:
    """Actions to filter by: the labelled ones and any others already in the log."""
    seen = set(db.session.scalars(sa.select(AuditEvent.action).distinct()))
    return sorted(set(ACTION_LABELS) | seen)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@dataclass
class Target:
    kind: str
    key: str
    label: str  # a name where one is known, else the record's key


def targets(rows: list[AuditEvent], lang: str) -> dict[str, Target]:
    """Each event's record with a readable name, loaded in one query per kind."""
    wanted: dict[str, set[str]] = {}
    for e in rows:
        kind, _, key = e.target.partition(":")
        wanted.setdefault(kind, set()).add(key)

    def ids(kind: str) -> list[int]:
        return [int(k) for k in wanted.get(kind, ()) if k.isdigit()]

    names: dict[tuple[str, str], str] = {}
    for user in db.session.scalars(sa.select(User).where(User.id.in_(ids("user")))):
        names[("user", str(user.id))] = f"{user.name_native} ({user.personnel_number})"
    for cohort in db.session.scalars(sa.select(Cohort).where(Cohort.id.in_(ids("cohort")))):
        names[("cohort", str(cohort.id))] = cohort.name
    for inst in db.session.scalars(sa.select(Institution).where(Institution.id.in_(ids("institution")))):
        names[("institution", str(inst.id))] = str(inst.name(lang))
    for country in db.session.scalars(sa.select(Country).where(Country.id.in_(ids("country")))):
        names[("country", str(country.id))] = f"{country.code} — {country.name(lang)}"
    out = {}
    for e in rows:
        kind, _, key = e.target.partition(":")
        out[e.target] = Target(kind, key, names.get((kind, key), key or kind))
    return out


def detail_items(event: AuditEvent) -> list[tuple[str, str]]:
    """The event's details as (label, value), the reason first."""
    items = sorted((event.detail or {}).items(), key=lambda kv: (kv[0] != "reason", kv[0]))
    return [(str(DETAIL_LABELS.get(k, k)), _value(v)) for k, v in items]


def _value(value) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{DETAIL_LABELS.get(k, k)}: {_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return value if isinstance(value, str) else str(value)
