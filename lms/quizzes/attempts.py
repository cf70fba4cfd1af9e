"""Starting, saving and submitting quiz attempts."""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from lms.catalog.cache import Bounded
from lms.catalog.content import ModuleData, QuestionData, QuizData, TextRuleData, quiz_of
from lms.catalog.models import CourseVersion
from lms.catalog.queries import VERSION_COLUMNS, part_of, version_of_row, with_content
from lms.catalog.spec import QUIZ_REVIEW
from lms.extensions import db, rows_matched
from lms.learning import completion, progress
from lms.learning.course_access import PartRows
from lms.opaque import opaque_key
from lms.quizzes.grading import (
    PLACEMENT,
    SORTED,
    choice_ids,
    classified,
    grade,
    pair,
    placement_choices,
    placement_of,
)
from lms.quizzes.models import AttemptAnswer, AttemptText, QuizAttempt
from lms.quizzes.spec import TEXT_MAX_DEFAULT
from lms.timeutil import utcnow


class QuizError(Exception):
    """A domain error the view turns into a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _officers_attempts(*columns) -> sa.Select:
    """An officer's attempts at a module's quiz, in their order."""
    t = QuizAttempt.__table__
    return sa.select(*columns).where(
        t.c.user_id == sa.bindparam("user_id"), t.c.course_id == sa.bindparam("course_id"),
        t.c.module_id == sa.bindparam("module_id"),
    ).order_by(t.c.number)


@functools.cache
def _attempts_statement() -> sa.Select:
    """Built once, with its SQLAlchemy cache key (building a statement costs more than running it)."""
    return _officers_attempts(QuizAttempt)


def attempts_of(user_id: int, course_id: str, module_id: str) -> list[QuizAttempt]:
    return list(db.session.scalars(_attempts_statement(),
                                   {"user_id": user_id, "course_id": course_id, "module_id": module_id}))


class ShownAttempt(NamedTuple):
    """An attempt as the quiz page shows it (is_submitted as QuizAttempt has it)."""

    id: int
    number: int
    course_version: int
    is_pre_test: bool
    layout: list
    draft: dict
    submitted_at: datetime | None
    score: int | None
    passed: bool | None
    is_submitted: bool


def _shown_attempts() -> PartRows:
    t = QuizAttempt.__table__
    return PartRows(t, (t.c.id, t.c.number, t.c.course_version, t.c.is_pre_test, t.c.layout, t.c.draft,
                        t.c.submitted_at, t.c.score, t.c.passed, t.c.submitted_at.is_not(None)),
                    ShownAttempt, (t.c.number,))


# attempts_of's attempts as the quiz page shows them, read on every request with the course
# page's row (course_access.part_page): one statement instead of two, and rows of the columns
# shown rather than QuizAttempt objects (which cost the page 2.5 % more: instructions per
# request, 6.85 M against 6.68 M).
SHOWN_ATTEMPTS = _shown_attempts()


@functools.cache
def _answered_statement() -> sa.Select:
    """Built once, with its SQLAlchemy cache key: every quiz submit reads it."""
    t, v = QuizAttempt.__table__.c, CourseVersion.__table__.c
    return (
        sa.select(t.id, t.user_id, t.course_id, t.course_version, t.module_id, t.number, t.is_pre_test, t.layout,
                  t.submitted_at.is_not(None).label("is_submitted"),
                  v.id.label("version_row_id"), v.content_hash, v.loaded_at)
        .join_from(QuizAttempt.__table__, CourseVersion.__table__,
                   sa.and_(v.course_id == t.course_id, v.version == t.course_version))
        .where(t.id == sa.bindparam("attempt_id"))
    )


def answered_attempt(attempt_id: int) -> tuple[sa.Row, CourseVersion] | None:
    """The attempt a form answers, as a row of the columns a save or a submit reads (with
    is_submitted, as QuizAttempt has it), and the version it was started on (version_of_row's
    object, in no session), in one statement; None when there is no such attempt. Where the
    attempt was an ORM object and its version a second statement, a failing submit cost 9 % more
    (instructions per POST, 9.87 M against 9.04 M)."""
    row = db.session.execute(_answered_statement(), {"attempt_id": attempt_id}).first()
    if row is None:
        return None
    columns = {"id": row.version_row_id, "course_id": row.course_id, "version": row.course_version,
               "content_hash": row.content_hash, "loaded_at": row.loaded_at}
    version = version_of_row([columns[name] for name in VERSION_COLUMNS])
    return row, with_content([version])[0]


def attempts_left(quiz: QuizData, attempts: Sequence[QuizAttempt | ShownAttempt]) -> int | None:
    """None means unlimited."""
    if not quiz["attempts"]:
        return None
    return max(0, quiz["attempts"] - sum(1 for a in attempts if a.is_submitted))


def layout_for(quiz: QuizData, rng: random.Random) -> list:
    questions = list(quiz["questions"])
    if quiz.get("draw"):  # a pool: this attempt asks `draw` of the questions
        drawn = {q["id"] for q in rng.sample(questions, min(quiz["draw"], len(questions)))}
        questions = [q for q in questions if q["id"] in drawn]
    if quiz["shuffle"]:
        rng.shuffle(questions)
    layout = []
    for q in questions:
        if q["type"] in SORTED:
            # Statements in a shuffled order; each keeps the categories in the author's order,
            # the same for every statement, as a scale would be.
            items = [i["id"] for i in q["items"]]
            if quiz["shuffle"]:
                rng.shuffle(items)
            # A rate question's placement options follow, in the author's order.
            layout.append([q["id"], [pair(i, c["id"]) for i in items for c in q["categories"]]
                           + placement_choices(q)])
            continue
        options = [o["id"] for o in q["options"]]
        if quiz["shuffle"] and q["type"] != "true_false":
            rng.shuffle(options)
        layout.append([q["id"], options])
    return layout


def asked(quiz: QuizData, layout: list) -> QuizData:
    """The quiz as this attempt asked it: only the questions drawn into its layout."""
    drawn = {qid for qid, _options in layout}
    return {**quiz, "questions": [q for q in quiz["questions"] if q["id"] in drawn]}


def start_attempt(user_id: int, version: CourseVersion, module: ModuleData, rng: random.Random | None = None) -> QuizAttempt:
    """Open a new attempt, or return the one already in progress."""
    quiz = quiz_of(module)
    existing = attempts_of(user_id, version.course_id, module["id"])
    open_attempt = next((a for a in existing if not a.is_submitted), None)
    if open_attempt is not None:
        return open_attempt
    if any(a.passed for a in existing) and not version.is_pre_test(module["id"]):
        raise QuizError("already-passed")
    left = attempts_left(quiz, existing)
    if left == 0:
        raise QuizError("no-attempts-left")
    if version.is_pre_test(module["id"]) and progress.pre_test_closed(user_id, version):
        raise QuizError("pre-test-closed")
    attempt = QuizAttempt(
        user_id=user_id, course_id=version.course_id, course_version=version.version,
        module_id=module["id"], quiz_id=quiz["id"], number=len(existing) + 1,
        is_pre_test=version.is_pre_test(module["id"]),
        layout=layout_for(quiz, rng or random.SystemRandom()), draft={},
    )
    db.session.add(attempt)
    db.session.flush()
    completion.log_event(user_id, version, module["id"], "quiz_started", attempt=attempt.id)
    return attempt



def option_key(secret: str, attempt_id: int, question_id: str, option_id: str) -> str:
    """The opaque name an option has in one attempt's form.

    An HMAC of the attempt and the option under the deployment's secret: it changes with
    every attempt and says nothing of the option's id in the course file (ids such as `a`
    are often the correct one), so the page source gives nothing away. Nothing is stored:
    the server derives the same keys again to read the answers back.
    """
    return opaque_key(secret, "quiz-option", attempt_id, question_id, option_id)


# An attempt's keys by (secret, attempt id, layout), for the attempts this process served
# lately: derived once instead of on every page and form (an HMAC per option).
_KEYS = Bounded(4096)


def option_keys(attempt: QuizAttempt | ShownAttempt | sa.Row, secret: str) -> dict[str, dict[str, str]]:
    """{question id: {option id: key}} for the options laid out in this attempt."""
    cache_key = (secret, attempt.id, tuple((qid, tuple(option_ids)) for qid, option_ids in attempt.layout))
    keys = _KEYS.get(cache_key)
    if keys is None:
        keys = {qid: {oid: option_key(secret, attempt.id, qid, oid) for oid in option_ids}
                for qid, option_ids in attempt.layout}
        _KEYS.put(cache_key, keys)
    return keys


def answers_from_keys(attempt: QuizAttempt | sa.Row, secret: str, chosen: dict[str, list[str]]) -> dict[str, list[str]]:
    """Map the keys a form sent back to option ids; unknown keys are dropped."""
    answers = {}
    for qid, keys in option_keys(attempt, secret).items():
        by_key = {key: oid for oid, key in keys.items()}
        picked = [by_key[k] for k in chosen.get(qid, []) if k in by_key]
        if picked:
            answers[qid] = picked
    return answers


# How much a review shows (course setting `quiz_review`, see docs/courses.md).
REVIEW_AFTER_LAST_ATTEMPT, REVIEW_AFTER_EACH_ATTEMPT, REVIEW_NEVER = QUIZ_REVIEW


def review_policy(version: CourseVersion) -> str:
    return version.content.get("quiz_review") or REVIEW_AFTER_LAST_ATTEMPT


def shows_correct_options(policy: str, passed: bool, left: int | None) -> bool:
    """Whether a review may show the correct options and explanations of every question.

    By default (after_last_attempt) only once the quiz is passed or no attempt is left, so
    a failed attempt shows which questions were wrong, not how to answer them next time.
    """
    if policy == REVIEW_AFTER_EACH_ATTEMPT:
        return True
    if policy == REVIEW_NEVER:
        return False
    return passed or left == 0


def clean_answers(quiz: QuizData, form_answers: dict[str, list[str]]) -> dict[str, list[str]]:
    """Keep only known questions and options, in a stable order."""
    answers = {}
    for q in quiz["questions"]:
        valid = choice_ids(q)
        chosen = [o for o in valid if o in set(form_answers.get(q["id"], []))]
        if chosen:
            answers[q["id"]] = chosen
    return answers


# Written answers (a rate question's justifications and placement reason) ----------------------

# What a draft keeps of a written answer, whatever its rule: a text too long to submit is
# kept for the officer to shorten, up to this many characters.
TEXT_KEPT_AT_MOST = 10_000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # control characters, except tab and newline


def text_rules(question: QuestionData) -> dict[str, TextRuleData]:
    """{part id: {required, max_length}} for what the officer writes in a question: a rate
    question's justification of each factor, then the reason for the placement."""
    if question["type"] != "rate":
        return {}
    rule = question.get("justification", TextRuleData(required=False, max_length=TEXT_MAX_DEFAULT))
    rules = {i["id"]: rule for i in question["items"]} if rule else {}
    reason = question["placement"].get("reason") if "placement" in question else None
    if reason:
        rules[PLACEMENT] = reason
    return rules


