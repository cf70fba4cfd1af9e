"""Read and check quiz.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from lms.catalog.content import QuizData

# Question types of quiz.yaml (docs/courses.md), in the order messages list them.
QUESTION_TYPES = ("single", "multiple", "true_false", "best_response", "classify", "rate")


def read_quiz(r, path: Path, course: dict, ids) -> QuizData | None:
    data = r.load_yaml(path)
    if data is None:
        return None
    quiz_id = r.ident(path, data.get("id"), "id")
    ids.claim(r, path, "id", "quiz", quiz_id)
    quiz: dict = {
        "id": quiz_id,
        "pass_mark": r.integer(path, data, "pass_mark", "pass_mark", default=course["pass_mark"], high=100),
        "attempts": r.integer(path, data, "attempts", "attempts", default=0),
        "shuffle": bool(data.get("shuffle", False)),
        "questions": [],
    }
    if "draw" in data:  # a question pool: each attempt draws this many of the questions
        quiz["draw"] = r.integer(path, data, "draw", "draw", default=0, low=1)
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        r.problem(path, "questions", "a quiz needs at least one question")
        return cast(QuizData, quiz)
    if quiz.get("draw") and quiz["draw"] > len(questions):
        r.problem(path, "draw", f"draws {quiz['draw']} questions but the quiz has {len(questions)}")
    for i, q in enumerate(questions):
        fld = f"questions[{i}]"
        if not isinstance(q, dict):
            r.problem(path, fld, "must be a mapping")
            continue
        qid = r.ident(path, q.get("id"), f"{fld}.id")
        if qid:
            fld = f"questions[{qid}]"
        ids.claim(r, path, f"{fld}.id", "question", qid)
        qtype = q.get("type")
        if qtype not in QUESTION_TYPES:
            r.problem(path, f"{fld}.type", "must be one of " + ", ".join(QUESTION_TYPES))
        question: dict = {
            "id": qid,
            "type": qtype,
            "text": r.text(path, q, "text", f"{fld}.text"),
            "explanation": r.text(path, q, "explanation", f"{fld}.explanation", required=False),
            "refs": [str(x) for x in (q.get("refs") or [])],
            "options": [],
        }
        if qtype in SORTED_PARTS:
            _read_sorted(r, path, fld, q, question)
        else:
            _read_options(r, path, fld, q, question)
        if qtype == "rate":
            _read_case_work(r, path, fld, q, question)
        else:
            for key in CASE_KEYS:
                if key in q:
                    r.problem(path, f"{fld}.{key}", f"only a rate question has {key}")
        _read_documents(r, path, fld, q, question)
        quiz["questions"].append(question)
    return cast(QuizData, quiz)


def _read_options(r, path: Path, fld: str, q: dict, question: dict) -> None:
    """single, multiple, true_false: options marked correct; best_response: options with a credit."""
    qtype = question["type"]
    for key in {k for parts in SORTED_PARTS.values() for k in parts[:2]}:
        if key in q:
            r.problem(path, f"{fld}.{key}", f"only a classify or rate question has {key}")
    options = q.get("options")
    if not isinstance(options, list) or len(options) < 2:
        r.problem(path, f"{fld}.options", "a question needs at least two options")
        options = []
    option_ids: set[str] = set()
    for j, o in enumerate(options):
        ofld = f"{fld}.options[{j}]"
        if not isinstance(o, dict):
            r.problem(path, ofld, "must be a mapping")
            continue
        oid = r.ident(path, o.get("id"), f"{ofld}.id")
        if oid in option_ids:
            r.problem(path, f"{ofld}.id", f"duplicate option id {oid!r}")
        option_ids.add(oid)
        option = {
            "id": oid,
            "text": r.text(path, o, "text", f"{ofld}.text"),
            "correct": bool(o.get("correct", False)),
            "feedback": r.text(path, o, "feedback", f"{ofld}.feedback", required=qtype == "best_response"),
        }
        if qtype == "best_response":
            if "correct" in o:
                r.problem(path, f"{ofld}.correct", "a best_response option has a credit (0..100), not correct")
            option["credit"] = r.integer(path, o, "credit", f"{ofld}.credit", default=0, high=100)
            option["correct"] = option["credit"] == 100
        elif "credit" in o:
            r.problem(path, f"{ofld}.credit", "only a best_response option has a credit")
        question["options"].append(option)
    correct = sum(1 for o in question["options"] if o["correct"])
    if options and correct == 0:
        if qtype == "best_response":
            r.problem(path, fld, "no option has the full credit 100")
        else:
            r.problem(path, fld, "no option is marked correct")
    if qtype in ("single", "true_false") and correct > 1:
        r.problem(path, fld, f"a {qtype} question has exactly one correct option, not {correct}")
    if qtype == "true_false" and option_ids != {"true", "false"}:
        r.problem(path, f"{fld}.options", "a true_false question has the options 'true' and 'false'")


# The parts of a question whose statements are put on the author's categories or scale:
# classify (categories, items, category, feedback) and rate (scale, factors, expert, reasoning).
SORTED_PARTS = {
    "classify": ("categories", "items", "category", "feedback"),
    "rate": ("scale", "factors", "expert", "reasoning"),
}


def _read_sorted(r, path: Path, fld: str, q: dict, question: dict) -> None:
    """classify: statements, each put in one of the author's categories; rate: factors, each
    rated on the author's scale (lowest first), agreeing with the expert within `tolerance`."""
    qtype = question["type"]
    cats, items_key, right_key, feedback_key = SORTED_PARTS[qtype]
    if "options" in q:
        r.problem(path, f"{fld}.options", f"a {qtype} question has {cats} and {items_key}, not options")
    for other in {k for parts in SORTED_PARTS.values() for k in parts[:2]} - {cats, items_key}:
        if other in q:
            r.problem(path, f"{fld}.{other}", f"a {qtype} question has {cats} and {items_key}, not {other}")
    categories = q.get(cats)
    if not isinstance(categories, list) or len(categories) < 2:
        r.problem(path, f"{fld}.{cats}", f"a {qtype} question needs at least two {cats}")
        categories = []
    question["categories"] = _choices(r, path, categories, f"{fld}.{cats}", cats)
    category_ids = [c["id"] for c in question["categories"] if c["id"]]
    if qtype == "rate":
        question["tolerance"] = r.integer(path, q, "tolerance", f"{fld}.tolerance", default=0,
                                          high=max(0, len(category_ids) - 1))
    items = q.get(items_key)
    if not isinstance(items, list) or len(items) < 2:
        r.problem(path, f"{fld}.{items_key}", f"a {qtype} question needs at least two {items_key}")
        items = []
    question["items"] = []
    for j, i in enumerate(items):
        ifld = f"{fld}.{items_key}[{j}]"
        if not isinstance(i, dict):
            r.problem(path, ifld, "must be a mapping")
            continue
        iid = r.ident(path, i.get("id"), f"{ifld}.id")
        if iid:
            ifld = f"{fld}.{items_key}[{iid}]"
        if iid in {x["id"] for x in question["items"]}:
            r.problem(path, f"{ifld}.id", f"duplicate id {iid!r} in {items_key}")
        category = i.get(right_key)
        if category not in category_ids:
            listed = ", ".join(sorted(category_ids)) or "none"
            r.problem(path, f"{ifld}.{right_key}", f"must be the id of one of the question's {cats} ({listed})")
        question["items"].append({
            "id": iid, "text": r.text(path, i, "text", f"{ifld}.text"), "category": category,
            "feedback": r.text(path, i, feedback_key, f"{ifld}.{feedback_key}", required=qtype == "rate"),
        })


