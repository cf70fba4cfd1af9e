"""Who may see whose records: the one place that decides scope.

Managers and trainers each see one scope: an institution, or a whole country, set by an
admin. A trainer without a scope set sees their own institution, or, at an academy (which
trains officers of the whole country and has almost none of its own), their country.
A trainer also sees the members of the cohorts they lead, wherever those officers work,
and, on the days an admin granted it, an extra country or institution (ScopeGrant: a
regional event); before and after those days, nothing of it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sqlalchemy as sa

from lms.extensions import db
from lms.org.models import (
    Cohort,
    Institution,
    InstitutionKind,
    Role,
    ScopeGrant,
    User,
    cohort_members,
)
from lms.org.search import fold
from lms.timeutil import today


@dataclass(frozen=True)
class Scope:
    """What a viewer's records reach: everything, a country, an institution, or only themselves."""

    kind: str  # "all", "country", "institution", "self"
    id: int | None = None
    set_by_admin: bool = False  # False: a trainer's default (own institution or academy's country)
    # A trainer's extra places granted for today: ("country" | "institution", id) each.
    extra: tuple[tuple[str, int], ...] = ()

    @property
    def is_one_institution(self) -> bool:
        """One institution and nothing more (a trainer's led cohorts aside): a thousand
        officers or so, where a country has a hundred thousand."""
        return self.kind == "institution" and not self.extra

    def places(self) -> list[tuple[str, int | None]]:
        """Every (kind, id) the scope reaches: the main one, then the extra ones."""
        return [(self.kind, self.id), *self.extra]


def scope_of(viewer: User) -> Scope:
    """The scope of a viewer: the rule every staff page follows."""
    if viewer.role == Role.ADMIN:
        return Scope("all", None, True)
    if viewer.role in (Role.MANAGER, Role.TRAINER):
        if viewer.scope_institution_id is not None:
            scope = Scope("institution", viewer.scope_institution_id, True)
        elif viewer.scope_country_id is not None:
            scope = Scope("country", viewer.scope_country_id, True)
        elif viewer.role == Role.TRAINER and viewer.institution.kind == InstitutionKind.ACADEMY:
            scope = Scope("country", viewer.institution.country_id)
        elif viewer.role == Role.TRAINER:
            scope = Scope("institution", viewer.institution_id)
        else:
            return Scope("self", viewer.id)
        if viewer.role == Role.TRAINER:
            scope = replace(scope, extra=extra_places(viewer.id))
        return scope
    return Scope("self", viewer.id)


def active_grants(user_id: int) -> list[ScopeGrant]:
    """The extra scopes granted to a trainer that hold today (the deployment's today)."""
    day = today()
    return list(db.session.scalars(
        sa.select(ScopeGrant).where(ScopeGrant.user_id == user_id, ScopeGrant.starts_on <= day,
                                    ScopeGrant.ends_on >= day).order_by(ScopeGrant.id)
    ))


def extra_places(user_id: int) -> tuple[tuple[str, int], ...]:
    return tuple(_place(g) for g in active_grants(user_id))


def _place(grant: ScopeGrant) -> tuple[str, int]:
    if grant.country_id is not None:
        return ("country", grant.country_id)
    assert grant.institution_id is not None  # a grant names a country or an institution (its check constraint)
    return ("institution", grant.institution_id)


def _institutions_of(scope: Scope) -> sa.ColumnElement[bool]:
    if scope.kind == "all":
        return sa.true()
    clauses = []
    for kind, place_id in scope.places():
        if kind == "country":
            clauses.append(Institution.country_id == place_id)
        elif kind == "institution":
            clauses.append(Institution.id == place_id)
    return sa.or_(*clauses) if clauses else sa.false()


def _led_members(viewer: User):
    return (
        sa.select(cohort_members.c.user_id)
        .join(Cohort, Cohort.id == cohort_members.c.cohort_id)
        .where(Cohort.trainer_id == viewer.id)
    )


def user_scope_clause(viewer: User, scope: Scope | None = None) -> sa.ColumnElement[bool]:
    """A SQL condition on User selecting the accounts the viewer may see (scope: the
    viewer's, when the caller has it already)."""
    scope = scope or scope_of(viewer)
    if scope.kind == "all":
        return sa.true()
    if scope.kind == "self":
        return User.id == viewer.id
    if scope.is_one_institution:
        in_scope = User.institution_id == scope.id
    else:
        in_scope = User.institution_id.in_(sa.select(Institution.id).where(_institutions_of(scope)))
    if viewer.role == Role.TRAINER:
        return sa.or_(in_scope, User.id.in_(_led_members(viewer)))
    return in_scope


def institution_scope_clause(viewer: User) -> sa.ColumnElement[bool]:
    """A SQL condition on Institution selecting the institutions in the viewer's scope."""
    scope = scope_of(viewer)
    if scope.kind == "self":
        return Institution.id == viewer.institution_id
    return _institutions_of(scope)


def cohort_scope_clause(viewer: User) -> sa.ColumnElement[bool]:
    """A SQL condition on Cohort: the cohorts a viewer sees (and may pick officers from).

    A trainer sees the cohorts they lead and the cohorts of the institutions in their
    scope; a manager the cohorts of their scope; an admin every cohort.
    """
    scope = scope_of(viewer)
    if scope.kind == "all":
        return sa.true()
    if scope.kind == "self":
        return sa.false()
    of_scope = Cohort.institution_id.in_(sa.select(Institution.id).where(_institutions_of(scope)))
    if viewer.role == Role.TRAINER:
        return sa.or_(Cohort.trainer_id == viewer.id, of_scope)
    return of_scope


def can_manage_cohort(viewer: User, cohort: Cohort) -> bool:
    """Whether the viewer may change a cohort's members: the trainer who leads it, or an admin."""
    return viewer.role == Role.ADMIN or (viewer.role == Role.TRAINER and cohort.trainer_id == viewer.id)


def can_see_user(viewer: User, user: User) -> bool:
    """Whether the viewer may see this account's records."""
    if viewer.id == user.id:
        return True
    scope = scope_of(viewer)
    if scope.kind == "all":
        return True
    for kind, place_id in scope.places():
        if kind == "institution" and user.institution_id == place_id:
            return True
        if kind == "country" and user.institution.country_id == place_id:
            return True
    if viewer.role == Role.TRAINER:
        return any(c.trainer_id == viewer.id for c in _cohorts_of(user))
    return False


def _cohorts_of(user: User) -> list[Cohort]:
    return list(
        db.session.scalars(
            sa.select(Cohort)
            .join(cohort_members, cohort_members.c.cohort_id == Cohort.id)
            .where(cohort_members.c.user_id == user.id)
        )
    )


def person_matches(q: str, *also: sa.SQLColumnExpression[str]) -> sa.ColumnElement[bool]:
    """Name (native or Latin) or personnel number contains q, whatever the letter case or
    script variant (see lms.org.search.fold), or so does any column in also (ignoring
    case); % and _ are searched literally."""
    found = User.search_key.contains(fold(q), autoescape=True)
    if not also:
        return found
    lowered = q.strip().lower()
    return sa.or_(found, *(sa.func.lower(column).contains(lowered, autoescape=True) for column in also))
