"""The translation page of a course and its side-by-side editor; the glossary."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired
from wtforms.widgets import HiddenInput

from lms import access
from lms.authoring import drafts
from lms.authoring.diffs import word_diff
from lms.extensions import db
from lms.i18n import LOCALES, text_direction
from lms.org.models import Role, audit
from lms.translation import checks, glossary, records, xliff
from lms.translation.models import TranslationMark
from lms.translation.segments import course_segments, course_text

bp = Blueprint("translation", __name__, template_folder="templates", url_prefix="/translation")
TRANSLATORS = (Role.TRAINER, Role.ADMIN)
FILTERS = ("all", "missing", "outdated")

ERRORS = {
    "no-course": _l("The course files cannot be read: correct course.yaml in the editor first."),
    "bad-language": _l("The course does not list this language."),
    "no-segment": _l("This text is no longer in the source: the page has been reloaded."),
    "empty": _l("Type the translation before saving."),
    "one-block": _l("A lesson block translates into one block: remove the blank lines inside it."),
    "not-reviewable": _l("Only an up-to-date translation can be marked as reviewed."),
    "same-person": _l("A translation is reviewed by a second person, not by its translator."),
    "conflict": _l("Not saved: someone else saved this text meanwhile. Your text is kept below; save again to replace theirs."),
    "not-complete": _l("The language can be offered to officers once every text is translated and none is out of date."),
    "already": _l("The course already has this language."),
    "bad-key": _l("Use lowercase Latin letters, digits and '-'."),
    "term-too-few": _l("Give the term in at least two languages."),
    "term-taken": _l("The glossary already has a term with this key."),
}
CHECKS = {
    "structure-items": _l("List items in the source / in the translation: %(detail)s"),
    "structure-links": _l("Links in the source / in the translation: %(detail)s"),
    "structure-images": _l("Images in the source / in the translation: %(detail)s"),
    "structure-footnotes": _l("Footnote references in the source / in the translation: %(detail)s"),
    "numbers": _l("Numbers of the source missing in the translation: %(detail)s"),
    "placeholders": _l("Placeholders of the source missing in the translation: %(detail)s"),
    "letters": _l("Words with Latin, Greek or Russian look-alike letters instead of the language's own: %(detail)s"),
}
STATE_LABELS = {
    "missing": _l("Missing"),
    "outdated": _l("Out of date"),
    "translated": _l("Translated"),
    "reviewed": _l("Reviewed"),
}


class SegmentForm(FlaskForm):
    base = IntegerField(validators=[InputRequired()], widget=HiddenInput())
    key = HiddenField(validators=[InputRequired()])
    text = TextAreaField(_l("Translation"))
    action = HiddenField()


class ConfirmForm(FlaskForm):
    base = IntegerField(validators=[InputRequired()], widget=HiddenInput())


class LanguageForm(FlaskForm):
    base = IntegerField(validators=[InputRequired()], widget=HiddenInput())
    lang = StringField(validators=[InputRequired()])


@bp.before_request
def editors_only() -> None:
    """A course's translation is for its editors (and admins), as its editor is (#10)."""
    course_id = (request.view_args or {}).get("course_id")
    if course_id is not None and current_user.is_authenticated and not drafts.may_edit(current_user, course_id):
        abort(403)


def _draft(course_id: str):
    try:
        return drafts.open_draft(current_user, course_id)
    except drafts.AuthoringError:
        abort(404)


def _module_of(row: records.Row) -> str:
    return row.segment.module


def language_names() -> dict[str, str]:
    return dict(LOCALES)


@bp.get("/courses/<course_id>")
@access.roles(*TRANSLATORS)
def overview(course_id: str) -> ResponseReturnValue:
    draft = _draft(course_id)
    head = drafts.revision(draft)
    files = drafts.files_of(head)
    info = course_text(files)
    if info is None:
        flash(ERRORS["no-course"], "error")
        return redirect(url_for("authoring.course", course_id=course_id))
    parsed: dict[str, object] = {}  # each YAML file parsed once for every language
    segments = course_segments(files, info, parsed)
    table = {}
    totals = {}
    for lang in info.targets:
        per_module: dict[str, dict[str, int]] = {}
        rows = records.rows(files, info, lang, segments, parsed)
        for row in rows:
            per_module.setdefault(_module_of(row), dict.fromkeys(records.STATES, 0))[row.state] += 1
        table[lang] = per_module
        totals[lang] = records.counts(rows)
    modules = ["", *info.modules]
    startable = [code for code in language_names() if code != info.source and code not in info.targets]
    db.session.commit()  # a draft opened from the published files
    return render_template(
        "translation/overview.html", draft=draft, head=head, info=info, table=table, totals=totals,
        modules=[m for m in modules if any(m in table[lang] for lang in table)] or modules,
        names=language_names(), startable=startable, form=ConfirmForm(base=head.number),
        language_form=LanguageForm(base=head.number), labels=STATE_LABELS,
    )


