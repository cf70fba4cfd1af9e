"""Role-plays: the engine, the course checks, the online player, classroom sessions and the
printable script (HTML and PDF)."""

from __future__ import annotations

import copy
import hashlib
import itertools
import re
import subprocess
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.catalog.models import CourseVersion
from lms.extensions import db
from lms.learning import progress
from lms.learning.models import Enrolment, ModuleProgress
from lms.org.models import Cohort, Role
from lms.scenarios import engine
from lms.scenarios.models import ClassroomSession, ScenarioRun
from lms.timeutil import utcnow
from tests.course_helpers import (
    COURSE,
    best_path,
    choice_form,
    course_copy,
    enrol,
    load_sample,
    play_scenario,
)
from tests.factories import login, make_country, make_institution, make_user

MODULE = "02-role-play-admission"
PLAY = f"/courses/{COURSE}/modules/{MODULE}/scenario"
NEW_SESSION = f"/courses/{COURSE}/modules/{MODULE}/classroom/new"
SCRIPT = f"/courses/{COURSE}/modules/{MODULE}/script"

# --- The engine --------------------------------------------------------------------------

SMALL = {
    "id": "small", "start": "a", "pass_score": 3, "feedback": "immediate",
    "variables": {"trust": 0},
    "observer_checklist": [{"id": "listens"}, {"id": "explains"}],
    "nodes": {
        "a": {"choices": [
            {"id": "kind", "next": "b", "score": 2, "skills": ["listens"], "set": {"trust": 1}},
            {"id": "harsh", "next": "b", "score": 0, "set": {"trust": -1}},
        ]},
        "b": {"choices": [
            {"id": "explain", "next": "good", "score": 2, "skills": ["explains"], "when": {"trust": {"min": 1}}},
            {"id": "calm", "next": "mixed", "score": 1, "when": {"trust": {"max": 0, "equals": -1}}},
            {"id": "leave", "next": "poor", "score": 0},
        ]},
        "good": {"ending": "good"}, "mixed": {"ending": "mixed"}, "poor": {"ending": "poor"},
    },
}


def test_conditional_choices_are_offered_only_when_their_condition_holds():
    ids = lambda trust: [c["id"] for c in engine.available_choices(SMALL, "b", {"trust": trust})]  # noqa: E731
    assert ids(1) == ["explain", "leave"]
    assert ids(-1) == ["calm", "leave"]
    assert ids(0) == ["leave"]  # max 0 holds, equals -1 does not


def test_a_choice_returns_a_new_state_and_leaves_the_old_one():
    first = engine.start(SMALL)
    second = engine.choose(SMALL, first, "kind")
    assert (first.node_id, first.score, first.variables, first.skills) == ("a", 0, {"trust": 0}, set())
    assert (second.node_id, second.score, second.variables, second.skills) == ("b", 2, {"trust": 1}, {"listens"})
    assert [s.choice["id"] for s in second.steps] == ["kind"]


def test_a_choice_not_offered_or_after_the_ending_is_refused():
    state = engine.choose(SMALL, engine.start(SMALL), "harsh")
    with pytest.raises(engine.InvalidChoiceError):
        engine.choose(SMALL, state, "explain")  # trust is -1
    with pytest.raises(engine.InvalidChoiceError):
        engine.choose(SMALL, state, "no-such-choice")
    ended = engine.choose(SMALL, state, "leave")
    assert ended.is_finished(SMALL)
    with pytest.raises(engine.InvalidChoiceError):
        engine.choose(SMALL, ended, "leave")


def test_best_alternative_is_named_only_where_points_were_lost():
    start = engine.start(SMALL)
    harsh = engine.choose(SMALL, start, "harsh")
    assert engine.best_alternative(SMALL, harsh.steps[-1], start.variables)["id"] == "kind"
    kind = engine.choose(SMALL, start, "kind")
    assert engine.best_alternative(SMALL, kind.steps[-1], start.variables) is None
    # After "harsh", "explain" is not offered: the better reply is "calm", not "explain".
    left = engine.choose(SMALL, harsh, "leave")
    assert engine.best_alternative(SMALL, left.steps[-1], harsh.variables)["id"] == "calm"


def test_score_bounds_respect_conditions():
    assert engine.score_bounds(SMALL) == (0, 4)  # harsh+calm=1, harsh+leave=0, kind+explain=4


