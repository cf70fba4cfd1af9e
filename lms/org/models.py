"""Countries, institutions, people and cohorts."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from lms.extensions import Model, db
from lms.i18n import Localized, pick
from lms.org.search import search_key
from lms.timeutil import UTCDateTime, utcnow


class Role(enum.StrEnum):
    OFFICER = "officer"
    TRAINER = "trainer"
    MANAGER = "manager"
    ADMIN = "admin"


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"


class Service(enum.StrEnum):
    PRISON = "prison"
    PROBATION = "probation"


class InstitutionKind(enum.StrEnum):
    ACADEMY = "academy"
    PRISON = "prison"
    PROBATION_OFFICE = "probation_office"
    HEADQUARTERS = "headquarters"


def _enum(cls: type[enum.Enum], name: str) -> sa.Enum:
    # Stored as short strings with a CHECK constraint, the same on SQLite and PostgreSQL.
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


class Country(Model):
    __tablename__ = "countries"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(2), unique=True)
    names: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    institutions: Mapped[list[Institution]] = relationship(back_populates="country")

    def name(self, lang: str) -> Localized:
        return pick(self.names, lang)

    def __repr__(self) -> str:
        return f"<Country {self.code}>"


class Institution(Model):
    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    country_id: Mapped[int] = mapped_column(sa.ForeignKey("countries.id"), index=True)
    kind: Mapped[InstitutionKind] = mapped_column(_enum(InstitutionKind, "institution_kind"))
    names: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Who signs certificates for this institution, per language.
    signer_names: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    signer_titles: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    country: Mapped[Country] = relationship(back_populates="institutions")

    def name(self, lang: str) -> Localized:
        return pick(self.names, lang)

    def __repr__(self) -> str:
        return f"<Institution {self.id} {self.names.get('en', '')!r}>"


class Position(Model):
    """A position in a country's list, kept by admins and translated. Officers' records hold
    its key, so that breakdowns group one position however it is written."""

    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    country_id: Mapped[int] = mapped_column(sa.ForeignKey("countries.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(120))
    names: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    country: Mapped[Country] = relationship()

    __table_args__ = (sa.UniqueConstraint("country_id", "key"),)

    def name(self, lang: str) -> Localized:
        return pick(self.names, lang) if self.names else Localized(self.key, lang, True)

    def __repr__(self) -> str:
        return f"<Position {self.id} {self.key!r}>"


class AccountRules:
    """What an account decides from its own columns: the same for the ORM `User` and for the
    `Account` every signed-in request reads (lms/auth/account.py)."""

    id: int
    role: Role
    is_active_account: bool
    session_version: int

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    def get_id(self) -> str:  # Flask-Login keeps this in the session cookie
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Every session opened before ends (the one to go on signs in again)."""
        self.session_version = (self.session_version or 0) + 1

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {Role(r) for r in roles}


class User(AccountRules, UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    personnel_number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    name_native: Mapped[str] = mapped_column(sa.String(200))
    name_latin: Mapped[str] = mapped_column(sa.String(200))
    gender: Mapped[Gender] = mapped_column(_enum(Gender, "gender"))
    service: Mapped[Service] = mapped_column(_enum(Service, "service"))
    position: Mapped[str] = mapped_column(sa.String(120), default="")
    # Optional, only for reminders when the deployment has an SMTP server (lms reminders send).
    email: Mapped[str | None] = mapped_column(sa.String(254))
    # Names and personnel number folded for search (lms.org.search); kept by _keep_search_key.
    search_key: Mapped[str] = mapped_column(sa.String(480), default="", server_default="")
    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institutions.id"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.OFFICER)
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    # Part of the session identity: raising it signs the account out everywhere.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A manager sees one scope: an institution, or a whole country.
    scope_institution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institutions.id"))
    scope_country_id: Mapped[int | None] = mapped_column(sa.ForeignKey("countries.id"))

    institution: Mapped[Institution] = relationship(foreign_keys=[institution_id])
    scope_institution: Mapped[Institution | None] = relationship(
        foreign_keys=[scope_institution_id]
    )
    scope_country: Mapped[Country | None] = relationship(foreign_keys=[scope_country_id])

    __table_args__ = (
        # Report breakdowns read the officers in scope, their grouping keys and their ids (to
        # join their enrolments) from the index alone.
        sa.Index("ix_users_institution_role_keys", "institution_id", "role", "gender", "service", "position", "id"),
        sa.Index("ix_users_name_latin", "name_latin", "id"),  # the register's first page in name order
    )

    @validates("name_native", "name_latin", "personnel_number")
    def _keep_search_key(self, key: str, value: str) -> str:
        fields = {"name_native": self.name_native, "name_latin": self.name_latin,
                  "personnel_number": self.personnel_number, key: value}
        self.search_key = search_key(fields["name_native"], fields["name_latin"], fields["personnel_number"])
        return value

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


# Personnel numbers are unique whatever their case (lms.org.personnel decides the rule;
# this index keeps two simultaneous saves from both passing it).
sa.Index("uq_users_personnel_number_lower", sa.func.lower(User.personnel_number), unique=True)


class Cohort(Model):
    """A group of officers trained together, led by a trainer."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institutions.id"), index=True)
    trainer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    institution: Mapped[Institution] = relationship()
    trainer: Mapped[User | None] = relationship()
    members: Mapped[list[User]] = relationship(secondary="cohort_members")

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.name!r}>"


class ScopeGrant(Model):
    """An extra scope an admin grants a trainer for a period (a regional event, a course for a
    neighbouring country): one country or one institution, from one day to another inclusive.
    lms.org.scope adds it to the trainer's scope on those days and on no other."""

    __tablename__ = "scope_grants"
    __table_args__ = (
        sa.CheckConstraint("(country_id IS NULL) <> (institution_id IS NULL)", name="one_place"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    country_id: Mapped[int | None] = mapped_column(sa.ForeignKey("countries.id"))
    institution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institutions.id"))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    country: Mapped[Country | None] = relationship()
    institution: Mapped[Institution | None] = relationship()

    def __repr__(self) -> str:
        return f"<ScopeGrant {self.id} user={self.user_id} {self.starts_on}..{self.ends_on}>"


cohort_members = sa.Table(
    "cohort_members",
    db.metadata,
    sa.Column("cohort_id", sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class AuditEvent(Model):
    """Who did what to which record; append-only."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(60))
    target: Mapped[str] = mapped_column(sa.String(120), default="")
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship()


def audit(actor: User | None, action: str, target: str = "", **detail) -> None:
    """Record an action in the audit log (within the caller's transaction)."""
    db.session.add(
        AuditEvent(actor_id=actor.id if actor else None, action=action, target=target, detail=detail)
    )
