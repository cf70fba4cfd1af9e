"""The role-play player and its debrief."""

from __future__ import annotations

from collections.abc import Sequence

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_template_attribute,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from lms import access
from lms.catalog import cache
from lms.catalog.content import ModuleData, ScenarioData, scenario_of
from lms.catalog.queries import Translator, module_with, part_of, recorded_version, version_of
from lms.core.answers import to_course_page
from lms.core.forms import ConfirmForm
from lms.core.views import add_home_links
from lms.csrf_tokens import TOKEN_MARK, mark, with_token
from lms.extensions import db
from lms.i18n import LOCALES, current_language, person_label
from lms.learning import versions
from lms.learning.course_access import part_page, progress_refusal
from lms.org.models import Role, User
from lms.org.scope import can_see_user
from lms.scenarios import classroom, engine, forms, runs
from lms.scenarios.models import ScenarioRun
from lms.scenarios.runs import ShownRun
from lms.timeutil import today

bp = Blueprint("scenarios", __name__, template_folder="templates")


@bp.get("/courses/<course_id>/modules/<module_id>/scenario")
@access.signed_in
def play(course_id: str, module_id: str) -> ResponseReturnValue:
    version, module, refusal, history = part_page(current_user, course_id, module_id, "scenario", runs.SHOWN_RUNS)
    if refusal is not None:
        return to_course_page(course_id, refusal)
    tr = Translator(version, current_language())
    current = history[-1] if history and history[-1].finished_at is None else None
    if current is None:
        return render_briefing(version, module, tr, history)
    run_version = (version if current.course_version == version.version
                   else version_of(course_id, current.course_version) or version)
    return render_node(current, run_version, module, tr)


def render_briefing(version, module: ModuleData, tr: Translator, history: Sequence[ShownRun], **preview) -> str:
    """The officer's briefing page; the course editor's preview renders it too (with `preview_url`)."""
    return render_template("scenarios/briefing.html", version=version, module=module,
                           scenario=scenario_of(module), tr=tr, history=history, confirm=ConfirmForm(),
                           best=engine.score_bounds(scenario_of(module))[1], **preview)


def render_node(current: ScenarioRun | ShownRun, run_version, module: ModuleData, tr: Translator, **preview) -> str:
    """The officer's page of a run's current step; the course editor's preview renders it too.

    What the step shows of the course (the node, the feedback on the last reply, each reply's
    text) is made once per process (`_node_parts`); each request puts in the run's order of
    the replies offered, their keys for this run and step, the step and the CSRF token."""
    scenario = scenario_of(part_of(run_version, module["id"], "scenario"))
    state = engine.replay(scenario, current.choices)
    last = state.steps[-1] if state.steps else None
    show_feedback = scenario["feedback"] == "immediate" and last is not None and last.choice.get("feedback")
    quality = None
    if show_feedback and last is not None:
        before = engine.replay(scenario, current.choices[:-1]).variables
        quality = engine.reply_quality(scenario, last, before)
    choices = engine.available_choices(scenario, state.node_id, state.variables)
    secret = current_app.config["SECRET_KEY"]
    step = len(current.choices)
    shown = last if show_feedback else None
    body, replies = _node_parts(run_version, module, scenario, tr, state.node_id, shown, quality, **preview)
    # Each reply under an opaque key: the page holds the replies' texts and nothing else.
    offered = Markup("".join(  # noqa: S704 (our template; the keys put in are letters and digits)
        replies[c["id"]].replace(KEY_MARK, runs.choice_key(secret, current.id, step, c["id"]))
        for c in runs.choice_order(current, secret, choices)))
    action = (preview["preview_url"] if preview else url_for)("scenarios.choose", run_id=current.id)
    body = with_token(body.replace(ACTION_MARK, str(escape(action))).replace(STEP_MARK, str(step)))
    return render_template("scenarios/node.html", title=tr(scenario["title"]),
                           body=Markup(body.replace(REPLIES_MARK, offered)))  # noqa: S704 (our templates, values escaped)


# Stand in a cached step page for the run's own values (random per process, so no text can
# contain them).
ACTION_MARK, STEP_MARK, REPLIES_MARK, KEY_MARK = (mark(name) for name in ("action", "step", "replies", "key"))


