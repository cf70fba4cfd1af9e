"""Course catalogue, course pages, lesson pages and course media."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from lms import access
from lms.catalog import cache
from lms.catalog.content import ModuleData
from lms.catalog.loader import MEDIA_MARK
from lms.catalog.models import Course, CourseMedia
from lms.catalog.queries import (
    Translator,
    current_version,
    lesson_html,
    published_versions,
    version_of,
)
from lms.core.answers import to_course_page
from lms.core.forms import ConfirmForm
from lms.csrf_tokens import TOKEN_MARK, with_token
from lms.extensions import db
from lms.i18n import current_language
from lms.learning import progress as learning
from lms.learning import versions
from lms.learning.course_access import (
    access_and_enrolment,
    access_to,
    course_access,
    course_page,
    progress_refusal,
)
from lms.org.models import Role

bp = Blueprint("catalog", __name__, template_folder="templates")


@bp.get("/courses")
@access.signed_in
def courses() -> ResponseReturnValue:
    lang = current_language()
    versions = published_versions()
    enrolled = learning.enrolments_by_course(current_user.id)
    is_open = dict(db.session.execute(sa.select(Course.id, Course.is_open)).tuples().all())
    items = []
    for v in versions:
        enrolment = enrolled.get(v.course_id)
        access = course_access(current_user, bool(is_open.get(v.course_id)), enrolment is not None)
        if not access.visible:
            continue
        items.append({"version": v, "tr": Translator(v, lang), "enrolment": enrolment,
                      "may_enrol": access.may_enrol})
    return render_template("catalog/courses.html", items=items, confirm=ConfirmForm())


@bp.get("/courses/<course_id>")
@access.signed_in
def course(course_id: str) -> ResponseReturnValue:
    version = versions.version_for(current_user.id, course_id)
    access, enrolment = access_and_enrolment(current_user, course_id)
    if not access.visible:
        abort(404)
    overview = learning.course_overview(current_user.id, version)
    return render_template(
        "catalog/course.html", version=version, tr=Translator(version, current_language()),
        enrolment=enrolment, overview=overview, may_enrol=access.may_enrol, confirm=ConfirmForm(),
    )


@bp.post("/courses/<course_id>/enrol")
@access.roles(Role.OFFICER, Role.TRAINER, Role.MANAGER, Role.ADMIN)
def enrol(course_id: str) -> ResponseReturnValue:
    version = current_version(course_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    access = access_to(current_user, course_id)
    if not (access.may_enrol or access.may_take_part):
        abort(404)
    try:
        learning.enrol(current_user, course_id)
        db.session.commit()
    except sa.exc.IntegrityError:
        # The same officer's second enrol at the same moment (two tabs, a double click): the
        # first made the enrolment, and this one gets the same answer.
        db.session.rollback()
    flash(_("You are enrolled in %(title)s.", title=version.title(current_language())), "success")
    return redirect(url_for("catalog.course", course_id=course_id))


@bp.get("/courses/<course_id>/modules/<module_id>")
@access.signed_in
def module(course_id: str, module_id: str) -> ResponseReturnValue:
    page = course_page(current_user, course_id, module_id)
    if page is None:
        abort(404)
    version = page.version
    module = version.module(module_id)
    if module is None:
        abort(404)
    access = page.access
    if not access.visible:
        abort(404)
    if not access.may_read:
        flash(_("Enrol in the course to open its modules."), "info")
        return redirect(url_for("catalog.course", course_id=course_id))
    lang = current_language()
    tr = Translator(version, lang)
    html, shown = _lesson(version, module_id, tr.lang, lang) if module.get("lesson") else (None, lang)
    status = learning.status_of(module, page.progress, page.started)
    return render_module_page(version, module, tr, html, shown, status, access.may_take_part)


def render_module_page(version, module: ModuleData, tr: Translator, html: Markup | None, shown: str, status,
                       enrolled: bool, **preview) -> str:
    """The officer's module page; the course editor's preview renders it too (with `preview_url`).

    Its content depends on the account only through its role, whether it is enrolled and its
    progress in this module: rendered once per process for each of those (and the version,
    module and languages), with the request's own CSRF token put in on every request."""
    ids = [m["id"] for m in version.content["modules"]]
    index = ids.index(module["id"]) if module["id"] in ids else -1
    context = dict(
        version=version, module=module, tr=tr, html=html,
        lesson_lang=shown, lesson_fallback=bool(html) and shown != tr.ui_lang, status=status,
        previous_id=ids[index - 1] if index > 0 else None,
        next_id=ids[index + 1] if 0 <= index < len(ids) - 1 else None, enrolled=enrolled,
    )
    if preview:
        shown_body = Markup(render_template("catalog/_module_body.html", **context, **preview,  # noqa: S704 (our template)
                                            csrf_value=generate_csrf()))
        return render_template("catalog/module.html", module=module, tr=tr, body=shown_body)
    key = (version.id, version.content_hash, module["id"], tr.lang, tr.ui_lang, current_user.role.value,
           enrolled, status.status, frozenset(status.done), request.script_root)
    body = cache.MODULE_PAGES.get(key)
    if body is None:
        body = render_template("catalog/_module_body.html", **context, csrf_value=TOKEN_MARK)
        cache.MODULE_PAGES.put(key, body)
    return render_template("catalog/module.html", module=module, tr=tr, body=with_token(body))