def _choices(r, path: Path, value: list, fld: str, name: str) -> list[dict]:
    """The {id, text} mappings of a list (a question's categories, a placement's options), ids
    distinct; every problem named at its field. (The caller says how many it needs.)"""
    found: list[dict] = []
    for j, c in enumerate(value):
        cfld = f"{fld}[{j}]"
        if not isinstance(c, dict):
            r.problem(path, cfld, "must be a mapping")
            continue
        cid = r.ident(path, c.get("id"), f"{cfld}.id")
        if cid in {x["id"] for x in found}:
            r.problem(path, f"{cfld}.id", f"duplicate id {cid!r} in {name}")
        found.append({"id": cid, "text": r.text(path, c, "text", f"{cfld}.text")})
    return found


# What a rate question adds to the ratings: a written justification per factor, and a
# proposed placement or next step (docs/courses.md).
CASE_KEYS = ("justification", "placement")
# Written answers: the default and the bounds of their length, in characters.
TEXT_MAX_DEFAULT, TEXT_MAX_LOW, TEXT_MAX_HIGH = 500, 20, 2000


def _read_text_rule(r, path: Path, fld: str, data, default_required: bool) -> dict:
    """A written answer's rule: {required: true|false, max_length: characters}."""
    if not isinstance(data, dict):
        r.problem(path, fld, "must be a mapping")
        data = {}
    for key in set(data) - {"required", "max_length"}:
        r.problem(path, f"{fld}.{key}", "must be one of required, max_length")
    required = data.get("required", default_required)
    if not isinstance(required, bool):
        r.problem(path, f"{fld}.required", "must be true or false")
        required = default_required
    return {"required": required,
            "max_length": r.integer(path, data, "max_length", f"{fld}.max_length", default=TEXT_MAX_DEFAULT,
                                    low=TEXT_MAX_LOW, high=TEXT_MAX_HIGH)}


