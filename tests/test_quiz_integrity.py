"""Quizzes an officer can trust: nothing given away in the page, reviews by the course's
setting, a clear way to try again, unanswered questions marked, the stakes said."""

import re

import sqlalchemy as sa
from markupsafe import escape

from lms.catalog.models import CourseContent, CourseVersion
from lms.extensions import db
from lms.quizzes.attempts import answers_from_keys, option_keys, shows_correct_options
from lms.quizzes.models import QuizAttempt
from tests.course_helpers import (
    COURSE,
    correct_answers,
    course_copy,
    enrol,
    form_of,
    load_sample,
    open_attempt_id,
    take_quiz,
    wrong_answers,
)
from tests.factories import login, make_user

M1 = "01-admission-basics"


def _officer(client, number="quiz-1"):
    user = make_user(number=number)
    db.session.commit()
    login(client, user)
    enrol(client)
    return user


def _option_values(html: str) -> list[str]:
    return re.findall(r'name="q-[a-z0-9-]+" value="([^"]+)"', html)


def test_option_values_in_the_page_are_opaque_and_change_with_each_attempt(client, ctx):
    version = load_sample()
    _officer(client)
    client.post(f"/courses/{COURSE}/modules/{M1}/quiz/start")
    first = client.get(f"/courses/{COURSE}/modules/{M1}/quiz").get_data(as_text=True)
    ids = {o["id"] for q in version.module(M1)["quiz"]["questions"] for o in q["options"]}
    values = _option_values(first)
    assert values and not ids & set(values)  # no course-file id (a, b, true...) reaches the page
    assert all(re.fullmatch(r"[a-z2-7]{16}", v) for v in values)
    attempt_id = open_attempt_id(client, M1)
    client.post(f"/attempts/{attempt_id}", data=form_of(wrong_answers(version, M1), attempt_id))
    client.post(f"/courses/{COURSE}/modules/{M1}/quiz/start")
    second = client.get(f"/courses/{COURSE}/modules/{M1}/quiz").get_data(as_text=True)
    assert not set(values) & set(_option_values(second))


def test_the_quiz_page_gives_nothing_away_and_names_each_statement_a_radio_group(client, ctx):
    from tests.test_exercise_formats import BEST, CLASSIFY, MODULE, load_formats, start

    version = load_formats()
    _user, attempt_id, page = start(client, "fmt-page")
    quiz = version.module(MODULE)["quiz"]
    q = {x["id"]: x for x in quiz["questions"]}
    # One radio group per statement, with every category, each under an opaque key.
    for n in range(1, 5):
        group = re.findall(rf'name="q-{CLASSIFY}\.{n}" value="([a-z2-7]{{16}})"', page)
        assert len(group) == 3, n
    for item in q[CLASSIFY]["items"]:
        assert f"<legend><span>{escape(item['text']['en'])}</span></legend>" in page
    # No statement, category or option id, no credit, no feedback, no explanation in the page.
    for item in q[CLASSIFY]["items"]:
        assert item["id"] not in page and str(escape(item["feedback"]["en"])) not in page
    for category in ("change", "sustain", "discord"):
        assert f'"{category}' not in page and f"{category}:" not in page
    for option in q[BEST]["options"]:
        assert f'value="{option["id"]}"' not in page and str(escape(option["feedback"]["en"])) not in page
    # 100 as a number of its own: the officer's made-up name ("Имя 1001") may hold the digits.
    assert "credit: " not in page and not re.search(r"(?<!\d)100(?!\d)", page)
    assert not any(str(escape(x["explanation"]["en"])) in page for x in quiz["questions"])
    assert "Choose the best response" in page and "Put each statement in one category" in page
    assert attempt_id


def test_keys_map_back_to_options_and_unknown_keys_count_for_nothing(client, ctx):
    version = load_sample()
    _officer(client)
    attempt_id, _ = take_quiz(client, version, M1, correct=True)
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.score == 100
    keys = option_keys(attempt, "secret")
    qid, options = attempt.layout[0]
    assert answers_from_keys(attempt, "secret", {qid: [keys[qid][options[1]]]}) == {qid: [options[1]]}
    # An option id sent as such, or a key of another question, is not an answer.
    other = attempt.layout[1][0]
    assert answers_from_keys(attempt, "secret", {qid: [options[0], keys[other][attempt.layout[1][1][0]]]}) == {}