def clean_text(value: str) -> str:
    """Plain text as written: newlines kept, control characters dropped, trimmed."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value.strip()[:TEXT_KEPT_AT_MOST]


def text_key(secret: str, attempt_id: int, question_id: str, part_id: str) -> str:
    """The opaque name of a written answer's field in one attempt's form (like option_key)."""
    return opaque_key(secret, "quiz-text", attempt_id, question_id, part_id)


def texts_from_form(attempt: QuizAttempt | sa.Row, quiz: QuizData, secret: str, form) -> dict[str, dict[str, str]]:
    """{question id: {part id: text}} from a form's fields named t-<key>; empty texts left out."""
    by_id = {q["id"]: q for q in quiz["questions"]}
    texts: dict[str, dict[str, str]] = {}
    for qid, _choices in attempt.layout:
        for part in text_rules(by_id[qid]) if qid in by_id else ():
            value = form.get("t-" + text_key(secret, attempt.id, qid, part))
            text = clean_text(value) if isinstance(value, str) else ""
            if text:
                texts.setdefault(qid, {})[part] = text
    return texts


def text_problems(quiz: QuizData, layout: list, answers: dict[str, list[str]],
                  texts: dict[str, dict[str, str]]) -> dict[tuple[str, str], str]:
    """{(question id, part id): "too-long" | "missing"}: why a submission is refused.

    Too long: over the question's max_length. Missing: a required text for a factor that
    was rated (or a placement that was chosen); an unrated factor is a question left
    unanswered, which the officer may confirm.
    """
    by_id = {q["id"]: q for q in quiz["questions"]}
    problems = {}
    for qid, _choices in layout:
        q = by_id.get(qid)
        if q is None or not (rules := text_rules(q)):
            continue
        selected = set(answers.get(qid, []))
        rated = {i for i, c in classified(q, selected).items() if c}
        for part, rule in rules.items():
            text = texts.get(qid, {}).get(part, "")
            answered = placement_of(q, selected) is not None if part == PLACEMENT else part in rated
            if len(text) > rule["max_length"]:
                problems[(qid, part)] = "too-long"
            elif rule["required"] and answered and not text:
                problems[(qid, part)] = "missing"
    return problems


