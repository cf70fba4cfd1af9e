"""Helpers for the course editor's tests."""

from __future__ import annotations

import sqlalchemy as sa

from lms.authoring.models import CourseAuthor, CourseEditor
from lms.catalog.models import Course, CourseVersion
from lms.catalog.sources import ContentBlob
from lms.extensions import db
from lms.org.models import AuditEvent, Role
from tests.factories import make_user


def make_author(**kwargs):
    trainer = make_user(role=Role.TRAINER, **kwargs)
    db.session.add(CourseAuthor(user_id=trainer.id))
    db.session.flush()
    return trainer


def make_editor(course_id: str, **kwargs):
    trainer = make_user(role=Role.TRAINER, **kwargs)
    db.session.add(CourseEditor(course_id=course_id, user_id=trainer.id))
    db.session.flush()
    return trainer


def database_state() -> dict:
    """Counts and hashes that any write to courses, drafts or files would change."""
    from lms.authoring.models import CourseDraft, DraftRevision

    db.session.expire_all()
    return {
        "courses": sorted(db.session.execute(sa.select(Course.id, Course.current_version)).all()),
        "versions": sorted(db.session.execute(sa.select(CourseVersion.course_id, CourseVersion.version,
                                                        CourseVersion.content_hash)).all()),
        "blobs": db.session.scalar(sa.select(sa.func.count()).select_from(ContentBlob)),
        "drafts": db.session.scalar(sa.select(sa.func.count()).select_from(CourseDraft)),
        "revisions": db.session.scalar(sa.select(sa.func.count()).select_from(DraftRevision)),
    }


def audit_actions(course_id: str | None = None) -> list[str]:
    query = sa.select(AuditEvent.action).order_by(AuditEvent.id)
    if course_id:
        query = query.where(AuditEvent.target == f"course:{course_id}")
    return list(db.session.scalars(query))
