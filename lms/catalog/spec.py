"""Read course folders (COURSE_FORMAT.md) into plain data, and report every problem.

Pure functions: no Flask, no database. `read_course(path)` returns the parsed course and
the list of problems, each naming its file and field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import yaml

from lms.catalog.content import CourseData, ModuleData
from lms.catalog.render import BOX_KINDS
from lms.quizzes.spec import read_quiz
from lms.scenarios.spec import read_scenario

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MODULE_KINDS = {"lesson", "scenario", "assessment"}
# What a quiz review shows (see docs/courses.md); the first is the default.
QUIZ_REVIEW = ("after_last_attempt", "after_each_attempt", "never")
# What officers in the middle of the course do when a new version is published.
ON_NEW_VERSION = ("move_on", "finish")
IMAGE_SUFFIXES = {".svg", ".png", ".webp", ".jpg", ".jpeg"}
IMAGE_RE = re.compile(r"!\[[^\]]*\]\(\s*([^)\s]+)")
# A box line as the Markdown admonition extension reads it: `!!! note "Title"` (straight quotes);
# anything else starting with !!! would show on the page as it was typed.
BOX_RE = re.compile(r'!!! ?([\w\-]+)(?: +"(.*?)")? *')
# libyaml's safe loader when PyYAML has it: the same data, about ten times faster, which
# matters because the web editor checks the whole course on every save.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str):
    """YAML text to plain data, safely (no tags that build objects)."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)