def texts_of(attempt: QuizAttempt | ShownAttempt, quiz: QuizData) -> dict[str, dict[str, str]]:
    """What the officer wrote in an attempt: the draft's texts, or as submitted. No query
    for a quiz without written answers."""
    by_id = {q["id"]: q for q in quiz["questions"]}
    if not any(qid in by_id and text_rules(by_id[qid]) for qid, _choices in attempt.layout):
        return {}
    attempt_id = attempt.id
    texts: dict[str, dict[str, str]] = {}
    for row in db.session.scalars(sa.select(AttemptText).where(AttemptText.attempt_id == attempt_id)):
        texts.setdefault(row.question_id, {})[row.part_id] = row.text
    return texts


def _write_texts(attempt_id: int, quiz: QuizData, texts: dict[str, dict[str, str]]) -> None:
    if not any(text_rules(q) for q in quiz["questions"]):
        return  # nothing is written in this quiz, so no text was ever kept to replace
    db.session.execute(sa.delete(AttemptText).where(AttemptText.attempt_id == attempt_id))
    rows = [{"attempt_id": attempt_id, "question_id": q["id"], "part_id": part,
             "text": clean_text(texts[q["id"]][part])}
            for q in quiz["questions"] for part in text_rules(q) if texts.get(q["id"], {}).get(part)]
    if rows:
        db.session.execute(sa.insert(AttemptText), rows)