def test_submitting_course_ids_instead_of_keys_scores_nothing(client, ctx):
    version = load_sample()
    _officer(client)
    client.post(f"/courses/{COURSE}/modules/{M1}/quiz/start")
    attempt_id = open_attempt_id(client, M1)
    data = {f"q-{qid}": opts for qid, opts in correct_answers(version, M1).items()}
    client.post(f"/attempts/{attempt_id}", data=data | {"action": "submit", "confirm_unanswered": "yes"})
    assert db.session.get(QuizAttempt, attempt_id).score == 0


def test_review_policy_default_hides_correct_options_while_attempts_remain():
    assert shows_correct_options("after_last_attempt", passed=False, left=2) is False
    assert shows_correct_options("after_last_attempt", passed=False, left=None) is False
    assert shows_correct_options("after_last_attempt", passed=False, left=0) is True
    assert shows_correct_options("after_last_attempt", passed=True, left=2) is True
    assert shows_correct_options("after_each_attempt", passed=False, left=2) is True
    assert shows_correct_options("never", passed=True, left=0) is False


def _explanations_and_correct_feedback(version):
    quiz = version.module(M1)["quiz"]
    explanations = [q["explanation"]["en"] for q in quiz["questions"] if q.get("explanation")]
    correct_feedback = [o["feedback"]["en"] for q in quiz["questions"] for o in q["options"]
                        if o["correct"] and o.get("feedback")]
    return explanations, correct_feedback


def test_failed_attempt_with_attempts_left_shows_what_was_wrong_but_not_the_answers(client, ctx):
    version = load_sample()
    _officer(client)
    attempt_id, _ = take_quiz(client, version, M1, correct=False)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    explanations, correct_feedback = _explanations_and_correct_feedback(version)
    assert "Incorrect" in page
    assert "correct option" not in page
    assert not any(str(escape(e)) in page for e in explanations)
    assert not any(str(escape(f)) in page for f in correct_feedback)
    # The feedback on the officer's own (wrong) answer is there.
    quiz = version.module(M1)["quiz"]
    chosen = wrong_answers(version, M1)
    first = quiz["questions"][0]
    feedback = next(o["feedback"]["en"] for o in first["options"] if o["id"] == chosen[first["id"]][0])
    assert str(escape(feedback)) in page
    # A clear way to try again, with the attempts left.
    assert "Try again" in page and "2 attempts left" in page
    assert f'action="/courses/{COURSE}/modules/{M1}/quiz/start"' in page


def test_correct_answers_show_when_no_attempt_is_left(client, ctx):
    version = load_sample()
    _officer(client)
    for _ in range(3):
        attempt_id, _ = take_quiz(client, version, M1, correct=False)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    explanations, _ = _explanations_and_correct_feedback(version)
    assert "correct option" in page and str(escape(explanations[0])) in page
    assert "Try again" not in page


def test_course_setting_after_each_attempt_shows_answers_at_once(client, ctx):
    version = load_sample()
    content = dict(version.content, quiz_review="after_each_attempt")
    db.session.execute(sa.update(CourseContent).where(CourseContent.course_version_id == version.id)
                       .values(content=content))
    db.session.execute(sa.update(CourseVersion).where(CourseVersion.id == version.id)
                       .values(content_hash="changed-for-test"))
    db.session.commit()
    _officer(client)
    attempt_id, _ = take_quiz(client, version, M1, correct=False)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "correct option" in page and "Try again" in page


def test_unanswered_questions_are_marked_and_submission_asks_to_confirm(client, ctx):
    version = load_sample()
    _officer(client)
    client.post(f"/courses/{COURSE}/modules/{M1}/quiz/start")
    attempt_id = open_attempt_id(client, M1)
    attempt = db.session.get(QuizAttempt, attempt_id)
    qid, _ = attempt.layout[0]
    only_first = {qid: correct_answers(version, M1)[qid]}
    response = client.post(f"/attempts/{attempt_id}", data=form_of(only_first, attempt_id))
    assert response.status_code == 302 and "confirm=1" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    others = len(attempt.layout) - 1
    assert page.count('class="question unanswered"') == others
    assert f"{others} questions have no answer" in page
    assert 'href="#question-2"' in page and 'href="#question-1"' not in page
    assert "Submit with unanswered questions" in page
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).submitted_at is None
    # Submitting again from that page (it carries the confirmation) grades the attempt.
    client.post(f"/attempts/{attempt_id}", data=form_of(only_first, attempt_id) | {"confirm_unanswered": "yes"})
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).submitted_at is not None


