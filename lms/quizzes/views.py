"""Quiz pages: start, answer, save, submit once, review."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from lms import access
from lms.catalog import cache
from lms.catalog.content import ItemData, ModuleData, QuestionData, TextRuleData, quiz_of
from lms.catalog.queries import Translator, part_of, recorded_version, version_of
from lms.core.answers import to_course_page
from lms.core.forms import ConfirmForm
from lms.csrf_tokens import TOKEN_MARK, mark, with_token
from lms.extensions import db
from lms.i18n import current_language
from lms.learning import versions
from lms.learning.course_access import part_page, progress_refusal
from lms.org.models import User
from lms.org.scope import can_see_user
from lms.quizzes import attempt_page, grading
from lms.quizzes import attempts as quiz_attempts
from lms.quizzes.attempts import ShownAttempt
from lms.quizzes.models import QuizAttempt
from lms.quizzes.scores import is_final_assessment

bp = Blueprint("quizzes", __name__, template_folder="templates")

MESSAGES = {
    "already-passed": lambda: _("You have already passed this quiz."),
    "no-attempts-left": lambda: _("You have used all your attempts for this quiz. Ask your trainer for help."),
    "pre-test-closed": lambda: _("The pre-test is closed: it is taken before the first module, and you have started the course or chose to skip it."),
    "already-submitted": lambda: _("This attempt was already submitted; it was graded once."),
}


@bp.get("/courses/<course_id>/modules/<module_id>/quiz")
@access.signed_in
def quiz(course_id: str, module_id: str) -> ResponseReturnValue:
    version, module, refusal, attempts = part_page(current_user, course_id, module_id, "quiz",
                                                   quiz_attempts.SHOWN_ATTEMPTS)
    if refusal is not None:
        return to_course_page(course_id, refusal)
    tr = Translator(version, current_language())
    open_attempt = next((a for a in attempts if not a.is_submitted), None)
    if open_attempt is not None:
        attempt_version = (version if open_attempt.course_version == version.version
                           else version_of(course_id, open_attempt.course_version) or version)
        return _render_attempt(open_attempt, attempt_version, module_id, tr, attempts)
    return render_template(
        "quizzes/start.html", version=version, module=module, tr=tr, attempts=attempts,
        left=quiz_attempts.attempts_left(quiz_of(module), attempts),
        passed=any(a.passed for a in attempts), confirm=ConfirmForm(),
        is_final=is_final_assessment(version, module_id),
    )


# Stand in the cached page for the attempt's id in the form's address and for the attempt's
# questions (random per process, so no text can contain them).
ATTEMPT_MARK = mark("attempt")
QUESTIONS_MARK = mark("questions")


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _render_attempt(attempt: QuizAttempt | ShownAttempt, version, module_id: str, tr,
                    attempts: Sequence[QuizAttempt | ShownAttempt]) -> ResponseReturnValue:
    module = version.module(module_id)
    left = quiz_attempts.attempts_left(quiz_of(module), attempts)
    return render_attempt_page(attempt, version, module, tr, bool(request.args.get("confirm")),
                               None if left is None else max(0, left - 1),
                               texts=quiz_attempts.texts_of(attempt, quiz_of(module)), refused=bool(request.args.get("refused")))


def _text_field(attempt: QuizAttempt | ShownAttempt, qid: str, part: str, rule: TextRuleData, texts: dict,
                problems: dict | None) -> dict:
    """A written answer's textarea: its opaque name, what is written so far, and its problem."""
    value = texts.get(qid, {}).get(part, "")
    problem = (problems or {}).get((qid, part))
    if len(value) > rule["max_length"]:
        problem = "too-long"  # shown whenever it is so, as the submission would be refused
    return {"name": "t-" + quiz_attempts.text_key(_secret(), attempt.id, qid, part), "value": value,
            "required": rule["required"], "max_length": rule["max_length"], "length": len(value),
            "problem": problem}


