"""quiz.yaml edited through forms: the quiz's settings and one question at a time."""

from __future__ import annotations

from lms.authoring.course_form import load_yaml
from lms.authoring.drafts import AuthoringError, dump_yaml
from lms.authoring.fields import as_dict, posted_texts
from lms.bounds import whole_number

TYPES = ("single", "multiple", "true_false", "best_response")
# Types this form does not edit (their parts are not option rows): edited in the text editor,
# checked by the same rules.
TEXT_ONLY = ("classify", "rate")


def read(files: dict[str, bytes], module_id: str) -> dict:
    data = load_yaml(files.get(f"{module_id}/quiz.yaml"))
    if not isinstance(data.get("questions"), list):
        data["questions"] = []
    return data


def question_from_form(form, langs: list[str], old: dict | None) -> dict:
    """A question as quiz.yaml holds it, from the posted fields; blank option rows are dropped."""
    old = as_dict(old)
    qtype = form.get("type") if form.get("type") in TYPES else "single"
    question = {"id": (form.get("qid") or "").strip(), "type": qtype,
                "text": posted_texts(form, "text", langs, old.get("text"))}
    old_options = {str(o.get("id")): o for o in old.get("options") or [] if isinstance(o, dict)}
    options = []
    # Each option row is posted as fields of its own: more rows than fields are none.
    rows = whole_number(form.get("rows") or "0") or 0
    for k in range(max(0, min(rows, len(form)))):
        oid = (form.get(f"opt{k}_id") or "").strip()
        text = posted_texts(form, f"opt{k}_text", langs, (old_options.get(oid) or {}).get("text"))
        if not oid and not text:
            continue
        option = {"id": oid, "text": text}
        if qtype == "best_response":
            raw = (form.get(f"opt{k}_credit") or "").strip()
            # Kept as typed when it is not a number, so the check names it and nothing is lost.
            option["credit"] = int(raw) if raw.isdigit() else (raw or 0)
        elif form.get(f"opt{k}_correct"):
            option["correct"] = True
        feedback = posted_texts(form, f"opt{k}_feedback", langs, (old_options.get(oid) or {}).get("feedback"))
        if feedback:
            option["feedback"] = feedback
        options.append(option)
    question["options"] = options
    explanation = posted_texts(form, "explanation", langs, old.get("explanation"))
    if explanation:
        question["explanation"] = explanation
    refs = [r.strip() for r in (form.get("refs") or "").split(",") if r.strip()]
    if refs:
        question["refs"] = refs
    return question


def set_question(data: dict, index: int | None, question: dict) -> dict:
    questions = list(data["questions"])
    if index is None:
        questions.append(question)
    elif 0 <= index < len(questions):
        questions[index] = question
    else:
        raise AuthoringError("no-question")
    return {**data, "questions": questions}


def move_question(data: dict, index: int, step: int) -> dict:
    questions = list(data["questions"])
    if not 0 <= index < len(questions):
        raise AuthoringError("no-question")
    j = max(0, min(len(questions) - 1, index + step))
    questions[index], questions[j] = questions[j], questions[index]
    return {**data, "questions": questions}


def remove_question(data: dict, index: int) -> dict:
    questions = list(data["questions"])
    if not 0 <= index < len(questions):
        raise AuthoringError("no-question")
    del questions[index]
    return {**data, "questions": questions}


def settings_from_form(data: dict, form) -> dict:
    """The quiz's own fields; numbers that are not numbers are refused before saving."""
    out = dict(data)
    out["id"] = (form.get("quiz_id") or "").strip()
    for key in ("pass_mark", "attempts", "draw"):
        raw = (form.get(key) or "").strip()
        if not raw:
            out.pop(key, None)
            continue
        number = whole_number(raw)
        if number is None or number < 0:
            raise AuthoringError("not-a-number", field=key)
        out[key] = number
    out["shuffle"] = bool(form.get("shuffle"))
    ordered = {k: out[k] for k in ("id", "pass_mark", "attempts", "shuffle", "draw", "questions") if k in out}
    ordered.update({k: v for k, v in out.items() if k not in ordered})
    return ordered


def to_file(module_id: str, data: dict) -> dict[str, bytes]:
    return {f"{module_id}/quiz.yaml": dump_yaml(data)}