def test_a_submit_grades_the_answers_sent_not_the_saved_draft_and_leaves_the_draft(client, ctx):
    version = load_sample()
    _officer(client)
    client.post(f"/courses/{COURSE}/modules/{M1}/quiz/start")
    attempt_id = open_attempt_id(client, M1)
    wrong, right = wrong_answers(version, M1), correct_answers(version, M1)
    client.post(f"/attempts/{attempt_id}", data=form_of(wrong, attempt_id, action="save"))
    client.post(f"/attempts/{attempt_id}", data=form_of(right, attempt_id))
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.passed is True and attempt.score == 100
    # The answers as submitted are the attempt's answers, and what the review shows.
    assert {a.question_id: a.selected for a in attempt.answers} == right
    assert all(a.is_correct for a in attempt.answers)
    assert "Incorrect" not in client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    # The draft is not written again at submit: it stays what was last saved.
    assert attempt.draft == wrong


def test_final_assessment_says_what_is_at_stake(client, ctx):
    from tests.browser.test_nmr_course_browser import COURSE as NMR
    from tests.browser.test_nmr_course_browser import load_nmr

    load_nmr()
    user = make_user(number="quiz-final")
    db.session.commit()
    login(client, user)
    enrol(client, NMR)
    final = f"/courses/{NMR}/modules/14-final-assessment/quiz"
    page = client.get(final).get_data(as_text=True)
    assert "This is the final assessment" in page and "printed on your certificate" in page
    assert "Pass mark: 80%" in page and "3 attempts left" in page
    client.post(f"{final}/start")
    page = client.get(final).get_data(as_text=True)
    assert "This is the final assessment" in page and "After this attempt, 2 attempts are left." in page
    # An ordinary module's quiz says nothing of the kind.
    page = client.get(f"/courses/{NMR}/modules/01-rules-and-basic-principles/quiz").get_data(as_text=True)
    assert "final assessment" not in page


def test_course_check_refuses_an_unknown_review_setting(tmp_path):
    import shutil

    from lms.catalog.spec import read_course
    from tests.course_helpers import SAMPLE

    course_dir = tmp_path / COURSE
    shutil.copytree(SAMPLE, course_dir)
    course, problems = read_course(course_dir)
    assert course["quiz_review"] == "after_last_attempt" and not problems
    yaml_path = course_dir / "course.yaml"
    yaml_path.write_text(yaml_path.read_text() + "quiz_review: at_once\n")
    course, problems = read_course(course_dir)
    assert course is None
    assert [p.field for p in problems] == ["quiz_review"]
    yaml_path.write_text(yaml_path.read_text().replace("at_once", "never"))
    assert read_course(course_dir)[0]["quiz_review"] == "never"


def _copy_with(tmp_path, settings: str):
    import shutil

    from tests.course_helpers import SAMPLE

    folder = tmp_path / COURSE
    shutil.copytree(SAMPLE, folder)
    quiz = folder / M1 / "quiz.yaml"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace("shuffle: true\n", settings, 1), encoding="utf-8")
    return folder


def _asked_order(client, version, attempt_id: int) -> list[tuple[str, list[str]]]:
    """(question id, [option ids]) in the order the attempt's page shows them."""
    page = client.get(f"/courses/{COURSE}/modules/{M1}/quiz").get_data(as_text=True)
    by_key = {key: (qid, oid) for qid, keys in option_keys(db.session.get(QuizAttempt, attempt_id),
                                                             _secret()).items() for oid, key in keys.items()}
    order: list[tuple[str, list[str]]] = []
    for value in _option_values(page):
        qid, oid = by_key[value]
        if not order or order[-1][0] != qid:
            order.append((qid, []))
        order[-1][1].append(oid)
    return order


def _secret() -> str:
    from flask import current_app

    return current_app.config["SECRET_KEY"]


def _file_order(quiz: dict, drawn=None) -> list[tuple[str, list[str]]]:
    return [(q["id"], [o["id"] for o in q["options"]]) for q in quiz["questions"]
            if drawn is None or q["id"] in drawn]


import pytest  # noqa: E402


