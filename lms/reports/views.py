"""Report pages for trainers, managers and admins, each limited to the viewer's scope."""

from __future__ import annotations

import io
import tempfile
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from lms import access
from lms.catalog.models import Course, CourseVersion
from lms.catalog.queries import Translator, current_version, version_of
from lms.core.views import add_home_links
from lms.extensions import db
from lms.i18n import count_text, current_language, month_text, pick, text_direction
from lms.org import positions
from lms.org.labels import GENDER_LABELS, SERVICE_LABELS, describe_scope
from lms.org.models import Gender, Institution, Role, Service, User, audit
from lms.org.scope import can_see_user
from lms.reports import charts, exports, queries
from lms.reports.forms import ProgressFilterForm, QuizChoiceForm, RegisterFilterForm, SummaryForm
from lms.reports.labels import FLAG_LABELS, STATUS_LABELS, timeline_kind
from lms.timeutil import today, utcnow

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")
STAFF = (Role.TRAINER, Role.MANAGER, Role.ADMIN)
PAGE_SIZE = 50
EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _home_links(user) -> list[dict]:
    if user.role in STAFF:
        return [{"url": url_for("reports.index"), "label": _("Reports")}]
    return []


add_home_links(_home_links)


def _today() -> date:
    return today()


def _threshold() -> int:
    return int(current_app.config.get("LMS_SMALL_GROUP_THRESHOLD", 5))


def _course_choices(titles: dict, lang: str) -> list[tuple[str, str]]:
    return [(cid, exports.course_title(titles, cid, lang)) for cid in titles]


def _institution_names(ids) -> dict[int, Institution]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {i.id: i for i in db.session.scalars(sa.select(Institution).where(Institution.id.in_(ids)))}


@bp.get("/")
@access.roles(*STAFF)
def index() -> ResponseReturnValue:
    return render_template("reports/index.html")


# Dashboard -------------------------------------------------------------------------------

@bp.get("/dashboard")
@access.roles(*STAFF)
def dashboard() -> ResponseReturnValue:
    lang = current_language()
    titles = queries.course_titles()
    course_id = request.args.get("course")
    if course_id not in titles:
        course_id = next(iter(titles), None)
    if course_id is None:
        return render_template("reports/dashboard.html", data=None, courses=[], course_id=None)
    data = queries.dashboard(current_user, course_id, _today())
    institutions = _institution_names(i for i, _t in data.by_institution)
    rtl = text_direction(lang) == "rtl"
    position_names = positions.names([p for p, _t in data.by_position], lang)
    series = [(str(STATUS_LABELS[s]), charts.STATUS_COLOURS[s]) for s in queries.STATUSES]

    def breakdown(key: str, title: str, items: list) -> dict:
        rows = [(label, tally) for label, tally in items]
        chart = charts.stacked_bars(
            f"chart-{key}", title,
            _("Enrolments by status for each group; the table beside the chart gives the same numbers."),
            [(label, [t.completed, t.in_progress, t.overdue, t.not_started]) for label, t in rows],
            series, rtl=rtl, fmt=count_text,
        )
        return {"key": key, "title": title, "rows": rows, "chart": chart}

    sections = [
        breakdown("institution", _("By institution"),
                  [(institutions[i].name(lang).text if i in institutions else str(i), t)
                   for i, t in data.by_institution]),
        breakdown("service", _("By service"),
                  [(str(SERVICE_LABELS[Service(s)]), t) for s, t in data.by_service]),
        breakdown("position", _("By position"),
                  [(position_names.get(p, p) if p else _("No position given"), t) for p, t in data.by_position]),
        breakdown("gender", _("By gender"),
                  [(str(GENDER_LABELS[Gender(g)]), t) for g, t in data.by_gender]),
    ]
    months = [(month_text(start), n) for start, n in data.months]
    month_chart = charts.columns(
        "chart-months", _("Completions per month"),
        _("Courses completed in each of the last twelve months; the table beside the chart gives the same numbers."),
        months, rtl=rtl, fmt=count_text,
    )
    return render_template(
        "reports/dashboard.html", data=data, sections=sections, months=months,
        month_chart=month_chart, courses=_course_choices(titles, lang), course_id=course_id,
        course_title=exports.course_title(titles, course_id, lang),
    )


# Completion register ---------------------------------------------------------------------