def render_attempt_page(attempt: QuizAttempt | ShownAttempt, version, module: ModuleData, tr, confirming: bool, left_after: int | None,
                        texts: dict | None = None, refused: bool = False, **preview) -> str:
    """The officer's attempt page; the course editor's preview renders it too (with `preview_url`).

    texts: what the officer has written so far; refused: the last submission was refused
    for its written answers, so a missing required one is marked too. The questions' own
    parts are made once per process (attempt_page.py); this request puts in the attempt's."""
    parts = attempt_page.quiz_parts(version, module, tr, cached=not preview)
    by_id, rules = parts.by_id, parts.rules
    layout = [(qid, choice_ids) for qid, choice_ids in attempt.layout if qid in by_id]
    texts = texts or {}
    problems = (quiz_attempts.text_problems(quiz_of(module), layout, attempt.draft, texts)
                if refused else None)
    unanswered = [(n, qid) for n, (qid, _choices) in enumerate(layout, 1)
                  if confirming and not grading.is_answered(by_id[qid], set(attempt.draft.get(qid, [])))]

    def field_of(qid: str, part: str, html_id: str) -> Markup | None:
        rule = rules[qid].get(part)
        if rule is None:
            return None
        return attempt_page.written_field(_text_field(attempt, qid, part, rule, texts, problems), part, html_id)

    # Only text goes to the page, under keys of this attempt: never an option's id, never
    # which option or category is correct, never feedback or credit.
    questions = attempt_page.questions_html(
        parts, layout, attempt.draft, quiz_attempts.option_keys(attempt, _secret()),
        {qid for _n, qid in unanswered}, field_of)
    context = dict(attempt=attempt, version=version, module=module, tr=tr, confirming=confirming,
                   unanswered=[n for n, _qid in unanswered], left_after=left_after, is_final=parts.is_final)
    if preview:
        action = preview["preview_url"]("quizzes.answer", attempt_id=attempt.id)
        body = render_template("quizzes/_attempt_body.html", **context, **preview, action=action,
                               csrf_value=generate_csrf(), questions=questions)
        return render_template("quizzes/attempt.html", title=parts.title, body=Markup(body))  # noqa: S704 (our template)
    # The rest of the page is the same for every attempt with the same number, attempts left
    # (shown for a final assessment only) and unanswered questions: rendered once per
    # process, the attempt's own parts put in (the form's address ends with the attempt's id).
    key = (version.id, version.content_hash, module["id"], tr.ui_lang, attempt.number,
           left_after if parts.is_final else None, confirming, tuple(context["unanswered"]), request.script_root)
    shell = cache.ATTEMPT_PAGES.get(key)
    if shell is None:
        action = url_for("quizzes.answer", attempt_id=0)[:-1] + ATTEMPT_MARK
        shell = render_template("quizzes/_attempt_body.html", **context, action=action,
                                csrf_value=TOKEN_MARK, questions=QUESTIONS_MARK)
        cache.ATTEMPT_PAGES.put(key, shell)
    body = with_token(shell.replace(ATTEMPT_MARK, str(attempt.id))).replace(QUESTIONS_MARK, questions)
    return render_template("quizzes/attempt.html", title=parts.title, body=Markup(body))  # noqa: S704 (our templates, values escaped)


@bp.post("/courses/<course_id>/modules/<module_id>/quiz/start")
@access.signed_in
def start(course_id: str, module_id: str) -> ResponseReturnValue:
    version, module = versions.module_for(current_user.id, course_id, module_id, "quiz")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if (refusal := progress_refusal(current_user, version, module_id, "quiz")) is not None:
        return to_course_page(course_id, refusal)
    try:
        quiz_attempts.start_attempt(current_user.id, version, module)
        db.session.commit()
    except quiz_attempts.QuizError as error:
        db.session.rollback()
        flash(MESSAGES[error.code](), "error")
        return redirect(url_for("quizzes.quiz", course_id=course_id, module_id=module_id))
    except sa.exc.IntegrityError:
        # A second start at the same moment (two tabs, a double click) numbered its attempt
        # like the first: the first attempt is open, and this request leads to it too.
        db.session.rollback()
    return redirect(url_for("quizzes.quiz", course_id=course_id, module_id=module_id))


def _classify_rows(q: QuestionData, choice_ids: list[str], selected: set[str], tr) -> list[dict]:
    """A classify question's statements in the attempt's order, each with its categories."""
    items = {i["id"]: i for i in q["items"]}
    categories = {c["id"]: c for c in q["categories"]}
    rows: dict[str, dict] = {}
    for choice in choice_ids:
        item_id, category_id = grading.split_pair(choice)
        if item_id not in items or category_id not in categories:
            continue  # the course was corrected since this attempt was laid out
        row = rows.setdefault(item_id, {"item": items[item_id], "text": tr(items[item_id]["text"]), "choices": []})
        row["choices"].append({"category": categories[category_id],
                               "text": tr(categories[category_id]["text"]), "selected": choice in selected})
    return list(rows.values())


def _placement_choices(q: QuestionData, choice_ids: list[str], selected: set[str], tr) -> dict:
    """A rate question's placement as this attempt laid it out: its text and options."""
    placement = q["placement"]
    options = {grading.placement_choice(o["id"]): o for o in placement["options"]}
    return {"text": tr(placement["text"]), "choices": [
        {"text": tr(options[choice]["text"]),
         "selected": choice in selected}
        for choice in choice_ids if choice in options]}