def _findings(row: records.Row, lang: str) -> list[str]:
    if not row.target:
        return []
    found = checks.check(row.segment.text, row.target, lang, markdown_text=row.segment.kind != "text")
    return [str(CHECKS[code]) % {"detail": detail} for code, detail in found]


def _save_mark(course_id: str, lang: str, key: str, *, translated: bool) -> None:
    mark = db.session.get(TranslationMark, (course_id, lang, key))
    if mark is None:
        mark = TranslationMark(course_id=course_id, lang=lang, key=key)
        db.session.add(mark)
    if translated:
        mark.translated_by_id, mark.reviewed_by_id = current_user.id, None
    else:
        mark.reviewed_by_id = current_user.id


@bp.route("/courses/<course_id>/<lang>", methods=["GET", "POST"])
@access.roles(*TRANSLATORS)
def editor(course_id: str, lang: str) -> ResponseReturnValue:
    draft = _draft(course_id)
    head = drafts.revision(draft)
    files = drafts.files_of(head)
    info = course_text(files)
    if info is None or lang not in info.targets:
        abort(404)
    module = request.args.get("module", "")
    shown = request.args.get("filter", "all")
    shown = shown if shown in FILTERS else "all"
    ref = request.args.get("ref", "")
    ref = ref if ref in info.targets or ref == info.source else ""
    ref = "" if ref in (lang, info.source) else ref
    status = 200
    kept: dict[str, str] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = SegmentForm()
        key = form.key.data or ""
        if not form.validate_on_submit():
            errors[key] = _("Not saved: the page has expired. Your text is kept below; save again.")
            kept[key] = form.text.data or ""
            status = 400
        else:
            try:
                if form.action.data == "review":
                    mark = db.session.get(TranslationMark, (course_id, lang, key))
                    if mark is not None and mark.translated_by_id == current_user.id:
                        raise records.TranslationError("same-person")
                    changes = records.mark_reviewed(files, lang, key)
                    action = "reviewed"
                else:
                    changes = records.translate(files, lang, key, form.text.data or "")
                    action = "translated"
                rev = drafts.save(draft, current_user, form.base.data, changes, action=action)
                _save_mark(course_id, lang, key, translated=action == "translated")
                audit(current_user, f"translation.{action}", f"course:{course_id}", lang=lang, key=key[:200],
                      revision=rev.number if rev else draft.head)
                db.session.commit()
            except records.TranslationError as exc:
                db.session.rollback()
                errors[key] = str(ERRORS[exc.code])
                kept[key] = form.text.data or ""
                status = 422
            except drafts.ConflictError:
                db.session.rollback()
                errors[key] = str(ERRORS["conflict"])
                kept[key] = form.text.data or ""
                status = 409
            else:
                flash(_("Saved as revision %(number)s.", number=rev.number) if rev else _("No changes to save."),
                      "success")
                return redirect(url_for("translation.editor", course_id=course_id, lang=lang, module=module,
                                        filter=shown, ref=ref or None) + f"#s-{_anchor(key)}")
            db.session.refresh(draft)  # its head after the save that won
            head = drafts.revision(draft)
            files = drafts.files_of(head)
            info = course_text(files)
            if info is None:  # the save that won left course.yaml unreadable
                abort(404)
    parsed: dict[str, object] = {}
    segments = [s for s in course_segments(files, info, parsed) if s.module == module]
    rows = records.rows(files, info, lang, segments, parsed)
    if shown != "all":
        rows = [r for r in rows if r.state == shown or r.key in errors]
    reference = {}
    if ref:
        reference = {r.key: r.target for r in records.rows(files, info, ref, segments, parsed)}
    all_terms = glossary.terms()
    marks = {m.key: m for m in db.session.scalars(sa.select(TranslationMark).where(
        TranslationMark.course_id == course_id, TranslationMark.lang == lang))}
    items: list[dict] = []
    for row in rows:
        old = records.old_source(row.recorded) if row.state == "outdated" and row.recorded else None
        items.append({
            "row": row, "anchor": _anchor(row.key), "reference": reference.get(row.key),
            "terms": glossary.found_in(row.segment.text, info.source, all_terms),
            "findings": _findings(row, lang), "diff": word_diff(old, row.segment.text) if old else None,
            "form": SegmentForm(formdata=None, base=head.number, key=row.key,
                                text=kept.get(row.key, row.target or "")),
            "error": errors.get(row.key), "mark": marks.get(row.key),
        })
    return render_template(
        "translation/editor.html", draft=draft, head=head, info=info, target=lang, module=module,
        lost=[errors[k] for k in errors if k not in {item["row"].key for item in items}],
        shown=shown, ref=ref, items=items, names=language_names(), labels=STATE_LABELS,
        direction=text_direction(lang), source_direction=text_direction(info.source),
        ref_direction=text_direction(ref) if ref else "ltr", filters=FILTERS,
        modules=["", *info.modules],
    ), status