def test_the_fixture_scenario_has_no_graph_problems(ctx):
    scenario = load_sample().module(MODULE)["scenario"]
    assert engine.graph_problems(scenario) == []
    assert engine.score_bounds(scenario)[1] >= scenario["pass_score"]


# --- Property-based: random valid scenario graphs ----------------------------------------


@st.composite
def scenario_graphs(draw):
    """A random valid scenario: a DAG whose inner nodes lead forward, ending in endings.

    The first choice of every node is unconditional (so no run can get stuck) and leads to
    the next inner node (so every node is reachable); the last inner node leads to every
    ending. Other choices jump forward, may change a variable and may be conditional.
    """
    inner = [f"n{i}" for i in range(draw(st.integers(1, 6)))]
    endings = [f"e{j}" for j in range(draw(st.integers(1, 3)))]
    use_variable = draw(st.booleans())

    def choice(cid: str, target: str, conditional: bool) -> dict:
        made = {"id": cid, "next": target, "score": draw(st.integers(-2, 5)),
                "skills": draw(st.lists(st.sampled_from(["k1", "k2", "k3"]), max_size=2, unique=True))}
        if use_variable and draw(st.booleans()):
            made["set"] = {"v": draw(st.integers(-1, 2))}
        if conditional and use_variable and draw(st.booleans()):
            made["when"] = {"v": {draw(st.sampled_from(["min", "max", "equals"])): draw(st.integers(-2, 3))}}
        return made

    nodes: dict = {}
    for i, node_id in enumerate(inner):
        if i == len(inner) - 1:
            targets = list(endings)
        else:
            later = inner[i + 1:] + endings
            targets = [inner[i + 1], *draw(st.lists(st.sampled_from(later), max_size=2))]
        nodes[node_id] = {"choices": [choice(f"c{k}", t, conditional=k > 0) for k, t in enumerate(targets)]}
    for ending in endings:
        nodes[ending] = {"ending": draw(st.sampled_from(["good", "mixed", "poor"]))}
    scenario = {"id": "random", "start": "n0", "pass_score": 0, "nodes": nodes,
                "variables": {"v": draw(st.integers(-1, 1))} if use_variable else {},
                "observer_checklist": [{"id": k} for k in ("k1", "k2", "k3")]}
    low, high = engine.score_bounds(scenario)
    scenario["pass_score"] = draw(st.integers(low, high))
    return scenario


def all_final_scores(scenario: dict) -> list[int]:
    def walk(state):
        if state.is_finished(scenario):
            yield state.score
            return
        for c in engine.available_choices(scenario, state.node_id, state.variables):
            yield from walk(engine.choose(scenario, state, c["id"]))

    return list(walk(engine.start(scenario)))


@settings(deadline=None, max_examples=150)
@given(scenario_graphs(), st.data())
def test_every_run_ends_at_an_ending_within_the_score_bounds_and_replays_the_same(scenario, data):
    low, high = engine.score_bounds(scenario)
    state, taken = engine.start(scenario), []
    for _ in range(len(scenario["nodes"])):
        if state.is_finished(scenario):
            break
        offered = engine.available_choices(scenario, state.node_id, state.variables)
        assert offered, "a run got stuck"
        picked = data.draw(st.sampled_from(offered))
        state = engine.choose(scenario, state, picked["id"])
        taken.append(picked["id"])
    assert state.is_finished(scenario) and "ending" in scenario["nodes"][state.node_id]
    assert low <= state.score <= high
    replayed = engine.replay(scenario, taken)
    assert (replayed.node_id, replayed.score, replayed.variables, replayed.skills) == (
        state.node_id, state.score, state.variables, state.skills)
    assert [s.choice["id"] for s in replayed.steps] == taken


@settings(deadline=None)
@given(scenario_graphs())
def test_score_bounds_are_the_lowest_and_highest_score_of_all_runs(scenario):
    scores = all_final_scores(scenario)
    assert engine.score_bounds(scenario) == (min(scores), max(scores))


@settings(deadline=None)
@given(scenario_graphs())
def test_a_valid_random_graph_has_no_problems(scenario):
    assert engine.graph_problems(scenario) == []