def _register_filter(titles: dict, lang: str) -> tuple[RegisterFilterForm, queries.RegisterFilter]:
    form = RegisterFilterForm(request.args)
    form.course.choices = [("", _("All courses"))] + _course_choices(titles, lang)
    form.institution.choices = [("", _("All institutions"))] + [
        (i.id, f"{i.name(lang).text} ({i.country.code})") for i in queries.institutions_in_scope(current_user)
    ]
    form.status.choices = [("", _("Any status"))] + [(s, str(STATUS_LABELS[s])) for s in queries.STATUSES]
    form.gender.choices = [("", _("Any gender"))] + [(g.value, str(GENDER_LABELS[g])) for g in Gender]
    form.validate()
    flt = queries.RegisterFilter(
        course_id=form.course.data if form.course.data in titles else None,
        institution_id=form.institution.data or None,
        status=form.status.data if form.status.data in queries.STATUSES else None,
        gender=form.gender.data if form.gender.data in {g.value for g in Gender} else None,
        completed_from=form.completed_from.data if not form.completed_from.errors else None,
        completed_to=form.completed_to.data if not form.completed_to.errors else None,
        q=(form.q.data or "").strip()[:100],
    )
    return form, flt


def _filter_args(flt: queries.RegisterFilter) -> dict:
    args = {
        "course": flt.course_id, "institution": flt.institution_id, "status": flt.status,
        "gender": flt.gender, "q": flt.q or None,
        "completed_from": flt.completed_from.isoformat() if flt.completed_from else None,
        "completed_to": flt.completed_to.isoformat() if flt.completed_to else None,
    }
    return {k: v for k, v in args.items() if v}


@bp.get("/register")
@access.roles(*STAFF)
def register() -> ResponseReturnValue:
    lang = current_language()
    titles = queries.course_titles()
    form, flt = _register_filter(titles, lang)
    page = max(1, request.args.get("page", 1, type=int))
    today = _today()
    rows, has_next = queries.register_page(current_user, flt, today, page, PAGE_SIZE)
    total = queries.register_count(current_user, flt, today)
    return render_template(
        "reports/register.html", form=form, rows=rows, page=page, has_next=has_next, total=total,
        args=_filter_args(flt), titles={cid: exports.course_title(titles, cid, lang) for cid in titles},
        statuses=STATUS_LABELS, pick=pick,
    )


def _send_table(table: exports.Table, fmt: str, name: str, sheet: str) -> ResponseReturnValue:
    """Write the export to a spooled file (in memory while small, then on disk), then send it."""
    filename = f"{name}-{_today().isoformat()}.{fmt}"
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (send_file closes it)
    if fmt == "csv":
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        exports.write_csv(text, table)
        text.flush()
        text.detach()
    else:
        exports.write_xlsx(spool, table, sheet)
    spool.seek(0)
    return send_file(spool, mimetype=EXPORT_FORMATS[fmt], as_attachment=True, download_name=filename)


@bp.get("/register/export.<fmt>")
@access.roles(*STAFF)
def register_export(fmt: str) -> ResponseReturnValue:
    if fmt not in EXPORT_FORMATS:
        abort(404)
    lang = current_language()
    titles = queries.course_titles()
    _form, flt = _register_filter(titles, lang)
    # Exports carry personal data out of the platform: record who took which extract.
    audit(current_user, "report.exported", "register", format=fmt, filters=_filter_args(flt))
    db.session.commit()
    table = exports.register_table(queries.register_rows(current_user, flt, _today()), lang, titles)
    table.title = _export_title(_("Completion register"), _filter_args(flt))
    return _send_table(table, fmt, "completion-register", _("Register"))


def _export_title(report: str, filters: dict) -> list[str]:
    """The lines above an XLSX export: the report, its scope, its filters and when it was made."""
    made = format_datetime(utcnow(), "medium")
    shown = "; ".join(f"{k}={v}" for k, v in filters.items() if v) or _("none")
    return [report, _("Scope: %(scope)s", scope=describe_scope(current_user, current_language())),
            _("Filters: %(filters)s", filters=shown), _("Made on %(when)s (UTC)", when=made)]


# Training record -------------------------------------------------------------------------

