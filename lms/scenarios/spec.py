"""Read and check scenario.yaml; the graph rules live in the engine."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from lms.catalog.content import ScenarioData
from lms.scenarios import engine

ENDINGS = {"good", "mixed", "poor"}


def read_scenario(r, path: Path, ids) -> ScenarioData | None:
    data = r.load_yaml(path)
    if data is None:
        return None
    sid = r.ident(path, data.get("id"), "id")
    ids.claim(r, path, "id", "scenario", sid)
    feedback = data.get("feedback", "immediate")
    if feedback not in ("immediate", "debrief"):
        r.problem(path, "feedback", "must be immediate or debrief")
    scenario: dict = {
        "id": sid,
        "title": r.text(path, data, "title", "title"),
        "briefing": r.text(path, data, "briefing", "briefing"),
        "feedback": feedback,
        "roles": {},
        "observer_checklist": [],
        "start": data.get("start"),
        "pass_score": r.integer(path, data, "pass_score", "pass_score", default=0),
        "variables": {},
        "nodes": {},
    }
    roles = data.get("roles")
    if not isinstance(roles, dict) or "officer" not in roles:
        r.problem(path, "roles", "must include the officer's role")
        roles = roles if isinstance(roles, dict) else {}
    for key, role in roles.items():
        if not isinstance(role, dict):
            r.problem(path, f"roles.{key}", "must be a mapping")
            continue
        scenario["roles"][key] = {
            "name": r.text(path, role, "name", f"roles.{key}.name"),
            "card": r.text(path, role, "card", f"roles.{key}.card", required=False),
        }
    checklist_ids: set[str] = set()
    for i, item in enumerate(data.get("observer_checklist") or []):
        fld = f"observer_checklist[{i}]"
        if not isinstance(item, dict):
            r.problem(path, fld, "must be a mapping")
            continue
        cid = r.ident(path, item.get("id"), f"{fld}.id")
        if cid in checklist_ids:
            r.problem(path, f"{fld}.id", f"duplicate checklist id {cid!r}")
        checklist_ids.add(cid)
        scenario["observer_checklist"].append({"id": cid, "text": r.text(path, item, "text", f"{fld}.text")})
    variables = data.get("variables") or {}
    if not isinstance(variables, dict) or not all(isinstance(v, int) for v in variables.values()):
        r.problem(path, "variables", "must map names to whole numbers")
        variables = {}
    scenario["variables"] = dict(variables)
    nodes = data.get("nodes")
    if not isinstance(nodes, dict) or not nodes:
        r.problem(path, "nodes", "a scenario needs nodes")
        return cast(ScenarioData, scenario)
    for node_id, node in nodes.items():
        fld = f"nodes.{node_id}"
        r.ident(path, str(node_id), fld)
        if not isinstance(node, dict):
            r.problem(path, fld, "must be a mapping")
            continue
        speaker = node.get("speaker")
        if speaker is not None and speaker not in scenario["roles"]:
            r.problem(path, f"{fld}.speaker", f"unknown role {speaker!r}")
        parsed = {"speaker": speaker, "text": r.text(path, node, "text", f"{fld}.text", required=False)}
        if "ending" in node:
            if node["ending"] not in ENDINGS:
                r.problem(path, f"{fld}.ending", "must be good, mixed or poor")
            parsed["ending"] = node["ending"]
            parsed["debrief"] = r.text(path, node, "debrief", f"{fld}.debrief")
            if node.get("choices"):
                r.problem(path, f"{fld}.choices", "an ending has no choices")
            parsed["choices"] = []
        else:
            if not parsed["text"]:
                r.problem(path, f"{fld}.text", "is missing")
            choices = node.get("choices")
            if not isinstance(choices, list) or not choices:
                r.problem(path, f"{fld}.choices", "a node that is not an ending needs choices")
                choices = []
            parsed["choices"] = []
            choice_ids: set[str] = set()
            for j, c in enumerate(choices):
                cfld = f"{fld}.choices[{j}]"
                if not isinstance(c, dict):
                    r.problem(path, cfld, "must be a mapping")
                    continue
                cid = r.ident(path, c.get("id"), f"{cfld}.id")
                if cid in choice_ids:
                    r.problem(path, f"{cfld}.id", f"duplicate choice id {cid!r}")
                choice_ids.add(cid)
                score = c.get("score", 0)
                if not isinstance(score, int) or isinstance(score, bool):
                    r.problem(path, f"{cfld}.score", "must be a whole number")
                    score = 0
                skills = c.get("skills") or []
                for skill in skills:
                    if skill not in checklist_ids:
                        r.problem(path, f"{cfld}.skills", f"unknown checklist id {skill!r}")
                sets = c.get("set") or {}
                when = c.get("when") or {}
                for name in list(sets) + list(when):
                    if name not in scenario["variables"]:
                        r.problem(path, f"{cfld}", f"condition or change on unknown variable {name!r}")
                for name, cond in when.items():
                    if not isinstance(cond, dict) or not set(cond) <= {"min", "max", "equals"}:
                        r.problem(path, f"{cfld}.when.{name}", "use min, max or equals")
                parsed["choices"].append({
                    "id": cid,
                    "text": r.text(path, c, "text", f"{cfld}.text"),
                    "next": c.get("next"),
                    "score": score,
                    "skills": [s for s in skills if isinstance(s, str)],
                    "feedback": r.text(path, c, "feedback", f"{cfld}.feedback", required=False),
                    "set": {k: v for k, v in sets.items() if isinstance(v, int)},
                    "when": when if isinstance(when, dict) else {},
                })
        scenario["nodes"][str(node_id)] = parsed
    for message, where in engine.graph_problems(cast(ScenarioData, scenario)):
        r.problem(path, where, message)
    return cast(ScenarioData, scenario)
