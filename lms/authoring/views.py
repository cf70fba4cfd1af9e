"""The course editor: drafts, files, preview, history, publishing, packages, editors."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from typing import cast

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from lms import access
from lms.authoring import drafts, fields, packages
from lms.authoring.diffs import conflict_texts
from lms.authoring.fields import as_dict, as_list
from lms.authoring.forms import (
    EditorForm,
    FileForm,
    ImportForm,
    ModuleActionForm,
    ModuleAddForm,
    NewCourseForm,
    PublishForm,
    RenameForm,
    RestoreForm,
    UploadForm,
    course_settings_form,
)
from lms.authoring.images import ImageRefusedError, prepare_upload
from lms.authoring.models import CourseAuthor
from lms.catalog.content import QuizData
from lms.catalog.models import Course
from lms.catalog.render import render_lesson
from lms.extensions import db
from lms.i18n import LOCALES
from lms.i18n import RTL_LANGUAGES as RTL
from lms.org.models import Role, User, audit

bp = Blueprint("authoring", __name__, template_folder="templates", url_prefix="/authoring")
AUTHORS = (Role.TRAINER, Role.ADMIN)
LOCALES_KEYS = list(LOCALES)

ERRORS = {
    "bad-id": _l("Use lowercase Latin letters, digits and '-', starting with a letter or digit."),
    "id-taken": _l("A course with this id already exists."),
    "no-title": _l("This field is required."),
    "no-course": _l("There is no such course."),
    "no-source": _l("The files of this course are not in the database yet: load it again with “lms courses load”."),
    "no-revision": _l("There is no such revision."),
    "bad-path": _l("This is not a file of the course folder."),
    "bad-mode": _l("Choose one."),
    "never-published": _l("The course has never been published: publish it as a new version."),
    "unchanged": _l("Nothing to publish: the published course is the same as the draft."),
    "not-a-trainer": _l("Only trainers can be editors of a course."),
}
PACKAGE_ERRORS = {
    "not-a-zip": _l("The file is not a zip package."),
    "too-many-files": _l("The package holds too many files."),
    "too-big": _l("The package is too large when unpacked."),
    "absolute-path": _l("An absolute path: every file must be inside the course folder."),
    "outside-folder": _l("A path that leads outside the course folder."),
    "bad-name": _l("A file name that is not allowed."),
    "link": _l("A link: packages may hold only plain files."),
    "encrypted": _l("An encrypted file."),
    "outside-course-folder": _l("A file outside the course folder: the package holds one folder named after the course id."),
    "file-too-big": _l("The file is larger than allowed."),
    "bomb": _l("The file is compressed suspiciously well (a zip bomb?)."),
    "duplicate": _l("The same file is in the package twice."),
    "unknown-file": _l("Not a file of the course format (YAML, Markdown lessons and images only)."),
    "unreadable": _l("The file cannot be unpacked."),
    "not-utf8": _l("The text is not in UTF-8."),
    "control-character": _l("The text holds a NUL or another control character; a course text may hold none."),
    "not-an-image": _l("The file is not the image its name says."),
    "unsafe-svg": _l("The SVG picture holds scripts, event handlers or references to other files or hosts."),
    "image-outside-media": _l("Images belong in a module's media folder."),
    "several-folders": _l("The package holds several folders; it must hold exactly one course folder."),
    "empty": _l("The package holds no course."),
    "bad-course-id": _l("The folder name is not a valid course id."),
    "course-format": _l("The course does not pass the course check."),
    "no-right": _l("You are not an editor of this course."),
}
IMAGE_ERRORS = {
    "too-big": _l("The image is larger than 5 MB."),
    "too-many-pixels": _l("The image has too many pixels (at most 4096 × 4096)."),
    "not-an-image": _l("The file is not a PNG, JPEG, WebP or SVG image."),
    "unsafe-svg": _l("The SVG picture holds scripts, event handlers or references to other files or hosts."),
}


@bp.before_request
def editors_only() -> None:
    """Every route of a course is for the course's editors (and admins) only."""
    course_id = (request.view_args or {}).get("course_id")
    if course_id is not None and current_user.is_authenticated and not drafts.may_edit(current_user, course_id):
        abort(403)


def _fetch() -> bool:
    """The page's own script saving in the background (autosave), which wants JSON back."""
    return request.headers.get("X-Requested-With") == "fetch"


def _form_saved(draft, rev, target: str) -> ResponseReturnValue:
    """After a form editor's save: JSON for an autosave, else the message and the page again."""
    message = _("Saved as revision %(number)s.", number=rev.number) if rev else _("No changes to save.")
    if _fetch():
        return {"base": rev.number if rev else draft.head, "message": message}
    flash(message, "success")
    return redirect(target)


def _form_refused(status: int) -> ResponseReturnValue:
    """An autosave that did not go through: the author saves with the button to see why."""
    if status == 409:
        return {"message": _("Not saved: someone else saved the draft. Save with the button to see both versions.")}, 409
    return {"message": _("Not saved automatically: an entry needs correcting. Save with the button to see which.")}, status


def _draft_or_404(course_id: str):
    try:
        return drafts.open_draft(current_user, course_id)
    except drafts.AuthoringError:
        abort(404)


def _text(data: bytes | None) -> str:
    if data is None:
        return ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return ""


def _minor() -> bool:
    """The author marked the save as a minor edit: translations of what it changes stay valid."""
    return request.form.get("minor") == "y"


def _is_text(path: str) -> bool:
    return path.endswith(drafts.TEXT_SUFFIXES)


@bp.get("")
@access.roles(*AUTHORS)
def index() -> ResponseReturnValue:
    ids = sorted(drafts.editable_course_ids(current_user))
    published = dict(db.session.execute(sa.select(Course.id, Course.current_version).where(Course.id.in_(ids))).tuples().all())
    drafted = {d.course_id: d for d in db.session.scalars(
        sa.select(drafts.CourseDraft).where(drafts.CourseDraft.course_id.in_(ids)))}
    return render_template(
        "authoring/index.html", ids=ids, published=published, drafted=drafted,
        may_author=drafts.may_author(current_user), new_form=NewCourseForm(lang=_default_lang()),
        import_form=ImportForm(),
    )


def _offered(value: object, langs: list[str], default: str) -> str:
    """value when it is one of langs (a language the course offers), else default."""
    return value if isinstance(value, str) and value in langs else default


def _default_lang() -> str:
    from lms.i18n import current_language

    return current_language()


@bp.post("/new")
@access.roles(*AUTHORS)
def new_course() -> ResponseReturnValue:
    if not drafts.may_author(current_user):
        abort(403)
    form = NewCourseForm()
    if form.validate_on_submit():
        if not form.course_id.data:
            form.course_id.data = drafts.propose_id(form.title.data)
        try:
            drafts.create_course(current_user, form.course_id.data, form.title.data, form.lang.data)
        except drafts.AuthoringError as exc:
            db.session.rollback()
            form.course_id.errors = [ERRORS[exc.code]]
        else:
            db.session.commit()
            flash(_("The course draft is created."), "success")
            return redirect(url_for("authoring.course", course_id=form.course_id.data))
    return render_template("authoring/new.html", form=form), 422


@bp.get("/courses/<course_id>")
@access.roles(*AUTHORS)
def course(course_id: str) -> ResponseReturnValue:
    draft = _draft_or_404(course_id)
    db.session.commit()  # a draft opened from the published files is kept
    head = drafts.revision(draft)
    files = drafts.files_of(head)
    _course, problems = drafts.check(course_id, files)
    by_path = drafts.problems_by_path(course_id, problems)
    course_row = db.session.get(Course, course_id)
    try:
        listed = [m for m in (course_form_fields(files).get("modules") or []) if isinstance(m, str)]
    except drafts.AuthoringError:
        listed = []
    return render_template(
        "authoring/course.html", draft=draft, head=head, files=files, by_path=by_path,
        problems=problems, course_row=course_row, is_text=_is_text,
        editors=drafts.editors_of(course_id), upload_form=_upload_form(head.number, files),
        module_order=listed, retired=drafts.published_module_ids(course_id),
        add_form=ModuleAddForm(base=head.number), action_form=ModuleActionForm(),
    )


def course_form_fields(files: dict[str, bytes]) -> dict:
    from lms.authoring.course_form import course_fields

    return course_fields(files)


def _modules(files: dict[str, bytes]) -> list[str]:
    return sorted({p.split("/")[0] for p in files if "/" in p})


def _upload_form(base: int, files: dict[str, bytes], form: UploadForm | None = None) -> UploadForm:
    form = form or UploadForm(base=base)
    form.module.choices = [(m, m) for m in _modules(files)]
    return form


