"""Who may see whose records: the one place that decides scope."""

from __future__ import annotations

import sqlalchemy as sa

from lms.org.models import Cohort, Institution, Role, User, cohort_members


def user_scope_clause(viewer: User) -> sa.ColumnElement[bool]:
    """A SQL condition on User selecting the accounts the viewer may see."""
    if viewer.role == Role.ADMIN:
        return sa.true()
    if viewer.role == Role.MANAGER:
        if viewer.scope_institution_id is not None:
            return User.institution_id == viewer.scope_institution_id
        if viewer.scope_country_id is not None:
            return User.institution_id.in_(
                sa.select(Institution.id).where(Institution.country_id == viewer.scope_country_id)
            )
        return sa.false()
    if viewer.role == Role.TRAINER:
        # A trainer sees their own institution and the members of cohorts they lead.
        led = (
            sa.select(cohort_members.c.user_id)
            .join(Cohort, Cohort.id == cohort_members.c.cohort_id)
            .where(Cohort.trainer_id == viewer.id)
        )
        return sa.or_(User.institution_id == viewer.institution_id, User.id.in_(led))
    return User.id == viewer.id


def institution_scope_clause(viewer: User) -> sa.ColumnElement[bool]:
    """A SQL condition on Institution selecting the institutions in the viewer's scope."""
    if viewer.role == Role.ADMIN:
        return sa.true()
    if viewer.role == Role.MANAGER:
        if viewer.scope_institution_id is not None:
            return Institution.id == viewer.scope_institution_id
        if viewer.scope_country_id is not None:
            return Institution.country_id == viewer.scope_country_id
        return sa.false()
    return Institution.id == viewer.institution_id


def can_see_user(viewer: User, user: User) -> bool:
    """Whether the viewer may see this account's records."""
    if viewer.id == user.id or viewer.role == Role.ADMIN:
        return True
    if viewer.role == Role.MANAGER:
        if viewer.scope_institution_id is not None:
            return user.institution_id == viewer.scope_institution_id
        if viewer.scope_country_id is not None:
            return user.institution.country_id == viewer.scope_country_id
        return False
    if viewer.role == Role.TRAINER:
        if user.institution_id == viewer.institution_id:
            return True
        return any(c.trainer_id == viewer.id for c in _cohorts_of(user))
    return False


def _cohorts_of(user: User) -> list[Cohort]:
    from lms.extensions import db

    return list(
        db.session.scalars(
            sa.select(Cohort)
            .join(cohort_members, cohort_members.c.cohort_id == Cohort.id)
            .where(cohort_members.c.user_id == user.id)
        )
    )


def person_matches(q: str) -> sa.ColumnElement[bool]:
    """Name (native or Latin) or personnel number contains q; % and _ are searched literally."""
    q = q.strip().lower()
    return sa.or_(
        sa.func.lower(User.name_native).contains(q, autoescape=True),
        sa.func.lower(User.name_latin).contains(q, autoescape=True),
        sa.func.lower(User.personnel_number).contains(q, autoescape=True),
    )
