"""Certificates: public verification, my certificates, downloads, the manager's list, revoking."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms import access, tasks
from lms.certificates import badge, queries, zips
from lms.certificates import issue as issuing
from lms.certificates.export import file_name, pdf_bytes
from lms.certificates.forms import OfflineVerifyForm, RevokeForm, VerifyForm
from lms.certificates.keys import app_store
from lms.certificates.models import Certificate, CertificateZip
from lms.certificates.printed import printed_fields
from lms.certificates.serial import normalise
from lms.certificates.signing import InvalidPayloadError, verify_payload
from lms.core.forms import ConfirmForm
from lms.core.views import add_home_links
from lms.extensions import db, limiter
from lms.i18n import LOCALES, current_language
from lms.org.models import Cohort, Institution, Role
from lms.org.scope import can_see_user

bp = Blueprint("certificates", __name__, template_folder="templates")
STAFF = (Role.TRAINER, Role.MANAGER, Role.ADMIN)
VERIFY_LIMIT = "30 per minute"


def _home_links(user) -> list[dict]:
    links = [{"url": url_for("certificates.mine"), "label": _("My certificates")}]
    if user.role in STAFF:
        links.append({"url": url_for("certificates.manage"), "label": _("Certificates")})
    return links


add_home_links(_home_links)


def _shown(fields: dict) -> dict:
    """Printed fields for a page: the date as a date, for Babel to format."""
    shown = dict(fields)
    try:
        shown["date"] = date.fromisoformat(str(fields["date"]))
    except ValueError:
        pass
    return shown


# Public verification ----------------------------------------------------------------------


@bp.get("/verify")
@access.public
def verify_form() -> ResponseReturnValue:
    form = VerifyForm(request.args)
    if request.args and form.validate():
        serial = normalise(form.serial.data)
        if serial:
            return redirect(url_for("certificates.verify", serial=serial))
        form.serial.errors.append(_("This is not a valid serial: a character is mistyped or missing. Check it against the certificate."))
    return render_template("certificates/verify_form.html", form=form)


@bp.get("/verify/<serial>")
@access.public
@limiter.limit(VERIFY_LIMIT)
def verify(serial: str) -> ResponseReturnValue:
    canonical = normalise(serial)
    if canonical and canonical != serial:
        return redirect(url_for("certificates.verify", serial=canonical))
    cert = queries.by_serial(canonical) if canonical else None
    if cert is None:
        typed = serial[:60]
        return render_template("certificates/verify.html", cert=None, serial=typed,
                               form=VerifyForm(serial=typed), well_formed=canonical is not None), 404
    replacement = db.session.get(Certificate, cert.replaced_by_id) if cert.replaced_by_id else None
    if cert.is_revoked:
        # Only what it takes to say that this serial is revoked: nothing about the person.
        return render_template("certificates/verify.html", cert=cert, fields=None,
                               replacement=replacement, serial=cert.serial)
    lang = current_language()
    lang = lang if lang in cert.languages else cert.source_language
    return render_template("certificates/verify.html", cert=cert, fields=_shown(printed_fields(cert, lang)),
                           replacement=None, serial=serial)


@bp.route("/verify/offline", methods=["GET", "POST"])
@access.public
@limiter.limit(VERIFY_LIMIT, methods=["POST"])
def verify_offline() -> ResponseReturnValue:
    """Check a scanned or pasted payload with the public keys alone (no database)."""
    form = OfflineVerifyForm()
    fields, problem = None, None
    if form.validate_on_submit():
        try:
            fields = _shown(verify_payload(form.payload.data, app_store().public_keys()))
        except InvalidPayloadError:
            problem = _("This text is not a valid certificate signature. The certificate may have been altered, or the text was not copied completely.")
    return render_template("certificates/offline.html", form=form, fields=fields, problem=problem)


@bp.get("/certificates/public-keys")
@access.public
def public_keys() -> ResponseReturnValue:
    """The platform's public keys, key id -> base64 of the raw Ed25519 key."""
    response = Response(json.dumps(app_store().published(), indent=2, sort_keys=True),
                        mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# The officer's own certificates -----------------------------------------------------------


@bp.get("/certificates")
@access.signed_in
def mine() -> ResponseReturnValue:
    certs = queries.of_user(current_user.id)
    return render_template("certificates/mine.html", certs=certs, locales=LOCALES)


def _downloadable(serial: str) -> Certificate:
    """The certificate, if it is in force and the viewer is its owner or sees the owner."""
    cert = queries.by_serial(serial)
    if cert is None or cert.is_revoked:
        abort(404)
    if cert.user_id != current_user.id and not (current_user.role in STAFF and can_see_user(current_user, cert.user)):
        abort(404)  # do not reveal that the certificate exists
    return cert


def _officer_lang(cert: Certificate) -> str:
    return cert.user.locale or (current_language() if cert.user_id == current_user.id else "en")


@bp.get("/certificates/<serial>.pdf")
@access.signed_in
def pdf(serial: str) -> ResponseReturnValue:
    cert = _downloadable(serial)
    data = pdf_bytes(cert, request.args.get("lang"), _officer_lang(cert))
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{file_name(cert)}"',
        "Cache-Control": "private, no-store",
    })


