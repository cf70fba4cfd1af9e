"""The course format, typed: the shape `lms.catalog.spec` reads a course folder into.

One set of types for the parsed course (docs/courses.md), used by the reader that checks
course files, the loader that stores them (as JSON in course_contents) and every feature
that reads them: mypy then checks each key a feature reads against the format. The reader
is the only place that decides what a valid file is; these types only describe its result.

`Text` is a translated text: language code -> text, for every language of the course.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

Text = dict[str, str]


# Quizzes (quiz.yaml) ------------------------------------------------------------------------

class OptionData(TypedDict):
    id: str
    text: Text
    correct: bool
    feedback: Text
    credit: NotRequired[int]  # best_response: 0..100, the best reply 100


class ChoiceData(TypedDict):
    """A category of a classify question, a step of a rate question's scale, a placement option."""

    id: str
    text: Text


class ItemData(TypedDict):
    """A statement to sort (classify) or a factor to rate (rate) with the right category or the
    expert's rating, and its feedback (the expert's reasoning for a factor)."""

    id: str
    text: Text
    category: str
    feedback: Text


class TextRuleData(TypedDict):
    """A written answer: whether it is required, and its longest length in characters."""

    required: bool
    max_length: int


class PlacementData(TypedDict):
    text: Text
    options: list[ChoiceData]
    reasoning: Text
    graded: bool
    expert: str
    reason: NotRequired[TextRuleData]


class DocumentData(TypedDict):
    id: str
    title: Text
    text: Text


class QuestionData(TypedDict):
    id: str
    type: str  # one of lms.quizzes.spec.QUESTION_TYPES
    text: Text
    explanation: Text
    refs: list[str]
    options: list[OptionData]
    categories: NotRequired[list[ChoiceData]]  # classify, rate (the scale, lowest first)
    items: NotRequired[list[ItemData]]  # classify, rate
    tolerance: NotRequired[int]  # rate: steps away from the expert that still agree
    justification: NotRequired[TextRuleData | None]  # rate
    placement: NotRequired[PlacementData]  # rate
    documents: NotRequired[list[DocumentData]]  # a case file


class QuizData(TypedDict):
    id: str
    pass_mark: int
    attempts: int
    shuffle: bool
    questions: list[QuestionData]
    draw: NotRequired[int]  # a pool: each attempt draws this many questions


# Role-plays (scenario.yaml) -----------------------------------------------------------------

class RoleData(TypedDict):
    name: Text
    card: Text


class ChecklistItemData(TypedDict):
    id: str
    text: Text


class ReplyData(TypedDict):
    """A reply the officer may choose at a step of a role-play."""

    id: str
    text: Text
    next: str
    score: int
    skills: list[str]
    feedback: Text
    set: dict[str, int]
    when: dict[str, dict[str, int]]


class NodeData(TypedDict):
    speaker: str | None
    text: Text
    choices: list[ReplyData]
    ending: NotRequired[str]  # good, mixed or poor
    debrief: NotRequired[Text]


class ScenarioData(TypedDict):
    id: str
    title: Text
    briefing: Text
    feedback: str  # immediate or debrief
    roles: dict[str, RoleData]
    observer_checklist: list[ChecklistItemData]
    start: str
    pass_score: int
    variables: dict[str, int]
    nodes: dict[str, NodeData]


# Courses and modules (course.yaml, module.yaml, lesson.LANG.md) --------------------------------

class ModuleData(TypedDict):
    id: str
    kind: str  # lesson, scenario or assessment
    title: Text
    estimated_minutes: int
    objectives: list[Text]
    # read_course: language -> Markdown; stored content: the languages that have a lesson (the
    # loader moves the texts into rendered lesson pages).
    lesson: Text | list[str]
    media: list[str]
    quiz: QuizData | None
    scenario: ScenarioData | None


class CertificateData(TypedDict):
    enabled: bool
    hours: float


class CourseData(TypedDict):
    id: str
    version: int
    source_language: str
    languages: list[str]
    title: Text
    summary: Text
    audience: list[str]
    estimated_minutes: int
    pass_mark: int
    certificate: CertificateData
    quiz_review: str
    pre_test: ModuleData | None
    modules: list[ModuleData]
    on_new_version: NotRequired[str]


def quiz_of(module: ModuleData) -> QuizData:
    """The quiz of a module that has one (callers have found the module by its quiz part)."""
    quiz = module["quiz"]
    if quiz is None:
        raise LookupError(f"module {module['id']} has no quiz")
    return quiz


def scenario_of(module: ModuleData) -> ScenarioData:
    """The role-play of a module that has one."""
    scenario = module["scenario"]
    if scenario is None:
        raise LookupError(f"module {module['id']} has no role-play")
    return scenario
