"""The course's own fields (course.yaml) and its module list, as edits of the draft's files."""

from __future__ import annotations

import re

import yaml

from lms.authoring.drafts import AuthoringError, dump_yaml, propose_id
from lms.authoring.fields import as_dict, as_list, posted_rows, posted_texts, typed_number
from lms.catalog.spec import ID_RE, parse_yaml

KINDS = ("lesson", "scenario", "assessment")


def load_yaml(data: bytes | None) -> dict:
    """A YAML file of the draft as a dict; AuthoringError when it cannot be read as one."""
    try:
        value = parse_yaml((data or b"").decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError):
        raise AuthoringError("malformed-yaml") from None
    if not isinstance(value, dict):
        raise AuthoringError("malformed-yaml")
    return value


def course_fields(files: dict[str, bytes]) -> dict:
    return load_yaml(files.get("course.yaml"))


def apply_course_fields(files: dict[str, bytes], values: dict) -> dict[str, bytes]:
    """course.yaml with the form's values; keys the form does not show are kept."""
    data = course_fields(files)
    langs = values["languages"]
    data["source_language"] = values["source_language"]
    data["languages"] = langs
    if isinstance(data.get("translating"), list):  # a language ticked as offered is no longer being translated
        data["translating"] = [lang for lang in data["translating"] if lang not in langs]
        if not data["translating"]:
            data.pop("translating")
    for key in ("title", "summary"):
        old = as_dict(data.get(key))
        texts = {lang: values[key].get(lang, "").strip() for lang in langs}
        # Texts of languages no longer offered are kept, so unticking a language loses nothing.
        texts.update({lang: text for lang, text in old.items() if lang not in langs})
        data[key] = {lang: text for lang, text in texts.items() if text or lang in langs}
    data["audience"] = values["audience"]
    data["estimated_minutes"] = values["estimated_minutes"]
    completion = as_dict(data.get("completion"))
    completion["pass_mark"] = values["pass_mark"]
    completion.setdefault("required", "all")
    data["completion"] = completion
    data["certificate"] = {"enabled": values["certificate_enabled"], "hours": values["certificate_hours"]}
    if values.get("on_new_version") == "finish" or "on_new_version" in data:
        data["on_new_version"] = values.get("on_new_version") or "move_on"
    if values.get("pre_test"):
        data["pre_test"] = values["pre_test"]
    else:
        data.pop("pre_test", None)
    ordered = {k: data[k] for k in ("id", "version", "source_language", "languages", "title", "summary",
                                    "audience", "estimated_minutes", "completion", "certificate",
                                    "quiz_review", "on_new_version", "pre_test", "modules") if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    return {"course.yaml": dump_yaml(ordered)}


def module_folders(files: dict[str, bytes]) -> list[str]:
    return sorted({p.split("/")[0] for p in files if "/" in p})


def propose_module_id(files: dict[str, bytes], title: str) -> str:
    """'NN-slug' after the highest number used so far."""
    numbers = [int(m.group(1)) for f in module_folders(files) if (m := re.match(r"^(\d+)-", f))]
    return f"{(max(numbers) + 1 if numbers else 1):02d}-{propose_id(title)}"[:80]


def add_module(files: dict[str, bytes], module_id: str, kind: str, title: str, retired: set[str]) -> dict:
    """The changes that add a module folder with starting files and list it in course.yaml."""
    if not ID_RE.match(module_id or "") or len(module_id) > 80:
        raise AuthoringError("bad-id")
    if kind not in KINDS:
        raise AuthoringError("bad-kind")
    if module_id in module_folders(files) or module_id in retired:
        raise AuthoringError("module-id-taken")
    course = course_fields(files)
    langs = course.get("languages") or ["en"]
    source = course.get("source_language") or langs[0]
    changes: dict[str, bytes | None] = {}
    module = {"id": module_id, "kind": kind, "title": {source: title.strip()}, "estimated_minutes": 15,
              "objectives": [{source: ""}] if kind != "assessment" else []}
    changes[f"{module_id}/module.yaml"] = dump_yaml(module)
    if kind == "lesson":
        changes[f"{module_id}/lesson.{source}.md"] = f"## {title.strip()}\n\n".encode()
    if kind == "assessment":
        changes[f"{module_id}/quiz.yaml"] = dump_yaml({
            "id": f"{module_id}-quiz", "attempts": 3, "shuffle": True, "questions": []})
    if kind == "scenario":
        changes[f"{module_id}/scenario.yaml"] = dump_yaml({
            "id": f"{module_id}-scenario", "title": {source: title.strip()}, "briefing": {source: ""},
            "roles": {"officer": {"name": {source: ""}}}, "start": "n1", "pass_score": 0,
            "nodes": {"n1": {"ending": "good", "debrief": {source: ""}}}})
    course.setdefault("modules", [])
    if not isinstance(course["modules"], list):
        course["modules"] = []
    course["modules"].append(module_id)
    changes["course.yaml"] = dump_yaml(course)
    return changes


def move_module(files: dict[str, bytes], module_id: str, step: int) -> dict:
    course = course_fields(files)
    modules = list(course.get("modules") or [])
    if module_id not in modules:
        raise AuthoringError("no-module")
    i = modules.index(module_id)
    j = max(0, min(len(modules) - 1, i + step))
    modules[i], modules[j] = modules[j], modules[i]
    course["modules"] = modules
    return {"course.yaml": dump_yaml(course)}


def remove_module(files: dict[str, bytes], module_id: str) -> dict:
    """Take a module out of the list and delete its folder from the draft.

    For a module of a published version this is retiring it: the published versions keep
    it, and with it every record that points at its id; the id is never used again.
    """
    course = course_fields(files)
    modules = list(course.get("modules") or [])
    if module_id not in modules and module_id not in module_folders(files):
        raise AuthoringError("no-module")
    course["modules"] = [m for m in modules if m != module_id]
    if course.get("pre_test") == module_id:
        course.pop("pre_test")
    changes: dict[str, bytes | None] = {p: None for p in files if p.startswith(module_id + "/")}
    changes["course.yaml"] = dump_yaml(course)
    return changes


def module_from_form(files: dict[str, bytes], module_id: str, form, langs: list[str]) -> dict[str, bytes]:
    """module.yaml with the form's kind, title, time and objectives; keys the form does not show are kept."""
    data = load_yaml(files.get(f"{module_id}/module.yaml"))
    data["id"] = module_id
    data["kind"] = form.get("kind") or data.get("kind")
    data["title"] = posted_texts(form, "title", langs, data.get("title"))
    data["estimated_minutes"] = typed_number(form.get("estimated_minutes") or "0")
    old = as_list(data.get("objectives"))
    objectives = []
    for k in range(posted_rows(form, "objectives_rows")):
        text = posted_texts(form, f"obj{k}", langs, old[k] if k < len(old) and isinstance(old[k], dict) else None)
        if text:
            objectives.append(text)
    data["objectives"] = objectives
    ordered = {k: data[k] for k in ("id", "kind", "title", "estimated_minutes", "objectives") if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    return {f"{module_id}/module.yaml": dump_yaml(ordered)}
