"""Certificate zips made by the task queue: asked for on the web, progress, download, expiry.

Here queued tasks run at once (LMS_TASKS_IMMEDIATE, tests/conftest.py) or are called as the
consumer would call them; tests/test_tasks.py runs a real consumer process.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.certificates import tasks as certificate_tasks
from lms.certificates import zips
from lms.certificates.issue import issue
from lms.certificates.models import Certificate, CertificateZip
from lms.extensions import db
from lms.learning.models import CourseCompletion
from lms.org.models import AuditEvent, Cohort, Gender, Role, Service, User
from lms.timeutil import utcnow
from tests.course_helpers import load_sample
from tests.factories import login, make_country, make_user
from tests.test_certificates import _zip_serials, certify, signed_institution, web_zip

EXPORT = "/certificates/manage/export"


def _zip_of(client, **group) -> CertificateZip:
    response = client.post(EXPORT, data=group)
    assert response.status_code == 302
    zip_id = int(re.search(r"/export/(\d+)$", response.headers["Location"]).group(1))
    db.session.expire_all()
    return db.session.get(CertificateZip, zip_id)


def _scene():
    version = load_sample()
    kz = make_country("KZ")
    prison, other = signed_institution(kz, "Prison A"), signed_institution(kz, "Prison B")
    officers = [make_user(institution=prison, name=f"Officer {i}") for i in range(3)]
    certs = [certify(officer, version) for officer in officers]
    manager = make_user(role=Role.MANAGER, institution=prison, scope_institution=prison)
    db.session.commit()
    return version, prison, other, certs, manager


def test_a_manager_asks_for_a_zip_sees_its_progress_and_downloads_it(app, ctx):
    _version, prison, _other, certs, manager = _scene()
    client = app.test_client()
    login(client, manager)
    assert _zip_serials(web_zip(client, institution=prison.id)) == {c.serial for c in certs}
    job = db.session.scalars(sa.select(CertificateZip)).one()
    assert (job.requested_by_id, job.status, job.done, job.total) == (manager.id, "done", 3, 3)
    assert client.get(f"{EXPORT}/{job.id}/status").get_json() == {
        "status": "done", "done": 3, "total": 3, "download": f"{EXPORT}/{job.id}/download"}
    # The export page lists the manager's zips of the last day.
    assert f"{EXPORT}/{job.id}" in client.get(EXPORT).get_data(as_text=True)
    # The file has a random name in the instance folder, not the group's.
    stored = zips.file_path(app.instance_path, job)
    assert stored.is_file() and stored.name == f"{job.file_token}.zip" and len(job.file_token) >= 40
    assert job.label not in stored.name and "Prison" not in stored.name


def test_the_progress_page_reloads_itself_and_shows_done_of_total(app, ctx):
    _version, prison, _other, _certs, manager = _scene()
    job = CertificateZip(requested_by_id=manager.id, group_kind="institution", group_id=prison.id,
                         status="running", total=250, done=120, parts=5, parts_done=2, file_token="t" * 43)
    db.session.add(job)
    db.session.commit()
    client = app.test_client()
    login(client, manager)
    page = client.get(f"{EXPORT}/{job.id}").get_data(as_text=True)
    # Without JavaScript the page refreshes itself; with it, it polls the status.
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert re.search(r"<span data-done>120</span> of <span data-total>250</span> done", page)
    assert 'max="250" value="120"' in page and "progress.js" in page
    assert f'href="{EXPORT}/{job.id}/download"' not in page
    assert client.get(f"{EXPORT}/{job.id}/status").get_json() == {
        "status": "running", "done": 120, "total": 250, "download": None}
    assert client.get(f"{EXPORT}/{job.id}/download").status_code == 404
    client.get("/language/ru")
    ru = client.get(f"{EXPORT}/{job.id}").get_data(as_text=True)
    assert re.search(r"<span data-done>120</span> из <span data-total>250</span>", ru)


def test_asking_again_while_a_zip_is_being_made_reuses_it(app, ctx):
    _version, prison, _other, _certs, manager = _scene()
    running = CertificateZip(requested_by_id=manager.id, group_kind="institution", group_id=prison.id,
                             status="running", total=3, done=1, parts=1, parts_done=0, file_token="r" * 43)
    db.session.add(running)
    db.session.commit()
    client = app.test_client()
    login(client, manager)
    response = client.post(EXPORT, data={"institution": prison.id})
    assert response.headers["Location"].endswith(f"{EXPORT}/{running.id}")
    assert "already being made" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(CertificateZip.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))
                             .where(AuditEvent.action == "certificates.exported")) == 0


def test_only_the_requester_in_scope_reaches_a_zip(app, ctx):
    _version, prison, other, _certs, manager = _scene()
    colleague = make_user(role=Role.MANAGER, institution=prison, scope_institution=prison)
    admin = make_user(role=Role.ADMIN, institution=prison)
    officer = make_user(institution=prison)
    db.session.commit()
    client = app.test_client()
    login(client, manager)
    job = _zip_of(client, institution=prison.id)
    assert job.status == "done"
    urls = [f"{EXPORT}/{job.id}", f"{EXPORT}/{job.id}/status", f"{EXPORT}/{job.id}/download"]
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    # Someone else, even an admin who sees everything: as if it did not exist.
    for person in (colleague, admin):
        other_client = app.test_client()
        login(other_client, person)
        assert [other_client.get(url).status_code for url in urls] == [404, 404, 404]
    officer_client = app.test_client()
    login(officer_client, officer)
    assert [officer_client.get(url).status_code for url in urls] == [403, 403, 403]
    assert officer_client.post(EXPORT, data={"institution": prison.id}).status_code == 403
    assert client.get(f"{EXPORT}/{job.id + 1}").status_code == 404
    # A group outside the scope can neither be asked for nor, once the scope moves, taken.
    assert client.post(EXPORT, data={"institution": other.id}).status_code == 404
    assert client.post(EXPORT, data={"cohort": 999999}).status_code == 404
    assert client.post(EXPORT, data={}).status_code == 404
    db.session.get(User, manager.id).scope_institution_id = other.id
    db.session.commit()
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]


def test_a_zip_is_gone_after_a_day(app, ctx):
    _version, prison, _other, _certs, manager = _scene()
    client = app.test_client()
    login(client, manager)
    job = _zip_of(client, institution=prison.id)
    stored = zips.file_path(app.instance_path, job)
    assert client.get(f"{EXPORT}/{job.id}/download").status_code == 200
    job.finished_at = utcnow() - timedelta(days=1, minutes=1)
    db.session.commit()
    assert client.get(f"{EXPORT}/{job.id}/download").status_code == 404
    # The consumer's periodic task removes the file.
    certificate_tasks.clean_zips()
    db.session.expire_all()
    assert not stored.exists() and db.session.get(CertificateZip, job.id).status == "expired"
    client.get("/language/ru")
    page = client.get(f"{EXPORT}/{job.id}").get_data(as_text=True)
    assert "удалён" in page and "/download" not in page


def test_failures_are_shown_translated_and_leave_no_file(app, ctx, monkeypatch):
    _version, prison, _other, certs, manager = _scene()
    client = app.test_client()
    login(client, manager)
    client.get("/language/kk")

    # Every certificate revoked between the request and the worker's start.
    job = CertificateZip(requested_by_id=manager.id, group_kind="institution", group_id=prison.id,
                         status="queued", total=3, file_token="e" * 43)
    db.session.add(job)
    for cert in certs:
        db.session.get(Certificate, cert.id).revoked_at = utcnow()
    db.session.commit()
    certificate_tasks.start_zip(job.id)
    db.session.expire_all()
    assert (db.session.get(CertificateZip, job.id).status, db.session.get(CertificateZip, job.id).error) == (
        "failed", "empty")
    page = client.get(f"{EXPORT}/{job.id}").get_data(as_text=True)
    assert "Осы таңдау бойынша жүктеп алынатын сертификаттар жоқ." in page
    for cert in certs:
        db.session.get(Certificate, cert.id).revoked_at = None
    db.session.commit()

    # Drawing fails in a worker.
    def broken(_certs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(certificate_tasks, "pdf_files", broken)
    response = client.post(EXPORT, data={"institution": prison.id})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Мұрағатты жасау мүмкін болмады" in page.get_data(as_text=True)
    db.session.expire_all()
    failed = db.session.scalars(sa.select(CertificateZip).order_by(CertificateZip.id.desc())).first()
    assert (failed.status, failed.error) == ("failed", "failed")
    assert not list(zips.folder(app.instance_path).glob(f"{failed.file_token}*"))


@pytest.mark.parametrize("kind", ["cohort"])
def test_a_zip_of_more_than_200_certificates_completes(app, ctx, kind):
    """No cap: the web once refused groups of more than 200 certificates."""
    version = load_sample()
    prison = signed_institution(make_country("KZ"), "Big Prison")
    manager = make_user(role=Role.MANAGER, institution=prison, scope_institution=prison)
    officers = [User(personnel_number=f"big{i}", password_hash="-", name_native=f"Офицер {i}",
                     name_latin=f"Officer {i}", gender=Gender.MALE, service=Service.PRISON,
                     institution_id=prison.id, role=Role.OFFICER, must_change_password=False)
                for i in range(205)]
    db.session.add_all(officers)
    db.session.flush()
    cohort = Cohort(name="Everyone", institution_id=prison.id)
    cohort.members = officers
    db.session.add(cohort)
    completions = [CourseCompletion(user_id=o.id, course_id=version.course_id, course_version=version.version,
                                    completed_at=utcnow(), final_score=80) for o in officers]
    db.session.add_all(completions)
    db.session.flush()
    serials = {issue(c, version).serial for c in completions}
    db.session.commit()
    client = app.test_client()
    login(client, manager)
    assert _zip_serials(web_zip(client, **{kind: cohort.id})) == serials
    job = db.session.scalars(sa.select(CertificateZip)).one()
    assert (job.total, job.done, job.parts, job.parts_done) == (205, 205, 5, 5)
