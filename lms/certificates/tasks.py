"""The certificate tasks the queue runs (lms.tasks): each owns its transaction, as a view does."""

from __future__ import annotations

from flask import Flask, current_app

from lms import tasks
from lms.certificates import queries, zips
from lms.certificates.export import pdf_files
from lms.certificates.models import CertificateZip
from lms.extensions import db

# Progress is written after this many PDFs of a part.
PROGRESS_EVERY = 10


def register(app: Flask) -> None:
    tasks.register(app, "certificates.zip", start_zip)
    tasks.register(app, "certificates.zip_part", draw_part)
    tasks.register(app, "certificates.clean_zips", clean_zips, every={"minute": "*/15"})


def start_zip(job_id: int) -> None:
    """Plan a queued zip and put its parts on the queue."""
    job = db.session.get(CertificateZip, job_id)
    if job is None or job.status != "queued":
        return
    parts = zips.plan(job, current_app.config["LMS_ZIP_PART_SIZE"])
    db.session.commit()
    for n, ids in enumerate(parts):
        tasks.enqueue("certificates.zip_part", job_id, n, ids)


def draw_part(job_id: int, part: int, ids: list[int]) -> None:
    """Draw one part's PDFs; the part that finishes last joins the zip."""
    instance = current_app.instance_path
    job = db.session.get(CertificateZip, job_id)
    if job is None or job.status != "running":
        return
    try:
        certs = queries.in_force_by_ids(ids)
        db.session.commit()  # hold no transaction open while drawing

        def progress(n: int) -> None:
            zips.advance(job_id, n)
            db.session.commit()

        rest = zips.write_part(zips.part_path(instance, job, part), pdf_files(certs), PROGRESS_EVERY, progress)
        # Revoked since the zip was asked for: counted as done, not drawn.
        parts_done, parts = zips.advance(job_id, rest + len(ids) - len(certs), part_finished=True)
        db.session.commit()
        if parts_done == parts:
            job = db.session.get_one(CertificateZip, job_id)
            db.session.refresh(job)
            zips.join_parts(instance, job)
            db.session.commit()
    except Exception:
        db.session.rollback()
        # Names and numbers stay out of the log: only which zip and part.
        current_app.logger.exception("Certificate zip %s, part %s failed", job_id, part)
        job = db.session.get(CertificateZip, job_id)
        if job is not None and job.in_progress:
            zips.fail(job, zips.FAILED)
            db.session.commit()
            zips.remove_files(instance, job)


def clean_zips() -> None:
    """Remove zips older than a day (every 15 minutes in the consumer)."""
    zips.clean(current_app.instance_path)
    db.session.commit()