def form_answers(attempt: QuizAttempt | sa.Row, form) -> dict[str, list[str]]:
    """The answers of a form, as option ids (the form names options by opaque keys).

    A classify or rate question sends one radio group per statement, named q-<id>.<n>
    (and q-<id>.p for a placement); the course editor's preview reads its form with this too."""
    chosen: dict[str, list[str]] = {}
    for name in form:
        qid = name[2:].partition(".")[0] if name.startswith("q-") else None
        if qid:
            chosen.setdefault(qid, []).extend(form.getlist(name))
    return quiz_attempts.answers_from_keys(attempt, _secret(), chosen)


@bp.post("/attempts/<int:attempt_id>")
@access.signed_in
def answer(attempt_id: int) -> ResponseReturnValue:
    found = quiz_attempts.answered_attempt(attempt_id)
    if found is None or found[0].user_id != current_user.id:
        abort(404)
    attempt, version = found
    if not ConfirmForm().validate_on_submit():
        abort(400)
    module = part_of(version, attempt.module_id, "quiz")
    quiz_url = url_for("quizzes.quiz", course_id=attempt.course_id, module_id=attempt.module_id)
    if attempt.is_submitted:
        flash(MESSAGES["already-submitted"](), "info")
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    answers = form_answers(attempt, request.form)
    texts = quiz_attempts.texts_from_form(attempt, quiz_of(module), _secret(), request.form)
    try:
        if request.form.get("action") == "save":
            quiz_attempts.save_draft(attempt, quiz_of(module), answers, texts)
            db.session.commit()
            flash(_("Your answers are saved. You can come back and finish later."), "success")
            return redirect(quiz_url)
        if quiz_attempts.text_problems(quiz_of(module), attempt.layout, answers, texts):
            # Refused, and nothing lost: the answers and every text are kept as written.
            quiz_attempts.save_draft(attempt, quiz_of(module), answers, texts)
            db.session.commit()
            flash(_("Your answers are not submitted yet: correct the written answers marked below. "
                    "Everything you wrote is kept."), "error")
            return redirect(quiz_url + "?refused=1")
        by_id = {q["id"]: q for q in quiz_of(module)["questions"]}
        unanswered = [qid for qid, _o in attempt.layout
                      if qid in by_id and not grading.is_answered(by_id[qid], set(answers.get(qid, [])))]
        if unanswered and request.form.get("confirm_unanswered") != "yes":
            quiz_attempts.save_draft(attempt, quiz_of(module), answers, texts)
            db.session.commit()
            flash(_("Some questions have no answer. Answer them, or submit again to confirm."), "warning")
            return redirect(quiz_url + "?confirm=1")
    except quiz_attempts.QuizError as error:  # submitted meanwhile, from another tab
        db.session.rollback()
        flash(MESSAGES[error.code](), "info")
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    if not quiz_attempts.submit(attempt, version, answers, texts):
        db.session.rollback()
        flash(MESSAGES["already-submitted"](), "info")
        return redirect(url_for("quizzes.review", attempt_id=attempt_id))
    db.session.commit()
    return redirect(url_for("quizzes.review", attempt_id=attempt_id))


@bp.get("/attempts/<int:attempt_id>")
@access.signed_in
def review(attempt_id: int) -> ResponseReturnValue:
    attempt = db.get_or_404(QuizAttempt, attempt_id)
    if attempt.user_id != current_user.id:
        owner = db.session.get(User, attempt.user_id)
        if owner is None or current_user.role.value == "officer" or not can_see_user(current_user, owner):
            abort(404)
    if not attempt.is_submitted:
        if attempt.user_id != current_user.id:
            abort(404)
        return redirect(url_for("quizzes.quiz", course_id=attempt.course_id, module_id=attempt.module_id))
    version = recorded_version(attempt.course_id, attempt.course_version)
    module = part_of(version, attempt.module_id, "quiz")
    tr = Translator(version, current_language())
    answers = {a.question_id: a for a in attempt.answers}
    history = quiz_attempts.attempts_of(attempt.user_id, attempt.course_id, attempt.module_id)
    left = quiz_attempts.attempts_left(quiz_of(module), history)
    passed = any(a.passed for a in history) and not attempt.is_pre_test
    # What the review may show follows the course's setting, decided in one place.
    reveal = quiz_attempts.shows_correct_options(quiz_attempts.review_policy(version), passed, left)
    own = attempt.user_id == current_user.id
    return render_review_page(
        attempt, version, module, tr, {qid: (a.selected, a.is_correct) for qid, a in answers.items()}, reveal,
        left, own and not passed and not attempt.is_pre_test and left != 0, texts=quiz_attempts.texts_of(attempt, quiz_of(module)))


