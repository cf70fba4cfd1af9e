"""Grading rules, decided in one place (quizzes/grading.py), proven here."""

from hypothesis import given
from hypothesis import strategies as st

from lms.quizzes.grading import grade, is_correct

OPTION_IDS = ["a", "b", "c", "d", "e"]


@st.composite
def multiple_question(draw):
    n = draw(st.integers(min_value=2, max_value=5))
    ids = OPTION_IDS[:n]
    correct = draw(st.sets(st.sampled_from(ids), min_size=1))
    return {"id": "q", "type": "multiple", "options": [{"id": i, "correct": i in correct} for i in ids]}


@given(multiple_question(), st.data())
def test_multiple_choice_counts_only_the_exact_set(question, data):
    ids = [o["id"] for o in question["options"]]
    chosen = data.draw(st.sets(st.sampled_from(ids)))
    correct = {o["id"] for o in question["options"] if o["correct"]}
    assert is_correct(question, chosen) == (chosen == correct)


@given(st.lists(multiple_question(), min_size=1, max_size=12), st.data(), st.integers(0, 100))
def test_score_is_the_rounded_down_share_of_right_questions(questions, data, pass_mark):
    quiz = {"pass_mark": pass_mark, "questions": [dict(q, id=f"q{i}") for i, q in enumerate(questions)]}
    answers = {}
    for q in quiz["questions"]:
        ids = [o["id"] for o in q["options"]]
        answers[q["id"]] = sorted(data.draw(st.sets(st.sampled_from(ids))))
    result = grade(quiz, answers)
    right = sum(result.correct.values())
    assert 0 <= result.score <= 100
    assert result.score == (100 * right) // len(questions)
    assert result.passed == (result.score >= pass_mark)


@given(st.lists(multiple_question(), min_size=1, max_size=12))
def test_all_correct_answers_score_full_marks_and_none_scores_zero(questions):
    quiz = {"pass_mark": 100, "questions": [dict(q, id=f"q{i}") for i, q in enumerate(questions)]}
    perfect = {q["id"]: [o["id"] for o in q["options"] if o["correct"]] for q in quiz["questions"]}
    assert grade(quiz, perfect).score == 100 and grade(quiz, perfect).passed
    assert grade(quiz, {}).score == 0


def test_two_answers_to_a_single_choice_question_score_nothing():
    q = {"id": "q", "type": "single", "options": [{"id": "a", "correct": True}, {"id": "b", "correct": False}]}
    quiz = {"pass_mark": 50, "questions": [q]}
    assert grade(quiz, {"q": ["a", "b"]}).score == 0
    assert grade(quiz, {"q": ["a"]}).score == 100


def test_unknown_options_are_ignored():
    q = {"id": "q", "type": "multiple", "options": [{"id": "a", "correct": True}, {"id": "b", "correct": False}]}
    assert grade({"pass_mark": 50, "questions": [q]}, {"q": ["a", "zzz"]}).score == 100