@bp.get("/people/<int:user_id>")
@access.roles(*STAFF)
def record(user_id: int) -> ResponseReturnValue:
    person = db.get_or_404(User, user_id)
    if not can_see_user(current_user, person):
        abort(404)  # do not reveal that the account exists
    lang = current_language()
    titles = queries.course_titles()
    data = queries.training_record(person, _today())
    return render_template(
        "reports/record.html", person=person, data=data, lang=lang,
        modules=_module_titles({e.course_id for e in data.entries if e.course_id}, lang),
        titles={cid: exports.course_title(titles, cid, lang) for cid in titles},
        statuses=STATUS_LABELS, kind_name=timeline_kind, genders=GENDER_LABELS, services=SERVICE_LABELS,
        today=_today(),
    )


def _module_titles(course_ids: set[str], lang: str) -> dict[tuple[str, str], str]:
    """Titles of every module (and pre-test) of these courses' current versions, in one query."""
    if not course_ids:
        return {}
    titles = {}
    for version in db.session.scalars(
        sa.select(CourseVersion)
        .join(Course, sa.and_(Course.id == CourseVersion.course_id,
                              Course.current_version == CourseVersion.version))
        .where(Course.id.in_(course_ids))
    ):
        tr = Translator(version, lang)
        for module in [version.content.get("pre_test"), *version.content["modules"]]:
            if module:
                titles[(version.course_id, module["id"])] = tr(module["title"]).text
    return titles


# Donor summary ---------------------------------------------------------------------------

def _period() -> tuple[SummaryForm, date, date]:
    form = SummaryForm(request.args)
    form.validate()
    today = _today()
    start = form.start.data if form.start.data and not form.start.errors else date(today.year, 1, 1)
    end = form.end.data if form.end.data and not form.end.errors else today
    if end < start:
        start, end = end, start
    form.start.data, form.end.data = start, end
    return form, start, end


@bp.get("/summary")
@access.roles(*STAFF)
def summary() -> ResponseReturnValue:
    form, start, end = _period()
    lang = current_language()
    titles = queries.course_titles()
    data = queries.donor_summary(current_user, start, end)
    threshold = _threshold()
    items = exports.summary_items(data, lang, titles, threshold)
    return render_template(
        "reports/summary.html", form=form, data=data, items=items, total=items[-1].shared, threshold=threshold, start=start, end=end,
        args={"start": start.isoformat(), "end": end.isoformat()},
    )


@bp.get("/summary/export.<fmt>")
@access.roles(*STAFF)
def summary_export(fmt: str) -> ResponseReturnValue:
    if fmt not in EXPORT_FORMATS:
        abort(404)
    _form, start, end = _period()
    lang = current_language()
    # Audited like the register: every extract that leaves the platform is on record.
    audit(current_user, "report.exported", "summary", format=fmt, start=start.isoformat(), end=end.isoformat())
    db.session.commit()
    data = queries.donor_summary(current_user, start, end)
    table = exports.summary_table(data, lang, queries.course_titles(), _threshold())
    table.title = _export_title(_("Training summary"), {"from": start.isoformat(), "to": end.isoformat()})
    return _send_table(table, fmt, f"training-summary-{start.isoformat()}-{end.isoformat()}", _("Summary"))


# Trainers: progress and question analysis ------------------------------------------------

@bp.get("/progress")
@access.roles(*STAFF)
def progress() -> ResponseReturnValue:
    lang = current_language()
    titles = queries.course_titles()
    form = ProgressFilterForm(request.args)
    form.course.choices = _course_choices(titles, lang)
    cohorts = queries.cohorts_in_scope(current_user)
    form.cohort.choices = [("", _("All cohorts"))] + [(c.id, c.name) for c in cohorts]
    institutions = queries.institutions_in_scope(current_user)
    form.institution.choices = [("", _("All institutions"))] + [
        (i.id, f"{i.name(lang).text} ({i.country.code})") for i in institutions]
    course_id = form.course.data if form.course.data in titles else next(iter(titles), None)
    form.course.data = course_id
    if course_id is None:
        return render_template("reports/progress.html", form=form, version=None, rows=[])
    cohort_id = form.cohort.data if form.cohort.data in {c.id for c in cohorts} else None
    institution_id = form.institution.data if form.institution.data in {i.id for i in institutions} else None
    page = max(1, request.args.get("page", 1, type=int))
    version = current_version(course_id)
    rows, has_next = queries.progress_page(current_user, course_id, _today(), cohort_id, institution_id,
                                           page, PAGE_SIZE)
    # Officers held on an earlier version are measured against that version's modules.
    held = {n: {m["id"] for m in v.content["modules"]}
            for n in {r.held_version for r in rows if r.held_version}
            if (v := version_of(course_id, n)) is not None}
    args = {k: v for k, v in {"course": course_id, "cohort": cohort_id, "institution": institution_id}.items() if v}
    return render_template(
        "reports/progress.html", form=form, version=version, tr=Translator(version, lang), rows=rows,
        page=page, has_next=has_next, args=args, statuses=STATUS_LABELS, held=held,
    )