def _node_parts(version, module: ModuleData, scenario: ScenarioData, tr: Translator, node_id: str,
                last: engine.Step | None, quality: str | None, **preview) -> tuple[str, dict[str, str]]:
    """A step's page with marks, and each reply of its node with a mark for its key: made once
    per process for each version (row id and content hash), module, interface language, node
    and reply shown with its feedback (the course editor's preview: afresh each time)."""
    key = (version.id, version.content_hash, module["id"], tr.ui_lang, node_id,
           (last.node_id, last.choice["id"]) if last else None, quality)
    found = None if preview else cache.ROLE_PLAY_STEPS.get(key)
    if found is None:
        node = scenario["nodes"][node_id]
        body = render_template(
            "scenarios/_node_body.html", version=version, module=module, scenario=scenario, tr=tr, node=node,
            last=last, quality=quality, action=ACTION_MARK, step=STEP_MARK, replies=REPLIES_MARK,
            csrf_value=generate_csrf() if preview else TOKEN_MARK, **preview)
        reply = get_template_attribute("scenarios/_reply.html", "reply")
        found = (body, {c["id"]: str(reply(tr(c["text"]), KEY_MARK)) for c in node.get("choices", [])})
        if not preview:
            cache.ROLE_PLAY_STEPS.put(key, found)
    return found


@bp.post("/courses/<course_id>/modules/<module_id>/scenario/start")
@access.signed_in
def start(course_id: str, module_id: str) -> ResponseReturnValue:
    version, module = versions.module_for(current_user.id, course_id, module_id, "scenario")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if (refusal := progress_refusal(current_user, version, module_id, "scenario")) is not None:
        return to_course_page(course_id, refusal)
    runs.start_run(current_user.id, version, module)
    db.session.commit()
    return redirect(url_for("scenarios.play", course_id=course_id, module_id=module_id))


@bp.post("/runs/<int:run_id>/choose")
@access.signed_in
def choose(run_id: int) -> ResponseReturnValue:
    run = db.get_or_404(ScenarioRun, run_id)
    if run.user_id != current_user.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    version = recorded_version(run.course_id, run.course_version)
    play_url = url_for("scenarios.play", course_id=run.course_id, module_id=run.module_id)
    key = request.form.get("choice", "")
    step = request.form.get("step", type=int)
    if not key:
        flash(_("Choose what you say."), "error")
        return redirect(play_url)
    try:
        taken = runs.take_keyed_choice(run, version, step if step is not None else -1, key,
                                       current_app.config["SECRET_KEY"])
    except engine.InvalidChoiceError:
        db.session.rollback()
        flash(_("That reply is not available at this point of the conversation."), "error")
        return redirect(play_url)
    # Read before the commit, which expires the run: reading it after would load it again.
    finished = run.finished_at is not None
    db.session.commit()
    if not taken:
        flash(_("This step of the role-play was already taken, in another window or by a second "
                "click. Here is where the conversation stands now."), "info")
        finished = run.finished_at is not None  # as stored now: the other window may have finished it
    if finished:
        return redirect(url_for("scenarios.debrief", run_id=run_id))
    return redirect(play_url)


@bp.get("/runs/<int:run_id>")
@access.signed_in
def debrief(run_id: int) -> ResponseReturnValue:
    run = db.get_or_404(ScenarioRun, run_id)
    if run.user_id != current_user.id:
        owner = db.session.get(User, run.user_id)
        if current_user.role == Role.OFFICER or owner is None or not can_see_user(current_user, owner):
            abort(404)
    if run.classroom_session_id is not None:
        abort(404)  # a classroom record has no online path to replay
    if run.finished_at is None:
        return redirect(url_for("scenarios.play", course_id=run.course_id, module_id=run.module_id))
    version = recorded_version(run.course_id, run.course_version)
    return render_debrief(run, version, Translator(version, current_language()))


