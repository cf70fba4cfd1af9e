"""Grading as a pure function.

A question's answer is the set of choice ids the officer picked. For `single`, `multiple`
and `true_false` the choices are the options, and a question counts only when the chosen
set is exactly right. `best_response` gives each option its own credit (a percent of the
question). `classify` puts each of several statements into one of the author's categories:
its choices are the pairs "statement:category", and each statement counts for its share.
`rate` does the same with factors on a scale; its proposed placement, when the question
has one, is a choice "placement=<option>" and, when graded, counts as one more share.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from lms.catalog.content import ItemData, QuestionData, QuizData

# Question types whose choices are the options, one of which is picked.
ONE_ANSWER = ("single", "true_false", "best_response")
# Question types whose statements (classify) or factors (rate) are each put on one of the
# author's categories or scale points; their choices are the pairs "statement:category".
SORTED = ("classify", "rate")
PAIR = ":"  # joins a statement id and a category id; neither can hold it (ids are [a-z0-9-])
PLACEMENT = "placement="  # a rate question's proposed placement: "placement=<option id>"


@dataclass(frozen=True)
class Graded:
    correct: dict[str, bool]  # question id -> answered fully right
    score: int  # percent, rounded down so a pass is never granted by rounding
    passed: bool
    credit: dict[str, Fraction] | None = None  # question id -> share of the question earned, 0..1


def pair(item_id: str, category_id: str) -> str:
    return f"{item_id}{PAIR}{category_id}"


def split_pair(choice: str) -> tuple[str, str]:
    item_id, _sep, category_id = choice.partition(PAIR)
    return item_id, category_id


def placement_choice(option_id: str) -> str:
    return f"{PLACEMENT}{option_id}"


def placement_choices(question: QuestionData) -> list[str]:
    """A rate question's proposed placement: one choice per option, in the author's order."""
    placement = question.get("placement")
    return [placement_choice(o["id"]) for o in placement["options"]] if placement else []


def placement_of(question: QuestionData, selected: set[str]) -> str | None:
    """The placement option chosen; None when none, or more than one, was chosen."""
    chosen = [c[len(PLACEMENT):] for c in placement_choices(question) if c in selected]
    return chosen[0] if len(chosen) == 1 else None


def is_graded_placement(question: QuestionData) -> bool:
    return bool(question.get("placement") and question["placement"].get("graded", True))


def choice_ids(question: QuestionData) -> list[str]:
    """Every choice an officer can pick in a question, in the author's order."""
    if question["type"] in SORTED:
        return [pair(i["id"], c["id"]) for i in question["items"] for c in question["categories"]
                ] + placement_choices(question)
    return [o["id"] for o in question["options"]]


def correct_options(question: QuestionData) -> set[str]:
    """The choices of a fully right answer."""
    if question["type"] in SORTED:
        right = {pair(i["id"], i["category"]) for i in question["items"]}
        if is_graded_placement(question):
            right.add(placement_choice(question["placement"]["expert"]))
        return right
    if question["type"] == "best_response":
        return {o["id"] for o in question["options"] if o["credit"] == 100}
    return {o["id"] for o in question["options"] if o["correct"]}


def is_correct(question: QuestionData, selected: set[str]) -> bool:
    """Single and true/false: the one correct option; multiple: exactly the correct set."""
    return credit(question, selected) == 1


def classified(question: QuestionData, selected: set[str]) -> dict[str, str | None]:
    """Statement id -> the category picked for it; None when none, or more than one, was picked."""
    picked: dict[str, list[str]] = {i["id"]: [] for i in question["items"]}
    for choice in selected:
        item_id, category_id = split_pair(choice)
        if item_id in picked:
            picked[item_id].append(category_id)
    return {item_id: cats[0] if len(cats) == 1 else None for item_id, cats in picked.items()}


def steps_from_expert(question: QuestionData, item: ItemData, category: str | None) -> int | None:
    """How many scale steps a rating is from the expert's (0: exact); None when unrated."""
    order = [c["id"] for c in question["categories"]]
    if category not in order or item["category"] not in order:
        return None
    return abs(order.index(category) - order.index(item["category"]))


def agrees(question: QuestionData, item: ItemData, category: str | None) -> bool:
    """Whether a statement put in this category counts as right: its own category, or for a
    rate question a scale point at most `tolerance` steps from the expert's rating."""
    if category is None:
        return False
    if category == item["category"]:
        return True
    tolerance = question.get("tolerance", 0) if question["type"] == "rate" else 0
    steps = steps_from_expert(question, item, category) if tolerance else None
    return steps is not None and steps <= tolerance


def item_results(question: QuestionData, selected: set[str]) -> dict[str, bool]:
    """Classify and rate: statement id -> right (agrees with the expert)."""
    chosen = classified(question, selected)
    return {i["id"]: agrees(question, i, chosen[i["id"]]) for i in question["items"]}


def credit(question: QuestionData, selected: set[str]) -> Fraction:
    """The share of the question earned by the chosen set (0..1)."""
    valid = set(choice_ids(question))
    chosen = set(selected) & valid
    qtype = question["type"]
    if qtype in SORTED:
        results = list(item_results(question, chosen).values())
        if is_graded_placement(question):  # the placement counts as one more share
            results.append(placement_of(question, chosen) == question["placement"]["expert"])
        return Fraction(sum(results), len(results)) if results else Fraction(0)
    if qtype in ONE_ANSWER and len(chosen) > 1:
        return Fraction(0)  # a tampered form with two answers to a one-answer question scores nothing
    if qtype == "best_response":
        by_id = {o["id"]: o["credit"] for o in question["options"]}
        return Fraction(by_id[next(iter(chosen))], 100) if chosen else Fraction(0)
    return Fraction(1) if chosen == correct_options(question) else Fraction(0)


def grade(quiz: QuizData, answers: dict[str, list[str]], pass_mark: int | None = None) -> Graded:
    questions = quiz["questions"]
    earned = {q["id"]: credit(q, set(answers.get(q["id"], []))) for q in questions}
    total = len(questions)
    # Exact fractions, then rounded down once: partial credit never rounds a fail into a pass.
    score = int(100 * sum(earned.values(), Fraction(0)) // total) if total else 0
    mark = quiz["pass_mark"] if pass_mark is None else pass_mark
    return Graded(correct={qid: c == 1 for qid, c in earned.items()}, score=score,
                  passed=score >= mark, credit=earned)


def answer_key(question: QuestionData) -> tuple:
    """What grading sees of a question (to tell whether an edit changes what a record means)."""
    credits = tuple((o["id"], o.get("credit")) for o in question.get("options", []))
    return (question["type"], tuple(choice_ids(question)), tuple(sorted(correct_options(question))), credits,
            question.get("tolerance"), is_graded_placement(question))


def is_answered(question: QuestionData, selected: set[str]) -> bool:
    """Whether the officer gave an answer: for classify, a category for every statement; for
    rate, a rating for every factor and the placement, when the question has one."""
    if question["type"] in SORTED:
        return (all(c is not None for c in classified(question, selected).values())
                and (not question.get("placement") or placement_of(question, selected) is not None))
    return bool(set(selected) & set(choice_ids(question)))