@settings(deadline=None)
@given(scenario_graphs(), st.sampled_from(["missing-next", "unreachable", "cycle", "below-pass"]), st.data())
def test_graph_problems_finds_each_kind_of_breakage(scenario, breakage, data):
    broken = copy.deepcopy(scenario)
    inner = sorted(n for n, node in broken["nodes"].items() if "ending" not in node)
    ending = next(n for n, node in broken["nodes"].items() if "ending" in node)
    node_id = data.draw(st.sampled_from(inner))
    if breakage == "missing-next":
        broken["nodes"][node_id]["choices"].append({"id": "x", "next": "nowhere", "score": 0})
        expected = "next 'nowhere' does not exist"
    elif breakage == "unreachable":
        broken["nodes"]["orphan"] = {"choices": [{"id": "x", "next": ending, "score": 0}]}
        expected = "node cannot be reached from start"
    elif breakage == "cycle":
        back = data.draw(st.sampled_from([n for n in inner if int(n[1:]) <= int(node_id[1:])]))
        broken["nodes"][node_id]["choices"].append({"id": "x", "next": back, "score": 0})
        expected = "a path loops and never reaches an ending"
    else:
        broken["pass_score"] = engine.score_bounds(scenario)[1] + 1
        expected = "below the pass score"
    messages = [message for message, _ in engine.graph_problems(broken)]
    assert any(expected in m for m in messages), messages


# --- `lms courses check` on small course folders -----------------------------------------


def _t(en: str) -> dict:
    return {"en": en, "ru": f"{en} (ru)"}


def _base_scenario() -> dict:
    return {
        "id": "talk", "title": _t("A talk"), "briefing": _t("You meet a prisoner."),
        "roles": {"officer": {"name": _t("Officer")}, "prisoner": {"name": _t("Prisoner")}},
        "observer_checklist": [{"id": "listens", "text": _t("Listens")}],
        "variables": {"trust": 0}, "start": "n1", "pass_score": 2,
        "nodes": {
            "n1": {"speaker": "prisoner", "text": _t("Hello."), "choices": [
                {"id": "c1", "text": _t("Hello, how are you?"), "next": "n2", "score": 2,
                 "skills": ["listens"], "set": {"trust": 1}},
                {"id": "c2", "text": _t("Wait."), "next": "end", "score": 0},
            ]},
            "n2": {"speaker": "prisoner", "text": _t("Fine."), "choices": [
                {"id": "c1", "text": _t("Good."), "next": "end", "score": 1, "when": {"trust": {"min": 1}}},
                {"id": "c2", "text": _t("Go."), "next": "end", "score": 0},
            ]},
            "end": {"ending": "good", "debrief": _t("Well done.")},
        },
    }


def _write_course(root, scenario: dict) -> None:
    folder = root / "tiny"
    (folder / "01-talk").mkdir(parents=True)
    (folder / "course.yaml").write_text(yaml.safe_dump({
        "id": "tiny", "version": 1, "source_language": "en", "languages": ["en", "ru"],
        "title": _t("Tiny"), "modules": ["01-talk"]}, allow_unicode=True), encoding="utf-8")
    (folder / "01-talk" / "module.yaml").write_text(yaml.safe_dump({
        "id": "01-talk", "kind": "scenario", "title": _t("Talk"), "objectives": [_t("Talk calmly.")]},
        allow_unicode=True), encoding="utf-8")
    (folder / "01-talk" / "scenario.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True),
                                                      encoding="utf-8")


