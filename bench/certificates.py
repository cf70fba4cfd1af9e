"""Certificate speed: one PDF, and a thousand PDFs streamed into a zip.

    .venv/bin/python bench/certificates.py                  # 1,000 certificates
    .venv/bin/python bench/certificates.py --count 200 --workers 2 --queue-workers 2

Targets (DESIGN.md): a certificate PDF ≤ 100 ms in every script, 1,000 PDFs ≤ 30 s. Measures
one PDF per language, the zip as `lms certificates export` makes it (in this process, or
--workers forked ones), and the zip as a manager gets it on the web: through the task queue,
drawn by a real `lms worker` with --queue-workers processes (0: skip). Runs on a temporary
SQLite database and instance folder; officers and names rotate through the five languages
(Arabic needs a second font).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "tests" / "fixtures" / "courses" / "valid" / "sample-first-steps"
NAMES = {
    "en": ("Emily Johnson", "Emily Johnson"),
    "ru": ("Ольга Сергеевна Иванова", "Olga Sergeevna Ivanova"),
    "kk": ("Әсем Ғалымқызы Өтеуова", "Asem Galymkyzy Oteuova"),
    "tg": ("Ҷамшед Ҳакимов Ғуломзода", "Jamshed Hakimov Ghulomzoda"),
    "ar": ("فاطمة الزهراء بن علي", "Fatima Al-Zahraa bin Ali"),
}


def setup(count: int):
    """Officers with certificates, issued by the real issuing code."""
    import sqlalchemy as sa

    from lms.catalog.loader import load_course_dir
    from lms.catalog.models import CourseVersion
    from lms.certificates.issue import issue
    from lms.extensions import db
    from lms.learning.models import CourseCompletion
    from lms.org.demo import ensure_demo
    from lms.org.models import Gender, Institution, Role, Service, User
    from lms.timeutil import utcnow

    load_course_dir(SAMPLE)
    ensure_demo()
    version = db.session.scalar(sa.select(CourseVersion).where(CourseVersion.course_id == "sample-first-steps"))
    inst = db.session.scalar(sa.select(Institution).order_by(Institution.id))
    langs = list(NAMES)
    users = []
    for i in range(count):
        lang = langs[i % len(langs)]
        native, latin = NAMES[lang]
        users.append(User(
            personnel_number=f"bench{i}", password_hash="-", name_native=f"{native} {i}",
            name_latin=f"{latin} {i}", gender=Gender.FEMALE, service=Service.PRISON,
            institution_id=inst.id, role=Role.OFFICER, locale=lang, must_change_password=False,
        ))
    db.session.add_all(users)
    db.session.flush()
    completions = [CourseCompletion(user_id=u.id, course_id=version.course_id, course_version=1,
                                    completed_at=utcnow(), final_score=90) for u in users]
    db.session.add_all(completions)
    db.session.flush()
    certs = [issue(c, version) for c in completions]
    db.session.commit()
    return certs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="certificates in the zip")
    parser.add_argument("--workers", type=int, default=1, help="processes drawing PDFs")
    parser.add_argument("--queue-workers", type=int, default=2,
                        help="processes of the `lms worker` that makes the web zip (0: skip)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-cert-"))
    os.environ["LMS_INSTANCE_PATH"] = str(tmp)
    from flask_migrate import upgrade

    from lms import create_app
    from lms.certificates import queries
    from lms.certificates.export import pdf_bytes, pdf_files, zip_stream

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}"})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        certs = setup(args.count)
        print(f"setup: {len(certs)} certificates issued in {time.perf_counter() - started:.1f} s")

        pdf_bytes(certs[0], None, "en")  # warm up: imports, font metrics
        print("one PDF (median of 15; officer's language + English):")
        for i, lang in enumerate(NAMES):
            cert = certs[i]
            times, cpu = [], []
            for _ in range(15):
                t0, c0 = time.perf_counter(), time.process_time()
                data = pdf_bytes(cert, None, lang)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            print(f"  {lang}: {statistics.median(times) * 1000:6.1f} ms  max {max(times) * 1000:6.1f} ms  "
                  f"CPU {statistics.median(cpu) * 1000:6.1f} ms  {len(data) / 1024:.0f} KiB")

        out = tmp / "certificates.zip"
        chosen = queries.for_export(None, queries.parse_scope(None))
        parts = _timed_parts() if args.workers == 1 else None
        t0, cpu0 = time.perf_counter(), _cpu()
        with out.open("wb") as fh:
            for chunk in zip_stream(pdf_files(chosen, workers=args.workers)):
                fh.write(chunk)
        elapsed, cpu = time.perf_counter() - t0, _cpu() - cpu0
        if parts is not None:
            named = ", ".join(f"{name} {seconds / len(chosen) * 1000:.1f}" for name, seconds in parts.items())
            rest = cpu - sum(parts.values())
            print(f"CPU per PDF by part (ms): {named}, the rest (layout and text) {rest / len(chosen) * 1000:.1f}")
        print(f"zip: {len(chosen)} PDFs with {args.workers} worker(s) in {elapsed:.1f} s "
              f"({elapsed / len(chosen) * 1000:.0f} ms each), {out.stat().st_size / 2**20:.1f} MiB; "
              f"CPU {cpu:.1f} s ({cpu / len(chosen) * 1000:.0f} ms each; load average now "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        if args.queue_workers:
            through_queue(app, tmp, args.queue_workers)


def through_queue(app, tmp: Path, workers: int) -> None:
    """The web's zip of every certificate: asked for as a manager does, made by `lms worker`."""
    import resource
    import signal
    import subprocess

    import sqlalchemy as sa

    from lms import tasks
    from lms.certificates import queries, zips
    from lms.certificates.models import CertificateZip
    from lms.extensions import db
    from lms.org.models import Gender, Institution, Role, Service, User

    inst = db.session.scalar(sa.select(Institution).order_by(Institution.id))
    admin = User(personnel_number="bench-admin", password_hash="-", name_native="Admin", name_latin="Admin",
                 gender=Gender.FEMALE, service=Service.PRISON, institution_id=inst.id, role=Role.ADMIN,
                 must_change_password=False)
    db.session.add(admin)
    db.session.flush()
    group = queries.export_group(admin, "institution", inst.id)
    job, _created = zips.request_zip(admin, "institution", inst.id, group)
    db.session.commit()
    env = dict(os.environ, LMS_INSTANCE_PATH=str(tmp), LMS_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    env.pop("LMS_REDIS_URL", None)
    log = (tmp / "worker.log").open("wb")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker = subprocess.Popen([str(Path(sys.executable).with_name("lms")), "worker", "--workers", str(workers)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    time.sleep(2)  # the consumer's start is not the zip's time
    t0 = time.perf_counter()
    tasks.enqueue("certificates.zip", job.id)
    try:
        while time.perf_counter() - t0 < 900 and worker.poll() is None:
            db.session.expire_all()
            current = db.session.get(CertificateZip, job.id)
            if not current.in_progress:
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - t0
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    size = zips.file_path(str(tmp), current).stat().st_size if current.status == "done" else 0
    print(f"web zip through the queue: {current.done} of {current.total} PDFs, {current.status}, "
          f"with {workers} worker process(es) in {elapsed:.1f} s ({elapsed / max(current.total, 1) * 1000:.0f} ms each), "
          f"{size / 2**20:.1f} MiB; worker CPU {cpu:.1f} s in all (load average now {os.getloadavg()[0]:.1f})")


def _timed_parts() -> dict[str, float]:
    """CPU seconds spent in each part of a certificate, summed while the zip is made.

    Wraps the functions in place (this process only): signing the payload, the QR code,
    the PDF file written (font subsets, compression) and the zip entries.
    """
    import zipfile

    from fpdf import FPDF

    from lms.certificates import export, pdf

    totals = {"signing": 0.0, "QR code": 0.0, "PDF output (font subsets, compression)": 0.0, "zip": 0.0}

    def timed(name, func):
        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                totals[name] += time.process_time() - started
        return wrapper

    export.payload = timed("signing", export.payload)
    pdf.qr_image = timed("QR code", pdf.qr_image)
    FPDF.output = timed("PDF output (font subsets, compression)", FPDF.output)
    zipfile.ZipFile.writestr = timed("zip", zipfile.ZipFile.writestr)
    return totals


def _cpu() -> float:
    """CPU seconds of this process and its finished children (load-independent)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


if __name__ == "__main__":
    main()