@bp.get("/certificates/<serial>/badge.json")
@access.signed_in
def badge_json(serial: str) -> ResponseReturnValue:
    """The certificate as an Open Badges 3.0 credential with an eddsa-jcs-2022 proof."""
    cert = _downloadable(serial)
    lang = request.args.get("lang")
    if lang not in cert.languages:
        lang = "en" if "en" in cert.languages else cert.source_language
    signed = badge.badge(cert, lang, app_store().current())
    return Response(json.dumps(signed, ensure_ascii=False, indent=2), mimetype="application/ld+json", headers={
        "Content-Disposition": f'attachment; filename="{file_name(cert).removesuffix(".pdf")}.badge.json"',
        "Cache-Control": "private, no-store",
    })


# Managers, trainers and administrators ----------------------------------------------------


@bp.get("/certificates/manage")
@access.roles(*STAFF)
def manage() -> ResponseReturnValue:
    page = max(1, request.args.get("page", 1, type=int))
    q = (request.args.get("q") or "").strip()
    rows, has_next = queries.search(current_user, q, page)
    return render_template("certificates/manage.html", rows=rows, page=page, has_next=has_next, q=q)


def _in_scope(serial: str) -> Certificate:
    cert = queries.by_serial(serial)
    if cert is None or not can_see_user(current_user, cert.user):
        abort(404)
    return cert


def _render_detail(cert: Certificate, revoke_form: RevokeForm | None = None, status: int = 200):
    lang = current_language()
    lang = lang if lang in cert.languages else cert.source_language
    replacement = db.session.get(Certificate, cert.replaced_by_id) if cert.replaced_by_id else None
    replaces = db.session.scalar(sa.select(Certificate).where(Certificate.replaced_by_id == cert.id))
    return render_template(
        "certificates/detail.html", cert=cert, fields=_shown(printed_fields(cert, lang)),
        replacement=replacement, replaces=replaces, revoke_form=revoke_form or RevokeForm(),
        confirm=ConfirmForm(),
    ), status


@bp.get("/certificates/manage/<serial>")
@access.roles(*STAFF)
def detail(serial: str) -> ResponseReturnValue:
    return _render_detail(_in_scope(serial))


@bp.post("/certificates/<serial>/revoke")
@access.roles(Role.ADMIN)
def revoke(serial: str) -> ResponseReturnValue:
    cert = _in_scope(serial)
    form = RevokeForm()
    if cert.is_revoked:
        flash(_("This certificate is already revoked."), "error")
        return redirect(url_for("certificates.detail", serial=cert.serial))
    if not form.validate_on_submit() or not form.reason.data.strip():
        if not form.reason.errors:
            form.reason.errors = [_("This field is required.")]
        return _render_detail(cert, form, 400)
    issuing.revoke(cert, current_user, form.reason.data.strip())
    db.session.commit()
    flash(_("The certificate %(serial)s is revoked.", serial=cert.serial), "success")
    return redirect(url_for("certificates.detail", serial=cert.serial))