def render_debrief(run: ScenarioRun, version, tr: Translator, **preview) -> str:
    """The officer's debrief of a finished run; the course editor's preview renders it too."""
    module = version.module(run.module_id)
    scenario = scenario_of(module)
    state = engine.start(scenario)
    path = []
    for choice_id in run.choices:
        before = dict(state.variables)
        node_id = state.node_id
        state = engine.choose(scenario, state, choice_id)
        step = state.steps[-1]
        path.append({"node": scenario["nodes"][node_id], "choice": step.choice,
                     "better": engine.best_alternative(scenario, step, before),
                     "quality": engine.reply_quality(scenario, step, before)})
    ending = scenario["nodes"][state.node_id]
    shown = set(run.observed_skills or [])
    return render_template("scenarios/debrief.html", run=run, version=version, module=module,
                           scenario=scenario, tr=tr, path=path, ending=ending, shown=shown,
                           best=engine.score_bounds(scenario)[1], confirm=ConfirmForm(), **preview)


@bp.get("/courses/<course_id>/modules/<module_id>/script")
@access.roles(Role.TRAINER, Role.MANAGER, Role.ADMIN)  # it shows every reply's points
def script(course_id: str, module_id: str) -> ResponseReturnValue:
    """A printable classroom script in any course language (?lang=...)."""
    version, module = module_with(course_id, module_id, "scenario")
    lang = request.args.get("lang") or current_language()
    if lang not in version.content["languages"]:
        lang = version.content["source_language"]
    tr = Translator(version, lang)
    scenario = scenario_of(module)
    order = _reading_order(scenario)
    return render_template("scenarios/script.html", version=version, module=module, scenario=scenario,
                           tr=tr, script_lang=lang, order=order,
                           numbers={node_id: i + 1 for i, node_id in enumerate(order)})


def _reading_order(scenario: ScenarioData) -> list[str]:
    """Nodes in the order a reader meets them: breadth first from the start, endings last."""
    seen, queue, order = set(), [scenario["start"]], []
    while queue:
        node_id = queue.pop(0)
        if node_id in seen:
            continue
        seen.add(node_id)
        order.append(node_id)
        queue.extend(c["next"] for c in scenario["nodes"][node_id].get("choices", []))
    endings = [n for n in order if "ending" in scenario["nodes"][n]]
    return [n for n in order if n not in endings] + endings


# --- Printable script as PDF, and classroom sessions ----------------------------------


def _script_lang(version) -> str:
    lang = request.args.get("lang") or current_language()
    return lang if lang in version.content["languages"] else version.content["source_language"]


@bp.get("/courses/<course_id>/modules/<module_id>/script.pdf")
@access.roles(Role.TRAINER, Role.MANAGER, Role.ADMIN)
def script_pdf(course_id: str, module_id: str) -> ResponseReturnValue:
    """The classroom script as an A4 PDF in any course language (?lang=...)."""
    version, module = module_with(course_id, module_id, "scenario")
    lang = _script_lang(version)
    scenario = scenario_of(module)
    # The handout's headings in the script's language when the interface has it.
    with force_locale(lang if lang in LOCALES else current_language()):
        from lms.scenarios import script_pdf as script_pdf_module  # fpdf on first use only

        labels = script_pdf_module.Labels(
            briefing=_("Briefing"),
            pass_score=_("Score needed to pass: %(score)s.", score=scenario["pass_score"]),
            role_card=_("Role card"), conversation=_("The conversation"), ending=_("Ending"),
            endings={"good": _("good"), "mixed": _("mixed"), "poor": _("poor")},
            only_if=_("only if earlier replies allow it"),
            observer_checklist=_("Observer checklist"), officer_name=_("Officer's name:"),
            date=_("Date:"), outcome=_("Outcome:"), passed=_("Passed"), yes=_("Yes"), no=_("No"),
            points=lambda n: ngettext("%(num)d point", "%(num)d points", n),
        )
        data = script_pdf_module.build_script_pdf(version, module, lang, _reading_order(scenario), labels)
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{scenario["id"]}-{lang}.pdf"'
    return response


def _classroom_links(user) -> list[dict]:
    if user.role in (Role.TRAINER, Role.ADMIN):
        return [{"url": url_for("scenarios.classroom_sessions"), "label": _("Classroom role-play sessions")}]
    return []


add_home_links(_classroom_links)


def _session_rows(course_id: str | None = None, module_id: str | None = None):
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, has_next = classroom.sessions_for(current_user, course_id, module_id, page)
    lang = current_language()
    return [(row, Translator(row.version, lang) if row.version else None) for row in rows], page, has_next


