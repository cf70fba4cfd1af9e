"""The questions of the attempt page, made once per process and put together per request.

Everything a question shows that is the course's (its text, case file, options, hints, in
the course and interface languages) is rendered once per process for each version (row id
and content hash: a correction shows at once), module and pair of languages, from the
macros of quizzes/_question.html, with marks where an attempt's own values go. Each request
then puts in, in this attempt's order, the question numbers, the options' opaque keys (an
HMAC per attempt: never an option's id), which options the officer chose and what they
wrote. Nothing here is state another server would need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from flask import get_template_attribute
from flask_babel import format_number
from flask_babel import gettext as _
from markupsafe import Markup

from lms.catalog import cache
from lms.catalog.content import ModuleData, QuestionData, TextRuleData, quiz_of
from lms.csrf_tokens import mark
from lms.quizzes import grading
from lms.quizzes.attempts import text_rules
from lms.quizzes.scores import is_final_assessment

_TEMPLATE = "quizzes/_question.html"


MARKS = SimpleNamespace(n=mark("n"), number=mark("number"), key=mark("key"), checked=mark("checked"),
                        item_n=mark("item"), field=mark("field"))
CHECKED = ' checked'


# A choice's part cut where its key and its `checked` go: (before the key, between, after).
Choice = tuple[str, str, str]


@dataclass
class QuestionParts:
    """One question's rendered parts, each with marks where an attempt's values go."""

    type: str
    head: tuple[str, str]  # answered, unanswered
    choices: dict[str, Choice] = field(default_factory=dict)  # option (or placement choice) id -> part
    rows: dict[str, str] = field(default_factory=dict)  # statement id -> its start
    categories: dict[str, Choice] = field(default_factory=dict)  # category id -> part
    row_end: str = ""
    end: str = ""
    placement_end: str = ""


@dataclass(frozen=True)
class QuizParts:
    questions: dict[str, QuestionParts]
    numbers: list[str]  # 1, 2, 3… as the interface language writes them
    title: str  # the page's title
    by_id: dict[str, QuestionData]  # the quiz's questions by id
    rules: dict[str, dict[str, TextRuleData]]  # what is written in each question (attempts.text_rules)
    is_final: bool  # the course's final assessment (scores.is_final_assessment)


def _cut(part: str) -> Choice:
    before, rest = part.split(MARKS.key)
    between, after = rest.split(MARKS.checked)
    return before, between, after


def _macro(name: str):
    return get_template_attribute(_TEMPLATE, name)


def documents(q: QuestionData, tr) -> list[dict]:
    """A question's case file: each document's title and its paragraphs (plain text)."""
    shown = []
    for d in q.get("documents") or []:
        text = tr(d["text"])
        shown.append({"title": tr(d["title"]), "text": text,
                      "paragraphs": [p.strip() for p in text.text.split("\n\n") if p.strip()]})
    return shown


def _question_parts(q: QuestionData, tr) -> QuestionParts:
    shown = {"id": q["id"], "type": q["type"], "text": tr(q["text"]), "documents": documents(q, tr)}
    if q.get("placement"):
        shown["placement"] = {"text": tr(q["placement"]["text"])}
    head = _macro("head")
    parts = QuestionParts(type=q["type"], head=(str(head(shown, MARKS, False)), str(head(shown, MARKS, True))))
    if q["type"] in grading.SORTED:
        row_start, category, choice = _macro("row_start"), _macro("category"), _macro("placement_choice")
        parts.rows = {i["id"]: str(row_start({"text": tr(i["text"])})) for i in q["items"]}
        parts.categories = {c["id"]: _cut(str(category(shown, {"text": tr(c["text"])}, MARKS))) for c in q["categories"]}
        parts.row_end = str(_macro("row_end")(MARKS))
        parts.end = str(_macro("placement_start")(shown))
        if q.get("placement"):
            parts.choices = {grading.placement_choice(o["id"]): _cut(str(choice(shown, {"text": tr(o["text"])}, MARKS)))
                             for o in q["placement"]["options"]}
        parts.placement_end = str(_macro("placement_end")(shown, MARKS))
    else:
        option = _macro("option")
        parts.choices = {o["id"]: _cut(str(option(shown, {"text": tr(o["text"])}, MARKS))) for o in q["options"]}
        parts.end = str(_macro("options_end")())
    return parts


def quiz_parts(version, module: ModuleData, tr, cached: bool = True) -> QuizParts:
    """The module's questions as parts, with the page's title and what the page reads of
    the quiz, made once per process for each version (row id and content hash), module and
    interface language (the course language shown follows from the content and the
    interface language); the course editor's preview (a draft) makes them afresh each time."""
    key = (version.id, version.content_hash, module["id"], tr.ui_lang)
    found = cache.QUIZ_PAGES.get(key) if cached else None
    if found is None:
        questions = quiz_of(module)["questions"]
        found = QuizParts(questions={q["id"]: _question_parts(q, tr) for q in questions},
                          numbers=[format_number(n) for n in range(1, len(questions) + 1)],
                          title=f"{_('Quiz')}: {tr(module['title'])}", by_id={q["id"]: q for q in questions},
                          rules={q["id"]: text_rules(q) for q in questions},
                          is_final=is_final_assessment(version, module["id"]))
        if cached:
            cache.QUIZ_PAGES.put(key, found)
    return found