def _agreement(q: QuestionData, item: ItemData, category: str | None) -> dict:
    """How a rating compares with the expert's: exact, within the tolerance (n steps), or off."""
    steps = grading.steps_from_expert(q, item, category)
    if steps is None:
        return {"kind": "none", "steps": None}
    if steps == 0:
        return {"kind": "exact", "steps": 0}
    return {"kind": "near" if grading.agrees(q, item, category) else "off", "steps": steps}


def _placement_review(q: QuestionData, choice_ids: list[str], selected: set[str], tr, shown: bool, reason: str) -> dict:
    """A rate question's placement in the review: the officer's choice and reason, and the
    expert's choice and reasoning once the review may show them (or the officer chose it)."""
    placement = q["placement"]
    chosen = grading.placement_of(q, selected)
    right = chosen is not None and chosen == placement["expert"]
    expert = next((o for o in placement["options"] if o["id"] == placement["expert"]), None)
    reveal = shown or right
    return {**_placement_choices(q, choice_ids, selected, tr), "right": right, "graded": placement["graded"],
            "chosen": chosen is not None, "reason": reason,
            "expert": tr(expert["text"]) if expert and reveal else None,
            "reasoning": tr(placement["reasoning"]) if reveal else None}


def render_review_page(attempt: QuizAttempt, version, module: ModuleData, tr, answers: dict[str, tuple[list, bool]],
                       reveal: bool, left: int | None, can_retry: bool, texts: dict | None = None,
                       **preview) -> str:
    """The officer's review of a submitted attempt; the course editor's preview renders it too.

    texts: what the officer wrote (a rate question's justifications and placement reason)."""
    texts = texts or {}
    by_id = {q["id"]: q for q in quiz_of(module)["questions"]}
    questions = []
    for qid, choice_ids in attempt.layout:
        q = by_id[qid]
        answer = answers.get(qid)
        selected = set(answer[0]) if answer else set()
        right = bool(answer and answer[1])
        shown = reveal or right  # a question answered right gives nothing away
        question = {
            "type": q["type"], "text": tr(q["text"]), "correct": right,
            "credit": grading.credit(q, selected),
            "explanation": tr(q.get("explanation")) if q.get("explanation") and shown else None,
            "refs": q.get("refs", []), "documents": attempt_page.documents(q, tr),
        }
        if q["type"] in grading.SORTED:
            picked = grading.classified(q, selected)
            question["items"] = []
            for row in _classify_rows(q, choice_ids, selected, tr):
                item = row.pop("item")
                item_right = grading.agrees(q, item, picked.get(item["id"]))
                exact = picked.get(item["id"]) == item["category"]
                # A statement put right gives nothing away; a wrong one shows its category
                # (a rating within the tolerance, the expert's exact rating) and feedback only
                # when the review may show the answers.
                right_category = next((c for c in q["categories"] if c["id"] == item["category"]), None)
                question["items"].append({
                    **row, "right": item_right,
                    "right_category": (tr(right_category["text"]) if right_category and not exact
                                       and (shown or item_right) else None),
                    "feedback": tr(item["feedback"]) if item.get("feedback") and (shown or item_right) else None,
                    # rate: the expert's rating beside the officer's, and what the officer wrote
                    "expert": (tr(right_category["text"]) if right_category and (shown or item_right) else None),
                    "agreement": _agreement(q, item, picked.get(item["id"])),
                    "justification": texts.get(qid, {}).get(item["id"], ""),
                })
            if q.get("placement"):
                question["placement"] = _placement_review(q, choice_ids, selected, tr, shown,
                                                          texts.get(qid, {}).get(grading.PLACEMENT, ""))
        else:
            options = {o["id"]: o for o in q["options"]}
            weighted = q["type"] == "best_response"
            question["options"] = [{
                "text": tr(options[oid]["text"]), "is_correct": shown and options[oid]["correct"],
                "selected": oid in selected,
                "credit": options[oid]["credit"] if weighted and (shown or oid in selected) else None,
                # Best response: once the answers may show, the feedback on every reply says why.
                "feedback": (tr(options[oid]["feedback"]) if options[oid].get("feedback")
                             and (oid in selected or (shown and (options[oid]["correct"] or weighted)))
                             else None),
            } for oid in choice_ids if oid in options]
        questions.append(question)
    pass_mark = quiz_of(module)["pass_mark"]
    return render_template("quizzes/review.html", attempt=attempt, version=version, module=module,
                           tr=tr, questions=questions, pass_mark=pass_mark, reveal=reveal, left=left,
                           can_retry=can_retry, confirm=ConfirmForm(), **preview)
