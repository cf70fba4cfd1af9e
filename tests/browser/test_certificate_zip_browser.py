"""A certificate zip's page in Chromium: it polls with JavaScript, and reloads itself without."""

from __future__ import annotations

from flask import current_app

from lms.certificates import zips
from lms.certificates.models import CertificateZip
from lms.extensions import db
from lms.org.models import Role
from lms.timeutil import utcnow
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_country, make_institution, make_user


def _running_zip():
    prison = make_institution(make_country("KZ"), name="Prison 3")
    manager = make_user(role=Role.MANAGER, institution=prison, scope_institution=prison, number="mgr-zip")
    job = CertificateZip(requested_by_id=manager.id, group_kind="institution", group_id=prison.id,
                         status="running", total=300, done=40, parts=6, parts_done=0, file_token="b" * 43)
    db.session.add(job)
    db.session.commit()
    return manager, job


def _advance(job_id: int, **values) -> None:
    job = db.session.get(CertificateZip, job_id)
    for name, value in values.items():
        setattr(job, name, value)
    db.session.commit()


def test_with_javascript_the_page_polls_then_offers_the_download(page, ctx):
    manager, job = _running_zip()
    sign_in(page, manager.personnel_number, PASSWORD)
    page.goto(f"/certificates/manage/export/{job.id}")
    assert page.inner_text("[data-done]") == "40"
    page.evaluate("() => { window.notReloaded = true; }")
    _advance(job.id, done=170)
    page.wait_for_selector("[data-done]:text-is('170')", timeout=15000)
    assert page.evaluate("() => window.notReloaded === true") is True  # updated in place, not reloaded
    assert page.get_attribute("progress", "value") == "170"

    zips.file_path(current_app.instance_path, job).write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    _advance(job.id, done=300, parts_done=6, status="done", finished_at=utcnow())
    page.wait_for_selector("a[href$='/download']", timeout=15000)
    assert page.evaluate("() => window.notReloaded === true") is False  # reloaded once the zip was ready


def test_without_javascript_the_page_reloads_itself(browser, live_server, ctx):
    manager, job = _running_zip()
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, manager.personnel_number, PASSWORD)
        page.goto(f"/certificates/manage/export/{job.id}")
        assert page.inner_text("[data-done]") == "40"
        _advance(job.id, done=220)
        page.wait_for_selector("[data-done]:text-is('220')", timeout=15000)
    finally:
        context.close()
