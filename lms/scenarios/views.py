"""The role-play player and its debrief."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms import access
from lms.admin.forms import ConfirmForm
from lms.catalog.queries import Translator, current_version, version_of
from lms.extensions import db
from lms.i18n import current_language
from lms.learning import progress as learning
from lms.org.models import Role, User
from lms.org.scope import can_see_user
from lms.scenarios import engine, runs
from lms.scenarios.models import ScenarioRun

bp = Blueprint("scenarios", __name__, template_folder="templates")


def _scenario_module(course_id: str, module_id: str):
    version = current_version(course_id)
    module = version.module(module_id)
    if module is None or not module.get("scenario"):
        abort(404)
    return version, module


@bp.get("/courses/<course_id>/modules/<module_id>/scenario")
@access.signed_in
def play(course_id: str, module_id: str) -> ResponseReturnValue:
    version, module = _scenario_module(course_id, module_id)
    if learning.enrolment_of(current_user.id, course_id) is None:
        flash(_("Enrol in the course to play its role-plays."), "info")
        return redirect(url_for("catalog.course", course_id=course_id))
    tr = Translator(version, current_language())
    history = runs.runs_of(current_user.id, course_id, module_id)
    current = history[-1] if history and history[-1].finished_at is None else None
    if current is None:
        return render_template("scenarios/briefing.html", version=version, module=module,
                               scenario=module["scenario"], tr=tr, history=history, confirm=ConfirmForm())
    run_version = version_of(course_id, current.course_version) or version
    scenario = run_version.module(module_id)["scenario"]
    state = engine.replay(scenario, current.choices)
    last = state.steps[-1] if state.steps else None
    show_feedback = scenario["feedback"] == "immediate" and last is not None and last.choice.get("feedback")
    return render_template(
        "scenarios/node.html", version=run_version, module=module, scenario=scenario, tr=tr, run=current,
        node=scenario["nodes"][state.node_id],
        choices=engine.available_choices(scenario, state.node_id, state.variables),
        last=last if show_feedback else None, step=len(current.choices), confirm=ConfirmForm(),
    )


@bp.post("/courses/<course_id>/modules/<module_id>/scenario/start")
@access.signed_in
def start(course_id: str, module_id: str) -> ResponseReturnValue:
    version, module = _scenario_module(course_id, module_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if learning.enrolment_of(current_user.id, course_id) is None:
        flash(_("Enrol in the course to play its role-plays."), "info")
        return redirect(url_for("catalog.course", course_id=course_id))
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
    version = version_of(run.course_id, run.course_version)
    play_url = url_for("scenarios.play", course_id=run.course_id, module_id=run.module_id)
    choice_id = request.form.get("choice", "")
    step = request.form.get("step", type=int)
    if not choice_id:
        flash(_("Choose what you say."), "error")
        return redirect(play_url)
    try:
        runs.take_choice(run, version, step if step is not None else -1, choice_id)
    except engine.InvalidChoiceError:
        db.session.rollback()
        flash(_("That reply is not available at this point of the conversation."), "error")
        return redirect(play_url)
    db.session.commit()
    if run.finished_at is not None:
        return redirect(url_for("scenarios.debrief", run_id=run.id))
    return redirect(play_url)


@bp.get("/runs/<int:run_id>")
@access.signed_in
def debrief(run_id: int) -> ResponseReturnValue:
    run = db.get_or_404(ScenarioRun, run_id)
    if run.user_id != current_user.id:
        owner = db.session.get(User, run.user_id)
        if current_user.role == Role.OFFICER or owner is None or not can_see_user(current_user, owner):
            abort(404)
    if run.finished_at is None:
        return redirect(url_for("scenarios.play", course_id=run.course_id, module_id=run.module_id))
    version = version_of(run.course_id, run.course_version)
    module = version.module(run.module_id)
    scenario = module["scenario"]
    tr = Translator(version, current_language())
    state = engine.start(scenario)
    path = []
    for choice_id in run.choices:
        before = dict(state.variables)
        node_id = state.node_id
        state = engine.choose(scenario, state, choice_id)
        step = state.steps[-1]
        path.append({"node": scenario["nodes"][node_id], "choice": step.choice,
                     "better": engine.best_alternative(scenario, step, before)})
    ending = scenario["nodes"][state.node_id]
    shown = set(run.observed_skills or [])
    return render_template("scenarios/debrief.html", run=run, version=version, module=module,
                           scenario=scenario, tr=tr, path=path, ending=ending, shown=shown,
                           confirm=ConfirmForm())


@bp.get("/courses/<course_id>/modules/<module_id>/script")
@access.signed_in
def script(course_id: str, module_id: str) -> ResponseReturnValue:
    """A printable classroom script in any course language (?lang=...)."""
    version, module = _scenario_module(course_id, module_id)
    lang = request.args.get("lang") or current_language()
    if lang not in version.content["languages"]:
        lang = version.content["source_language"]
    tr = Translator(version, lang)
    scenario = module["scenario"]
    order = _reading_order(scenario)
    return render_template("scenarios/script.html", version=version, module=module, scenario=scenario,
                           tr=tr, script_lang=lang, order=order,
                           numbers={node_id: i + 1 for i, node_id in enumerate(order)})


def _reading_order(scenario: dict) -> list[str]:
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