@bp.get("/classroom")
@access.roles(Role.TRAINER, Role.ADMIN)
def classroom_sessions() -> ResponseReturnValue:
    rows, page, has_next = _session_rows()
    return render_template("scenarios/classroom_list.html", rows=rows, page=page, has_next=has_next,
                           version=None, module=None, tr=None)


@bp.get("/courses/<course_id>/modules/<module_id>/classroom")
@access.roles(Role.TRAINER, Role.ADMIN)
def classroom_module(course_id: str, module_id: str) -> ResponseReturnValue:
    version, module = module_with(course_id, module_id, "scenario")
    rows, page, has_next = _session_rows(course_id, module_id)
    return render_template("scenarios/classroom_list.html", rows=rows, page=page, has_next=has_next,
                           version=version, module=module, tr=Translator(version, current_language()))


@bp.route("/courses/<course_id>/modules/<module_id>/classroom/new", methods=["GET", "POST"])
@access.roles(Role.TRAINER, Role.ADMIN)
def classroom_new(course_id: str, module_id: str) -> ResponseReturnValue:
    """Step one (GET): a cohort or chosen officers. Step two: attendance and outcomes."""
    version, module = module_with(course_id, module_id, "scenario")
    scenario = scenario_of(module)
    tr = Translator(version, current_language())
    cohorts = classroom.cohorts_for(current_user)
    q = (request.args.get("q") or "").strip()
    cohort_id = request.args.get("cohort", type=int)
    officer_ids = [i for i in request.args.getlist("officer", type=int) if i]
    context = {"version": version, "module": module, "scenario": scenario, "tr": tr, "q": q}
    if cohort_id or officer_ids:
        cohort, roster = classroom.roster(current_user, cohort_id, officer_ids)
        if roster and request.args.get("then") == "schedule":
            plan = forms.ScheduleForm()
            if plan.validate_on_submit():
                session = classroom.schedule_session(current_user, version, module, plan.held_on.data,
                                                     plan.place.data, cohort, roster)
                db.session.commit()
                flash(_("The session is scheduled. Print the attendance sheet for it."), "success")
                return redirect(url_for("scenarios.classroom_session", session_id=session.id))
            return render_template("scenarios/classroom_schedule.html", form=plan, roster=roster,
                                   cohort=cohort, cohort_id=cohort_id, officer_ids=officer_ids, **context)
        if roster:
            checklist = [(item["id"], tr(item["text"]).text) for item in scenario["observer_checklist"]]
            form = forms.session_form(roster, checklist)
            if form.validate_on_submit():
                outcomes = [classroom.Outcome(user.id, observed, ending, passed)
                            for user, observed, ending, passed in form.outcomes()]
                try:
                    session = classroom.record_session(
                        current_user, version, module, form.held_on.data, form.place.data,
                        cohort, form.present_users(), outcomes, invited=roster)
                except classroom.ClassroomError:
                    db.session.rollback()
                    abort(400)
                db.session.commit()
                flash(ngettext("The session was recorded with %(num)d officer present.",
                               "The session was recorded with %(num)d officers present.",
                               len(session.attendees)), "success")
                return redirect(url_for("scenarios.classroom_session", session_id=session.id))
            return render_template("scenarios/classroom_new.html", form=form, roster=roster,
                                   cohort=cohort, cohort_id=cohort_id, officer_ids=officer_ids,
                                   **context)
        flash(_("Choose at least one officer or a cohort."), "error")
    choose = forms.RosterForm(formdata=None)
    choose.cohort.choices = [(0, "—")] + [(c.id, c.name) for c in cohorts]
    choose.officer.choices = [(u.id, person_label(u))
                              for u in classroom.officers_to_choose(current_user, q)]
    choose.officer.data = officer_ids
    choose.cohort.data = cohort_id or 0
    return render_template("scenarios/classroom_choose.html", choose=choose,
                           truncated=len(choose.officer.choices) >= classroom.OFFICER_LIST_LIMIT,
                           **context)


def _session_or_404(session_id: int):
    session = classroom.visible_session(current_user, session_id)
    if session is None:
        abort(404)
    version = recorded_version(session.course_id, session.course_version)
    return session, version, part_of(version, session.module_id, "scenario")


