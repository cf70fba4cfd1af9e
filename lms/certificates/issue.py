"""Issuing, revoking and re-issuing certificates (within the caller's transaction)."""

from __future__ import annotations

import sqlalchemy as sa

from lms.catalog.models import CourseVersion
from lms.certificates.keys import app_store
from lms.certificates.models import Certificate
from lms.certificates.serial import new_serial
from lms.extensions import db
from lms.learning.models import CourseCompletion
from lms.org.models import User, audit
from lms.timeutil import local_date, utcnow


class CertificateError(ValueError):
    """A certificate cannot be changed that way."""


class NotRevokedError(CertificateError):
    pass


class AlreadyRevokedError(CertificateError):
    pass


class AlreadyReplacedError(CertificateError):
    pass


def _snapshot(user: User, version: CourseVersion, completion: CourseCompletion) -> dict:
    inst = user.institution
    hours = version.content.get("certificate", {}).get("hours", 0) or 0
    return {
        "name_native": user.name_native,
        "name_latin": user.name_latin,
        "course_titles": dict(version.content["title"]),
        "source_language": version.content["source_language"],
        "hours": float(hours),
        "completed_on": local_date(completion.completed_at),
        "final_score": completion.final_score,
        "institution_id": inst.id,
        "institution_names": dict(inst.names or {}),
        "signer_names": dict(inst.signer_names or {}),
        "signer_titles": dict(inst.signer_titles or {}),
    }


def _new(completion: CourseCompletion, version: CourseVersion, user: User) -> Certificate:
    cert = Certificate(
        serial=new_serial(), user_id=user.id, course_id=completion.course_id,
        course_version=completion.course_version, completion_id=completion.id, issued_at=utcnow(),
        key_id=app_store().current().id, **_snapshot(user, version, completion),
    )
    db.session.add(cert)
    db.session.flush()
    return cert


def certificate_enabled(version: CourseVersion) -> bool:
    certificate = version.content.get("certificate")
    return bool(certificate and certificate["enabled"])


def issue(completion: CourseCompletion, version: CourseVersion) -> Certificate | None:
    """Issue the certificate of a completion, unless the course gives none or one is in force."""
    if not certificate_enabled(version):
        return None
    existing = db.session.scalar(
        sa.select(Certificate).where(
            Certificate.user_id == completion.user_id, Certificate.course_id == completion.course_id,
            Certificate.course_version == completion.course_version, Certificate.revoked_at.is_(None),
        )
    )
    if existing is not None:
        return existing
    user = db.session.get_one(User, completion.user_id)
    return _new(completion, version, user)


def on_course_completed(completion: CourseCompletion, version: CourseVersion, **_) -> None:
    """The receiver create_app connects to completion's `course_completed` signal."""
    issue(completion, version)


def revoke(cert: Certificate, actor: User, reason: str) -> None:
    if cert.is_revoked:
        raise AlreadyRevokedError(cert.serial)
    cert.revoked_at = utcnow()
    cert.revoked_reason = reason
    cert.revoked_by_id = actor.id
    audit(actor, "certificate.revoked", f"certificate:{cert.serial}", reason=reason)
    db.session.flush()


def reissue(cert: Certificate, actor: User) -> Certificate:
    """Issue a new certificate (new serial, fresh snapshot) in place of a revoked one."""
    if not cert.is_revoked:
        raise NotRevokedError(cert.serial)
    if cert.replaced_by_id is not None:
        raise AlreadyReplacedError(cert.serial)
    completion = db.session.get_one(CourseCompletion, cert.completion_id)
    version = db.session.execute(
        sa.select(CourseVersion).where(
            CourseVersion.course_id == cert.course_id, CourseVersion.version == cert.course_version
        )
    ).scalar_one()
    new = _new(completion, version, cert.user)
    cert.replaced_by_id = new.id
    audit(actor, "certificate.reissued", f"certificate:{cert.serial}", new_serial=new.serial)
    db.session.flush()
    return new
