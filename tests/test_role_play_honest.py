"""Role-plays that teach honestly: choices in a shuffled order, feedback that looks like its
outcome, and the pass score shown with the most a run can earn."""

import re

from lms.extensions import db
from lms.learning import progress
from tests.course_helpers import COURSE, load_sample
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


def _choice_ids(html: str) -> list[str]:
    return re.findall(r'name="choice" value="([a-z0-9-]+)"', html)


def test_choices_are_shuffled_per_run_and_stable_on_reload(client, ctx):
    _officer(client)
    orders = set()
    for _ in range(12):
        client.post(f"{PLAY}/start")
        first = _choice_ids(client.get(PLAY).get_data(as_text=True))
        assert first == _choice_ids(client.get(PLAY).get_data(as_text=True))  # a reload keeps it
        assert sorted(first) == ["c1", "c2", "c3"]
        orders.add(tuple(first))
    # Twelve runs of three choices all in the file's order would be a 1 in 6**11 chance.
    assert len(orders) > 1


def test_feedback_looks_like_the_outcome_of_the_reply(client, ctx):
    _officer(client)
    client.post(f"{PLAY}/start")
    page = client.get(PLAY).get_data(as_text=True)
    run_id = re.search(r'action="/runs/(\d+)/choose"', page).group(1)
    client.post(f"/runs/{run_id}/choose", data={"choice": "c2", "step": 0})  # 0 points where 2 were possible
    page = client.get(PLAY).get_data(as_text=True)
    assert 'class="admonition reply-unacceptable"' in page and "An unacceptable reply" in page
    assert "reply-good" not in page
    client.post(f"{PLAY}/start")
    page = client.get(PLAY).get_data(as_text=True)
    run_id = re.search(r'action="/runs/(\d+)/choose"', page).group(1)
    client.post(f"/runs/{run_id}/choose", data={"choice": "c1", "step": 0})  # the best reply
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