def test_a_well_formed_scenario_course_passes_the_check(runner, tmp_path):
    _write_course(tmp_path, _base_scenario())
    result = runner.invoke(args=["courses", "check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1 course(s) checked, no problems." in result.output


def _next_missing(s):
    s["nodes"]["n2"]["choices"][1]["next"] = "nowhere"


def _unreachable(s):
    s["nodes"]["lost"] = {"text": _t("Lost."), "choices": [{"id": "c1", "text": _t("Ok."), "next": "end"}]}


def _cycle(s):
    s["nodes"]["n2"]["choices"][1]["next"] = "n1"


def _below_pass(s):
    s["pass_score"] = 10


def _unknown_variable(s):
    s["nodes"]["n2"]["choices"][0]["when"] = {"mood": {"min": 1}}


def _missing_translation(s):
    del s["nodes"]["n1"]["text"]["ru"]


@pytest.mark.parametrize(("breakage", "expected"), [
    (_next_missing, "nodes.n2.choices[1].next: next 'nowhere' does not exist"),
    (_unreachable, "nodes.lost: node cannot be reached from start"),
    (_cycle, "a path loops and never reaches an ending"),
    (_below_pass, "pass_score: the best path scores 3, below the pass score 10"),
    (_unknown_variable, "condition or change on unknown variable 'mood'"),
    (_missing_translation, "nodes.n1.text.ru: missing translation"),
])
def test_courses_check_reports_each_scenario_problem(runner, tmp_path, breakage, expected):
    scenario = _base_scenario()
    breakage(scenario)
    _write_course(tmp_path, scenario)
    result = runner.invoke(args=["courses", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "tiny/01-talk/scenario.yaml" in result.output
    assert expected in result.output, result.output


# --- The online player -------------------------------------------------------------------


def _enrolled_officer(client, **kwargs):
    version = load_sample()
    officer = make_user(**kwargs)
    progress.enrol(officer, COURSE)
    progress.skip_pre_test(officer.id, version)  # these tests are about the role-play
    db.session.commit()
    login(client, officer)
    return version, officer


def _runs(user_id: int) -> list[ScenarioRun]:
    db.session.expire_all()
    return list(db.session.scalars(
        sa.select(ScenarioRun).where(ScenarioRun.user_id == user_id).order_by(ScenarioRun.id)))


def test_closing_the_browser_and_coming_back_resumes_at_the_same_node(app, client, ctx):
    version, officer = _enrolled_officer(client)
    run_id = play_scenario(client, version, MODULE, ["c1"])
    another_browser = app.test_client()
    login(another_browser, officer)
    page = another_browser.get(PLAY).get_data(as_text=True)
    assert "go looking for me" in page  # node n2
    assert f'action="/runs/{run_id}/choose"' in page
    assert 'name="step" value="1"' in page


def test_restarting_keeps_every_earlier_run(client, ctx):
    version, officer = _enrolled_officer(client)
    scenario = version.module(MODULE)["scenario"]
    first = play_scenario(client, version, MODULE, best_path(scenario))
    second = play_scenario(client, version, MODULE, ["c2"])
    third = play_scenario(client, version, MODULE, [])  # restarted mid-run
    runs = _runs(officer.id)
    assert [r.id for r in runs] == [first, second, third]
    assert runs[0].passed and runs[0].score == engine.score_bounds(scenario)[1]
    assert runs[1].choices == ["c2"] and runs[1].finished_at is None
    assert runs[2].choices == []
    page = client.get(PLAY).get_data(as_text=True)
    assert f'action="/runs/{third}/choose"' in page


def test_the_briefing_lists_each_finished_run_with_its_score_and_debrief(client, ctx):
    version, officer = _enrolled_officer(client)
    scenario = version.module(MODULE)["scenario"]
    page = client.get(PLAY).get_data(as_text=True)
    assert "Start the role-play" in page and "/runs/" not in page
    best = engine.score_bounds(scenario)[1]
    passed = play_scenario(client, version, MODULE, best_path(scenario))
    unfinished = play_scenario(client, version, MODULE, ["c2"])
    page = client.get(PLAY).get_data(as_text=True)
    assert f'action="/runs/{unfinished}/choose"' in page  # the open run is played on
    db.session.execute(sa.update(ScenarioRun).where(ScenarioRun.id == unfinished).values(
        finished_at=ScenarioRun.started_at, score=0, passed=False))
    db.session.commit()
    page = client.get(PLAY).get_data(as_text=True)
    assert "Play again" in page and "choose" not in page
    assert f'href="/runs/{passed}"' in page and f'href="/runs/{unfinished}"' in page
    assert f"score {best} of {best}" in page and f"score 0 of {best}" in page
    assert page.count('class="badge ok">Passed<') == 1 and page.count('class="badge bad">Not passed<') == 1


def test_debrief_shows_path_score_skills_and_the_better_choice(client, ctx):
    version, officer = _enrolled_officer(client)
    run_id = play_scenario(client, version, MODULE, ["c3", "c2", "c1", "c2"])
    run = _runs(officer.id)[0]
    assert (run.ending, run.score, run.passed) == ("mixed", 1, False)
    page = client.get(f"/runs/{run_id}").get_data(as_text=True)
    assert "Your score: 1. Needed to pass: 9; the best replies earn 10." in page and "Not passed" in page
    path = ["your mother has already been told everything", "Your investigator deals with that",
            "Before you sign, let me go through the main points", "Nothing will go wrong if you follow the rules"]
    positions = [page.index(text) for text in path]
    assert positions == sorted(positions)
    assert "something important is missing" in page  # the ending's debrief
    skills = {m.group(2): m.group(1) for m in re.finditer(r'<li class="(correct|wrong)">[✓✗] <span[^>]*>(\w+)', page)}
    assert skills == {"Explains": "correct", "Asks": "wrong", "Keeps": "wrong"}
    # Points were lost at n1 and n2; at n6 the better reply was not offered (no trust).
    assert page.count("A better reply:") == 2
    assert "Good evening, Daniyar" in page


def test_a_repeated_or_stale_step_changes_nothing(client, ctx):
    version, officer = _enrolled_officer(client)
    run_id = play_scenario(client, version, MODULE, [])
    client.post(f"/runs/{run_id}/choose", data=choice_form(run_id, 0, "c1"))
    client.post(f"/runs/{run_id}/choose", data=choice_form(run_id, 0, "c1"))  # double click
    assert _runs(officer.id)[0].choices == ["c1"]
    client.post(f"/runs/{run_id}/choose", data=choice_form(run_id, 0, "c2"))  # stale tab
    response = client.post(f"/runs/{run_id}/choose", data=choice_form(run_id, 1, "c9"), follow_redirects=True)
    assert "That reply is not available at this point of the conversation." in response.get_data(as_text=True)
    assert _runs(officer.id)[0].choices == ["c1"]


def test_another_officer_cannot_see_or_play_my_run(app, client, ctx):
    version, officer = _enrolled_officer(client)
    run_id = play_scenario(client, version, MODULE, ["c1"])
    intruder = make_user(institution=officer.institution)
    progress.enrol(intruder, COURSE)
    progress.skip_pre_test(intruder.id, version)
    db.session.commit()
    other = app.test_client()
    login(other, intruder)
    assert other.get(f"/runs/{run_id}").status_code == 404
    assert other.post(f"/runs/{run_id}/choose", data=choice_form(run_id, 1, "c1")).status_code == 404
    assert _runs(officer.id)[0].choices == ["c1"]


def test_the_role_play_page_shows_only_this_officers_own_runs_of_this_role_play(app, client, ctx, tmp_path):
    """The page reads the runs with the course in one query (course_access.part_page):
    another officer's run of the role-play, and this officer's classroom record of it, run
    of another module of the course or run of the same module in another course are
    neither listed nor resumed."""
    version, officer = _enrolled_officer(client)
    copy_id = course_copy(tmp_path, "sample-copy", "A copy of the sample")
    other = app.test_client()
    intruder = make_user(institution=officer.institution)
    progress.enrol(intruder, COURSE)
    progress.skip_pre_test(intruder.id, version)
    db.session.commit()
    login(other, intruder)
    elsewhere = [play_scenario(other, version, MODULE, ["c1"])]  # left open
    enrol(client, copy_id)
    client.post(f"/courses/{copy_id}/modules/{MODULE}/scenario/start")  # left open
    page = client.get(f"/courses/{copy_id}/modules/{MODULE}/scenario").get_data(as_text=True)
    elsewhere.append(int(re.search(r'action="/runs/(\d+)/choose"', page).group(1)))
    session = ClassroomSession(trainer_id=intruder.id, course_id=COURSE, course_version=version.version,
                               module_id=MODULE, held_on=date.today(), place="Training room 2")
    db.session.add(session)
    db.session.flush()
    now = utcnow()
    for module_id, session_id in ((MODULE, session.id), ("01-admission-basics", None)):
        run = ScenarioRun(user_id=officer.id, course_id=COURSE, course_version=version.version,
                          module_id=module_id, scenario_id="admission", choices=[], finished_at=now,
                          score=1, passed=False, classroom_session_id=session_id)
        db.session.add(run)
        db.session.flush()
        elsewhere.append(run.id)
    db.session.commit()
    page = client.get(PLAY).get_data(as_text=True)
    assert "Start the role-play" in page and "Play again" not in page
    assert len(set(elsewhere)) == 4 and "/runs/" not in page


def _set_feedback_mode(version: CourseVersion, mode: str) -> None:
    content = copy.deepcopy(version.content)
    next(m for m in content["modules"] if m["id"] == MODULE)["scenario"]["feedback"] = mode
    version.content = content
    version.content_hash = hashlib.sha256(mode.encode()).hexdigest()  # as a reload would: a new hash
    db.session.commit()


@pytest.mark.parametrize("mode", ["immediate", "debrief"])
def test_feedback_shows_after_each_reply_or_only_at_the_debrief(client, ctx, mode):
    version, _officer = _enrolled_officer(client)
    _set_feedback_mode(version, mode)
    run_id = play_scenario(client, version, MODULE, ["c1"])
    page = client.get(PLAY).get_data(as_text=True)
    shown_now = "Good start: you greet him by name" in page
    assert shown_now == (mode == "immediate")
    assert ("A good reply" in page) == (mode == "immediate")
    for step, choice in enumerate(["c1", "c1", "c1", "c1"], start=1):
        client.post(f"/runs/{run_id}/choose", data=choice_form(run_id, step, choice))
    debrief = client.get(f"/runs/{run_id}").get_data(as_text=True)
    assert "Good start: you greet him by name" in debrief


# --- Classroom sessions ------------------------------------------------------------------


def _session_data(*players, present=(), held_on=None, place="Training room 2", **extra) -> dict:
    data = {"held_on": (held_on or date.today()).isoformat(), "place": place}
    for user in present:
        data[f"present_{user.id}"] = "y"
    for user, observed, ending, passed in players:
        data[f"present_{user.id}"] = "y"
        data[f"played_{user.id}"] = "y"
        data[f"observed_{user.id}"] = observed
        data[f"ending_{user.id}"] = ending
        data[f"passed_{user.id}"] = "yes" if passed else "no"
    data.update(extra)
    return data


def _roster_url(*officers, cohort=None) -> str:
    query = "&".join([f"officer={o.id}" for o in officers] + ([f"cohort={cohort.id}"] if cohort else []))
    return f"{NEW_SESSION}?{query}"


def test_a_classroom_session_counts_toward_the_module_like_an_online_run(app, client, ctx):
    version = load_sample()
    academy = make_institution()
    trainer = make_user(role=Role.TRAINER, institution=academy)
    player, watcher = make_user(institution=academy, name="Player One"), make_user(institution=academy, name="Watcher Two")
    db.session.commit()
    login(client, trainer)
    form_page = client.get(_roster_url(player, watcher)).get_data(as_text=True)
    assert "Player One" in form_page and "Watcher Two" in form_page
    assert f'name="observed_{player.id}"' in form_page
    response = client.post(_roster_url(player, watcher), data=_session_data(
        (player, ["explains-rights", "calm-tone"], "good", True), present=[watcher]))
    assert response.status_code == 302
    session = db.session.scalar(sa.select(ClassroomSession))
    assert response.headers["Location"].endswith(f"/classroom/{session.id}")
    assert sorted(session.attendees) == sorted([player.id, watcher.id])
    assert (session.place, session.held_on, session.trainer_id) == ("Training room 2", date.today(), trainer.id)
    [run] = _runs(player.id)
    assert run.classroom_session_id == session.id
    assert (run.ending, run.passed, run.observed_skills) == ("good", True, ["explains-rights", "calm-tone"])
    assert progress.enrolment_of(player.id, COURSE) is not None  # enrolled by the record
    assert progress.module_status(player.id, version, MODULE).status == progress.STATUS_COMPLETE
    assert _runs(watcher.id) == [] and progress.enrolment_of(watcher.id, COURSE) is None
    detail = client.get(f"/classroom/{session.id}").get_data(as_text=True)
    assert "Player One" in detail and "Watcher Two" in detail and "Passed" in detail
    assert "Training room 2" in client.get("/classroom").get_data(as_text=True)
    assert "Training room 2" in client.get(f"/courses/{COURSE}/modules/{MODULE}/classroom").get_data(as_text=True)
    # A classroom record is no online run: it has no path to replay.
    as_player = app.test_client()
    login(as_player, player)
    assert as_player.get(f"/runs/{run.id}").status_code == 404


def test_a_failed_classroom_outcome_records_the_run_without_completing(client, ctx):
    version = load_sample()
    trainer = make_user(role=Role.TRAINER)
    officer = make_user(institution=trainer.institution)
    db.session.commit()
    login(client, trainer)
    client.post(_roster_url(officer), data=_session_data((officer, [], "poor", False)))
    [run] = _runs(officer.id)
    assert (run.passed, run.ending, run.observed_skills) == (False, "poor", [])
    assert progress.module_status(officer.id, version, MODULE).status != progress.STATUS_COMPLETE


def test_classroom_form_errors_are_translated_and_nothing_is_saved(client, ctx):
    load_sample()
    trainer = make_user(role=Role.TRAINER, locale="ru")
    officer = make_user(institution=trainer.institution)
    db.session.commit()
    login(client, trainer)
    data = _session_data(held_on=date.today(), place="")
    data.update({"held_on": "", f"played_{officer.id}": "y"})  # played, not present, no outcome
    page = client.post(_roster_url(officer), data=data)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count("Это поле обязательно для заполнения.") == 2
    for name in ("played", "ending", "passed"):  # played but absent, with no outcome
        assert f'id="{name}_{officer.id}-err"' in text
    future = _session_data((officer, [], "good", True), held_on=date.today() + timedelta(days=1))
    assert client.post(_roster_url(officer), data=future).status_code == 200
    nobody = _session_data()
    assert client.post(_roster_url(officer), data=nobody).status_code == 200
    # Dates from before the platform's era are refused with a clear message (issue #19).
    for far in ("0001-01-01", "1899-12-31"):
        ancient = _session_data((officer, [], "good", True), held_on=date.today())
        ancient["held_on"] = far
        response = client.post(_roster_url(officer), data=ancient)
        assert response.status_code == 200
        assert "2000-01-01" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClassroomSession)) == 0
    assert _runs(officer.id) == []


def test_a_failure_while_recording_saves_nothing(client, ctx, monkeypatch):
    load_sample()
    trainer = make_user(role=Role.TRAINER)
    first, second = make_user(institution=trainer.institution), make_user(institution=trainer.institution)
    db.session.commit()
    from lms.learning import completion

    real, calls = completion.record_part, itertools.count()

    def fail_on_second(*args, **kwargs):
        if next(calls) == 1:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(completion, "record_part", fail_on_second)
    login(client, trainer)
    response = client.post(_roster_url(first, second), data=_session_data(
        (first, [], "good", True), (second, [], "good", True)))
    assert response.status_code == 500
    db.session.expire_all()
    for model in (ClassroomSession, ScenarioRun, ModuleProgress, Enrolment):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model


def test_trainer_records_and_sees_only_officers_and_sessions_in_their_scope(app, client, ctx):
    load_sample()
    kz = make_country()
    academy, elsewhere = make_institution(kz), make_institution(kz)
    trainer = make_user(role=Role.TRAINER, institution=academy)
    other_trainer = make_user(role=Role.TRAINER, institution=elsewhere)
    inside = make_user(institution=academy, name="Inside Officer")
    outside = make_user(institution=elsewhere, name="Outside Officer")
    led = make_user(institution=elsewhere, name="Cohort Member")
    mine = Cohort(name="Spring cohort", institution_id=academy.id, trainer_id=trainer.id, members=[led])
    theirs = Cohort(name="Their cohort", institution_id=elsewhere.id, trainer_id=other_trainer.id,
                    members=[outside])
    db.session.add_all([mine, theirs])
    db.session.commit()

    login(client, trainer)
    choose = client.get(NEW_SESSION).get_data(as_text=True)
    assert "Inside Officer" in choose and "Cohort Member" in choose and "Outside Officer" not in choose
    assert "Spring cohort" in choose and "Their cohort" not in choose
    refused = client.get(_roster_url(outside, cohort=theirs), follow_redirects=True).get_data(as_text=True)
    assert "Choose at least one officer or a cohort." in refused and "Outside Officer" not in refused
    roster = client.get(_roster_url(inside, outside, cohort=mine)).get_data(as_text=True)
    assert "Inside Officer" in roster and "Cohort Member" in roster and "Outside Officer" not in roster
    # Fields posted for an officer outside the scope are ignored.
    client.post(_roster_url(inside, outside, cohort=mine), data=_session_data(
        (inside, [], "good", True), (outside, [], "good", True), present=[led]))
    session = db.session.scalar(sa.select(ClassroomSession))
    assert sorted(session.attendees) == sorted([inside.id, led.id]) and session.cohort_id == mine.id
    assert _runs(outside.id) == [] and len(_runs(inside.id)) == 1

    other = app.test_client()
    login(other, other_trainer)
    assert other.get(f"/classroom/{session.id}").status_code == 404
    assert "Training room 2" not in other.get("/classroom").get_data(as_text=True)
    admin = make_user(role=Role.ADMIN)
    officer = make_user(institution=academy)
    manager = make_user(role=Role.MANAGER, institution=academy, scope_institution=academy)
    db.session.commit()
    as_admin = app.test_client()
    login(as_admin, admin)
    assert as_admin.get(f"/classroom/{session.id}").status_code == 200
    for user in (officer, manager):
        someone = app.test_client()
        login(someone, user)
        assert someone.get(f"/classroom/{session.id}").status_code == 403
        assert someone.get(NEW_SESSION).status_code == 403
        assert someone.post(_roster_url(inside), data=_session_data((inside, [], "good", True))).status_code == 403


# --- The printable script ----------------------------------------------------------------

TAJIK = ["Шоми аввали Даниёр", "Корманди навбатдор", "Ҳуҷҷатҳои Даниёр дар тартибанд",
         "Лаҳни ором ва боэҳтиромро нигоҳ медорад"]


def _pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(re.sub(r"[\u200e\u200f\u202a-\u202e]", "", out).split())


def _trainer(client):
    load_sample()
    trainer = make_user(role=Role.TRAINER)
    db.session.commit()
    login(client, trainer)
    return trainer


def test_the_script_with_its_answers_is_for_staff_not_for_officers(client, ctx):
    _enrolled_officer(client)
    assert client.get(SCRIPT).status_code == 403
    assert client.get(f"{SCRIPT}.pdf").status_code == 403
    briefing = client.get(f"/courses/{COURSE}/modules/{MODULE}/scenario").get_data(as_text=True)
    assert SCRIPT not in briefing


def test_printable_script_in_tajik_as_html_and_pdf(client, ctx, tmp_path, artifacts):
    _trainer(client)
    page = client.get(f"{SCRIPT}?lang=tg").get_data(as_text=True)
    assert 'lang="tg"' in page
    for text in TAJIK:
        assert text in page
    assert f'href="{SCRIPT}.pdf?lang=tg"' in page
    response = client.get(f"{SCRIPT}.pdf?lang=tg")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="admission-first-conversation-tg.pdf"' in response.headers["Content-Disposition"]
    pdf = tmp_path / "script-tg.pdf"
    pdf.write_bytes(response.data)
    text = _pdf_text(pdf)
    for wanted in TAJIK:
        assert wanted in text
    # Headings in the script's language; the conversation numbered with targets and points.
    assert "Варақаи нақш" in text and "Варақаи санҷиши нозир" in text
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "(A4)" in info
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 5  # briefing, 2 role cards, script, checklist
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(artifacts / "scenario-script-tg")], check=True)
    assert (artifacts / "scenario-script-tg.png").stat().st_size > 0


