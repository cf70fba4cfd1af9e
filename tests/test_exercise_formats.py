"""Exercise formats beyond right/wrong options (docs/courses.md): `classify` (statements put
in the author's categories) and `best_response` (options with their own credit). Grading is
proved on the pure function, the check on course files, the rest through the officer's and
the trainer's pages."""

from __future__ import annotations

import re
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from lms.catalog.loader import load_course_dir
from lms.catalog.models import CourseVersion
from lms.catalog.spec import read_course
from lms.extensions import db
from lms.org.models import Role
from lms.quizzes.attempts import option_key
from lms.quizzes.grading import credit, grade, pair
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from tests.factories import login, make_institution, make_user

FORMATS = Path(__file__).parent / "fixtures" / "courses" / "formats" / "sample-exercise-formats"
COURSE = "sample-exercise-formats"
MODULE = "01-practice"
CLASSIFY, BEST, SINGLE = "q-sort-talk", "q-best-reflection", "q-open-question"
RIGHT = {"s-children": "change", "s-fine": "sustain", "s-tick-box": "discord", "s-first-session": "change"}
CREDIT = {"complex": 100, "simple": 50, "warning": 0, "why": 0}


# Grading: a pure function ---------------------------------------------------------------------

CATEGORIES = ["c1", "c2", "c3"]


@st.composite
def classify_question(draw):
    n = draw(st.integers(min_value=2, max_value=6))
    items = [{"id": f"i{k}", "category": draw(st.sampled_from(CATEGORIES))} for k in range(n)]
    return {"id": "q", "type": "classify", "categories": [{"id": c} for c in CATEGORIES], "items": items,
            "options": []}


@given(classify_question(), st.data())
def test_classify_earns_the_share_of_statements_put_in_their_category(question, data):
    picks = {i["id"]: data.draw(st.one_of(st.none(), st.sampled_from(CATEGORIES))) for i in question["items"]}
    chosen = {pair(i, c) for i, c in picks.items() if c}
    right = sum(1 for i in question["items"] if picks[i["id"]] == i["category"])
    assert credit(question, chosen) == Fraction(right, len(question["items"]))
    graded = grade({"questions": [question], "pass_mark": 50}, {"q": sorted(chosen)})
    assert graded.score == 100 * right // len(question["items"])
    assert graded.correct["q"] is (right == len(question["items"]))


@given(classify_question(), st.data())
def test_a_statement_given_two_categories_counts_as_wrong(question, data):
    item = data.draw(st.sampled_from(question["items"]))
    chosen = {pair(i["id"], i["category"]) for i in question["items"]}
    other = next(c for c in CATEGORIES if c != item["category"])
    chosen.add(pair(item["id"], other))
    assert credit(question, chosen) == Fraction(len(question["items"]) - 1, len(question["items"]))


@st.composite
def best_response_question(draw):
    credits = draw(st.lists(st.integers(min_value=0, max_value=100), min_size=2, max_size=5))
    credits[draw(st.integers(min_value=0, max_value=len(credits) - 1))] = 100
    return {"id": "q", "type": "best_response",
            "options": [{"id": f"o{k}", "credit": c, "correct": c == 100} for k, c in enumerate(credits)]}


@given(best_response_question(), st.data())
def test_best_response_earns_the_chosen_options_credit_and_two_choices_earn_nothing(question, data):
    ids = [o["id"] for o in question["options"]]
    chosen = data.draw(st.sets(st.sampled_from(ids)))
    expected = Fraction(question["options"][ids.index(next(iter(chosen)))]["credit"], 100) if len(chosen) == 1 else 0
    assert credit(question, chosen) == expected
    assert grade({"questions": [question], "pass_mark": 100}, {"q": sorted(chosen)}).correct["q"] is (expected == 1)


