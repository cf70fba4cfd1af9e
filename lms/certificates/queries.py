"""Finding certificates, always through the viewer's scope (lms.org.scope)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.org.models import Cohort, Country, Institution, User, cohort_members
from lms.org.scope import (
    cohort_scope_clause,
    institution_scope_clause,
    person_matches,
    user_scope_clause,
)

PAGE_SIZE = 50


class BadScopeError(ValueError):
    """A --scope text that names no known country, institution or cohort."""


def by_serial(serial: str) -> Certificate | None:
    return db.session.scalar(sa.select(Certificate).where(Certificate.serial == serial))


def of_user(user_id: int) -> list[Certificate]:
    return list(db.session.scalars(
        sa.select(Certificate).where(Certificate.user_id == user_id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ))


def in_scope(viewer: User) -> sa.Select:
    """Certificates of the accounts the viewer may see."""
    return sa.select(Certificate).join(User, User.id == Certificate.user_id).where(user_scope_clause(viewer))


def search(viewer: User, q: str, page: int, course_id: str | None = None) -> tuple[list[tuple[Certificate, User]], bool]:
    """A page of certificates in scope matching q (name, personnel number or serial)."""
    stmt = sa.select(Certificate, User).join(User, User.id == Certificate.user_id).where(user_scope_clause(viewer))
    if q:
        # The names as printed on the certificate, and its serial, besides the person's own.
        stmt = stmt.where(person_matches(q, Certificate.name_native, Certificate.name_latin, Certificate.serial))
    if course_id:
        stmt = stmt.where(Certificate.course_id == course_id)
    rows = db.session.execute(
        stmt.order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ).all()
    return [(row[0], row[1]) for row in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE


def cohorts_for(viewer: User) -> list[Cohort]:
    """Cohorts whose certificates the viewer may download together."""
    stmt = sa.select(Cohort).where(cohort_scope_clause(viewer))
    return list(db.session.scalars(stmt.order_by(Cohort.name, Cohort.id)))


def institutions_for(viewer: User) -> list[Institution]:
    return list(db.session.scalars(
        sa.select(Institution).where(institution_scope_clause(viewer)).order_by(Institution.id)
    ))


def group_clause(cohort_id: int | None = None, institution_id: int | None = None,
                 country_id: int | None = None) -> sa.ColumnElement[bool]:
    """A condition on User: members of a cohort, staff of an institution or of a country."""
    if cohort_id is not None:
        return User.id.in_(sa.select(cohort_members.c.user_id).where(cohort_members.c.cohort_id == cohort_id))
    if institution_id is not None:
        return User.institution_id == institution_id
    if country_id is not None:
        return User.institution_id.in_(sa.select(Institution.id).where(Institution.country_id == country_id))
    return sa.true()


def _export_statement(viewer: User | None, group: sa.ColumnElement[bool], course_id: str | None) -> sa.Select:
    stmt = (
        sa.select(Certificate).join(User, User.id == Certificate.user_id)
        .where(group, Certificate.revoked_at.is_(None))
    )
    if viewer is not None:
        stmt = stmt.where(user_scope_clause(viewer))
    if course_id:
        stmt = stmt.where(Certificate.course_id == course_id)
    return stmt


def for_export(viewer: User | None, group: sa.ColumnElement[bool], course_id: str | None = None,
               limit: int | None = None) -> list[Certificate]:
    """Certificates in force of a group, within the viewer's scope (None: the command line)."""
    stmt = _export_statement(viewer, group, course_id)
    stmt = stmt.options(selectinload(Certificate.user)).order_by(Certificate.name_latin, Certificate.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def ids_for_export(viewer: User | None, group: sa.ColumnElement[bool]) -> list[int]:
    """The ids of what for_export returns, in the same order."""
    stmt = _export_statement(viewer, group, None).with_only_columns(Certificate.id)
    return list(db.session.scalars(stmt.order_by(Certificate.name_latin, Certificate.id)))


def count_for_export(viewer: User | None, group: sa.ColumnElement[bool]) -> int:
    stmt = _export_statement(viewer, group, None).with_only_columns(sa.func.count(Certificate.id))
    return db.session.scalar(stmt) or 0


def in_force_by_ids(ids: list[int]) -> list[Certificate]:
    """The certificates with these ids that are still in force, in the order of ids."""
    rows = db.session.scalars(
        sa.select(Certificate).where(Certificate.id.in_(ids), Certificate.revoked_at.is_(None))
        .options(selectinload(Certificate.user))
    ).all()
    order = {cert_id: i for i, cert_id in enumerate(ids)}
    return sorted(rows, key=lambda cert: order[cert.id])


def export_group(viewer: User, kind: str, group_id: int) -> sa.ColumnElement[bool] | None:
    """A cohort or an institution the viewer may download the certificates of, as a condition
    on User; None when it does not exist or is outside the viewer's scope."""
    if kind == "cohort":
        visible = db.session.scalar(sa.select(Cohort.id).where(Cohort.id == group_id, cohort_scope_clause(viewer)))
        return group_clause(cohort_id=group_id) if visible is not None else None
    if kind == "institution":
        visible = db.session.scalar(
            sa.select(Institution.id).where(Institution.id == group_id, institution_scope_clause(viewer)))
        return group_clause(institution_id=group_id) if visible is not None else None
    return None


def parse_scope(text: str | None) -> sa.ColumnElement[bool]:
    """`country:KZ`, `institution:<id>` or `cohort:<id>` as a condition on User; none: all."""
    if not text:
        return sa.true()
    kind, _, value = text.partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if kind == "country":
        country = db.session.scalar(sa.select(Country).where(Country.code == value.upper()))
        if country is None:
            raise BadScopeError(f"no country {value!r}")
        return group_clause(country_id=country.id)
    if kind in ("institution", "cohort") and value.isdigit():
        model = Institution if kind == "institution" else Cohort
        if db.session.get(model, int(value)) is None:
            raise BadScopeError(f"no {kind} {value}")
        return group_clause(**{f"{kind}_id": int(value)})
    raise BadScopeError("use country:CODE, institution:ID or cohort:ID")