def _read_case_work(r, path: Path, fld: str, q: dict, question: dict) -> None:
    """rate: each factor's written justification, and the proposed placement or next step."""
    if q.get("justification") is False:  # no written justification asked for
        question["justification"] = None
    else:
        question["justification"] = _read_text_rule(r, path, f"{fld}.justification", q.get("justification", {}),
                                                    False)
    data = q.get("placement")
    if data is None:
        return
    pfld = f"{fld}.placement"
    if not isinstance(data, dict):
        r.problem(path, pfld, "must be a mapping")
        return
    for key in set(data) - {"text", "options", "expert", "reasoning", "graded", "reason"}:
        r.problem(path, f"{pfld}.{key}", "must be one of text, options, expert, reasoning, graded, reason")
    placement = {"text": r.text(path, data, "text", f"{pfld}.text"), "options": [],
                 "reasoning": r.text(path, data, "reasoning", f"{pfld}.reasoning"),
                 "graded": data.get("graded", True)}
    if not isinstance(placement["graded"], bool):
        r.problem(path, f"{pfld}.graded", "must be true or false")
        placement["graded"] = True
    options = data.get("options")
    if not isinstance(options, list) or len(options) < 2:
        r.problem(path, f"{pfld}.options", "a placement needs at least two options")
        options = []
    placement["options"] = _choices(r, path, options, f"{pfld}.options", "options")
    option_ids = [o["id"] for o in placement["options"] if o["id"]]
    placement["expert"] = data.get("expert")
    if placement["expert"] not in option_ids:
        listed = ", ".join(sorted(option_ids)) or "none"
        r.problem(path, f"{pfld}.expert", f"must be the id of one of the placement's options ({listed})")
    if "reason" in data:
        placement["reason"] = _read_text_rule(r, path, f"{pfld}.reason", data["reason"], False)
    question["placement"] = placement


def _read_documents(r, path: Path, fld: str, q: dict, question: dict) -> None:
    """A case file: documents shown with the question (side by side on a wide screen)."""
    documents = q.get("documents")
    if documents is None:
        return
    if not isinstance(documents, list) or not documents:
        r.problem(path, f"{fld}.documents", "must be a list")
        return
    question["documents"] = []
    for j, d in enumerate(documents):
        dfld = f"{fld}.documents[{j}]"
        if not isinstance(d, dict):
            r.problem(path, dfld, "must be a mapping")
            continue
        did = r.ident(path, d.get("id"), f"{dfld}.id")
        if did in {x["id"] for x in question["documents"]}:
            r.problem(path, f"{dfld}.id", f"duplicate id {did!r} in documents")
        question["documents"].append({"id": did, "title": r.text(path, d, "title", f"{dfld}.title"),
                                      "text": r.text(path, d, "text", f"{dfld}.text")})