def dump_yaml(data: dict) -> bytes:
    """Plain data as a course file's YAML: keys in the order given, text as written."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000).encode()


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"


@dataclass
class Reader:
    """Collects problems while reading one course folder."""

    root: Path
    languages: list[str] = field(default_factory=list)
    # Languages being translated (course.yaml `translating`): their texts may be incomplete
    # and are left out of the course officers get (docs/translation.md).
    translating: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def problem(self, path: Path, fld: str, message: str) -> None:
        self.problems.append(Problem(self.rel(path), fld, message))

    def load_yaml(self, path: Path) -> dict | None:
        if not path.exists():
            self.problem(path, "", "file is missing")
            return None
        try:
            data = parse_yaml(path.read_text(encoding="utf-8"))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
            self.problem(path, line, f"malformed YAML: {exc.problem or exc.context}")
            return None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            self.problem(path, "", f"cannot be read: {exc}")
            return None
        if not isinstance(data, dict):
            self.problem(path, "", "must be a mapping of fields")
            return None
        return data

    def text(self, path: Path, data: dict, key: str, fld: str, required: bool = True) -> dict:
        """A translated text: a map language -> non-empty text, for every course language."""
        value = data.get(key)
        if value is None:
            if required:
                self.problem(path, fld, "is missing")
            return {}
        if not isinstance(value, dict):
            self.problem(path, fld, "must map each language code to a text")
            return {}
        for lang in self.languages:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                self.problem(path, f"{fld}.{lang}", "missing translation")
        for lang in value:
            if lang not in self.languages and lang not in self.translating:
                self.problem(path, f"{fld}.{lang}", "language not listed in course.yaml")
        return {k: str(v).strip() for k, v in value.items() if isinstance(v, str) and k in self.languages}

    def ident(self, path: Path, value, fld: str) -> str | None:
        if not isinstance(value, str) or not ID_RE.match(value):
            self.problem(path, fld, f"invalid id {value!r}: use lowercase letters, digits and '-'")
            return None
        return value

    def integer(self, path: Path, data: dict, key: str, fld: str, default=None, low=0, high=None):
        value = data.get(key, default)
        if value is None:
            self.problem(path, fld, "is missing")
            return default
        if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
            bounds = f"{low}..{high}" if high is not None else f">= {low}"
            self.problem(path, fld, f"must be a whole number {bounds}")
            return default
        return value


def read_course(course_dir: Path, partial: bool = False) -> tuple[CourseData | None, list[Problem]]:
    """Parse and check one course folder; return (course, problems).

    The course is None when there is any problem, unless `partial` asks for what could be
    read anyway (the editor previews an unfinished draft with it).
    """
    course_dir = Path(course_dir)
    r = Reader(root=course_dir)
    path = course_dir / "course.yaml"
    data = r.load_yaml(path)
    if data is None:
        return None, r.problems
    langs = data.get("languages")
    if not isinstance(langs, list) or not langs or not all(isinstance(x, str) for x in langs):
        r.problem(path, "languages", "must be a list of language codes")
        langs = ["en"]
    r.languages = langs
    translating = data.get("translating") or []
    if not isinstance(translating, list) or not all(isinstance(x, str) for x in translating):
        r.problem(path, "translating", "must be a list of language codes")
        translating = []
    for lang in translating:
        if lang in langs:
            r.problem(path, "translating", f"{lang!r} is already offered (listed in languages)")
    r.translating = [x for x in translating if x not in langs]
    _check_records(r, course_dir / "translations.yaml")
    course_id = r.ident(path, data.get("id"), "id")
    if course_id and course_id != course_dir.name:
        r.problem(path, "id", f"must match the folder name {course_dir.name!r}")
    source = data.get("source_language", "en")
    if source not in langs:
        r.problem(path, "source_language", "must be one of the course languages")
    completion = data.get("completion") or {}
    if not isinstance(completion, dict):
        r.problem(path, "completion", "must be a mapping")
        completion = {}
    certificate = data.get("certificate") or {}
    if not isinstance(certificate, dict):
        r.problem(path, "certificate", "must be a mapping")
        certificate = {}
    course: dict = {
        "id": course_id,
        "version": r.integer(path, data, "version", "version", low=1),
        "source_language": source,
        "languages": langs,
        "title": r.text(path, data, "title", "title"),
        "summary": r.text(path, data, "summary", "summary", required=False),
        "audience": data.get("audience") or [],
        "estimated_minutes": r.integer(path, data, "estimated_minutes", "estimated_minutes", default=0),
        "pass_mark": r.integer(path, completion, "pass_mark", "completion.pass_mark", default=80, high=100),
        "certificate": {
            "enabled": bool(certificate.get("enabled", False)),
            "hours": certificate.get("hours", 0),
        },
        "quiz_review": data.get("quiz_review", "after_last_attempt"),
        "pre_test": None,
        "modules": [],
    }
    if course["quiz_review"] not in QUIZ_REVIEW:
        r.problem(path, "quiz_review", "must be one of " + ", ".join(QUIZ_REVIEW))
        course["quiz_review"] = "after_last_attempt"
    if "on_new_version" in data:  # kept out of the content when absent, so older courses hash the same
        course["on_new_version"] = data["on_new_version"]
        if data["on_new_version"] not in ON_NEW_VERSION:
            r.problem(path, "on_new_version", "must be one of " + ", ".join(ON_NEW_VERSION))
            course["on_new_version"] = "move_on"
    if not isinstance(course["certificate"]["hours"], (int, float)) or course["certificate"]["hours"] < 0:
        r.problem(path, "certificate.hours", "must be a number of hours")
        course["certificate"]["hours"] = 0
    listed = data.get("modules")
    if not isinstance(listed, list) or not listed:
        r.problem(path, "modules", "must list the modules in order")
        listed = []
    on_disk = sorted(p.name for p in course_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    pre_test = data.get("pre_test")
    if pre_test is not None and pre_test not in on_disk:
        r.problem(path, "pre_test", f"module folder {pre_test!r} does not exist")
    if pre_test in listed:
        r.problem(path, "pre_test", "the pre-test is not listed in modules")
    seen: set[str] = set()
    for i, module_id in enumerate(listed):
        if module_id in seen:
            r.problem(path, f"modules[{i}]", f"duplicate module {module_id!r}")
            continue
        seen.add(module_id)
        if module_id not in on_disk:
            r.problem(path, f"modules[{i}]", f"module folder {module_id!r} does not exist")
    for name in on_disk:
        if name not in seen and name != pre_test:
            r.problem(course_dir / name, "", "module folder is not listed in course.yaml modules")
    ids = IdRegistry()
    for module_id in [m for m in listed if m in on_disk]:
        module = _read_module(r, course_dir / module_id, course, ids)
        if module:
            course["modules"].append(module)
    if pre_test and pre_test in on_disk:
        module = _read_module(r, course_dir / pre_test, course, ids)
        if module:
            if not module.get("quiz"):
                r.problem(course_dir / pre_test, "quiz.yaml", "the pre-test needs a quiz")
            course["pre_test"] = module
    # The checks above make the dictionary what lms.catalog.content describes.
    return (cast(CourseData, course) if not r.problems or partial else None), r.problems


class IdRegistry:
    """Ids that must be unique across a course (quizzes, questions, scenarios)."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def claim(self, r: Reader, path: Path, fld: str, kind: str, value: str | None) -> None:
        if value is None:
            return
        key = f"{kind}:{value}"
        if key in self.seen:
            r.problem(path, fld, f"duplicate {kind} id {value!r} (also in {self.seen[key]})")
        else:
            self.seen[key] = r.rel(path)