@bp.post("/certificates/<serial>/reissue")
@access.roles(Role.ADMIN)
def reissue(serial: str) -> ResponseReturnValue:
    cert = _in_scope(serial)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        new = issuing.reissue(cert, current_user)
    except issuing.NotRevokedError:
        flash(_("Revoke the certificate before issuing a new one."), "error")
        return redirect(url_for("certificates.detail", serial=cert.serial))
    except issuing.AlreadyReplacedError:
        flash(_("A new certificate has already been issued in place of this one."), "error")
        return redirect(url_for("certificates.detail", serial=cert.serial))
    db.session.commit()
    flash(_("A new certificate %(serial)s was issued.", serial=new.serial), "success")
    return redirect(url_for("certificates.detail", serial=new.serial))


@bp.route("/certificates/manage/export", methods=["GET", "POST"])
@access.roles(*STAFF)
def export() -> ResponseReturnValue:
    """Choose a cohort or an institution; the zip of its PDFs is made by the task queue."""
    if request.method == "POST":
        kind = next((k for k in zips.GROUP_KINDS if request.form.get(k)), None)
        group_id = request.form.get(kind, type=int) if kind else None
        group = queries.export_group(current_user, kind, group_id) if kind and group_id else None
        if kind is None or group_id is None or group is None:
            abort(404)
        try:
            job, created = zips.request_zip(current_user, kind, group_id, group)
        except zips.NothingToZipError:
            flash(_("There are no certificates to download for this choice."), "warning")
            return redirect(url_for("certificates.export"))
        db.session.commit()
        if created:
            tasks.enqueue("certificates.zip", job.id)
        else:
            flash(_("This zip is already being made: here is its progress."), "info")
        return redirect(url_for("certificates.export_zip", zip_id=job.id))
    return render_template("certificates/export.html", cohorts=queries.cohorts_for(current_user),
                           institutions=queries.institutions_for(current_user),
                           recent=zips.recent(current_user))


def _own_zip(zip_id: int) -> CertificateZip:
    """A zip the viewer asked for, of a group still in their scope (404 otherwise)."""
    job = db.session.get(CertificateZip, zip_id)
    if job is None or job.requested_by_id != current_user.id:
        abort(404)  # do not reveal that someone else's zip exists
    if queries.export_group(current_user, job.group_kind, job.group_id) is None:
        abort(404)
    return job


def _zip_state(job: CertificateZip) -> dict:
    ready = zips.is_downloadable(job, current_app.instance_path)
    return {
        "status": job.status, "done": min(job.done, job.total), "total": job.total,
        "download": url_for("certificates.export_zip_download", zip_id=job.id) if ready else None,
    }


@bp.get("/certificates/manage/export/<int:zip_id>")
@access.roles(*STAFF)
def export_zip(zip_id: int) -> ResponseReturnValue:
    """A zip's progress; the page reloads itself until it is ready (JavaScript: it polls)."""
    job = _own_zip(zip_id)
    return render_template("certificates/export_zip.html", job=job, state=_zip_state(job),
                           group_name=_group_name(job))


@bp.get("/certificates/manage/export/<int:zip_id>/status")
@access.roles(*STAFF)
def export_zip_status(zip_id: int) -> ResponseReturnValue:
    response = jsonify(_zip_state(_own_zip(zip_id)))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/certificates/manage/export/<int:zip_id>/download")
@access.roles(*STAFF)
def export_zip_download(zip_id: int) -> ResponseReturnValue:
    job = _own_zip(zip_id)
    if not zips.is_downloadable(job, current_app.instance_path):
        abort(404)
    response = send_file(zips.file_path(current_app.instance_path, job), mimetype="application/zip",
                         as_attachment=True, download_name=f"certificates-{job.label}.zip", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _group_name(job: CertificateZip) -> str:
    if job.group_kind == "cohort":
        cohort = db.session.get(Cohort, job.group_id)
        return cohort.name if cohort else ""
    institution = db.session.get(Institution, job.group_id)
    return institution.name(current_language()).text if institution else ""