@given(st.lists(st.sampled_from([0, 25, 50, 75, 100]), min_size=1, max_size=7), st.integers(0, 100))
def test_score_rounds_the_exact_sum_of_credits_down_once(credits, pass_mark):
    questions = [{"id": f"q{k}", "type": "best_response",
                  "options": [{"id": "a", "credit": c, "correct": c == 100}, {"id": "b", "credit": 100, "correct": True}]}
                 for k, c in enumerate(credits)]
    graded = grade({"questions": questions, "pass_mark": pass_mark}, {f"q{k}": ["a"] for k in range(len(credits))})
    assert graded.score == sum(credits) // len(credits)  # an integer floor, no float rounding up
    assert graded.passed is (sum(credits) // len(credits) >= pass_mark)


def test_three_thirds_of_credit_never_round_up_to_a_pass():
    third = {"id": "q", "type": "classify", "categories": [{"id": "a"}, {"id": "b"}], "options": [],
             "items": [{"id": "x", "category": "a"}, {"id": "y", "category": "a"}, {"id": "z", "category": "a"}]}
    graded = grade({"questions": [third], "pass_mark": 34}, {"q": [pair("x", "a")]})
    assert graded.score == 33 and not graded.passed


# The course check ----------------------------------------------------------------------------

def _course_with(tmp_path, change) -> list[tuple[str, str]]:
    course_dir = tmp_path / COURSE
    shutil.copytree(FORMATS, course_dir)
    quiz_path = course_dir / MODULE / "quiz.yaml"
    data = yaml.safe_load(quiz_path.read_text(encoding="utf-8"))
    change({q["id"]: q for q in data["questions"]})
    quiz_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    course, problems = read_course(course_dir)
    assert course is None
    return [(p.field, p.message) for p in problems]


def test_the_fixture_course_with_both_formats_is_valid():
    course, problems = read_course(FORMATS)
    assert problems == []
    questions = {q["id"]: q for q in course["modules"][0]["quiz"]["questions"]}
    assert questions[CLASSIFY]["type"] == "classify" and len(questions[CLASSIFY]["items"]) == 4
    assert [o["credit"] for o in questions[BEST]["options"]] == [100, 50, 0, 0]


BAD = {
    "unknown category": (lambda q: q[CLASSIFY]["items"][1].update(category="denial"),
                         f"questions[{CLASSIFY}].items[s-fine].category",
                         "must be the id of one of the question's categories (change, discord, sustain)"),
    "one category": (lambda q: q[CLASSIFY].update(categories=q[CLASSIFY]["categories"][:1]),
                     f"questions[{CLASSIFY}].categories", "a classify question needs at least two categories"),
    "duplicate statement": (lambda q: q[CLASSIFY]["items"][1].update(id="s-children"),
                            f"questions[{CLASSIFY}].items[s-children].id", "duplicate id 's-children' in items"),
    "options on classify": (lambda q: q[CLASSIFY].update(options=[{"id": "a"}]),
                            f"questions[{CLASSIFY}].options",
                            "a classify question has categories and items, not options"),
    "no full credit": (lambda q: q[BEST]["options"][0].update(credit=90),
                       f"questions[{BEST}]", "no option has the full credit 100"),
    "credit above 100": (lambda q: q[BEST]["options"][1].update(credit=150),
                         f"questions[{BEST}].options[1].credit", "must be a whole number 0..100"),
    "correct on best_response": (lambda q: q[BEST]["options"][1].update(correct=True),
                                 f"questions[{BEST}].options[1].correct",
                                 "a best_response option has a credit (0..100), not correct"),
    "no feedback on a reply": (lambda q: q[BEST]["options"][2].pop("feedback"),
                               f"questions[{BEST}].options[2].feedback", "is missing"),
    "credit on single": (lambda q: q[SINGLE]["options"][1].update(credit=50),
                         f"questions[{SINGLE}].options[1].credit", "only a best_response option has a credit"),
    "unknown type": (lambda q: q[SINGLE].update(type="matching"), f"questions[{SINGLE}].type",
                     "must be one of single, multiple, true_false, best_response, classify, rate"),
    "missing translation of a category": (lambda q: q[CLASSIFY]["categories"][2]["text"].pop("ar"),
                                          f"questions[{CLASSIFY}].categories[2].text.ar", "missing translation"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_course_check_names_the_field_of_each_problem(tmp_path, case):
    change, field, message = BAD[case]
    assert (field, message) in _course_with(tmp_path, change)


def test_lms_courses_check_prints_a_format_problem_with_its_file_and_field(tmp_path, runner):
    _course_with(tmp_path, BAD["unknown category"][0])
    result = runner.invoke(args=["courses", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert (f"{COURSE}/{MODULE}/quiz.yaml: questions[{CLASSIFY}].items[s-fine].category: must be the id"
            in result.output)


# The officer's pages -------------------------------------------------------------------------

def load_formats() -> CourseVersion:
    result = load_course_dir(FORMATS)
    assert result.outcome in ("created", "unchanged"), result
    db.session.commit()
    return db.session.scalar(sa.select(CourseVersion).where(CourseVersion.course_id == COURSE))


def start(client, number: str, locale: str | None = None, institution=None):
    user = make_user(number=number, locale=locale, institution=institution)
    db.session.commit()
    login(client, user)
    client.post(f"/courses/{COURSE}/enrol")
    client.post(f"/courses/{COURSE}/modules/{MODULE}/quiz/start")
    page = client.get(f"/courses/{COURSE}/modules/{MODULE}/quiz").get_data(as_text=True)
    attempt_id = int(re.search(r'action="/attempts/(\d+)"', page).group(1))
    return user, attempt_id, page


def form_from_page(page: str, attempt_id: int, answers: dict[str, list[str]], action: str = "submit") -> dict:
    """What a browser sends: each choice's key under the name the page gives its input."""
    from flask import current_app

    names = dict((v, n) for n, v in re.findall(r'<input type="radio" name="([^"]+)" value="([^"]+)"', page))
    names |= dict((v, n) for n, v in re.findall(r'<input type="checkbox" name="([^"]+)" value="([^"]+)"', page))
    data: dict[str, list[str]] = {"action": [action]}
    for qid, choices in answers.items():
        for choice in choices:
            key = option_key(current_app.config["SECRET_KEY"], attempt_id, qid, choice)
            data.setdefault(names[key], []).append(key)  # KeyError: the page lacks the choice
    return data


def plain(html: str) -> str:
    """The text of a page, without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def classify_answers(picks: dict[str, str]) -> list[str]:
    return [pair(item, category) for item, category in picks.items()]


def test_partial_answers_are_graded_per_statement_and_by_credit(client, ctx):
    load_formats()
    user, attempt_id, page = start(client, "fmt-partial")
    picks = dict(RIGHT, **{"s-fine": "change"})  # three of four statements right
    answers = {CLASSIFY: classify_answers(picks), BEST: ["simple"], SINGLE: ["what"]}
    client.post(f"/attempts/{attempt_id}", data=form_from_page(page, attempt_id, answers))
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    # (3/4 + 50/100 + 1) / 3 = 75%.
    assert attempt.score == 75 and attempt.passed
    stored = {a.question_id: a for a in attempt.answers}
    assert sorted(stored[CLASSIFY].selected) == sorted(classify_answers(picks))
    assert not stored[CLASSIFY].is_correct and not stored[BEST].is_correct and stored[SINGLE].is_correct
    review = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Partly correct: 75%" in review and "Partly correct: 50%" in review
    assert review.count("Not right") == 1 and review.count(">Right<") == 3
    # Passed, so the review shows every reply's credit and feedback, and the right category.
    assert "best response: full credit" in review and "partial credit: 50%" in review
    version = db.session.get(CourseVersion, db.session.scalar(
        sa.select(CourseVersion.id).where(CourseVersion.course_id == COURSE)))
    q = {x["id"]: x for x in version.module(MODULE)["quiz"]["questions"]}
    for option in q[BEST]["options"]:
        assert str(escape(option["feedback"]["en"])) in review
    assert "Right category: Sustain talk" in plain(review)
    assert user


def test_a_failed_attempt_shows_which_statements_were_wrong_but_not_their_categories(client, ctx):
    version = load_formats()
    _user, attempt_id, page = start(client, "fmt-failed")
    picks = {"s-children": "change", "s-fine": "discord", "s-tick-box": "sustain", "s-first-session": "sustain"}
    answers = {CLASSIFY: classify_answers(picks), BEST: ["why"], SINGLE: ["did"]}
    client.post(f"/attempts/{attempt_id}", data=form_from_page(page, attempt_id, answers))
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).score == 8  # (1/4) / 3, rounded down
    review = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    q = {x["id"]: x for x in version.module(MODULE)["quiz"]["questions"]}
    items = {i["id"]: i for i in q[CLASSIFY]["items"]}
    assert "Right category" not in review
    # The statement put right shows its feedback; the wrong ones do not give theirs away.
    assert str(escape(items["s-children"]["feedback"]["en"])) in review
    for wrong in ("s-fine", "s-tick-box", "s-first-session"):
        assert str(escape(items[wrong]["feedback"]["en"])) not in review
    # The officer's own reply: its feedback and no credit; the best reply is not revealed.
    assert str(escape(q[BEST]["options"][3]["feedback"]["en"])) in review and "no credit" in review
    assert str(escape(q[BEST]["options"][0]["feedback"]["en"])) not in review
    assert "full credit" not in review and "Try again" in review


def test_a_statement_left_without_a_category_leaves_the_question_unanswered(client, ctx):
    load_formats()
    _user, attempt_id, page = start(client, "fmt-unanswered")
    some = dict(list(RIGHT.items())[:3])
    answers = {CLASSIFY: classify_answers(some), BEST: ["complex"], SINGLE: ["what"]}
    response = client.post(f"/attempts/{attempt_id}", data=form_from_page(page, attempt_id, answers))
    assert "confirm=1" in response.headers["Location"]
    again = client.get(response.headers["Location"]).get_data(as_text=True)
    assert again.count('class="question unanswered"') == 1 and "1 question has no answer" in again
    # The three statements answered are kept, checked, on the page.
    assert len(re.findall(rf'name="q-{CLASSIFY}\.\d" value="[a-z2-7]+" checked', again)) == 3
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).submitted_at is None


def test_a_saved_classify_answer_comes_back_after_reload(client, ctx):
    load_formats()
    _user, attempt_id, page = start(client, "fmt-save")
    answers = {CLASSIFY: classify_answers({"s-fine": "sustain", "s-tick-box": "change"}), BEST: ["why"]}
    client.post(f"/attempts/{attempt_id}", data=form_from_page(page, attempt_id, answers, action="save"))
    db.session.expire_all()
    draft = db.session.get(QuizAttempt, attempt_id).draft
    assert sorted(draft[CLASSIFY]) == sorted(answers[CLASSIFY]) and draft[BEST] == ["why"]
    again = client.get(f"/courses/{COURSE}/modules/{MODULE}/quiz").get_data(as_text=True)
    assert len(re.findall(r'value="[a-z2-7]+" checked', again)) == 3


def test_the_pages_are_in_arabic_right_to_left(client, ctx):
    version = load_formats()
    _user, attempt_id, page = start(client, "fmt-ar", locale="ar")
    assert '<html lang="ar" dir="rtl"' in page
    q = {x["id"]: x for x in version.module(MODULE)["quiz"]["questions"]}
    assert str(escape(q[CLASSIFY]["categories"][2]["text"]["ar"])) in page
    answers = {CLASSIFY: classify_answers(RIGHT), BEST: ["complex"], SINGLE: ["what"]}
    client.post(f"/attempts/{attempt_id}", data=form_from_page(page, attempt_id, answers))
    review = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl"' in review
    assert str(escape(q[CLASSIFY]["items"][0]["feedback"]["ar"])) in review


# Question analysis for trainers -----------------------------------------------------------

def test_question_analysis_shows_credit_and_each_statements_results(client, ctx):
    load_formats()
    institution = make_institution()
    # Four officers, with answers whose statistics are worked out by hand below.
    runs = [
        ({**RIGHT}, "complex"),
        ({**RIGHT, "s-fine": "change"}, "simple"),
        ({**RIGHT, "s-fine": "change", "s-tick-box": "sustain"}, "simple"),
        ({"s-children": "change", "s-fine": "change", "s-tick-box": "discord"}, "why"),  # one left out
    ]
    for n, (picks, reply) in enumerate(runs):
        _user, attempt_id, page = start(client, f"fmt-report-{n}", institution=institution)
        data = form_from_page(page, attempt_id, {CLASSIFY: classify_answers(picks), BEST: [reply], SINGLE: ["what"]})
        client.post(f"/attempts/{attempt_id}", data=data | {"confirm_unanswered": ["yes"]})
        client.post("/logout")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttemptAnswer)) == 12
    trainer = make_user(role=Role.TRAINER, institution=institution, scope_institution=institution, number="fmt-trainer")
    db.session.commit()
    login(client, trainer)
    from tests.test_reports import page_of

    page = page_of(client, f"/reports/questions?course={COURSE}&quiz=01-practice-quiz")
    rows = {r[0][:20]: r for r in page.tables["questions"][1:]}
    assert len(rows) == 3
    classify_row = next(r for k, r in rows.items() if k.startswith("Sort what"))
    best_row = next(r for k, r in rows.items() if k.startswith("The prisoner says"))
    # Classify: one of four fully right; credit 4/4 + 3/4 + 2/4 + 2/4 = 2.75 of 4.
    assert classify_row[1:3] == ["4", "25.0% average credit 68.8%"]
    # Best response: one full, two halves, one none: 2 of 4 credit; the wrong reply chosen most
    # is the half-credit one, twice.
    assert best_row[1:3] == ["4", "25.0% average credit 50.0%"]
    assert best_row[3] == "You're sick of it. (2 times)"
    # Per statement: s-fine right once of four, put in change talk three times; s-tick-box
    # right three times, in sustain talk once; s-first-session left out once.
    assert page.ids[f"q-{CLASSIFY}-s-fine"].endswith(
        "put in its category by 25.0%; most often put in Change talk (3 times)")
    assert page.ids[f"q-{CLASSIFY}-s-tick-box"].endswith(
        "put in its category by 75.0%; most often put in Sustain talk (1 time)")
    assert page.ids[f"q-{CLASSIFY}-s-first-session"].endswith("put in its category by 75.0%")
    assert page.ids[f"q-{CLASSIFY}-s-children"].endswith("put in its category by 100.0%")


def test_statement_and_category_ids_sent_instead_of_keys_score_nothing(client, ctx):
    load_formats()
    _user, attempt_id, _page = start(client, "fmt-forged")
    data = {f"q-{CLASSIFY}.{n}": [choice] for n, choice in enumerate(classify_answers(RIGHT), 1)}
    data |= {f"q-{BEST}": ["complex"], f"q-{SINGLE}": ["what"], "action": "submit", "confirm_unanswered": "yes"}
    client.post(f"/attempts/{attempt_id}", data=data)
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).score == 0


# The web editor: the same rules, a form for best_response, the text editor for classify --------

FORMATS_QUIZ = b"""id: practice
questions:
  - id: q-sort
    type: classify
    text: {en: "Sort"}
    categories:
      - {id: change, text: {en: Change talk}}
      - {id: sustain, text: {en: Sustain talk}}
    items:
      - {id: s1, text: {en: "I want to see my children"}, category: change, feedback: {en: "A reason."}}
      - {id: s2, text: {en: "I am fine as I am"}, category: sustain}
  - id: q-best
    type: best_response
    text: {en: "Best reply?"}
    options:
      - {id: a, text: {en: Reflect}, credit: 100, feedback: {en: "Reflects."}}
      - {id: b, text: {en: Warn}, credit: 0, feedback: {en: "Warns."}}
"""


def _formats_draft(course_id: str):
    from lms.authoring import drafts
    from tests.authoring_helpers import make_author

    author = make_author()
    draft = drafts.create_course(author, course_id, "Course", "en")
    course = yaml.safe_load(drafts.files_of(drafts.revision(draft))["course.yaml"])
    course["modules"] = ["01-q"]
    course["summary"] = {"en": "Practice"}
    drafts.save(draft, author, 1, {
        "course.yaml": yaml.safe_dump(course).encode(), "01-q/quiz.yaml": FORMATS_QUIZ,
        "01-q/module.yaml": b"id: 01-q\nkind: assessment\ntitle: {en: Practice}\n"})
    db.session.commit()
    # The check reads the quiz: a draft without problems.
    _course, problems = drafts.check(course_id, drafts.files_of(drafts.revision(draft)))
    assert problems == []
    return author, draft


def _quiz_file(course_id: str) -> dict:
    from lms.authoring import drafts

    db.session.expire_all()
    files = drafts.files_of(drafts.revision(drafts.draft_of(course_id)))
    return yaml.safe_load(files["01-q/quiz.yaml"])


def test_the_question_form_never_saves_a_classify_question_and_points_to_the_text_editor(client, ctx):
    author, _draft = _formats_draft("f70")
    login(client, author)
    url = "/authoring/courses/f70/question?module=01-q&index=0"
    page = client.get(url).get_data(as_text=True)
    assert "is edited in the text editor of the quiz file" in page and 'name="opt0_id"' not in page
    response = client.post(url, data={"base": "2", "rows": "1", "qid": "q-sort", "type": "single", "text_en": "x"})
    assert response.status_code == 422
    assert _quiz_file("f70")["questions"][0]["items"][0]["category"] == "change"  # nothing lost


def test_a_best_response_question_is_written_through_the_form_with_a_credit_per_option(client, ctx):
    from lms.authoring import drafts

    author, _draft = _formats_draft("f71")
    login(client, author)
    url = "/authoring/courses/f71/question?module=01-q&index=1"
    assert 'name="opt0_credit"' in client.get(url).get_data(as_text=True)
    client.post(url, data={
        "base": "2", "rows": "3", "qid": "q-best", "type": "best_response", "text_en": "Best reply?",
        "opt0_id": "a", "opt0_text_en": "Reflect", "opt0_credit": "100", "opt0_feedback_en": "Reflects.",
        "opt1_id": "b", "opt1_text_en": "Warn", "opt1_credit": "0", "opt1_feedback_en": "Warns.",
        "opt2_id": "c", "opt2_text_en": "Repeat", "opt2_credit": "40", "opt2_feedback_en": "Repeats.",
    })
    options = _quiz_file("f71")["questions"][1]["options"]
    assert [(o["id"], o["credit"]) for o in options] == [("a", 100), ("b", 0), ("c", 40)]
    assert not any("correct" in o for o in options)
    _course, problems = drafts.check("f71", drafts.files_of(drafts.revision(drafts.draft_of("f71"))))
    assert not [p for p in problems if "quiz.yaml" in p.file]
    # A credit that is not a number is kept as typed, and the check names its field.
    client.post(url, data={
        "base": "3", "rows": "2", "qid": "q-best", "type": "best_response", "text_en": "Best reply?",
        "opt0_id": "a", "opt0_text_en": "Reflect", "opt0_credit": "all", "opt0_feedback_en": "Reflects.",
        "opt1_id": "b", "opt1_text_en": "Warn", "opt1_credit": "0", "opt1_feedback_en": "Warns.",
    })
    db.session.expire_all()
    page = client.get(url).get_data(as_text=True)
    credit = re.search(r'id="opt0_credit".*?</div>', page, re.S).group(0)  # the problem beside its field
    assert 'value="all"' in credit and 'aria-invalid="true"' in credit and 'class="errors"' in credit


def test_the_editor_shows_a_classify_problem_in_the_authors_language(client, ctx):
    from lms.authoring import drafts

    author, draft = _formats_draft("f72")
    author.locale = "ru"
    drafts.save(draft, author, 2, {"01-q/quiz.yaml": FORMATS_QUIZ.replace(b"category: sustain", b"category: denial")})
    db.session.commit()
    login(client, author)
    page = client.get("/authoring/courses/f72/quiz-editor?module=01-q").get_data(as_text=True)
    assert "должно быть идентификатором одного из элементов categories вопроса" in page


def test_the_quiz_preview_grades_classify_and_best_response_like_the_engine(client, ctx):
    author, _draft = _formats_draft("f73")
    login(client, author)
    url = "/authoring/courses/f73/quiz?module=01-q"
    page = client.get(url).get_data(as_text=True)
    assert 'name="q-q-sort.1"' in page and 'name="q-q-sort.2"' in page
    response = client.post(url, data={"q-q-sort.1": "s1:change", "q-q-sort.2": "s2:change", "q-q-best": "a"})
    page = response.get_data(as_text=True)
    # (1/2 + 1) / 2 = 75%.
    assert "Score: 75 of the pass score" in page and "Partly correct: 50%" in page
    assert "Reflects." in page and "Warns." in page and "A reason." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 0


# Rate: a case file's factors rated on the author's scale, against the expert's ratings ----------

CASE_MODULE, CASE = "02-case-file", "q-case-k"


@given(st.integers(2, 5), st.integers(0, 4), st.data())
def test_a_rating_agrees_within_the_tolerance_of_the_experts(points, tolerance, data):
    scale = [f"p{k}" for k in range(points)]
    tolerance = min(tolerance, points - 1)
    experts = data.draw(st.lists(st.sampled_from(scale), min_size=2, max_size=5))
    question = {"id": "q", "type": "rate", "categories": [{"id": p} for p in scale], "tolerance": tolerance,
                "options": [], "items": [{"id": f"f{k}", "category": e} for k, e in enumerate(experts)]}
    ratings = data.draw(st.lists(st.sampled_from(scale), min_size=len(experts), max_size=len(experts)))
    agree = sum(1 for e, r in zip(experts, ratings, strict=True) if abs(scale.index(e) - scale.index(r)) <= tolerance)
    chosen = {pair(f"f{k}", r) for k, r in enumerate(ratings)}
    assert credit(question, chosen) == Fraction(agree, len(experts))


RATE_BAD = {
    "tolerance beyond the scale": (lambda q: q.update(tolerance=3), f"questions[{CASE}].tolerance",
                                   "must be a whole number 0..2"),
    "unknown expert rating": (lambda q: q["factors"][0].update(expert="severe"),
                              f"questions[{CASE}].factors[f-violence].expert",
                              "must be the id of one of the question's scale (high, low, moderate)"),
    "no reasoning": (lambda q: q["factors"][1].pop("reasoning"),
                     f"questions[{CASE}].factors[f-family].reasoning", "is missing"),
    "categories on rate": (lambda q: q.update(categories=[]), f"questions[{CASE}].categories",
                           "a rate question has scale and factors, not categories"),
    "document without a title": (lambda q: q["documents"][0].pop("title"),
                                 f"questions[{CASE}].documents[0].title", "is missing"),
}


@pytest.mark.parametrize("case", sorted(RATE_BAD))
def test_course_check_names_the_field_of_each_rate_problem(tmp_path, case):
    change, field, message = RATE_BAD[case]
    course_dir = tmp_path / COURSE
    shutil.copytree(FORMATS, course_dir)
    quiz_path = course_dir / CASE_MODULE / "quiz.yaml"
    data = yaml.safe_load(quiz_path.read_text(encoding="utf-8"))
    change(data["questions"][0])
    quiz_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    course, problems = read_course(course_dir)
    assert course is None and (field, message) in [(p.field, p.message) for p in problems]


def _start_case(client, number: str, institution=None):
    user = make_user(number=number, institution=institution)
    db.session.commit()
    login(client, user)
    client.post(f"/courses/{COURSE}/enrol")
    client.post(f"/courses/{COURSE}/modules/{CASE_MODULE}/quiz/start")
    page = client.get(f"/courses/{COURSE}/modules/{CASE_MODULE}/quiz").get_data(as_text=True)
    return int(re.search(r'action="/attempts/(\d+)"', page).group(1)), page


def test_the_case_file_is_shown_and_ratings_are_graded_against_the_expert(client, ctx):
    version = load_formats()
    attempt_id, page = _start_case(client, "case-1")
    q = version.module(CASE_MODULE)["quiz"]["questions"][0]
    text = plain(page)
    for document in q["documents"]:
        assert document["title"]["en"] in text
    assert "He calmed down when the officer spoke to him by name." in text  # its second paragraph
    assert page.count('class="case-document"') == 2
    assert "moderate" not in page and "f-violence" not in page  # nothing of the expert's ratings
    assert not any(str(escape(f["reasoning"]["en"])) in page for f in q["items"] if "reasoning" in f)
    assert not any(str(escape(f["feedback"]["en"])) in page for f in q["items"])
    # Violence one step above the expert's (agrees), family ties two steps below (differs).
    ratings = {"f-violence": "high", "f-family": "low", "f-motivation": "high"}
    client.post(f"/attempts/{attempt_id}", data=form_from_page(page, attempt_id, {CASE: classify_answers(ratings)}))
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).score == 66
    review = plain(client.get(f"/attempts/{attempt_id}").get_data(as_text=True))
    assert review.count("Agrees with the expert") == 2 and review.count("Differs from the expert") == 1
    assert "Expert rating: Moderate" in review and "Expert rating: High" in review
    for factor in q["items"]:
        assert factor["feedback"]["en"] in review
    assert "Partly correct: 66.7%" in review or "Partly correct: 67%" in review


def test_question_analysis_shows_how_often_each_factor_agrees_with_the_expert(client, ctx):
    load_formats()
    institution = make_institution()
    for n, violence in enumerate(["moderate", "high", "low", "high"]):
        attempt_id, page = _start_case(client, f"case-r{n}", institution=institution)
        ratings = {"f-violence": violence, "f-family": "low", "f-motivation": "high"}
        client.post(f"/attempts/{attempt_id}", data=form_from_page(page, attempt_id, {CASE: classify_answers(ratings)}))
        client.post("/logout")
    trainer = make_user(role=Role.TRAINER, institution=institution, scope_institution=institution, number="case-trainer")
    db.session.commit()
    login(client, trainer)
    from tests.test_reports import page_of

    page = page_of(client, f"/reports/questions?course={COURSE}&quiz=02-case-file-quiz")
    # Every rating of violence is within one step of "moderate"; family ties rated low by all,
    # two steps from the expert's "high".
    assert page.ids[f"q-{CASE}-f-violence"].endswith("agrees with the expert in 100.0%")
    assert page.ids[f"q-{CASE}-f-family"].endswith(
        "agrees with the expert in 0.0%; otherwise rated most often Low (4 times)")
    assert page.ids[f"q-{CASE}-f-motivation"].endswith("agrees with the expert in 100.0%")


def test_the_quiz_preview_shows_a_case_file_and_grades_ratings_within_the_tolerance(client, ctx):
    from lms.authoring import drafts

    author, draft = _formats_draft("f74")
    case = (FORMATS / CASE_MODULE / "quiz.yaml").read_bytes()
    drafts.save(draft, author, 2, {"01-q/quiz.yaml": case})
    db.session.commit()
    login(client, author)
    url = "/authoring/courses/f74/quiz?module=01-q"
    response = client.post(url, data={"q-q-case-k.1": "f-violence:high", "q-q-case-k.2": "f-family:low",
                                      "q-q-case-k.3": "f-motivation:high"})
    page = plain(response.get_data(as_text=True))
    assert "Incident report, week 3" in page and "Score: 66 of the pass score 50" in page
    assert "He asked on his own to enrol in the welding course." in page
    # The question form leaves a rate question to the text editor too.
    assert "is edited in the text editor" in client.get(
        "/authoring/courses/f74/question?module=01-q&index=0").get_data(as_text=True)
