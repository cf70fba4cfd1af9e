"""Zips of a group's certificate PDFs, made by the task queue (lms.certificates.tasks).

A zip is drawn in parts of LMS_ZIP_PART_SIZE certificates, each part a task of its own, so the
queue's worker processes draw parts side by side; the part that finishes last joins them.
Files live in <instance>/certificate-zips/ under a random name, for a day.
"""

from __future__ import annotations

import secrets
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from lms.certificates import queries
from lms.certificates.models import CertificateZip
from lms.extensions import db
from lms.org.models import User, audit
from lms.timeutil import utcnow

KEPT_FOR = timedelta(days=1)
GROUP_KINDS = ("cohort", "institution")
# What went wrong, as shown (translated) on the zip's page.
EMPTY, OUT_OF_SCOPE, FAILED, INTERRUPTED = "empty", "out_of_scope", "failed", "interrupted"


class NothingToZipError(Exception):
    """The group has no certificate in force that the viewer may see."""


def folder(instance_path: str) -> Path:
    path = Path(instance_path) / "certificate-zips"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def file_path(instance_path: str, job: CertificateZip) -> Path:
    return folder(instance_path) / f"{job.file_token}.zip"


def part_path(instance_path: str, job: CertificateZip, part: int) -> Path:
    return folder(instance_path) / f"{job.file_token}.part{part:05d}"


def request_zip(viewer: User, kind: str, group_id: int, group: sa.ColumnElement[bool]) -> tuple[CertificateZip, bool]:
    """The viewer's zip of this group still being made, or a new one (True) to put on the queue."""
    running = db.session.scalar(
        sa.select(CertificateZip).where(
            CertificateZip.requested_by_id == viewer.id, CertificateZip.group_kind == kind,
            CertificateZip.group_id == group_id, CertificateZip.status.in_(("queued", "running")),
        ).order_by(CertificateZip.id.desc()).limit(1)
    )
    if running is not None:
        return running, False
    total = queries.count_for_export(viewer, group)
    if not total:
        raise NothingToZipError
    job = CertificateZip(requested_by_id=viewer.id, group_kind=kind, group_id=group_id, status="queued",
                         total=total, done=0, parts=0, parts_done=0, file_token=secrets.token_urlsafe(32))
    db.session.add(job)
    db.session.flush()
    audit(viewer, "certificates.exported", job.label, certificates=total, zip=job.id)
    return job, True


def recent(viewer: User, limit: int = 10) -> list[CertificateZip]:
    """The viewer's zips of the last day, newest first."""
    return list(db.session.scalars(
        sa.select(CertificateZip).where(CertificateZip.requested_by_id == viewer.id,
                                        CertificateZip.created_at >= utcnow() - KEPT_FOR)
        .order_by(CertificateZip.id.desc()).limit(limit)
    ))


def is_downloadable(job: CertificateZip, instance_path: str) -> bool:
    return (job.status == "done" and job.finished_at is not None and job.finished_at > utcnow() - KEPT_FOR
            and file_path(instance_path, job).is_file())


def plan(job: CertificateZip, part_size: int) -> list[list[int]]:
    """Start a queued zip: the ids of its certificates in parts (none: it failed, job.error says why)."""
    group = queries.export_group(job.requested_by, job.group_kind, job.group_id)
    if group is None:
        fail(job, OUT_OF_SCOPE)
        return []
    ids = queries.ids_for_export(job.requested_by, group)
    if not ids:
        fail(job, EMPTY)
        return []
    parts = [ids[i:i + part_size] for i in range(0, len(ids), part_size)]
    job.status, job.total, job.done, job.parts, job.parts_done = "running", len(ids), 0, len(parts), 0
    return parts


def advance(job_id: int, done: int, part_finished: bool = False) -> tuple[int, int]:
    """Count done certificates (and a finished part) in one UPDATE; (parts done, parts)."""
    values = {"done": CertificateZip.done + done}
    if part_finished:
        values["parts_done"] = CertificateZip.parts_done + 1
    row = db.session.execute(
        sa.update(CertificateZip).where(CertificateZip.id == job_id).values(**values)
        .returning(CertificateZip.parts_done, CertificateZip.parts)
    ).one()
    return row[0], row[1]


def write_part(path: Path, files: Iterator[tuple[str, bytes]], every: int, progress) -> int:
    """Write (name, PDF) pairs into a part file; call progress(n) every `every` files."""
    written = pending = 0
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in files:
            archive.writestr(name, data)
            written += 1
            pending += 1
            if pending == every:
                progress(pending)
                pending = 0
    tmp.replace(path)
    return pending


def join_parts(instance_path: str, job: CertificateZip) -> None:
    """Join the parts into the zip, in order, and remove them."""
    target = file_path(instance_path, job)
    tmp = target.with_name(target.name + ".tmp")
    parts = [part_path(instance_path, job, n) for n in range(job.parts)]
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
        for part in parts:
            with zipfile.ZipFile(part) as source:
                for info in source.infolist():
                    archive.writestr(info.filename, source.read(info))
    tmp.replace(target)
    for part in parts:
        part.unlink(missing_ok=True)
    job.status, job.finished_at = "done", utcnow()


def fail(job: CertificateZip, error: str) -> None:
    job.status, job.error, job.finished_at = "failed", error, utcnow()


def remove_files(instance_path: str, job: CertificateZip) -> None:
    for path in folder(instance_path).glob(f"{job.file_token}.*"):
        path.unlink(missing_ok=True)


def clean(instance_path: str) -> int:
    """Remove zips older than a day, and fail zips a stopped worker left unfinished; how many."""
    cutoff = utcnow() - KEPT_FOR
    old = db.session.scalars(sa.select(CertificateZip).where(
        CertificateZip.status.in_(("done", "failed", "queued", "running")),
        sa.func.coalesce(CertificateZip.finished_at, CertificateZip.created_at) < cutoff,
    )).all()
    for job in old:
        remove_files(instance_path, job)
        if job.in_progress:
            fail(job, INTERRUPTED)
        job.status = "expired"
    return len(old)