def save_draft(attempt: QuizAttempt | sa.Row, quiz: QuizData, form_answers: dict[str, list[str]],
               texts: dict[str, dict[str, str]] | None = None) -> None:
    """Keep the answers and texts so far. One conditional UPDATE: a save racing a submit of
    the same attempt either comes first or finds it submitted, and never rewrites it."""
    draft = clean_answers(quiz, form_answers)
    saved = rows_matched(
        sa.update(QuizAttempt).where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(draft=draft).execution_options(synchronize_session=False)
    )
    if saved != 1:
        raise QuizError("already-submitted")
    if isinstance(attempt, QuizAttempt):
        set_committed_value(attempt, "draft", draft)
    if texts is not None:
        _write_texts(attempt.id, quiz, texts)


@functools.cache
def _submit_statements() -> tuple[sa.Update, sa.Insert]:
    """Built once, with their SQLAlchemy cache keys: every submit sends them. On the tables,
    not the models: an UPDATE of a model runs the ORM's bulk-update steps (about 0.2 ms of
    CPU each time, inside the write section), and nothing in the session is to be updated."""
    attempts = QuizAttempt.metadata.tables[QuizAttempt.__tablename__]
    columns = attempts.c
    claim = (
        sa.update(attempts)
        .where(columns.id == sa.bindparam("attempt_id"), columns.submitted_at.is_(None))
        .values(submitted_at=sa.bindparam("at", type_=columns.submitted_at.type),
                score=sa.bindparam("graded_score", type_=columns.score.type),
                passed=sa.bindparam("graded_passed", type_=columns.passed.type))
    )
    return claim, sa.insert(AttemptAnswer.metadata.tables[AttemptAnswer.__tablename__])


def submit(attempt: QuizAttempt | sa.Row, version: CourseVersion, form_answers: dict[str, list[str]],
           texts: dict[str, dict[str, str]] | None = None) -> bool:
    """Grade the attempt once. Returns False when it had already been submitted (then the
    caller ends the transaction without keeping anything).

    The claim is one conditional UPDATE, so a double click, a second tab or a resent
    form finds the attempt taken and grades nothing, on any database. Grading is a pure
    function, so it runs before the claim and the claim writes its result: one statement
    marks the attempt submitted and graded, and a lost claim has written nothing. The
    answers go to attempt_answers only: the draft is what the attempt's page shows while it
    is open, and nothing reads it once it is submitted (written again, it made the row and
    every submit's commit larger).
    """
    attempt_id = attempt.id
    module = part_of(version, attempt.module_id, "quiz")
    quiz = asked(quiz_of(module), attempt.layout)
    answers = clean_answers(quiz, form_answers)
    graded = grade(quiz, answers)
    positions = {qid: i for i, (qid, _opts) in enumerate(attempt.layout)}
    # The answers' rows are made before the claim, the first write: from there to the commit
    # no other worker can write (SQLite), so nothing that can be done before is done there.
    rows = [{"attempt_id": attempt_id, "position": positions.get(q["id"], 0), "question_id": q["id"],
             "selected": answers.get(q["id"], []), "is_correct": graded.correct[q["id"]]}
            for q in quiz["questions"]]
    claim, insert_answers = _submit_statements()
    claimed = rows_matched(claim, {
        "attempt_id": attempt_id, "at": utcnow(), "graded_score": graded.score,
        "graded_passed": graded.passed,
    })
    if claimed != 1:
        return False
    # One statement for every answer (an executemany): nothing reads their ids back.
    db.session.execute(insert_answers, rows)
    if texts is not None:
        _write_texts(attempt_id, quiz, texts)
    if attempt.is_pre_test and attempt.number == 1:
        completion.keep_pre_test_score(attempt.user_id, attempt.course_id, graded.score)
    completion.log_event(attempt.user_id, version, attempt.module_id, "quiz_submitted",
                         part_done="quiz" if graded.passed and not attempt.is_pre_test else None,
                         attempt=attempt.id, score=graded.score, passed=graded.passed)
    return True
