"""Certificates, each keeping a snapshot of everything printed on it."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import Model
from lms.i18n import Localized, pick
from lms.org.models import User
from lms.timeutil import UTCDateTime, utcnow


class Certificate(Model):
    """One per officer per course version; a re-issue is a new row the old one points to.

    The printed fields are copied at issue, so neither the certificate nor its verification
    changes when an account, an institution or a course is edited later.
    """

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(sa.String(24), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    course_id: Mapped[str] = mapped_column(sa.ForeignKey("courses.id"))
    course_version: Mapped[int]
    completion_id: Mapped[int] = mapped_column(sa.ForeignKey("course_completions.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"))
    # The platform key that was current when the certificate was issued.
    key_id: Mapped[str] = mapped_column(sa.String(16))

    # Snapshot of the printed fields.
    name_native: Mapped[str] = mapped_column(sa.String(200))
    name_latin: Mapped[str] = mapped_column(sa.String(200))
    course_titles: Mapped[dict] = mapped_column(sa.JSON)
    source_language: Mapped[str] = mapped_column(sa.String(10))
    hours: Mapped[float] = mapped_column(sa.Float)
    completed_on: Mapped[date] = mapped_column(sa.Date)
    final_score: Mapped[int | None]
    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institutions.id"), index=True)
    institution_names: Mapped[dict] = mapped_column(sa.JSON)
    signer_names: Mapped[dict] = mapped_column(sa.JSON)
    signer_titles: Mapped[dict] = mapped_column(sa.JSON)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    replaced_by: Mapped[Certificate | None] = relationship(remote_side=[id])

    __table_args__ = (
        # Only one certificate in force per officer and course version.
        sa.Index(
            "uq_certificates_in_force", "user_id", "course_id", "course_version", unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
        sa.Index("ix_certificates_course_issued", "course_id", "issued_at"),
    )

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def languages(self) -> list[str]:
        """The languages the certificate can be printed in: the course's languages."""
        return [lang for lang, text in self.course_titles.items() if text]

    def title(self, lang: str) -> Localized:
        return pick(self.course_titles, lang, self.source_language)

    def institution_name(self, lang: str) -> Localized:
        return pick(self.institution_names, lang)

    def signer_name(self, lang: str) -> Localized:
        return pick(self.signer_names, lang)

    def signer_title(self, lang: str) -> Localized:
        return pick(self.signer_titles, lang)

    def __repr__(self) -> str:
        return f"<Certificate {self.serial}>"


class CertificateZip(Model):
    """A zip of a group's certificate PDFs, asked for by a staff member and built by the queue.

    Progress is counted here so every app server can show it; the file lives in the instance
    folder under a random name and only the person who asked may take it, for a day.
    """

    __tablename__ = "certificate_zips"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # "cohort" or "institution", and its id: the group chosen on the export page.
    group_kind: Mapped[str] = mapped_column(sa.String(16))
    group_id: Mapped[int]
    # queued, running, done, failed or expired
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    parts: Mapped[int] = mapped_column(default=0)
    parts_done: Mapped[int] = mapped_column(default=0)
    # A short code of what went wrong (translated on the page), never an exception's text.
    error: Mapped[str | None] = mapped_column(sa.String(32))
    file_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])

    __table_args__ = (sa.Index("ix_certificate_zips_status", "status"),)

    @property
    def label(self) -> str:
        return f"{self.group_kind}-{self.group_id}"

    @property
    def in_progress(self) -> bool:
        return self.status in ("queued", "running")

    def __repr__(self) -> str:
        return f"<CertificateZip {self.id} {self.label} {self.status}>"
