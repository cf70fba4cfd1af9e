"""Quiz pages: start, answer, save, submit once, review."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms import access
from lms.admin.forms import ConfirmForm
from lms.catalog.queries import Translator, module_with, version_of
from lms.extensions import db
from lms.i18n import current_language
from lms.learning import progress as learning
from lms.org.models import User
from lms.org.scope import can_see_user
from lms.quizzes import attempts as quiz_attempts
from lms.quizzes.models import QuizAttempt

bp = Blueprint("quizzes", __name__, template_folder="templates")

MESSAGES = {
    "already-passed": lambda: _("You have already passed this quiz."),
    "no-attempts-left": lambda: _("You have used all your attempts for this quiz. Ask your trainer for help."),
    "pre-test-closed": lambda: _("The pre-test is taken before the first module; you have already started the course."),
    "already-submitted": lambda: _("This attempt was already submitted; it was graded once."),
}


@bp.get("/courses/<course_id>/modules/<module_id>/quiz")
@access.signed_in
def quiz(course_id: str, module_id: str) -> ResponseReturnValue:
    version, module = module_with(course_id, module_id, "quiz")
    if learning.enrolment_of(current_user.id, course_id) is None:
        flash(_("Enrol in the course to take its quizzes."), "info")
        return redirect(url_for("catalog.course", course_id=course_id))
    attempts = quiz_attempts.attempts_of(current_user.id, course_id, module_id)
    tr = Translator(version, current_language())
    open_attempt = next((a for a in attempts if not a.is_submitted), None)
    if open_attempt is not None:
        attempt_version = version_of(course_id, open_attempt.course_version) or version
        return _render_attempt(open_attempt, attempt_version, module_id, tr)
    return render_template(
        "quizzes/start.html", version=version, module=module, tr=tr, attempts=attempts,
        left=quiz_attempts.attempts_left(module["quiz"], attempts),
        passed=any(a.passed for a in attempts), confirm=ConfirmForm(),
    )


def _render_attempt(attempt: QuizAttempt, version, module_id: str, tr) -> ResponseReturnValue:
    module = version.module(module_id)
    by_id = {q["id"]: q for q in module["quiz"]["questions"]}
    questions = []
    for qid, option_ids in attempt.layout:
        q = by_id[qid]
        options = {o["id"]: o for o in q["options"]}
        # Only text goes to the page: never which option is correct, never feedback.
        questions.append({
            "id": qid, "type": q["type"], "text": tr(q["text"]),
            "options": [{"id": oid, "text": tr(options[oid]["text"])} for oid in option_ids if oid in options],
            "selected": set(attempt.draft.get(qid, [])),
        })
    return render_template("quizzes/attempt.html", attempt=attempt, version=version, module=module,
                           tr=tr, questions=questions, confirm=ConfirmForm())


@bp.post("/courses/<course_id>/modules/<module_id>/quiz/start")
@access.signed_in
def start(course_id: str, module_id: str) -> ResponseReturnValue:
    version, module = module_with(course_id, module_id, "quiz")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if learning.enrolment_of(current_user.id, course_id) is None:
        flash(_("Enrol in the course to take its quizzes."), "info")
        return redirect(url_for("catalog.course", course_id=course_id))
    try:
        quiz_attempts.start_attempt(current_user.id, version, module)
    except quiz_attempts.QuizError as error:
        db.session.rollback()
        flash(MESSAGES[error.code](), "error")
        return redirect(url_for("quizzes.quiz", course_id=course_id, module_id=module_id))
    db.session.commit()
    return redirect(url_for("quizzes.quiz", course_id=course_id, module_id=module_id))


def _form_answers(layout: list) -> dict[str, list[str]]:
    return {qid: request.form.getlist(f"q-{qid}") for qid, _options in layout}


@bp.post("/attempts/<int:attempt_id>")
@access.signed_in
def answer(attempt_id: int) -> ResponseReturnValue:
    attempt = db.get_or_404(QuizAttempt, attempt_id)
    if attempt.user_id != current_user.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    version = version_of(attempt.course_id, attempt.course_version)
    module = version.module(attempt.module_id)
    quiz_url = url_for("quizzes.quiz", course_id=attempt.course_id, module_id=attempt.module_id)
    if attempt.is_submitted:
        flash(MESSAGES["already-submitted"](), "info")
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    answers = _form_answers(attempt.layout)
    if request.form.get("action") == "save":
        quiz_attempts.save_draft(attempt, module["quiz"], answers)
        db.session.commit()
        flash(_("Your answers are saved. You can come back and finish later."), "success")
        return redirect(quiz_url)
    unanswered = [qid for qid, _o in attempt.layout if not answers.get(qid)]
    if unanswered and request.form.get("confirm_unanswered") != "yes":
        quiz_attempts.save_draft(attempt, module["quiz"], answers)
        db.session.commit()
        flash(_("Some questions have no answer. Answer them, or submit again to confirm."), "warning")
        return redirect(quiz_url + "?confirm=1")
    if not quiz_attempts.submit(attempt, version, answers):
        flash(MESSAGES["already-submitted"](), "info")
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    db.session.commit()
    return redirect(url_for("quizzes.review", attempt_id=attempt.id))


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
    version = version_of(attempt.course_id, attempt.course_version)
    module = version.module(attempt.module_id)
    tr = Translator(version, current_language())
    by_id = {q["id"]: q for q in module["quiz"]["questions"]}
    answers = {a.question_id: a for a in attempt.answers}
    questions = []
    for qid, option_ids in attempt.layout:
        q = by_id[qid]
        options = {o["id"]: o for o in q["options"]}
        answer = answers.get(qid)
        selected = set(answer.selected) if answer else set()
        questions.append({
            "text": tr(q["text"]), "correct": bool(answer and answer.is_correct),
            "explanation": tr(q.get("explanation")) if q.get("explanation") else None,
            "refs": q.get("refs", []),
            "options": [{
                "text": tr(options[oid]["text"]), "is_correct": options[oid]["correct"],
                "selected": oid in selected,
                "feedback": tr(options[oid].get("feedback")) if options[oid].get("feedback") else None,
            } for oid in option_ids if oid in options],
        })
    pass_mark = module["quiz"]["pass_mark"]
    return render_template("quizzes/review.html", attempt=attempt, version=version, module=module,
                           tr=tr, questions=questions, pass_mark=pass_mark)