def _choices(out: list[str], parts: dict[str, Choice], choice_ids, keys: dict[str, str], selected: set[str]) -> None:
    """Each choice laid out (and still in the course) with its key and `checked` put in, as
    pieces of `out` (joined once, with the page)."""
    for c in choice_ids:
        part = parts.get(c)
        if part is not None:
            out += (part[0], keys[c], part[1], CHECKED if c in selected else "", part[2])


def questions_html(parts: QuizParts, layout: list, draft: dict, keys: dict, unanswered: set[str],
                   field_of) -> Markup:
    """The attempt's questions in its order, with its keys and the officer's choices.

    keys: {question id: {choice id: opaque key}}; unanswered: the questions marked as having
    no answer; field_of(question id, part id, html id) gives a written answer's field, or
    None when the question asks for none there."""
    out: list[str] = []
    for n, (qid, choice_ids) in enumerate(layout, 1):
        q = parts.questions.get(qid)
        if q is None:
            continue  # the course was corrected since this attempt was laid out
        selected = set(draft.get(qid, ()))
        number = parts.numbers[n - 1] if n <= len(parts.numbers) else str(n)
        out.append(q.head[qid in unanswered].replace(MARKS.n, str(n)).replace(MARKS.number, number))
        if q.type in grading.SORTED:
            by_item: dict[str, list[str]] = {}  # statement id -> its choices (statement, category)
            cells: dict[str, Choice] = {}  # choice -> its category's part
            for choice in choice_ids:
                item_id, category_id = grading.split_pair(choice)
                if item_id in q.rows and category_id in q.categories:
                    by_item.setdefault(item_id, []).append(choice)
                    cells[choice] = q.categories[category_id]
            for item_n, (item_id, choices) in enumerate(by_item.items(), 1):
                out.append(q.rows[item_id])
                row: list[str] = []
                _choices(row, cells, choices, keys[qid], selected)
                out.append("".join(row).replace(MARKS.item_n, str(item_n)))
                out.append(q.row_end.replace(MARKS.field, field_of(qid, item_id, f"question-{n}-{item_n}") or ""))
            out.append(q.end)
            _choices(out, q.choices, choice_ids, keys[qid], selected)
            out.append(q.placement_end.replace(MARKS.field, field_of(qid, grading.PLACEMENT, f"question-{n}-p") or ""))
        else:
            _choices(out, q.choices, choice_ids, keys[qid], selected)
            out.append(q.end)
    return Markup("".join(out))  # noqa: S704 (our templates; the keys put in are letters and digits)


def written_field(field: dict, part: str, html_id: str) -> Markup:
    """A written answer's field as the page shows it (part: a statement id, or the placement)."""
    label = _("Your reason") if part == grading.PLACEMENT else _("Your justification")
    return Markup(_macro("written")(field, label, html_id))  # noqa: S704 (our template, values escaped)