@bp.route("/courses/<course_id>/file", methods=["GET", "POST"])
@access.roles(*AUTHORS)
def edit_file(course_id: str) -> ResponseReturnValue:
    draft = _draft_or_404(course_id)
    path = request.args.get("path", "")
    try:
        drafts._check_path(path)
    except drafts.AuthoringError:
        abort(404)
    if not _is_text(path):
        abort(404)
    head = drafts.revision(draft)
    files = drafts.files_of(head)
    form = FileForm(base=head.number, text=_text(files.get(path)))
    conflict = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            text = (form.text.data or "").replace("\r\n", "\n")
            wants_json = request.headers.get("X-Requested-With") == "fetch"
            try:
                rev = drafts.save(draft, current_user, form.base.data, {path: text.encode("utf-8")},
                                  minor=bool(form.minor.data))
            except drafts.ConflictError:
                db.session.rollback()
                if wants_json:
                    return {"message": _("Not saved: someone else saved this file. Save with the button to see both texts.")}, 409
                db.session.refresh(draft)  # its head after the save that won
                head = drafts.revision(draft)
                files = drafts.files_of(head)
                conflict = {"theirs": _text(files.get(path)), "head": head}
                form.base.data, form.base.raw_data = head.number, [str(head.number)]
                status = 409
            except drafts.AuthoringError as exc:
                db.session.rollback()
                form.text.errors = [ERRORS[exc.code]]
                status = 422
            else:
                db.session.commit()
                if wants_json:
                    head_number = rev.number if rev else draft.head
                    return {"base": head_number, "message": _("Saved as revision %(number)s.", number=head_number)}
                if rev is None:
                    flash(_("No changes to save."), "info")
                else:
                    flash(_("Saved as revision %(number)s.", number=rev.number), "success")
                target = "authoring.preview" if path.endswith(".md") and request.form.get("then") == "preview" \
                    else "authoring.edit_file"
                return redirect(url_for(target, course_id=course_id, path=path))
        else:
            if request.headers.get("X-Requested-With") == "fetch":
                return {"message": _("Not saved: the page has expired. Save with the button.")}, 400
            status = 422
    _course, problems = drafts.check(course_id, files)
    mine = drafts.problems_by_path(course_id, problems).get(path, [])
    from lms.authoring.fields import line_of

    typed = form.text.data or ""
    numbered = [((line_of(typed, p.field) if p.field and path.endswith((".yaml", ".yml")) else None), i, p)
                for i, p in enumerate(mine)]
    located = [(line, p) for line, _i, p in sorted(numbered, key=lambda t: (t[0] or 0, t[1]))]
    media = f"{path.split('/')[0]}/media/" if "/" in path else None
    images = sorted(p[len(media):] for p in files if media and p.startswith(media))
    return render_template(
        "authoring/file.html", draft=draft, head=head, path=path, form=form, problems=mine,
        conflict=conflict, exists=path in files, images=images, located=located,
    ), status


def _media_url(course_id: str, module_id: str, files: dict[str, bytes]):
    def media_url(src: str) -> str | None:
        path = f"{module_id}/{src}"
        return url_for("authoring.media", course_id=course_id, path=path) if path in files else None

    return media_url


@bp.get("/courses/<course_id>/preview")
@access.roles(*AUTHORS)
def preview(course_id: str) -> ResponseReturnValue:
    """A lesson rendered by exactly the renderer and sanitizer learners get."""
    draft = _draft_or_404(course_id)
    path = request.args.get("path", "")
    head = drafts.revision(draft)
    files = drafts.files_of(head)
    if path not in files or not path.endswith(".md") or "/" not in path:
        abort(404)
    module_id = path.split("/")[0]
    html = render_lesson(_text(files[path]), _media_url(course_id, module_id, files))
    lang = path.rsplit(".", 2)[-2]
    return render_template("authoring/preview.html", draft=draft, head=head, path=path,
                           html=Markup(html), lesson_lang=lang)  # noqa: S704 (sanitized by render_lesson)


@bp.get("/courses/<course_id>/media")
@access.roles(*AUTHORS)
def media(course_id: str) -> ResponseReturnValue:
    draft = _draft_or_404(course_id)
    path = request.args.get("path", "")
    rev_number = request.args.get("revision", type=int)
    rev = drafts.revision(draft, rev_number)
    if rev is None or "/media/" not in path or path not in rev.files:
        abort(404)
    data = drafts.fetch({path: rev.files[path]})[path]
    kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
    response = Response(data, mimetype=kind)
    if kind == "image/svg+xml":
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.post("/courses/<course_id>/upload")
@access.roles(*AUTHORS)
def upload(course_id: str) -> ResponseReturnValue:
    draft = _draft_or_404(course_id)
    head = drafts.revision(draft)
    files = drafts.files_of(head)
    form = _upload_form(head.number, files, UploadForm())
    if not form.validate_on_submit() or form.module.data not in _modules(files):
        flash(_("Choose a module and an image file."), "error")
        return redirect(url_for("authoring.course", course_id=course_id))
    try:
        name, data = prepare_upload(form.image.data.read(5 * 1024 * 1024 + 1))
    except ImageRefusedError as exc:
        flash(IMAGE_ERRORS[exc.code], "error")
        return redirect(url_for("authoring.course", course_id=course_id))
    path = f"{form.module.data}/media/{name}"
    try:
        drafts.save(draft, current_user, form.base.data, {path: data}, action="image-uploaded")
    except drafts.ConflictError:
        db.session.rollback()
        flash(_("Someone saved the draft meanwhile; nothing was lost. Upload the image again."), "error")
        return redirect(url_for("authoring.course", course_id=course_id))
    db.session.commit()
    flash(_("The image is saved. Use it in a lesson as: %(markdown)s", markdown=f"![](media/{name})"), "success")
    return redirect(url_for("authoring.course", course_id=course_id))


@bp.get("/courses/<course_id>/history")
@access.roles(*AUTHORS)
def history(course_id: str) -> ResponseReturnValue:
    draft = _draft_or_404(course_id)
    from sqlalchemy.orm import selectinload

    revs = list(db.session.scalars(
        sa.select(drafts.DraftRevision).options(selectinload(drafts.DraftRevision.author))
        .where(drafts.DraftRevision.draft_id == draft.id).order_by(drafts.DraftRevision.number.desc())
    ))
    return render_template("authoring/history.html", draft=draft, revisions=revs, restore_form=RestoreForm())


@bp.get("/courses/<course_id>/revisions/<int:number>")
@access.roles(*AUTHORS)
def revision(course_id: str, number: int) -> ResponseReturnValue:
    from lms.authoring.diffs import file_diffs

    draft = _draft_or_404(course_id)
    rev = drafts.revision(draft, number)
    if rev is None:
        abort(404)
    parent = drafts.revision(draft, rev.parent) if rev.parent else None
    diffs = file_diffs(drafts.files_of(parent) if parent else {}, drafts.files_of(rev))
    return render_template("authoring/revision.html", draft=draft, rev=rev, parent=parent, diffs=diffs,
                           restore_form=RestoreForm())


@bp.post("/courses/<course_id>/revisions/<int:number>/restore")
@access.roles(*AUTHORS)
def restore(course_id: str, number: int) -> ResponseReturnValue:
    draft = _draft_or_404(course_id)
    if not RestoreForm().validate_on_submit():
        abort(400)
    try:
        rev = drafts.restore(draft, current_user, number)
    except drafts.AuthoringError:
        db.session.rollback()
        abort(404)
    except drafts.ConflictError:
        db.session.rollback()
        flash(_("Someone saved the draft meanwhile; nothing was lost. Try again."), "error")
        return redirect(url_for("authoring.history", course_id=course_id))
    db.session.commit()
    flash(_("Revision %(old)s is restored as revision %(new)s.", old=number, new=rev.number), "success")
    return redirect(url_for("authoring.history", course_id=course_id))


@bp.route("/courses/<course_id>/publish", methods=["GET", "POST"])
@access.roles(*AUTHORS)
def publish(course_id: str) -> ResponseReturnValue:
    from lms.authoring.diffs import officer_changes

    draft = _draft_or_404(course_id)
    head = drafts.revision(draft)
    files = drafts.files_of(head)
    course_row = db.session.get(Course, course_id)
    form = PublishForm(base=head.number, mode="correction" if course_row else "new-version")
    refused = []
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            result = drafts.publish(draft, current_user, form.mode.data, form.base.data)
        except drafts.PublishRefusedError as exc:
            db.session.rollback()
            refused = exc.problems
            status = 422
        except drafts.ConflictError:
            db.session.rollback()
            flash(_("The draft changed since you opened this page. Check what changes, then publish."), "error")
            return redirect(url_for("authoring.publish", course_id=course_id))
        except drafts.AuthoringError as exc:
            db.session.rollback()
            form.mode.errors = [ERRORS[exc.code]]
            status = 422
        else:
            db.session.commit()
            flash(_("Published as version %(version)s.", version=result.version), "success")
            return redirect(url_for("authoring.course", course_id=course_id))
    elif request.method == "POST":
        status = 422
    _course, problems = drafts.check(course_id, files)
    current = drafts.published_files(course_id) if course_row else None
    changes = officer_changes(course_id, current, files) if course_row else None
    return render_template(
        "authoring/publish.html", draft=draft, head=head, form=form, problems=refused or problems,
        course_row=course_row, changes=changes, in_progress=_in_progress(course_id) if course_row else 0,
        finish_old=_draft_says_finish(files),
    ), status