@pytest.mark.parametrize("settings", ["shuffle: false\n", "", "shuffle: false\ndraw: 3\n"])
def test_a_quiz_without_shuffle_keeps_the_files_order_of_questions_and_options(client, ctx, tmp_path, settings):
    from lms.catalog.loader import load_course_dir

    assert load_course_dir(_copy_with(tmp_path, settings)).outcome == "created"
    db.session.commit()
    version = db.session.scalar(sa.select(CourseVersion).where(CourseVersion.course_id == COURSE))
    quiz = version.module(M1)["quiz"]
    assert quiz["shuffle"] is False  # `shuffle` left out means false, as docs/courses.md says
    _officer(client)
    for _ in range(quiz["attempts"]):  # every attempt, and its review, in the file's order
        client.post(f"/courses/{COURSE}/modules/{M1}/quiz/start")
        attempt_id = open_attempt_id(client, M1)
        asked = _asked_order(client, version, attempt_id)
        assert asked == _file_order(quiz, {qid for qid, _ in asked})
        assert len(asked) == quiz.get("draw", len(quiz["questions"]))
        client.post(f"/attempts/{attempt_id}", data=form_of(wrong_answers(version, M1), attempt_id))
        review = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
        texts = [str(escape(t)) for qid, options in asked
                 for q in quiz["questions"] if q["id"] == qid
                 for t in [q["text"]["en"], *(o["text"]["en"] for o in q["options"])]]
        at = 0
        for t in texts:  # each text after the one before (ValueError: out of the file's order)
            at = review.index(t, at) + len(t)


def test_a_shuffled_quiz_changes_the_order_between_attempts(client, ctx):
    """The same reading of the page sees a shuffle when the quiz asks for one (so the test
    above would see one too)."""
    version = load_sample()
    quiz = version.module(M1)["quiz"]
    assert quiz["shuffle"] is True
    _officer(client)
    orders = []
    for _ in range(quiz["attempts"]):
        client.post(f"/courses/{COURSE}/modules/{M1}/quiz/start")
        attempt_id = open_attempt_id(client, M1)
        orders.append(_asked_order(client, version, attempt_id))
        client.post(f"/attempts/{attempt_id}", data=form_of(wrong_answers(version, M1), attempt_id))
    # Five questions (three with 3-4 options) in the file's order three times: about 1 in 10**9.
    assert any(order != _file_order(quiz) for order in orders)


def test_the_quiz_page_lists_each_submitted_attempt_and_resumes_the_open_one(client, ctx):
    version = load_sample()
    _officer(client)
    quiz = f"/courses/{COURSE}/modules/{M1}/quiz"
    page = client.get(quiz).get_data(as_text=True)
    assert "Start the quiz" in page and "Your attempts" not in page and "3 attempts left" in page
    failed, _ = take_quiz(client, version, M1, correct=False)
    client.post(f"{quiz}/start")
    open_id = open_attempt_id(client, M1)
    page = client.get(quiz).get_data(as_text=True)
    assert f'action="/attempts/{open_id}"' in page and "Your attempts" not in page  # the open attempt, to go on
    client.post(f"/attempts/{open_id}", data=form_of(correct_answers(version, M1), open_id))
    score = db.session.get(QuizAttempt, failed).score
    page = client.get(quiz).get_data(as_text=True)
    assert "You have passed this quiz." in page and "1 attempt left" in page
    assert f'href="/attempts/{failed}">Attempt 1<' in page and f'href="/attempts/{open_id}">Attempt 2<' in page
    assert f"{score}%" in page and "100%" in page
    assert page.count('class="badge bad">Not passed<') == 1 and page.count('class="badge ok">Passed<') == 1


def test_the_quiz_page_shows_only_this_officers_attempts_at_this_quiz(client, ctx, app, tmp_path):
    """The page reads the attempts with the course in one query (course_access.part_page):
    another officer's attempts at the quiz, and this officer's at another quiz (the
    pre-test) or at the same module of another course, are neither listed nor resumed."""
    version = load_sample()
    pre_test = version.content["pre_test"]["id"]
    copy = course_copy(tmp_path, "sample-copy", "A copy of the sample")
    other = app.test_client()
    _officer(other, "quiz-other")
    take_quiz(other, version, M1, correct=False)
    other.post(f"/courses/{COURSE}/modules/{M1}/quiz/start")
    elsewhere = [open_attempt_id(other, M1)]
    make_user(number="quiz-mine")
    db.session.commit()
    login(client, "quiz-mine")
    enrol(client, skip_pre_test=False)
    client.post(f"/courses/{COURSE}/modules/{pre_test}/quiz/start")  # left open
    elsewhere.append(open_attempt_id(client, pre_test))
    enrol(client, copy)
    client.post(f"/courses/{copy}/modules/{M1}/quiz/start")  # left open
    page = client.get(f"/courses/{copy}/modules/{M1}/quiz").get_data(as_text=True)
    elsewhere.append(int(re.search(r'action="/attempts/(\d+)"', page).group(1)))
    page = client.get(f"/courses/{COURSE}/modules/{M1}/quiz").get_data(as_text=True)
    assert "Start the quiz" in page and "Your attempts" not in page and "3 attempts left" in page
    assert len(set(elsewhere)) == 3 and "/attempts/" not in page
