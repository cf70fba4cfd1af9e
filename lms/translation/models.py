"""Who translated and who reviewed each segment, and the glossary's added terms."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import Model
from lms.timeutil import UTCDateTime, utcnow


class TranslationMark(Model):
    """The people behind a segment's translation in one language (the text and the source
    it was made from live in the course files, docs/translation.md)."""

    __tablename__ = "translation_marks"

    course_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    lang: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(400), primary_key=True)
    translated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<TranslationMark {self.course_id} {self.lang} {self.key[:40]}>"


class GlossaryTerm(Model):
    """A term added in the browser; translations/glossary.csv stays the shipped seed."""

    __tablename__ = "glossary_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    texts: Mapped[dict] = mapped_column(sa.JSON)  # {lang: term}
    note: Mapped[str] = mapped_column(sa.Text, default="")
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<GlossaryTerm {self.key}>"