def _draft_says_finish(files: dict[str, bytes]) -> bool:
    from lms.authoring import course_form

    try:
        return course_form.course_fields(files).get("on_new_version") == "finish"
    except drafts.AuthoringError:
        return False


def _in_progress(course_id: str) -> int:
    from lms.learning.models import Enrolment
    from lms.learning.status import started_not_complete

    return db.session.scalar(sa.select(sa.func.count(Enrolment.id)).where(
        Enrolment.course_id == course_id, started_not_complete())) or 0


@bp.get("/courses/<course_id>/export")
@access.roles(*AUTHORS)
def export(course_id: str) -> ResponseReturnValue:
    if request.args.get("draft"):
        draft = _draft_or_404(course_id)
        files = drafts.files_of(drafts.revision(draft))
        name = f"{course_id}-draft-r{draft.head}.zip"
    else:
        published = drafts.published_files(course_id)
        course = db.session.get(Course, course_id)
        if published is None or course is None:
            abort(404)
        files, name = published, f"{course_id}-v{course.current_version}.zip"
    audit(current_user, "authoring.exported", f"course:{course_id}", draft=bool(request.args.get("draft")))
    db.session.commit()
    response = Response(packages.export_zip(course_id, files), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/import")
@access.roles(*AUTHORS)
def import_package() -> ResponseReturnValue:
    form = ImportForm()
    problems: list[tuple[str, str]] = []
    if not form.validate_on_submit():
        problems = [("", str(e)) for e in form.package.errors] or [("", _("Choose a file."))]
    else:
        data = form.package.data.read(packages.MAX_TOTAL_BYTES + 1)
        try:
            course_id, files = packages.read_zip(data)
        except packages.PackageRefusedError as exc:
            problems = [(p.file, str(PACKAGE_ERRORS[p.code])) for p in exc.problems]
        else:
            problems = _import_into_draft(course_id, files)
            if not problems:
                db.session.commit()
                flash(_("The package is imported as a new revision of the draft."), "success")
                return redirect(url_for("authoring.course", course_id=course_id))
            db.session.rollback()
    return render_template("authoring/import_refused.html", problems=problems), 422


def _import_into_draft(course_id: str, files: dict[str, bytes]) -> list[tuple[str, str]]:
    _course, found = drafts.check(course_id, files)
    if found:
        from lms.authoring.messages import translate

        return [(p.file, f"{p.field}: {translate(p.message)}" if p.field else translate(p.message))
                for p in found]
    exists = db.session.get(Course, course_id) is not None or drafts.draft_of(course_id) is not None
    if exists and not drafts.may_edit(current_user, course_id):
        return [(course_id, str(PACKAGE_ERRORS["no-right"]))]
    if not exists and not drafts.may_author(current_user):
        return [(course_id, str(PACKAGE_ERRORS["no-right"]))]
    try:
        if exists:
            draft = drafts.open_draft(current_user, course_id)
        else:
            draft = drafts.create_course(current_user, course_id, course_id, "en")
        drafts.replace_all(draft, current_user, files, "imported")
    except (drafts.AuthoringError, drafts.ConflictError):
        return [(course_id, str(PACKAGE_ERRORS["course-format"]))]
    return []


@bp.route("/courses/<course_id>/editors", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def editors(course_id: str) -> ResponseReturnValue:
    if db.session.get(Course, course_id) is None and drafts.draft_of(course_id) is None:
        abort(404)
    form = EditorForm()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        trainer = db.session.scalar(sa.select(User).where(User.personnel_number == form.personnel_number.data.strip()))
        if trainer is None or trainer.role != Role.TRAINER:
            form.personnel_number.errors = [_("There is no trainer with this personnel number.")]
            status = 422
        else:
            drafts.set_editor(current_user, course_id, trainer, form.action.data != "remove")
            db.session.commit()
            flash(_("The course's editors are saved."), "success")
            return redirect(url_for("authoring.editors", course_id=course_id))
    elif request.method == "POST":
        status = 422
    return render_template("authoring/editors.html", course_id=course_id, form=form,
                           editors=drafts.editors_of(course_id)), status


@bp.route("/authors", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def authors() -> ResponseReturnValue:
    form = EditorForm()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        trainer = db.session.scalar(sa.select(User).where(User.personnel_number == form.personnel_number.data.strip()))
        if trainer is None or trainer.role != Role.TRAINER:
            form.personnel_number.errors = [_("There is no trainer with this personnel number.")]
            status = 422
        else:
            drafts.grant_author(current_user, trainer, form.action.data != "remove")
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("authoring.authors"))
    elif request.method == "POST":
        status = 422
    rows = list(db.session.scalars(
        sa.select(User).join(CourseAuthor, CourseAuthor.user_id == User.id).order_by(User.name_latin)))
    return render_template("authoring/authors.html", form=form, authors=rows), status


@bp.app_template_filter("revision_note")
def revision_note(note: dict) -> str:
    """What a revision did, in the reader's language."""
    action = (note or {}).get("action")
    paths = ", ".join(note.get("paths", [])[:5]) if note else ""
    if action == "created":
        return _("course created")
    if action == "opened":
        return _("draft opened from published version %(version)s", version=note.get("version"))
    if action == "saved":
        return _("saved: %(files)s", files=paths)
    if action == "image-uploaded":
        return _("image uploaded: %(files)s", files=paths)
    if action == "restored":
        return _("revision %(number)s restored", number=note.get("from"))
    if action == "imported":
        return _("package imported")
    if action == "renamed":
        return _("course id changed from %(old)s", old=note.get("from"))
    if action == "version-set":
        return _("version set to %(version)s for publishing", version=note.get("version"))
    return action or ""


@bp.app_template_filter("problem_text")
def problem_text(message: str) -> str:
    """A course-check problem in the reader's language."""
    from lms.authoring.messages import translate

    return translate(str(message))


# ---- course fields and modules ----------------------------------------------------------

COURSE_FIELD_OF = {
    "languages": "languages_", "source_language": "source_language", "audience": "audience",
    "estimated_minutes": "estimated_minutes", "completion.pass_mark": "pass_mark",
    "certificate.hours": "certificate_hours", "pre_test": "pre_test", "on_new_version": "on_new_version",
}


def _field_problems(problems) -> dict[str, list[str]]:
    """course.yaml problems keyed by the form field they belong to ('' for the rest)."""
    from lms.authoring.messages import translate

    out: dict[str, list[str]] = {}
    for p in problems:
        key = COURSE_FIELD_OF.get(p.field, "")
        head, _, lang = p.field.partition(".")
        if head in ("title", "summary") and lang:
            key = f"{head}_{lang}"
        elif head in ("title", "summary"):
            key = f"{head}_all"
        out.setdefault(key, []).append(translate(p.message) if key else f"{p.field}: {translate(p.message)}")
    return out


def _settings_languages(data: dict) -> list[str]:
    listed = [c for c in (data.get("languages") or []) if isinstance(c, str)]
    return list(dict.fromkeys([*listed, *LOCALES_KEYS]))


@bp.route("/courses/<course_id>/settings", methods=["GET", "POST"])
@access.roles(*AUTHORS)
def settings(course_id: str) -> ResponseReturnValue:
    from lms.authoring import course_form

    draft = _draft_or_404(course_id)
    head = drafts.revision(draft)
    files = drafts.files_of(head)
    try:
        data = course_form.course_fields(files)
    except drafts.AuthoringError:
        flash(_("course.yaml cannot be read as a form; correct it in the text editor."), "error")
        return redirect(url_for("authoring.edit_file", course_id=course_id, path="course.yaml"))
    langs = _settings_languages(data)
    modules = course_form.module_folders(files)
    status = 200
    conflict = None
    if request.method == "POST":
        form = course_settings_form(langs, modules)
        if form.validate_on_submit():
            values = {
                "languages": [c for c in langs if c in (form.languages_.data or [])],
                "source_language": form.source_language.data,
                "title": {c: form[f"title_{c}"].data or "" for c in langs},
                "summary": {c: form[f"summary_{c}"].data or "" for c in langs},
                "audience": form.audience.data or [],
                "estimated_minutes": form.estimated_minutes.data,
                "pass_mark": form.pass_mark.data,
                "certificate_enabled": bool(form.certificate_enabled.data),
                "certificate_hours": _number(form.certificate_hours.data),
                "pre_test": form.pre_test.data,
                "on_new_version": form.on_new_version.data,
            }
            mine = course_form.apply_course_fields(files, values)
            try:
                rev = drafts.save(draft, current_user, form.base.data, mine, minor=_minor())
            except drafts.ConflictError:
                db.session.rollback()
                db.session.refresh(draft)  # its head after the save that won
                conflict = conflict_texts(mine.get("course.yaml"), files.get("course.yaml"))
                form.base.data, form.base.raw_data = draft.head, [str(draft.head)]
                status = 409
            else:
                db.session.commit()
                return _form_saved(draft, rev, url_for("authoring.settings", course_id=course_id))
        else:
            status = 422
        if _fetch():
            return _form_refused(status)
    else:
        completion = as_dict(data.get("completion"))
        certificate = as_dict(data.get("certificate"))
        initial = {
            "base": head.number, "source_language": data.get("source_language"),
            "languages_": data.get("languages") or [], "audience": data.get("audience") or [],
            "estimated_minutes": data.get("estimated_minutes"), "pass_mark": completion.get("pass_mark", 80),
            "certificate_enabled": bool(certificate.get("enabled")),
            "certificate_hours": certificate.get("hours", 0), "pre_test": data.get("pre_test") or "",
            "on_new_version": data.get("on_new_version") or "move_on",
        }
        for key in ("title", "summary"):
            texts = as_dict(data.get(key))
            initial.update({f"{key}_{c}": texts.get(c, "") for c in langs})
        form = course_settings_form(langs, modules, **initial)
    _course, problems = drafts.check(course_id, files)
    own_problems = drafts.problems_by_path(course_id, problems).get("course.yaml", [])
    published = db.session.get(Course, course_id) is not None
    rename_form = None if published else RenameForm(base=draft.head, course_id=course_id)
    return render_template("authoring/settings.html", draft=draft, head=head, form=form, langs=langs,
                           conflict_head=draft.head if conflict else None, conflict_texts=conflict,
                           field_problems=_field_problems(own_problems), rename_form=rename_form), status


def _number(value: float | None) -> int | float:
    value = value or 0
    return int(value) if float(value).is_integer() else value


@bp.post("/courses/<course_id>/modules")
@access.roles(*AUTHORS)
def modules(course_id: str) -> ResponseReturnValue:
    """Add, move, remove or retire a module."""
    from lms.authoring import course_form

    draft = _draft_or_404(course_id)
    files = drafts.files_of(drafts.revision(draft))
    retired = drafts.published_module_ids(course_id)
    add = ModuleAddForm()
    act = ModuleActionForm()
    try:
        if request.form.get("action") in ("up", "down", "remove") and act.validate_on_submit():
            base = act.base.data
            if act.action.data == "remove":
                changes = course_form.remove_module(files, act.module_id.data)
                action = "module-retired" if act.module_id.data in retired else "module-removed"
            else:
                changes = course_form.move_module(files, act.module_id.data, -1 if act.action.data == "up" else 1)
                action = "modules-reordered"
        elif request.form.get("action") == "add" and add.validate_on_submit():
            base = add.base.data
            module_id = add.module_id.data or course_form.propose_module_id(files, add.title.data)
            changes = course_form.add_module(files, module_id, add.kind.data, add.title.data, retired)
            action = "module-added"
        else:
            flash(_("Enter the module's title."), "error")
            return redirect(url_for("authoring.course", course_id=course_id))
        drafts.save(draft, current_user, base, changes, action=action)
    except drafts.AuthoringError as exc:
        db.session.rollback()
        flash(MODULE_ERRORS.get(exc.code, ERRORS.get(exc.code, exc.code)), "error")
        return redirect(url_for("authoring.course", course_id=course_id))
    except drafts.ConflictError:
        db.session.rollback()
        flash(_("Someone saved the draft meanwhile; nothing was lost. Try again."), "error")
        return redirect(url_for("authoring.course", course_id=course_id))
    db.session.commit()
    flash({"module-added": _("The module is added."), "module-removed": _("The module is removed."),
           "module-retired": _("The module is retired: officers keep their records of it, and its id is not used again."),
           "modules-reordered": _("The order is saved.")}[action], "success")
    return redirect(url_for("authoring.course", course_id=course_id) + "#modules")


MODULE_ERRORS = {
    "bad-kind": _l("Choose the module's kind."),
    "module-id-taken": _l("A module with this id exists or existed in a published version; choose another id."),
    "no-module": _l("There is no such module."),
    "malformed-yaml": _l("course.yaml cannot be read as a form; correct it in the text editor."),
}


# ---- role-plays: graph and play from any node ----------------------------------------------

def _scenario_of(course_id: str, module_id: str):
    """The draft, its course.yaml data and the module's scenario (normalized), or 404."""
    from lms.authoring import course_form, graph

    draft = _draft_or_404(course_id)
    files = drafts.files_of(drafts.revision(draft))
    try:
        raw = course_form.load_yaml(files.get(f"{module_id}/scenario.yaml"))
        course = course_form.course_fields(files)
    except drafts.AuthoringError:
        abort(404)
    if f"{module_id}/scenario.yaml" not in files or not raw:
        abort(404)
    return draft, course, graph.normalize(raw)


def _graph_labels() -> dict:
    return {"title": _("Role-play graph"), "start": _("start"), "ending": _("ending"),
            "unreachable": _("unreachable"), "dead_end": _("dead end"), "best": _("best path")}


@bp.get("/courses/<course_id>/graph")
@access.roles(*AUTHORS)
def scenario_graph(course_id: str) -> ResponseReturnValue:
    from lms.authoring import graph

    module_id = request.args.get("module", "")
    draft, course, scenario = _scenario_of(course_id, module_id)
    analysis = graph.analyse(scenario)
    svg = graph.draw(scenario, analysis, labels=_graph_labels(), node_url=lambda node: url_for(
        "authoring.play", course_id=course_id, module=module_id, node=node))
    return render_template("authoring/graph.html", draft=draft, module_id=module_id, svg=svg,
                           analysis=analysis, scenario=scenario)


@bp.get("/courses/<course_id>/play")
@access.roles(*AUTHORS)
def play(course_id: str) -> ResponseReturnValue:
    """Play the draft's role-play from any node, as an officer would; nothing is recorded."""
    from lms.i18n import pick
    from lms.scenarios import engine

    module_id = request.args.get("module", "")
    draft, course, scenario = _scenario_of(course_id, module_id)
    node_id = request.args.get("node") or scenario["start"]
    taken = [c for c in request.args.get("choices", "").split(",") if c][:200]
    if node_id not in scenario["nodes"]:
        abort(404)
    langs = _course_langs(course)
    source = _offered(course.get("source_language"), langs, langs[0])
    lang = _offered(request.args.get("lang"), langs, source)
    state = engine.RunState(node_id=node_id, variables=dict(scenario["variables"]))
    steps = []
    try:
        for choice_id in taken:
            before = state
            state = engine.choose(scenario, state, choice_id)
            steps.append((before.node_id, state.steps[-1].choice))
    except (engine.InvalidChoiceError, KeyError):
        abort(404)
    node = scenario["nodes"].get(state.node_id)
    if node is None:  # a broken 'next': the graph page marks it
        flash(_("This choice leads to a node that does not exist."), "error")
        return redirect(url_for("authoring.scenario_graph", course_id=course_id, module=module_id))

    def text(value) -> str:
        return str(pick(value, lang, source)) if isinstance(value, dict) else ""

    offered = [] if "ending" in node else engine.available_choices(scenario, state.node_id, state.variables)
    speaker = (scenario["roles"].get(node.get("speaker")) or {}).get("name") if node.get("speaker") else None
    return render_template(
        "authoring/play.html", draft=draft, module_id=module_id, scenario=scenario, node=node, state=state,
        steps=steps, offered=offered, text=text, speaker=text(speaker) if speaker else "", lang=lang, langs=langs,
        start_node=node_id, taken=taken, passed=state.score >= scenario["pass_score"],
        text_dir_of=lambda code: "rtl" if code in RTL else "ltr",
    )


# ---- quiz preview -------------------------------------------------------------------------------

def _quiz_of(files: dict[str, bytes], module_id: str, course: dict) -> QuizData:
    """The draft's quiz as the engine reads it, tolerant of what is not finished yet."""
    from lms.authoring import course_form
    from lms.quizzes.spec import SORTED_PARTS

    raw = course_form.load_yaml(files.get(f"{module_id}/quiz.yaml"))
    completion = as_dict(course.get("completion"))
    questions = []
    for q in raw.get("questions") or [] if isinstance(raw.get("questions"), list) else []:
        if not isinstance(q, dict) or not isinstance(q.get("id"), str):
            continue
        options = [
            {"id": str(o.get("id")), "text": o.get("text"), "correct": bool(o.get("correct")),
             "feedback": o.get("feedback"), "credit": _credit(o.get("credit"))}
            for o in (q.get("options") or []) if isinstance(o, dict) and o.get("id") is not None
        ]
        question = {"id": q["id"], "type": q.get("type"), "text": q.get("text"),
                    "explanation": q.get("explanation"), "options": options,
                    "documents": [d for d in q.get("documents") or [] if isinstance(d, dict)]
                    if isinstance(q.get("documents"), list) else []}
        if q.get("type") in SORTED_PARTS:
            cats, items, right, feedback = SORTED_PARTS[q["type"]]
            question["categories"] = [
                {"id": str(c.get("id")), "text": c.get("text")}
                for c in (q.get(cats) or []) if isinstance(c, dict) and c.get("id") is not None]
            question["items"] = [
                {"id": str(i.get("id")), "text": i.get("text"), "category": str(i.get(right)),
                 "feedback": i.get(feedback)}
                for i in (q.get(items) or []) if isinstance(i, dict) and i.get("id") is not None]
            question["tolerance"] = _credit(q.get("tolerance"))
            question["options"] = []
            placement = q.get("placement") if q.get("type") == "rate" else None
            if isinstance(placement, dict) and isinstance(placement.get("options"), list):
                question["placement"] = {
                    "text": placement.get("text"), "reasoning": placement.get("reasoning"),
                    "expert": str(placement.get("expert")), "graded": placement.get("graded") is not False,
                    "options": [{"id": str(o.get("id")), "text": o.get("text")} for o in placement["options"]
                                if isinstance(o, dict) and o.get("id") is not None]}
        questions.append(question)
    pass_mark = raw.get("pass_mark", completion.get("pass_mark", 80))
    # The parts of a quiz that grading reads, each made what the course format says it is.
    return cast(QuizData, {"questions": questions, "pass_mark": pass_mark if isinstance(pass_mark, int) else 80,
                           "draw": raw.get("draw") if isinstance(raw.get("draw"), int) else None})


def _credit(value) -> int:
    """An option's credit as grading reads it; what the check refuses counts for nothing here."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100 else 0


@bp.route("/courses/<course_id>/quiz", methods=["GET", "POST"])
@access.roles(*AUTHORS)
def quiz_preview(course_id: str) -> ResponseReturnValue:
    """Answer the draft's quiz as an officer would and see the grading; nothing is recorded."""
    from lms.authoring import course_form
    from lms.i18n import pick
    from lms.quizzes.grading import grade

    draft = _draft_or_404(course_id)
    module_id = request.args.get("module", "")
    files = drafts.files_of(drafts.revision(draft))
    if f"{module_id}/quiz.yaml" not in files:
        abort(404)
    try:
        course = course_form.course_fields(files)
        quiz = _quiz_of(files, module_id, course)
    except drafts.AuthoringError:
        flash(_("The quiz cannot be read yet; correct it in the text editor."), "error")
        return redirect(url_for("authoring.edit_file", course_id=course_id, path=f"{module_id}/quiz.yaml"))
    langs = _course_langs(course)
    source = _offered(course.get("source_language"), langs, langs[0])
    lang = _offered(request.args.get("lang"), langs, source)
    graded = None
    answers: dict[str, list[str]] = {}
    if request.method == "POST":
        if not RestoreForm().validate_on_submit():
            abort(400)
        answers = {q["id"]: [v for name in request.form if name.partition(".")[0] == f"q-{q['id']}"
                             for v in request.form.getlist(name)] for q in quiz["questions"]}
        graded = grade(quiz, answers)

    def text(value) -> str:
        return str(pick(value, lang, source)) if isinstance(value, dict) else ""

    return render_template("authoring/quiz_preview.html", draft=draft, module_id=module_id, quiz=quiz,
                           text=text, lang=lang, langs=langs, graded=graded, answers=answers,
                           form=RestoreForm(), text_dir_of=lambda code: "rtl" if code in RTL else "ltr")


@bp.post("/courses/<course_id>/render")
@access.roles(*AUTHORS)
def render_preview(course_id: str) -> ResponseReturnValue:
    """Typed lesson Markdown through the learners' renderer and sanitizer, for the live preview."""
    draft = _draft_or_404(course_id)
    path = request.args.get("path", "")
    if not FileForm().validate_on_submit() or not path.endswith(".md") or "/" not in path:
        abort(400)
    files = drafts.files_of(drafts.revision(draft))
    text = (request.form.get("text") or "")[:500_000]
    return {"html": render_lesson(text, _media_url(course_id, path.split("/")[0], files))}


@bp.post("/courses/<course_id>/rename")
@access.roles(*AUTHORS)
def rename(course_id: str) -> ResponseReturnValue:
    """Change the course id; only before the course is first published."""
    draft = _draft_or_404(course_id)
    form = RenameForm()
    if not form.validate_on_submit():
        flash(form.course_id.errors[0] if form.course_id.errors else _("Choose one."), "error")
        return redirect(url_for("authoring.settings", course_id=course_id))
    try:
        drafts.rename_course(draft, current_user, form.course_id.data, form.base.data)
    except drafts.AuthoringError as exc:
        db.session.rollback()
        flash(RENAME_ERRORS.get(exc.code) or ERRORS[exc.code], "error")
        return redirect(url_for("authoring.settings", course_id=course_id))
    except drafts.ConflictError:
        db.session.rollback()
        flash(_("Someone saved the draft meanwhile; nothing was lost. Try again."), "error")
        return redirect(url_for("authoring.settings", course_id=course_id))
    db.session.commit()
    flash(_("The course id is now %(id)s.", id=form.course_id.data), "success")
    return redirect(url_for("authoring.settings", course_id=form.course_id.data))


RENAME_ERRORS = {
    "id-fixed": _l("The course has been published: its id never changes, since records point at it."),
    "unchanged": _l("This is already the course's id."),
}


# ---- quiz editor ---------------------------------------------------------------------------------

def _form_context(course_id: str, path: str, read: Callable[[dict], dict], unreadable: str):
    """The draft, its files, the file at path as `read` gives it, the course languages; 404
    when the draft has no such file, None (unreadable flashed) when it cannot be read as a form."""
    from lms.authoring import course_form

    draft = _draft_or_404(course_id)
    files = drafts.files_of(drafts.revision(draft))
    if path not in files:
        abort(404)
    try:
        course = course_form.course_fields(files)
        data = read(files)
    except drafts.AuthoringError:
        flash(unreadable, "error")
        return None
    return draft, files, data, _course_langs(course)


def _course_langs(course: dict) -> list[str]:
    """The languages course.yaml lists (English when it lists none it can use)."""
    return [c for c in (course.get("languages") or []) if isinstance(c, str)] or ["en"]


def _quiz_context(course_id: str, module_id: str):
    from lms.authoring import quiz_form

    return _form_context(course_id, f"{module_id}/quiz.yaml", lambda files: quiz_form.read(files, module_id),
                         _("The quiz cannot be read yet; correct it in the text editor."))


def _problems_in(course_id: str, files: dict, path: str) -> list:
    """The course check's problems in one file of the draft."""
    _course, problems = drafts.check(course_id, files)
    return drafts.problems_by_path(course_id, problems).get(path, [])


@bp.route("/courses/<course_id>/quiz-editor", methods=["GET", "POST"])
@access.roles(*AUTHORS)
def quiz_editor(course_id: str) -> ResponseReturnValue:
    """The quiz's settings and its questions: add, edit, reorder, remove."""
    from lms.authoring import quiz_form

    module_id = request.args.get("module", "")
    found = _quiz_context(course_id, module_id)
    if found is None:
        return redirect(url_for("authoring.edit_file", course_id=course_id, path=f"{module_id}/quiz.yaml"))
    draft, files, data, langs = found
    status = 200
    conflict = None
    refused: dict[str, list] = {}
    if request.method == "POST":
        form = FileForm()
        if not form.validate_on_submit():
            abort(400)
        action = request.form.get("action", "settings")
        saved_data = data
        try:
            if action == "settings":
                data = quiz_form.settings_from_form(data, request.form)
            else:
                index = request.form.get("index", type=int)
                if index is None:
                    abort(400)
                data = (quiz_form.remove_question(data, index) if action == "remove"
                        else quiz_form.move_question(data, index, -1 if action == "up" else 1))
            drafts.save(draft, current_user, form.base.data, quiz_form.to_file(module_id, data), minor=_minor())
        except drafts.AuthoringError as exc:
            db.session.rollback()
            refused = {exc.detail.get("field", ""): [QUIZ_ERRORS.get(exc.code, ERRORS.get(exc.code, exc.code))]}
            status = 422
        except drafts.ConflictError:
            db.session.rollback()
            if action != "settings":  # a button press: nothing typed to keep
                flash(_("Someone saved the draft meanwhile; nothing was lost. Try again."), "error")
                return redirect(url_for("authoring.quiz_editor", course_id=course_id, module=module_id))
            db.session.refresh(draft)  # its head after the save that won
            conflict = conflict_texts(data, saved_data, changed_keys_only=True)
            data = saved_data
            status = 409
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("authoring.quiz_editor", course_id=course_id, module=module_id))
    from lms.authoring import fields

    errors = fields.place(_problems_in(course_id, files, f"{module_id}/quiz.yaml"), None,
                          {"quiz_id", "pass_mark", "attempts", "shuffle", "draw", "questions"}, {},
                          renames={"id": "quiz_id"}, elsewhere={"questions": "questions"})
    for key, items in refused.items():
        errors.setdefault(key, []).extend(items)
    return render_template("authoring/quiz_editor.html", draft=draft, module_id=module_id, data=data,
                           conflict_head=draft.head if conflict else None, conflict_texts=conflict,
                           langs=langs, errors=errors,
                           form=FileForm(base=draft.head), posted=request.form if status != 200 else None), status


@bp.route("/courses/<course_id>/question", methods=["GET", "POST"])
@access.roles(*AUTHORS)
def question(course_id: str) -> ResponseReturnValue:
    """One question: text, type, options with correct flags and feedback, explanation, refs."""
    from lms.authoring import quiz_form

    module_id = request.args.get("module", "")
    index = request.args.get("index", type=int)
    found = _quiz_context(course_id, module_id)
    if found is None:
        return redirect(url_for("authoring.edit_file", course_id=course_id, path=f"{module_id}/quiz.yaml"))
    draft, files, data, langs = found
    if index is not None and not 0 <= index < len(data["questions"]):
        abort(404)
    old = data["questions"][index] if index is not None else {}
    old = as_dict(old)
    status = 200
    current = old
    conflict = None
    text_only = old.get("type") in quiz_form.TEXT_ONLY
    if request.method == "POST" and text_only:
        # This form would drop the question's categories and statements: never save it here.
        flash(_("This type of question is edited in the text editor."), "error")
        status = 422
    elif request.method == "POST":
        form = FileForm()
        if not form.validate_on_submit():
            abort(400)
        current = quiz_form.question_from_form(request.form, langs, old)
        try:
            rev = drafts.save(draft, current_user, form.base.data,
                              quiz_form.to_file(module_id, quiz_form.set_question(data, index, current)),
                              minor=_minor())
        except (drafts.AuthoringError, drafts.ConflictError):
            db.session.rollback()
            db.session.refresh(draft)  # its head after the save that won
            conflict = conflict_texts(current, old if index is not None else None)
            status = 409
        else:
            db.session.commit()
            if index is None:
                index = len(data["questions"])
            return _form_saved(draft, rev, url_for("authoring.question", course_id=course_id, module=module_id,
                                                   index=index))
    if request.method == "POST" and _fetch():
        return _form_refused(status)
    options = [o for o in current.get("options") or [] if isinstance(o, dict)]
    if not options and not current:
        options = [{"id": "a"}, {"id": "b"}]
    rows = [*options, {}, {}]
    errors = _question_errors(_problems_in(course_id, files, f"{module_id}/quiz.yaml"), old.get("id"), index, len(rows), langs)
    if text_only:  # no form fields to put them beside: every problem of the question above the text link
        errors = {"": [p for items in errors.values() for p in items]}
    return render_template("authoring/question.html", conflict_head=draft.head if status == 409 else None,
                           conflict_texts=conflict, draft=draft, module_id=module_id, index=index,
                           q=current, rows=rows, langs=langs, errors=errors, form=FileForm(base=draft.head),
                           types=quiz_form.TYPES, text_only=text_only), status


def _question_errors(problems, qid, index: int | None, rows: int, langs: list[str]) -> dict[str, list]:
    """The course check's problems of one question, keyed by the question form's fields."""
    from lms.authoring import fields

    if index is None:
        return {}
    texts = lambda prefix: {prefix, *(f"{prefix}_{c}" for c in langs)}  # noqa: E731
    shown = {"qid", "type", "options", "refs", *texts("text"), *texts("explanation")}
    for k in range(rows):
        shown |= {f"opt{k}", f"opt{k}_id", f"opt{k}_credit", *texts(f"opt{k}_text"), *texts(f"opt{k}_feedback")}
    out: dict[str, list] = {}
    for prefix in {f"questions[{index}]", *([f"questions[{qid}]"] if isinstance(qid, str) else [])}:
        for key, items in fields.place(problems, prefix, shown, {"options": "opt"}, renames={"id": "qid"}).items():
            out.setdefault(key, []).extend(items)
    return out


QUIZ_ERRORS = {
    "no-question": _l("There is no such question."),
    "not-a-number": _l("Pass mark, attempts and the number of questions drawn are whole numbers."),
}


# ---- role-play editor ----------------------------------------------------------------------------

SCENARIO_ERRORS = {
    "not-a-number": _l("Enter a whole number."),
    "node-taken": _l("A node with this id exists; choose another id."),
    "no-node": _l("There is no such node."),
}


def _scenario_form_context(course_id: str, module_id: str):
    """The draft, its files, the scenario as written, the course languages; None when unreadable."""
    from lms.authoring import scenario_form

    return _form_context(course_id, scenario_form.path_of(module_id),
                         lambda files: scenario_form.read(files, module_id),
                         _("The role-play cannot be read as a form yet; correct it in the text editor."))


def _role_keys(data: dict) -> list[str]:
    return [str(k) for k in as_dict(data.get("roles"))]


def _form_errors(exc: drafts.AuthoringError) -> dict[str, list]:
    return {f: [SCENARIO_ERRORS[exc.code]] for f in exc.detail.get("fields", [])} if exc.code == "not-a-number" \
        else {"": [SCENARIO_ERRORS.get(exc.code, ERRORS.get(exc.code, exc.code))]}


@bp.route("/courses/<course_id>/scenario-editor", methods=["GET", "POST"])
@access.roles(*AUTHORS)
def scenario_editor(course_id: str) -> ResponseReturnValue:
    """The role-play's settings, roles with their cards, observer checklist, variables and nodes."""
    from lms.authoring import scenario_form

    module_id = request.args.get("module", "")
    found = _scenario_form_context(course_id, module_id)
    if found is None:
        return redirect(url_for("authoring.edit_file", course_id=course_id, path=scenario_form.path_of(module_id)))
    draft, files, data, langs = found
    status = 200
    form = FileForm(base=draft.head)
    shown_data = data
    conflict = None
    form_errors: dict[str, list] = {}
    if request.method == "POST":
        form = FileForm()
        if not form.validate_on_submit():
            abort(400)
        action = request.form.get("action", "settings")
        try:
            if action == "remove-node":
                new = scenario_form.remove_node(data, request.form.get("node", ""))
            else:
                new = scenario_form.settings_from_form(data, request.form, langs)
            shown_data = new
            rev = drafts.save(draft, current_user, form.base.data, scenario_form.to_file(module_id, new),
                              minor=_minor())
        except drafts.AuthoringError as exc:
            db.session.rollback()
            form_errors = _form_errors(exc)
            status = 422
        except drafts.ConflictError:
            db.session.rollback()
            db.session.refresh(draft)  # its head after the save that won
            conflict = conflict_texts(new, data, changed_keys_only=True)
            status = 409
        else:
            db.session.commit()
            return _form_saved(draft, rev, url_for("authoring.scenario_editor", course_id=course_id, module=module_id))
        if _fetch():
            return _form_refused(status)
        form = FileForm(base=draft.head)
    posted = request.form if status != 200 else None
    roles = _role_keys(shown_data) if posted is None else [
        (request.form.get(f"role{k}_key") or "").strip() for k in range(fields.posted_rows(request.form, "roles"))]
    problems = _problems_in(course_id, files, scenario_form.path_of(module_id)) if status == 200 else []
    shown = _scenario_settings_fields(roles, shown_data, langs, posted)
    placed = scenario_form.place(problems, None, _role_keys(data), shown)
    for key, items in form_errors.items():
        placed.setdefault(key, []).extend(items)
    return render_template(
        "authoring/scenario_editor.html", conflict_head=draft.head if status == 409 else None,
        conflict_texts=conflict, draft=draft, module_id=module_id, data=shown_data, langs=langs,
        posted=posted, errors=placed, form=form, roles=roles, endings=scenario_form.ENDINGS,
    ), status


def _scenario_settings_fields(roles: list[str], data: dict, langs: list[str], posted) -> set[str]:
    """The names of the settings page's fields, for placing problems next to them."""
    texts = lambda prefix: {prefix, *(f"{prefix}_{c}" for c in langs)}  # noqa: E731
    keys = {"sid", "feedback", "start", "pass_score", "roles", "vars", "nodes", "observer_checklist",
            *texts("title"), *texts("briefing")}
    for k in range(len(roles) + 1):
        keys |= {f"role{k}", f"role{k}_key", *texts(f"role{k}_name"), *texts(f"role{k}_card")}
    items = as_list(data.get("observer_checklist"))
    for k in range(len(items) + 2):
        keys |= {f"chk{k}", f"chk{k}_id", *texts(f"chk{k}_text")}
    nodes = as_dict(data.get("nodes"))
    keys |= {f"nodes_{n}" for n in nodes}
    variables = as_dict(data.get("variables"))
    keys |= {f"var{k}_value" for k in range(len(variables) + 2)}
    return keys


@bp.route("/courses/<course_id>/scenario-node", methods=["GET", "POST"])
@access.roles(*AUTHORS)
def scenario_node(course_id: str) -> ResponseReturnValue:
    """One node of a role-play: speaker, text, choices (target, score, feedback, skills,
    conditions and variable changes), or an ending with its kind and debrief."""
    from lms.authoring import scenario_form
    from lms.catalog.spec import ID_RE

    module_id = request.args.get("module", "")
    found = _scenario_form_context(course_id, module_id)
    if found is None:
        return redirect(url_for("authoring.edit_file", course_id=course_id, path=scenario_form.path_of(module_id)))
    draft, files, data, langs = found
    node_id = request.args.get("node")
    if node_id is not None and node_id not in data["nodes"]:
        abort(404)
    old = data["nodes"].get(node_id) if node_id else {}
    old = as_dict(old)
    variables = [str(v) for v in data.get("variables")] if isinstance(data.get("variables"), dict) else []
    status = 200
    current = old
    conflict = None
    form_errors: dict[str, list] = {}
    new_id = node_id
    if request.method == "POST":
        form = FileForm()
        if not form.validate_on_submit():
            abort(400)
        new_id = node_id if node_id is not None else (request.form.get("node_id") or "").strip()
        try:
            current = scenario_form.node_from_form(request.form, langs, old, variables)
            if not ID_RE.match(new_id or ""):
                raise drafts.AuthoringError("bad-id")
            new = scenario_form.set_node(data, node_id, new_id, current)
            rev = drafts.save(draft, current_user, form.base.data, scenario_form.to_file(module_id, new),
                              minor=_minor())
        except drafts.AuthoringError as exc:
            db.session.rollback()
            form_errors = ({"node_id": [ERRORS["bad-id"]]} if exc.code == "bad-id"
                           else {"node_id": [SCENARIO_ERRORS["node-taken"]]} if exc.code == "node-taken"
                           else _form_errors(exc))
            status = 422
        except drafts.ConflictError:
            db.session.rollback()
            db.session.refresh(draft)  # its head after the save that won
            conflict = conflict_texts({new_id: current}, {node_id: old} if node_id else None)
            status = 409
        else:
            db.session.commit()
            return _form_saved(draft, rev, url_for("authoring.scenario_node", course_id=course_id, module=module_id,
                                                   node=new_id))
        if _fetch():
            return _form_refused(status)
    posted = request.form if status != 200 else None
    choices = [c for c in current.get("choices") or [] if isinstance(c, dict)] if posted is None else []
    rows = max(len(choices) + 2, 3) if posted is None else fields.posted_rows(request.form, "rows")
    checklist = [i.get("id") for i in data.get("observer_checklist") or [] if isinstance(i, dict)]
    shown = {"", "node_id", "speaker", "ending", "choices"} | {f"{p}_{c}" for p in ("text", "debrief") for c in langs}
    shown |= {"text", "debrief"}
    for k in range(rows):
        shown |= {f"c{k}", f"c{k}_id", f"c{k}_next", f"c{k}_score", f"c{k}_skills", f"c{k}_text", f"c{k}_feedback",
                  *(f"c{k}_{p}_{c}" for p in ("text", "feedback") for c in langs),
                  *(f"c{k}_set_{v}" for v in variables), *(f"c{k}_when_{v}_{h}" for v in variables
                                                            for h in scenario_form.CONDITIONS)}
    problems = _problems_in(course_id, files, scenario_form.path_of(module_id)) if node_id and status == 200 else []
    placed = scenario_form.place(problems, node_id, _role_keys(data), shown) if node_id else {}
    for key, items in form_errors.items():
        placed.setdefault(key, []).extend(items)
    return render_template(
        "authoring/scenario_node.html", conflict_head=draft.head if status == 409 else None,
        conflict_texts=conflict, draft=draft, module_id=module_id, node_id=node_id, new_id=new_id,
        node=current, choices=choices, rows=rows, langs=langs, posted=posted, errors=placed,
        form=FileForm(base=draft.head), roles=_role_keys(data), node_ids=list(data["nodes"]),
        checklist=[c for c in checklist if isinstance(c, str)], variables=variables,
        endings=scenario_form.ENDINGS, conditions=scenario_form.CONDITIONS,
    ), status


# ---- preview through the officers' own pages ---------------------------------------------------

def _draft_version(course_id: str):
    """The draft as the course engine reads it, in a CourseVersion that is never stored."""
    from lms.catalog.models import CourseVersion

    draft = _draft_or_404(course_id)
    files = drafts.files_of(drafts.revision(draft))
    course, _problems = drafts.check(course_id, files, partial=True)
    if course is None:
        return draft, files, None
    return draft, files, CourseVersion(course_id=course_id, version=0, content=course, content_hash="")


def _preview_url(course_id: str, module_id: str, lang: str, here: str):
    """Links of the officers' pages, kept inside the preview (and its language)."""
    def preview_url(endpoint: str, **values) -> str:
        target = values.get("module_id", module_id)
        if endpoint == "_lang":
            return url_for(here, course_id=course_id, module=module_id, lang=values["lang"])
        if endpoint == "catalog.module":
            return url_for("authoring.officer_module", course_id=course_id, module=target, lang=lang)
        if endpoint in ("quizzes.quiz", "quizzes.start"):
            return url_for("authoring.officer_quiz", course_id=course_id, module=target, lang=lang)
        if endpoint == "quizzes.answer":
            return url_for("authoring.officer_quiz", course_id=course_id, module=target, lang=lang,
                           seed=values.get("seed"))
        if endpoint == "scenarios.play":
            return url_for("authoring.officer_play", course_id=course_id, module=target, lang=lang)
        return url_for("authoring.course", course_id=course_id)  # the course page, '_back'

    return preview_url


@bp.get("/courses/<course_id>/as-officer")
@access.roles(*AUTHORS)
def officer_module(course_id: str) -> ResponseReturnValue:
    """A module of the draft on the officers' own module page, in any language; nothing is recorded."""
    from lms.catalog.queries import Translator
    from lms.catalog.views import render_module_page, wrap_tables
    from lms.learning.progress import status_of

    module_id = request.args.get("module", "")
    draft, files, version = _draft_version(course_id)
    if version is None:
        flash(_("The draft cannot be previewed yet: correct course.yaml first."), "error")
        return redirect(url_for("authoring.course", course_id=course_id))
    module = version.module(module_id)
    if module is None:
        abort(404)
    langs = version.content["languages"]
    lang = _offered(request.args.get("lang"), langs, _default_lang())
    tr = Translator(version, lang)
    html, shown = None, tr.lang
    for code in (tr.lang, version.content["source_language"]):
        path = f"{module_id}/lesson.{code}.md"
        if path in files:
            html, shown = wrap_tables(render_lesson(_text(files[path]), _media_url(course_id, module_id, files))), code
            break
    with _officer_locale(lang):
        return render_module_page(version, module, tr, html, shown, status_of(module, None, False), False,
                                  preview_url=_preview_url(course_id, module_id, lang, "authoring.officer_module"),
                                  preview_langs=langs, preview_lang=lang)


def _officer_locale(lang: str):
    """The interface in the previewed language, as an officer who chose it would see it."""
    from contextlib import nullcontext

    from flask_babel import force_locale

    return force_locale(lang) if lang in LOCALES else nullcontext()


@bp.route("/courses/<course_id>/as-officer/quiz", methods=["GET", "POST"])
@access.roles(*AUTHORS)
def officer_quiz(course_id: str) -> ResponseReturnValue:
    """The draft's quiz on the officers' own attempt and review pages; nothing is recorded.

    The attempt is never stored: its layout (questions drawn and shuffled as the engine
    does) comes from a seed carried in the page's address, so the answers go back to it.
    """
    import random
    import secrets

    from lms.catalog.queries import Translator
    from lms.quizzes import attempts as quiz_attempts
    from lms.quizzes.grading import grade
    from lms.quizzes.models import QuizAttempt
    from lms.quizzes.views import form_answers, render_attempt_page, render_review_page

    module_id = request.args.get("module", "")
    _draft, _files, version = _draft_version(course_id)
    if version is None:
        flash(_("The draft cannot be previewed yet: correct course.yaml first."), "error")
        return redirect(url_for("authoring.course", course_id=course_id))
    module = version.module(module_id)
    if module is None or not module.get("quiz") or not module["quiz"].get("questions"):
        abort(404)
    langs = version.content["languages"]
    lang = _offered(request.args.get("lang"), langs, _default_lang())
    tr = Translator(version, lang)
    seed = request.args.get("seed", type=int)
    seed = seed if seed is not None and 0 <= seed < 2**31 else secrets.randbelow(2**31)
    quiz = module["quiz"]
    attempt = QuizAttempt(id=0, user_id=current_user.id, course_id=course_id, course_version=0, module_id=module_id,
                          quiz_id=quiz["id"], number=1, layout=quiz_attempts.layout_for(quiz, random.Random(seed)),
                          draft={}, is_pre_test=module_id == (version.content.get("pre_test") or {}).get("id"))
    base_url = _preview_url(course_id, module_id, lang, "authoring.officer_quiz")

    def preview_url(endpoint: str, **values) -> str:
        return base_url(endpoint, **({**values, "seed": seed} if endpoint == "quizzes.answer" else values))

    preview = {"preview_url": preview_url, "preview_langs": langs, "preview_lang": lang}
    with _officer_locale(lang):
        if request.method == "POST":
            if not RestoreForm().validate_on_submit():
                abort(400)
            # The officer's form is read as the quiz reads it (statements, placement, written answers).
            asked = quiz_attempts.asked(quiz, attempt.layout)
            answers = quiz_attempts.clean_answers(asked, form_answers(attempt, request.form))
            texts = quiz_attempts.texts_from_form(attempt, asked, current_app.config["SECRET_KEY"], request.form)
            refused = bool(quiz_attempts.text_problems(asked, attempt.layout, answers, texts))
            if request.form.get("action") != "submit" or refused:
                attempt.draft = answers
                return render_attempt_page(attempt, version, module, tr, False, None, texts=texts,
                                           refused=refused, **preview)
            graded = grade(asked, answers)
            attempt.score, attempt.passed = graded.score, graded.passed
            return render_review_page(attempt, version, module, tr,
                                      {qid: (answers.get(qid, []), right) for qid, right in graded.correct.items()},
                                      True, None, False, texts=texts, **preview)
        return render_attempt_page(attempt, version, module, tr, False, None, **preview)


@bp.route("/courses/<course_id>/as-officer/role-play", methods=["GET", "POST"])
@access.roles(*AUTHORS)
def officer_play(course_id: str) -> ResponseReturnValue:
    """The draft's role-play on the officers' own briefing, step and debrief pages; nothing is recorded.

    The run is never stored: the replies taken so far travel in the page's address and
    the engine replays them, as it does for a stored run.
    """
    from lms.catalog.queries import Translator
    from lms.scenarios import engine, runs
    from lms.scenarios.models import ScenarioRun
    from lms.scenarios.views import render_briefing, render_debrief, render_node

    module_id = request.args.get("module", "")
    _draft, _files, version = _draft_version(course_id)
    if version is None:
        flash(_("The draft cannot be previewed yet: correct course.yaml first."), "error")
        return redirect(url_for("authoring.course", course_id=course_id))
    module = version.module(module_id)
    if module is None or not module.get("scenario") or module["scenario"].get("start") not in \
            module["scenario"].get("nodes", {}):
        abort(404)
    scenario = module["scenario"]
    langs = version.content["languages"]
    lang = _offered(request.args.get("lang"), langs, _default_lang())
    tr = Translator(version, lang)
    taken = [c for c in (request.args.get("choices") or "").split(",") if c][:200]
    base_url = _preview_url(course_id, module_id, lang, "authoring.officer_play")

    def preview_url(endpoint: str, **values) -> str:
        if endpoint == "scenarios.start":
            return url_for("authoring.officer_play", course_id=course_id, module=module_id, lang=lang, started=1)
        if endpoint == "scenarios.choose":
            return url_for("authoring.officer_play", course_id=course_id, module=module_id, lang=lang, started=1,
                           choices=",".join(taken))
        return base_url(endpoint, **values)

    preview = {"preview_url": preview_url, "preview_langs": langs, "preview_lang": lang}
    with _officer_locale(lang):
        if request.method == "GET" or not request.args.get("started"):
            return render_briefing(version, module, tr, [], **preview)
        if not RestoreForm().validate_on_submit():
            abort(400)
        key = request.form.get("choice", "")
        if key and request.form.get("step", type=int) == len(taken):
            try:
                taken.append(runs.keyed_choice_id(scenario, taken, 0, key, current_app.config["SECRET_KEY"]))
            except (engine.InvalidChoiceError, KeyError):
                abort(404)
        run = ScenarioRun(id=0, user_id=current_user.id, course_id=course_id, course_version=0, module_id=module_id,
                          scenario_id=scenario["id"] or "", choices=taken, observed_skills=[])
        try:
            state = engine.replay(scenario, taken)
        except (engine.InvalidChoiceError, KeyError):
            abort(404)
        if scenario["nodes"].get(state.node_id) is None:
            flash(_("This choice leads to a node that does not exist."), "error")
            return redirect(url_for("authoring.scenario_graph", course_id=course_id, module=module_id))
        if runs.finish(run, scenario, state):
            return render_debrief(run, version, tr, **preview)
        return render_node(run, version, module, tr, **preview)


@bp.route("/courses/<course_id>/module-editor", methods=["GET", "POST"])
@access.roles(*AUTHORS)
def module_editor(course_id: str) -> ResponseReturnValue:
    """A module's own fields (module.yaml): kind, title, estimated time, objectives."""
    from lms.authoring import course_form

    module_id = request.args.get("module", "")
    draft = _draft_or_404(course_id)
    files = drafts.files_of(drafts.revision(draft))
    path = f"{module_id}/module.yaml"
    if path not in files:
        abort(404)
    try:
        data = course_form.load_yaml(files[path])
        course = course_form.course_fields(files)
    except drafts.AuthoringError:
        flash(_("course.yaml cannot be read as a form; correct it in the text editor."), "error")
        return redirect(url_for("authoring.edit_file", course_id=course_id, path=path))
    langs = _course_langs(course)
    status = 200
    conflict = None
    if request.method == "POST":
        form = FileForm()
        if not form.validate_on_submit():
            abort(400)
        mine = course_form.module_from_form(files, module_id, request.form, langs)
        try:
            rev = drafts.save(draft, current_user, form.base.data, mine, minor=_minor())
        except drafts.ConflictError:
            db.session.rollback()
            db.session.refresh(draft)  # its head after the save that won
            conflict = conflict_texts(mine.get(path), files.get(path))
            status = 409
        else:
            db.session.commit()
            return _form_saved(draft, rev, url_for("authoring.module_editor", course_id=course_id, module=module_id))
        if _fetch():
            return _form_refused(status)
    posted = request.form if status != 200 else None
    objectives = as_list(data.get("objectives"))
    rows = len(objectives) + 1 if posted is None else fields.posted_rows(request.form, "objectives_rows")
    texts = lambda prefix: {prefix, *(f"{prefix}_{c}" for c in langs)}  # noqa: E731
    shown = {"kind", "estimated_minutes", "objectives", *texts("title"), *(k for r in range(rows) for k in texts(f"obj{r}"))}
    _course, problems = drafts.check(course_id, files)
    errors = fields.place(drafts.problems_by_path(course_id, problems).get(path, []), None, shown,
                          {"objectives": "obj"}) if status == 200 else {}
    return render_template("authoring/module_editor.html", conflict_head=draft.head if status == 409 else None,
                           conflict_texts=conflict, draft=draft, module_id=module_id, data=data,
                           langs=langs, rows=rows, objectives=objectives, posted=posted, errors=errors,
                           form=FileForm(base=draft.head), kinds=course_form.KINDS), status