def test_printable_script_pdf_in_arabic_and_unknown_language_falls_back(client, ctx, tmp_path):
    _trainer(client)
    pdf = tmp_path / "script-ar.pdf"
    pdf.write_bytes(client.get(f"{SCRIPT}.pdf?lang=ar").data)
    text = _pdf_text(pdf)
    assert "الليلة الأولى لدانيار" in text and "الموظف المناوب" in text
    response = client.get(f"{SCRIPT}.pdf?lang=xx")
    assert 'filename="admission-first-conversation-en.pdf"' in response.headers["Content-Disposition"]
    fallback = tmp_path / "script-xx.pdf"
    fallback.write_bytes(response.data)
    assert "Daniyar's first evening" in _pdf_text(fallback)


def test_a_debrief_without_an_observer_checklist_shows_no_empty_checklist_heading(client, ctx, tmp_path):
    from lms.catalog.loader import load_course_dir

    scenario = _base_scenario()
    del scenario["observer_checklist"]
    scenario["nodes"]["n1"]["choices"][0].pop("skills")
    _write_course(tmp_path, scenario)
    assert load_course_dir(tmp_path / "tiny").outcome == "created"
    officer = make_user()
    db.session.commit()
    login(client, officer)
    client.post("/courses/tiny/enrol")
    client.post("/courses/tiny/modules/01-talk/scenario/start")
    page = client.get("/courses/tiny/modules/01-talk/scenario").get_data(as_text=True)
    run_id = int(re.search(r'action="/runs/(\d+)/choose"', page).group(1))
    client.post(f"/runs/{run_id}/choose", data=choice_form(run_id, 0, "c2"))
    debrief = client.get(f"/runs/{run_id}").get_data(as_text=True)
    assert "Well done." in debrief and "The path you took" in debrief
    assert "Skills from the observer checklist" not in debrief