def _anchor(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _set_languages(files: dict[str, bytes], lang: str, offer: bool) -> dict[str, bytes]:
    from lms.catalog.spec import parse_yaml

    data = parse_yaml(files["course.yaml"].decode("utf-8"))
    languages = list(data.get("languages") or [])
    translating = [x for x in data.get("translating") or [] if x != lang]
    if offer:
        languages.append(lang)
    else:
        translating.append(lang)
    data["languages"] = languages
    if translating:
        data["translating"] = translating
    else:
        data.pop("translating", None)
    return {"course.yaml": drafts.dump_yaml(data)}


def _save_languages(draft, files: dict[str, bytes], base: int, lang: str, *, offer: bool) -> bool:
    """Start translating `lang` or offer it to officers: one draft save and its audit entry,
    committed here (the view's transaction); False, with a message, when the draft moved on."""
    kind = "offered" if offer else "started"
    try:
        drafts.save(draft, current_user, base, _set_languages(files, lang, offer=offer),
                    action=f"translation-{kind}")
    except drafts.ConflictError:
        db.session.rollback()
        flash(ERRORS["conflict"], "error")
        return False
    audit(current_user, f"translation.{kind}", f"course:{draft.course_id}", lang=lang)
    db.session.commit()
    return True


@bp.post("/courses/<course_id>/start")
@access.roles(*TRANSLATORS)
def start(course_id: str) -> ResponseReturnValue:
    """Add a language to translate (not offered to officers until complete)."""
    draft = _draft(course_id)
    form = LanguageForm()
    files = drafts.files_of(drafts.revision(draft))
    info = course_text(files)
    lang = form.lang.data or ""
    if not form.validate_on_submit() or info is None or lang not in language_names():
        flash(_("Choose one of the languages offered."), "error")
    elif lang == info.source or lang in info.targets:
        flash(ERRORS["already"], "error")
    else:
        _save_languages(draft, files, form.base.data, lang, offer=False)
    return redirect(url_for("translation.overview", course_id=course_id))


@bp.post("/courses/<course_id>/<lang>/offer")
@access.roles(*TRANSLATORS)
def offer(course_id: str, lang: str) -> ResponseReturnValue:
    """Offer a complete language to officers (from the next publication on)."""
    draft = _draft(course_id)
    form = ConfirmForm()
    files = drafts.files_of(drafts.revision(draft))
    info = course_text(files)
    if info is None or lang not in info.translating:
        abort(404)
    found = records.counts(records.rows(files, info, lang))
    if not form.validate_on_submit():
        flash(_("Not saved: the page has expired. Save with the button."), "error")
    elif found["missing"] or found["outdated"]:
        flash(ERRORS["not-complete"], "error")
    elif _save_languages(draft, files, form.base.data, lang, offer=True):
        flash(_("The language is offered to officers once the course is published."), "success")
    return redirect(url_for("translation.overview", course_id=course_id))


class TermForm(FlaskForm):
    key = StringField(_l("Key"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"))


@bp.route("/glossary", methods=["GET", "POST"])
@access.roles(*TRANSLATORS)
def glossary_page() -> ResponseReturnValue:
    """The glossary; trainers who may author courses (and admins) add terms."""
    may_add = drafts.may_author(current_user)
    form = TermForm()
    langs = list(language_names())
    status = 200
    typed = {lang: request.form.get(f"text-{lang}", "") for lang in langs}
    if request.method == "POST":
        if not may_add:
            abort(403)
        if form.validate_on_submit():
            try:
                glossary.add_term(current_user, form.key.data, typed, form.note.data)
            except records.TranslationError as exc:
                db.session.rollback()
                form.key.errors = [ERRORS[exc.code]]
                status = 422
            else:
                db.session.commit()
                flash(_("The term is in the glossary."), "success")
                return redirect(url_for("translation.glossary_page"))
        else:
            status = 422
    return render_template("translation/glossary.html", terms=glossary.terms(), langs=langs, names=language_names(),
                           form=form, may_add=may_add, typed=typed), status


XLIFF_REFUSALS = {
    "too-big": _l("The file is larger than 10 MB."),
    "malformed": _l("The file is not a well-formed XLIFF file."),
    "one-course": _l("The file must hold exactly one course."),
    "other-course": _l("The file belongs to another course."),
    "other-version": _l("The file was exported from another version of the course."),
    "other-source": _l("The file's source language is not the course's."),
    "other-language": _l("The file is for another language."),
    "no-course": ERRORS["no-course"],
}
UNIT_REFUSALS = {
    "duplicate": _l("The text is in the file twice."),
    "unknown-segment": _l("The course has no such text (the source changed since the export)."),
    "source-changed": _l("The source changed since the export: translate the new source."),
    "one-block": ERRORS["one-block"],
    "empty": ERRORS["empty"],
    "no-segment": _l("The course has no such text (the source changed since the export)."),
}


class XliffForm(FlaskForm):
    file = FileField(_l("XLIFF file"), validators=[FileRequired()])


@bp.get("/courses/<course_id>/<lang>/xliff")
@access.roles(*TRANSLATORS)
def xliff_export(course_id: str, lang: str) -> ResponseReturnValue:
    draft = _draft(course_id)
    files = drafts.files_of(drafts.revision(draft))
    try:
        data = xliff.export(course_id, files, lang)
    except records.TranslationError:
        abort(404)
    audit(current_user, "translation.xliff_exported", f"course:{course_id}", lang=lang)
    db.session.commit()
    return Response(data, mimetype="application/x-xliff+xml", headers={
        "Content-Disposition": f'attachment; filename="{course_id}.{lang}.xlf"'})


@bp.route("/courses/<course_id>/<lang>/xliff/import", methods=["GET", "POST"])
@access.roles(*TRANSLATORS)
def xliff_import(course_id: str, lang: str) -> ResponseReturnValue:
    draft = _draft(course_id)
    head = drafts.revision(draft)
    files = drafts.files_of(head)
    info = course_text(files)
    if info is None or lang not in info.targets:
        abort(404)
    form = XliffForm()
    report, refusal, status = None, None, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 422
        else:
            data = form.file.data.read(xliff.MAX_BYTES + 1)
            try:
                report = xliff.import_into(course_id, files, data, lang=lang)
                if report.changes:
                    drafts.save(draft, current_user, head.number, report.changes, action="xliff-imported")
                    for key in report.written:
                        _save_mark(course_id, lang, key, translated=True)
                audit(current_user, "translation.xliff_imported", f"course:{course_id}", lang=lang,
                      written=len(report.written), refused=len(report.refused))
                db.session.commit()
            except xliff.XliffRefusedError as exc:
                db.session.rollback()
                refusal = XLIFF_REFUSALS[exc.code]
                status = 422
            except drafts.ConflictError:
                db.session.rollback()
                refusal = ERRORS["conflict"]
                status = 409
    unit_messages = []
    if report is not None:
        unit_messages = [(key, str(UNIT_REFUSALS.get(code, code))) for key, code, _d in report.refused]
        unit_messages += [(key, str(CHECKS[code]) % {"detail": detail}) for key, code, detail in report.findings]
    return render_template("translation/xliff_import.html", draft=draft, info=info, target=lang, form=form,
                           report=report, refusal=refusal, unit_messages=unit_messages,
                           names=language_names()), status
