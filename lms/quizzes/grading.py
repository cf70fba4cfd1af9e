"""Grading as a pure function: a question counts only when the chosen set is exactly right."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Graded:
    correct: dict[str, bool]  # question id -> answered correctly
    score: int  # percent, rounded down so a pass is never granted by rounding
    passed: bool


def correct_options(question: dict) -> set[str]:
    return {o["id"] for o in question["options"] if o["correct"]}


def is_correct(question: dict, selected: set[str]) -> bool:
    """Single and true/false: the one correct option; multiple: exactly the correct set."""
    return selected == correct_options(question)


def grade(quiz: dict, answers: dict[str, list[str]], pass_mark: int | None = None) -> Graded:
    questions = quiz["questions"]
    results = {}
    for q in questions:
        valid = {o["id"] for o in q["options"]}
        chosen = set(answers.get(q["id"], [])) & valid
        if q["type"] in ("single", "true_false") and len(chosen) > 1:
            chosen = set()  # a tampered form with two answers to a one-answer question scores nothing
        results[q["id"]] = is_correct(q, chosen)
    total = len(questions)
    score = (100 * sum(results.values())) // total if total else 0
    mark = quiz["pass_mark"] if pass_mark is None else pass_mark
    return Graded(correct=results, score=score, passed=score >= mark)