def _quizzes(version) -> list[dict]:
    """The quizzes of a course version in order: the pre-test first, then each module's."""
    modules = []
    if version.content.get("pre_test"):
        modules.append(version.content["pre_test"])
    modules.extend(version.content["modules"])
    return [m for m in modules if m.get("quiz")]


@bp.get("/questions")
@access.roles(*STAFF)
def questions() -> ResponseReturnValue:
    lang = current_language()
    titles = queries.course_titles()
    form = QuizChoiceForm(request.args)
    form.course.choices = _course_choices(titles, lang)
    course_id = form.course.data if form.course.data in titles else next(iter(titles), None)
    form.course.data = course_id
    if course_id is None:
        form.quiz.choices = []
        return render_template("reports/questions.html", form=form, analysis=None)
    version = current_version(course_id)
    tr = Translator(version, lang)
    modules = _quizzes(version)
    form.quiz.choices = [(m["quiz"]["id"], tr(m["title"]).text) for m in modules]
    module = next((m for m in modules if m["quiz"]["id"] == form.quiz.data), modules[0] if modules else None)
    if module is None:
        return render_template("reports/questions.html", form=form, analysis=None)
    form.quiz.data = module["quiz"]["id"]
    quiz = module["quiz"]
    cohorts = queries.cohorts_in_scope(current_user)
    form.cohort.choices = [("", _("All officers in your scope"))] + [(c.id, c.name) for c in cohorts]
    cohort_id = form.cohort.data if form.cohort.data in {c.id for c in cohorts} else None
    analysis = queries.question_analysis(current_user, course_id, quiz["id"], quiz["questions"], cohort_id)
    return render_template(
        "reports/questions.html", form=form, analysis=analysis, quiz=quiz, tr=tr, flags=FLAG_LABELS,
        module=module, min_answers=queries.MIN_ANSWERS_FOR_FLAG,
    )


@bp.get("/case-file")
@access.roles(*STAFF)
def case_file() -> ResponseReturnValue:
    """A case-file (rate) question: how the officers in scope rated each factor against the
    expert, where they diverge most, and each officer's ratings and written justifications."""
    lang = current_language()
    course_id = request.args.get("course", "")
    if not request.args.get("question"):  # reached without a question: where to choose one
        return render_template("reports/case_file.html", question=None)
    if course_id not in queries.course_titles():
        abort(404)
    version = current_version(course_id)
    module = next((m for m in _quizzes(version) if m["quiz"]["id"] == request.args.get("quiz")), None)
    question = next((q for q in (module["quiz"]["questions"] if module else [])
                     if q["id"] == request.args.get("question") and q["type"] == "rate"), None)
    if module is None or question is None:
        abort(404)
    cohorts = queries.cohorts_in_scope(current_user)
    cohort_id = request.args.get("cohort", type=int)
    if request.args.get("cohort") and cohort_id not in {c.id for c in cohorts}:
        abort(403)  # a cohort outside the viewer's scope: its officers are not shown to them
    page = max(1, min(request.args.get("page", 1, type=int), 100_000))
    data = queries.case_file_ratings(current_user, course_id, module["quiz"]["id"], question, cohort_id,
                                     page, PAGE_SIZE)
    args = {k: v for k, v in {"course": course_id, "quiz": module["quiz"]["id"], "question": question["id"],
                              "cohort": cohort_id}.items() if v}
    return render_template(
        "reports/case_file.html", version=version, module=module, question=question, data=data,
        tr=Translator(version, lang), page=page, args=args, cohort=next((c for c in cohorts if c.id == cohort_id), None),
        scale={c["id"]: c for c in question["categories"]},
        options={o["id"]: o for o in (question.get("placement") or {}).get("options", [])},
    )
