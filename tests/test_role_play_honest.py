"""Role-plays that teach honestly: choices in a shuffled order, feedback that looks like its
outcome, and the pass score shown with the most a run can earn."""

import re

from markupsafe import escape

from lms.extensions import db
from lms.learning import progress
from lms.scenarios.models import ScenarioRun
from tests.course_helpers import COURSE, choice_form, load_sample
from tests.factories import login, make_user

MODULE = "02-role-play-admission"
PLAY = f"/courses/{COURSE}/modules/{MODULE}/scenario"


def _officer(client):
    version = load_sample()
    officer = make_user(number="rp-1")
    progress.enrol(officer, COURSE)
    progress.skip_pre_test(officer.id, version)
    db.session.commit()
    login(client, officer)
    return version


def _offered(html: str, run_id: int, step: int, ids=("c1", "c2", "c3")) -> list[str]:
    """The reply ids in the order the page offers them, read back from their opaque keys."""
    from flask import current_app

    from lms.scenarios.runs import choice_key

    by_key = {choice_key(current_app.config["SECRET_KEY"], run_id, step, cid): cid for cid in ids}
    return [by_key[v] for v in re.findall(r'name="choice" value="([^"]+)"', html)]


def _run_id(html: str) -> int:
    return int(re.search(r'action="/runs/(\d+)/choose"', html).group(1))


def test_choices_are_shuffled_per_run_and_stable_on_reload(client, ctx):
    _officer(client)
    orders = set()
    for _ in range(12):
        client.post(f"{PLAY}/start")
        page = client.get(PLAY).get_data(as_text=True)
        first = _offered(page, _run_id(page), 0)
        assert first == _offered(client.get(PLAY).get_data(as_text=True), _run_id(page), 0)  # a reload keeps it
        assert sorted(first) == ["c1", "c2", "c3"]
        orders.add(tuple(first))
        # One reply, so that the next Start opens a new run (an open run with no reply is reused).
        client.post(f"/runs/{_run_id(page)}/choose", data=choice_form(_run_id(page), 0, first[0]))
    # Twelve runs of three choices all in the file's order would be a 1 in 6**11 chance.
    assert len(orders) > 1


def test_the_page_shows_the_replies_text_and_nothing_of_their_ids(client, ctx):
    version = _officer(client)
    scenario = version.module(MODULE)["scenario"]
    ids = {c["id"] for n in scenario["nodes"].values() for c in n.get("choices", [])}
    client.post(f"{PLAY}/start")
    page = client.get(PLAY).get_data(as_text=True)
    values = re.findall(r'name="choice" value="([^"]+)"', page)
    assert len(values) == 3 and all(re.fullmatch(r"[a-z2-7]{16}", v) for v in values)
    # No choice id anywhere in the page: not as a value, a label, an attribute or text.
    words = set(re.findall(r"[A-Za-z0-9-]+", page))
    assert not ids & words, ids & words
    for choice in scenario["nodes"]["n1"]["choices"]:
        assert str(escape(choice["text"]["en"])) in page
    # The keys are those of this run and step: a second run names the same replies otherwise.
    first_run = _run_id(page)
    client.post(f"/runs/{first_run}/choose", data={"choice": "c1", "step": 0})  # a file id is no reply
    page = client.get(PLAY).get_data(as_text=True)
    assert "That reply is not available" in page
    assert _run_id(page) == first_run and db.session.get(ScenarioRun, first_run).choices == []
    # The key read back from the page, as a browser sends it, is the reply.
    client.post(f"/runs/{first_run}/choose", data={"choice": values[0], "step": 0})
    db.session.expire_all()
    assert db.session.get(ScenarioRun, first_run).choices == [_offered(page, first_run, 0)[0]]


def _choose(client, page: str, choice_id: str) -> None:
    run_id = _run_id(page)
    client.post(f"/runs/{run_id}/choose", data=choice_form(run_id, 0, choice_id))


def test_feedback_looks_like_the_outcome_of_the_reply(client, ctx):
    _officer(client)
    client.post(f"{PLAY}/start")
    _choose(client, client.get(PLAY).get_data(as_text=True), "c2")  # 0 points where 2 were possible
    page = client.get(PLAY).get_data(as_text=True)
    assert 'class="admonition reply-unacceptable"' in page and "An unacceptable reply" in page
    assert "reply-good" not in page
    client.post(f"{PLAY}/start")
    _choose(client, client.get(PLAY).get_data(as_text=True), "c1")  # the best reply
    page = client.get(PLAY).get_data(as_text=True)
    assert 'class="admonition reply-good"' in page and "A good reply" in page


def test_weak_reply_between_the_best_and_nothing():
    from lms.scenarios import engine

    scenario = {"start": "n1", "nodes": {
        "n1": {"choices": [{"id": "a", "next": "end", "score": 3}, {"id": "b", "next": "end", "score": 1},
                           {"id": "c", "next": "end", "score": 0}]},
        "end": {"ending": "good"}}}
    quality = {cid: engine.reply_quality(scenario, engine.Step("n1", c), {})
               for cid, c in ((c["id"], c) for c in scenario["nodes"]["n1"]["choices"])}
    assert quality == {"a": "good", "b": "weak", "c": "unacceptable"}


def test_pass_score_is_shown_with_the_most_a_run_can_earn(client, ctx):
    _officer(client)
    page = client.get(PLAY).get_data(as_text=True)
    assert "Score needed to pass: 9 of the 10 points the best replies earn." in page