@bp.get("/classroom/<int:session_id>")
@access.roles(Role.TRAINER, Role.ADMIN)
def classroom_session(session_id: int) -> ResponseReturnValue:
    session, version, module = _session_or_404(session_id)
    return render_template("scenarios/classroom_session.html", session=session, version=version,
                           module=module, scenario=scenario_of(module),
                           tr=Translator(version, current_language()),
                           detail=classroom.session_detail(session),
                           invited=classroom.invited_officers(current_user, session))


@bp.get("/classroom/<int:session_id>/sheet")
@access.roles(Role.TRAINER, Role.ADMIN)
def classroom_sheet(session_id: int) -> ResponseReturnValue:
    """The attendance sheet to print, with the invited officers' names filled in."""
    session, version, module = _session_or_404(session_id)
    return render_template("scenarios/classroom_sheet.html", session=session, version=version,
                           module=module, scenario=scenario_of(module),
                           tr=Translator(version, current_language()),
                           detail=classroom.session_detail(session),
                           officers=classroom.invited_officers(current_user, session))


@bp.route("/classroom/<int:session_id>/record", methods=["GET", "POST"])
@access.roles(Role.TRAINER, Role.ADMIN)
def classroom_record(session_id: int) -> ResponseReturnValue:
    """Record what happened at a session scheduled before."""
    session, version, module = _session_or_404(session_id)
    if not session.is_scheduled:
        flash(_("This session is already recorded. Correct it instead."), "info")
        return redirect(url_for("scenarios.classroom_correct", session_id=session.id))
    scenario = scenario_of(module)
    tr = Translator(version, current_language())
    roster = classroom.invited_officers(current_user, session)
    checklist = [(item["id"], tr(item["text"]).text) for item in scenario["observer_checklist"]]
    form = forms.session_form(roster, checklist)
    if request.method == "GET":
        form.held_on.data = min(session.held_on, today())
        form.place.data = session.place
    if form.validate_on_submit():
        outcomes = [classroom.Outcome(user.id, observed, ending, passed)
                    for user, observed, ending, passed in form.outcomes()]
        try:
            classroom.record_session(current_user, version, module, form.held_on.data, form.place.data,
                                     None, form.present_users(), outcomes, scheduled=session)
        except classroom.ClassroomError:
            db.session.rollback()
            abort(400)
        db.session.commit()
        flash(ngettext("The session was recorded with %(num)d officer present.",
                       "The session was recorded with %(num)d officers present.",
                       len(session.attendees)), "success")
        return redirect(url_for("scenarios.classroom_session", session_id=session.id))
    cohort = classroom.session_detail(session).cohort
    return render_template("scenarios/classroom_new.html", form=form, roster=roster, cohort=cohort,
                           action=url_for("scenarios.classroom_record", session_id=session.id),
                           version=version, module=module, scenario=scenario, tr=tr, q="")


@bp.route("/classroom/<int:session_id>/correct", methods=["GET", "POST"])
@access.roles(Role.TRAINER, Role.ADMIN)
def classroom_correct(session_id: int) -> ResponseReturnValue:
    """Correct a recorded session's date, place and attendance, with a reason (audited)."""
    session, version, module = _session_or_404(session_id)
    if session.is_scheduled:
        return redirect(url_for("scenarios.classroom_record", session_id=session.id))
    officers = classroom.invited_officers(current_user, session)
    played = {run.user_id for run, _user in classroom.session_detail(session).runs}
    form = forms.CorrectionForm()
    form.present.choices = [(u.id, person_label(u)) for u in officers]
    if request.method == "GET":
        form.held_on.data, form.place.data = session.held_on, session.place
        form.present.data = list(session.attendees)
    if form.validate_on_submit():
        present = [u for u in officers if u.id in set(form.present.data or [])]
        if not played <= {u.id for u in present}:
            form.present.errors = [_("An officer who played must be marked as present.")]
        elif not present:
            form.present.errors = [_("Mark at least one officer as present.")]
        else:
            classroom.correct_session(current_user, session, form.held_on.data, form.place.data, present,
                                      form.reason.data)
            db.session.commit()
            flash(_("The correction has been saved and recorded in the audit log."), "success")
            return redirect(url_for("scenarios.classroom_session", session_id=session.id))
    return render_template("scenarios/classroom_correct.html", form=form, session=session, version=version,
                           module=module, scenario=scenario_of(module),
                           tr=Translator(version, current_language()))