def wrap_tables(html: str) -> Markup:
    """Sanitized lesson HTML with each wide table in its own box, which a keyboard can reach and scroll."""
    label = escape(_("Table in the lesson"))
    html = html.replace("<table>", f'<div class="table-wrap" tabindex="0" role="region" aria-label="{label}"><table>')
    return Markup(html.replace("</table>", "</table></div>"))  # noqa: S704 (sanitized at load or by render_lesson)


def _lesson(version, module_id: str, lang: str, ui_lang: str) -> tuple[Markup | None, str]:
    """The lesson's finished HTML (media addresses, table boxes) and its language, made once
    per process for each version, module, language and interface language."""
    # The media addresses depend on nothing else than the key's version and the app's root.
    key = (version.id, version.content_hash, module_id, lang, ui_lang, request.script_root)
    found = cache.LESSONS.get(key)
    if found is None:
        base = url_for("catalog.media", course_id=version.course_id, version=version.version,
                       module_id="_", filename="_")[:-3]
        html, shown = lesson_html(version, module_id, lang)
        if html:
            html = wrap_tables(html.replace(f'src="{MEDIA_MARK}', f'src="{base}'))
        found = (html, shown)
        cache.LESSONS.put(key, found)
    return found


@bp.post("/courses/<course_id>/modules/<module_id>/read")
@access.signed_in
def mark_read(course_id: str, module_id: str) -> ResponseReturnValue:
    version = versions.version_for(current_user.id, course_id)
    module = version.module(module_id)
    if module is None or not module.get("lesson"):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if (refusal := progress_refusal(current_user, version, module_id, "lesson")) is not None:
        return to_course_page(course_id, refusal)
    done = learning.mark_lesson_read(current_user.id, version, module_id)
    db.session.commit()
    if done:
        flash(_("Well done: you have completed the course."), "success")
        return redirect(url_for("catalog.course", course_id=course_id))
    flash(_("The lesson is marked as read."), "success")
    if module.get("quiz"):
        return redirect(url_for("quizzes.quiz", course_id=course_id, module_id=module_id))
    if module.get("scenario"):
        return redirect(url_for("scenarios.play", course_id=course_id, module_id=module_id))
    nxt = learning.next_module_id(version, module_id)
    if nxt:
        return redirect(url_for("catalog.module", course_id=course_id, module_id=nxt))
    return redirect(url_for("catalog.course", course_id=course_id))



@bp.post("/courses/<course_id>/pre-test/skip")
@access.signed_in
def skip_pre_test(course_id: str) -> ResponseReturnValue:
    version = versions.version_for(current_user.id, course_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if (refusal := progress_refusal(current_user, version, None, "lesson")) is not None:
        return to_course_page(course_id, refusal)
    if not learning.skip_pre_test(current_user.id, version):
        flash(_("The pre-test is no longer open."), "info")
        return redirect(url_for("catalog.course", course_id=course_id))
    db.session.commit()
    flash(_("You skipped the pre-test. You can start the first module."), "info")
    return redirect(url_for("catalog.module", course_id=course_id,
                            module_id=version.content["modules"][0]["id"]))


@bp.get("/media/<course_id>/<int:version>/<module_id>/<filename>")
@access.signed_in
def media(course_id: str, version: int, module_id: str, filename: str) -> ResponseReturnValue:
    row = version_of(course_id, version)
    course_row = db.session.get(Course, course_id)
    if row is None or course_row is None or not course_row.is_published:
        abort(404)
    # The same rule as the course page: an officer sees a closed course's pictures only when enrolled.
    if not access_to(current_user, course_id).visible:
        abort(404)
    item = db.session.scalar(sa.select(CourseMedia).where(
        CourseMedia.course_version_id == row.id, CourseMedia.module_id == module_id,
        CourseMedia.filename == filename,
    ))
    if item is None:
        abort(404)
    response = Response(item.data, mimetype=item.content_type)
    response.headers["Cache-Control"] = "private, max-age=86400"
    if item.content_type == "image/svg+xml":
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
