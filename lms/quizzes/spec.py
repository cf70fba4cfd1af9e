"""Read and check quiz.yaml."""

from __future__ import annotations

from pathlib import Path


def read_quiz(r, path: Path, course: dict, ids) -> dict | None:
    data = r.load_yaml(path)
    if data is None:
        return None
    quiz_id = r.ident(path, data.get("id"), "id")
    ids.claim(r, path, "id", "quiz", quiz_id)
    quiz = {
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
        return quiz
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
        if qtype not in ("single", "multiple", "true_false"):
            r.problem(path, f"{fld}.type", "must be single, multiple or true_false")
        question = {
            "id": qid,
            "type": qtype,
            "text": r.text(path, q, "text", f"{fld}.text"),
            "explanation": r.text(path, q, "explanation", f"{fld}.explanation", required=False),
            "refs": [str(x) for x in (q.get("refs") or [])],
            "options": [],
        }
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
            question["options"].append({
                "id": oid,
                "text": r.text(path, o, "text", f"{ofld}.text"),
                "correct": bool(o.get("correct", False)),
                "feedback": r.text(path, o, "feedback", f"{ofld}.feedback", required=False),
            })
        correct = sum(1 for o in question["options"] if o["correct"])
        if options and correct == 0:
            r.problem(path, fld, "no option is marked correct")
        if qtype in ("single", "true_false") and correct > 1:
            r.problem(path, fld, f"a {qtype} question has exactly one correct option, not {correct}")
        if qtype == "true_false" and option_ids != {"true", "false"}:
            r.problem(path, f"{fld}.options", "a true_false question has the options 'true' and 'false'")
        quiz["questions"].append(question)
    return quiz
