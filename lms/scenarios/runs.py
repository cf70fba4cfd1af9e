"""Scenario runs: start, take a choice, finish; a passed run completes the scenario part."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from lms.catalog.content import ModuleData, ReplyData, ScenarioData, scenario_of
from lms.catalog.models import CourseVersion
from lms.catalog.queries import part_of
from lms.extensions import db, rows_matched
from lms.learning import completion
from lms.learning.course_access import PartRows
from lms.opaque import opaque_key
from lms.scenarios import engine
from lms.scenarios.models import ScenarioRun
from lms.timeutil import utcnow

# A run the officer played online, not a classroom record (which has no path to replay).
_ONLINE = ScenarioRun.__table__.c.classroom_session_id.is_(None)


def _officers_runs(*columns) -> sa.Select:
    """An officer's own runs of a module's role-play (not classroom records), oldest first."""
    t = ScenarioRun.__table__
    return sa.select(*columns).where(
        t.c.user_id == sa.bindparam("user_id"), t.c.course_id == sa.bindparam("course_id"),
        t.c.module_id == sa.bindparam("module_id"), _ONLINE,
    ).order_by(t.c.id)


@functools.cache
def _runs_statement() -> sa.Select:
    """Built once, with its SQLAlchemy cache key (building a statement costs more than running it)."""
    return _officers_runs(ScenarioRun)


def runs_of(user_id: int, course_id: str, module_id: str) -> list[ScenarioRun]:
    return list(db.session.scalars(_runs_statement(),
                                   {"user_id": user_id, "course_id": course_id, "module_id": module_id}))


class ShownRun(NamedTuple):
    """A run as the role-play page shows it."""

    id: int
    course_version: int
    choices: list
    finished_at: datetime | None
    score: int | None
    passed: bool | None


def _shown_runs() -> PartRows:
    t = ScenarioRun.__table__
    return PartRows(t, (t.c.id, t.c.course_version, t.c.choices, t.c.finished_at, t.c.score, t.c.passed),
                    ShownRun, (t.c.id,), (_ONLINE,))


# runs_of's runs as the role-play page shows them, read on every step with the course page's
# row (course_access.part_page): one statement instead of two, and rows of the columns shown
# rather than ScenarioRun objects (which cost the page 3 % more: instructions per request,
# 6.13 M against 5.92 M).
SHOWN_RUNS = _shown_runs()


def start_run(user_id: int, version: CourseVersion, module: ModuleData) -> ScenarioRun:
    """A fresh run of the module's role-play. The latest run, when still open with no reply
    and on this version, is exactly that already (a second click on Start, a retried request):
    it is returned instead of opening another; a run with replies is kept and a new one opened.
    Two starts at the same moment open one run: the enrolment is held first."""
    completion.hold_enrolment(user_id, version.course_id)
    history = runs_of(user_id, version.course_id, module["id"])
    latest = history[-1] if history else None
    if latest is not None and latest.finished_at is None and not latest.choices \
            and latest.course_version == version.version:
        return latest
    run = ScenarioRun(
        user_id=user_id, course_id=version.course_id, course_version=version.version,
        module_id=module["id"], scenario_id=scenario_of(module)["id"], choices=[],
    )
    db.session.add(run)
    db.session.flush()
    completion.log_event(user_id, version, module["id"], "scenario_started", run=run.id)
    return run


def choice_order(run: ScenarioRun | ShownRun, secret: str, choices: list[ReplyData]) -> list[ReplyData]:
    """The choices of the run's current step, shuffled per run and step (stable on reload).

    The seed mixes the deployment's secret with the run and step, so the order can be
    neither predicted nor learned from an earlier run.
    """
    return engine.shuffled(choices, f"{secret}\x1f{run.id}\x1f{len(run.choices)}")


def choice_key(secret: str, run_id: int, step: int, choice_id: str) -> str:
    """The opaque name a reply has in the form of one run's step.

    The officer sees only the reply's text; the course file's choice ids (`c1`, `c2` …,
    often numbered best first) never reach the page, and a key from one run or step means
    nothing in another.
    """
    return opaque_key(secret, "role-play-choice", run_id, step, choice_id)


def take_keyed_choice(run: ScenarioRun, version: CourseVersion, step: int, key: str, secret: str) -> bool:
    """Apply the reply a form named by its key; a repeated or stale step changes nothing (False).

    A key that names none of the replies offered at this step raises InvalidChoiceError.
    """
    if run.finished_at is not None or step != len(run.choices):
        return False
    scenario = scenario_of(part_of(version, run.module_id, "scenario"))
    return take_choice(run, version, step, keyed_choice_id(scenario, run.choices, run.id, key, secret))


def keyed_choice_id(scenario: ScenarioData, taken: list[str], run_id: int, key: str, secret: str) -> str:
    """The id of the reply a form's key names at the step after `taken` (the editor's preview,
    whose runs are never stored, maps its keys with it too); InvalidChoiceError when none."""
    state = engine.replay(scenario, taken)
    offered = engine.available_choices(scenario, state.node_id, state.variables)
    by_key = {choice_key(secret, run_id, len(taken), c["id"]): c["id"] for c in offered}
    if key not in by_key:
        raise engine.InvalidChoiceError("unknown reply")
    return by_key[key]


@functools.cache
def _step_statement() -> sa.Update:
    """Built once, with its SQLAlchemy cache key: every role-play step sends it."""
    return (
        sa.update(ScenarioRun)
        .where(ScenarioRun.id == sa.bindparam("run_id"), ScenarioRun.finished_at.is_(None),
               sa.func.json_array_length(ScenarioRun.choices) == sa.bindparam("step"))
        .values(choices=sa.bindparam("path", type_=ScenarioRun.__table__.c.choices.type))
        .execution_options(synchronize_session=False)
    )


def take_choice(run: ScenarioRun, version: CourseVersion, step: int, choice_id: str) -> bool:
    """Apply a choice at the given step; a repeated or stale step changes nothing (False)."""
    if run.finished_at is not None or step != len(run.choices):
        return False
    scenario = scenario_of(part_of(version, run.module_id, "scenario"))
    state = engine.replay(scenario, run.choices)
    state = engine.choose(scenario, state, choice_id)  # raises InvalidChoiceError
    # Compare-and-set on the path length, so two tabs cannot both add a step at one node:
    # the second finds the path longer than it read, and changes nothing.
    choices = [*run.choices, choice_id]
    updated = rows_matched(_step_statement(), {"run_id": run.id, "step": step, "path": choices})
    if updated != 1:
        return False
    # The row now holds exactly the path written (the statement wrote it whole): nothing to read back.
    set_committed_value(run, "choices", choices)
    if finish(run, scenario, state):
        completion.log_event(run.user_id, version, run.module_id, "scenario_finished",
                             part_done="scenario" if run.passed else None,
                             run=run.id, score=state.score, passed=run.passed)
    return True


def finish(run: ScenarioRun, scenario: ScenarioData, state) -> bool:
    """Write the outcome on the run when the state is at an ending (True); the editor's
    preview finishes its unstored runs with it too."""
    if not state.is_finished(scenario):
        return False
    run.finished_at = utcnow()
    run.ending = scenario["nodes"][state.node_id]["ending"]
    run.score = state.score
    run.passed = state.score >= scenario["pass_score"]
    run.observed_skills = sorted(state.skills)
    return True