def _read_module(r: Reader, folder: Path, course: dict, ids: IdRegistry) -> ModuleData | None:
    path = folder / "module.yaml"
    data = r.load_yaml(path)
    if data is None:
        return None
    module_id = r.ident(path, data.get("id"), "id")
    if module_id and module_id != folder.name:
        r.problem(path, "id", f"must match the folder name {folder.name!r}")
    kind = data.get("kind")
    if kind not in MODULE_KINDS:
        r.problem(path, "kind", f"must be one of {sorted(MODULE_KINDS)}")
    objectives = data.get("objectives") or []
    if not isinstance(objectives, list):
        r.problem(path, "objectives", "must be a list")
        objectives = []
    if kind in ("lesson", "scenario") and not objectives:
        r.problem(path, "objectives", "list what an officer can do after the module")
    module: dict = {
        "id": folder.name,
        "kind": kind,
        "title": r.text(path, data, "title", "title"),
        "estimated_minutes": r.integer(path, data, "estimated_minutes", "estimated_minutes", default=0),
        "objectives": [
            r.text(path, {"o": o}, "o", f"objectives[{i}]") for i, o in enumerate(objectives)
        ],
        "lesson": {},
        "media": [],
        "quiz": None,
        "scenario": None,
    }
    media_dir = folder / "media"
    if media_dir.is_dir():
        module["media"] = sorted(
            p.name for p in media_dir.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
        )
    lesson_files = {p.name.split(".")[1]: p for p in folder.glob("lesson.*.md")}
    if kind == "lesson" or lesson_files:
        for lang in r.languages:
            lesson_path = folder / f"lesson.{lang}.md"
            if lang not in lesson_files:
                r.problem(lesson_path, "", "missing translation (lesson file)")
                continue
            text = lesson_path.read_text(encoding="utf-8")
            if not text.strip():
                r.problem(lesson_path, "", "lesson is empty")
            for n, line in enumerate(text.splitlines(), 1):
                box = BOX_RE.fullmatch(line) if line.startswith("!!!") else None
                if line.startswith("!!!") and (box is None or box.group(1) not in BOX_KINDS):
                    r.problem(lesson_path, f"line {n}", "box not understood: write it as !!! note \"Title\", "
                              f"the title in straight double quotes (kinds: {', '.join(BOX_KINDS)})")
            for target in IMAGE_RE.findall(text):
                if target.startswith(("http:", "https:", "//")):
                    r.problem(lesson_path, target, "images must be files in media/, not links to other hosts")
                elif not target.startswith("media/") or target[6:] not in module["media"]:
                    r.problem(lesson_path, target, "image does not exist in media/")
            module["lesson"][lang] = text
    quiz_path = folder / "quiz.yaml"
    if quiz_path.exists():
        module["quiz"] = read_quiz(r, quiz_path, course, ids)
    elif kind == "assessment":
        r.problem(quiz_path, "", "an assessment module needs a quiz")
    scenario_path = folder / "scenario.yaml"
    if scenario_path.exists():
        module["scenario"] = read_scenario(r, scenario_path, ids)
    elif kind == "scenario":
        r.problem(scenario_path, "", "a scenario module needs a scenario")
    return cast(ModuleData, module)


def _check_records(r: Reader, path: Path) -> None:
    """translations.yaml, written by the translation page, must at least be well formed."""
    if not path.exists():
        return
    data = r.load_yaml(path)
    if data is None:
        return
    for lang, entries in data.items():
        if not isinstance(entries, dict):
            r.problem(path, str(lang), "must map segment keys to records")
            continue
        for key, entry in entries.items():
            items = entry if isinstance(entry, list) else [entry]
            if not all(isinstance(e, dict) and isinstance(e.get("source"), str) for e in items):
                r.problem(path, f"{lang}.{key}", "each record needs the hash of its source")


def read_courses(root: Path) -> tuple[list[CourseData], list[Problem]]:
    """Read every course folder under root."""
    root = Path(root)
    if not root.is_dir():
        return [], [Problem(str(root), "", "folder does not exist")]
    courses, problems = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        course, found = read_course(folder)
        problems.extend(found)
        if course:
            courses.append(course)
    return courses, problems
