"""scenario.yaml edited through forms: the role-play's settings, then one node at a time.

The forms write the course format as it is (COURSE_FORMAT.md); they check nothing of
their own except that a number typed for a variable is a number. Everything else is
checked by the course check (catalog/spec.py, scenarios/spec.py, the engine's graph
rules), whose problems `place` puts next to the form field they name.
"""

from __future__ import annotations

from lms.authoring.course_form import load_yaml
from lms.authoring.drafts import AuthoringError, dump_yaml
from lms.authoring.fields import as_dict, posted_rows, posted_texts, typed_number

ENDINGS = ("good", "mixed", "poor")
FEEDBACK = ("immediate", "debrief")
CONDITIONS = ("min", "max", "equals")
TOP_ORDER = ("id", "title", "briefing", "feedback", "roles", "observer_checklist", "variables", "start",
             "pass_score", "nodes")


def path_of(module_id: str) -> str:
    return f"{module_id}/scenario.yaml"


def read(files: dict[str, bytes], module_id: str) -> dict:
    """The scenario as a dict (AuthoringError when its YAML cannot be read as one)."""
    data = load_yaml(files.get(path_of(module_id)))
    if not isinstance(data.get("nodes"), dict):
        data["nodes"] = {}
    return data


def to_file(module_id: str, data: dict) -> dict[str, bytes]:
    ordered = {k: data[k] for k in TOP_ORDER if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    return {path_of(module_id): dump_yaml(ordered)}


def settings_from_form(data: dict, form, langs: list[str]) -> dict:
    """The role-play's own fields, roles, checklist and variables from the posted form."""
    out = dict(data)
    out["id"] = (form.get("sid") or "").strip()
    for key in ("title", "briefing"):
        out[key] = posted_texts(form, key, langs, data.get(key))
    feedback = form.get("feedback")
    if feedback == "immediate":
        out.pop("feedback", None)  # the default
    elif feedback in FEEDBACK:
        out["feedback"] = feedback
    out["start"] = (form.get("start") or "").strip()
    out["pass_score"] = typed_number(form.get("pass_score"))
    old_roles = as_dict(data.get("roles"))
    roles: dict = {}
    for k in range(posted_rows(form, "roles")):
        key = (form.get(f"role{k}_key") or "").strip()
        old = as_dict(old_roles.get(key))
        name = posted_texts(form, f"role{k}_name", langs, old.get("name"))
        card = posted_texts(form, f"role{k}_card", langs, old.get("card"))
        if not key and not name and not card:
            continue
        role = {**old, "name": name}
        if card:
            role["card"] = card
        else:
            role.pop("card", None)
        roles[key] = role
    out["roles"] = roles
    old_items = {i.get("id"): i for i in data.get("observer_checklist") or [] if isinstance(i, dict)}
    checklist = []
    for k in range(posted_rows(form, "checks")):
        cid = (form.get(f"chk{k}_id") or "").strip()
        text = posted_texts(form, f"chk{k}_text", langs, (old_items.get(cid) or {}).get("text"))
        if cid or text:
            checklist.append({"id": cid, "text": text})
    if checklist:
        out["observer_checklist"] = checklist
    else:
        out.pop("observer_checklist", None)
    variables: dict = {}
    wrong: list[str] = []
    for k in range(posted_rows(form, "vars")):
        variable = (form.get(f"var{k}_name") or "").strip()
        raw = (form.get(f"var{k}_value") or "").strip()
        if not variable and not raw:
            continue
        value = typed_number(raw or "0")
        if not isinstance(value, int):
            wrong.append(f"var{k}_value")
        variables[variable] = value
    if wrong:
        raise AuthoringError("not-a-number", fields=wrong)
    if variables:
        out["variables"] = variables
    else:
        out.pop("variables", None)
    return out


def node_from_form(form, langs: list[str], old: dict, variables: list[str]) -> dict:
    """A node as scenario.yaml holds it; blank choice rows are dropped, unknown keys kept.

    Raises AuthoringError("not-a-number") with the fields when a variable's change or
    condition is not a whole number (the course check would drop it without a word).
    """
    old = as_dict(old)
    node = {k: v for k, v in old.items() if k not in ("speaker", "text", "ending", "debrief", "choices")}
    speaker = (form.get("speaker") or "").strip()
    if speaker:
        node["speaker"] = speaker
    text = posted_texts(form, "text", langs, old.get("text"))
    if text:
        node["text"] = text
    ending = form.get("ending") or ""
    if ending:
        node["ending"] = ending
        node["debrief"] = posted_texts(form, "debrief", langs, old.get("debrief"))
    old_choices = {c.get("id"): c for c in old.get("choices") or [] if isinstance(c, dict)}
    choices = []
    wrong: list[str] = []
    for k in range(posted_rows(form, "rows")):
        p = f"c{k}"
        cid = (form.get(f"{p}_id") or "").strip()
        before = as_dict(old_choices.get(cid))
        ctext = posted_texts(form, f"{p}_text", langs, before.get("text"))
        nxt = (form.get(f"{p}_next") or "").strip()
        if not cid and not ctext and not nxt:
            continue
        choice = {k2: v for k2, v in before.items()
                  if k2 not in ("id", "text", "next", "score", "skills", "feedback", "set", "when")}
        choice.update({"id": cid, "text": ctext, "next": nxt, "score": typed_number(form.get(f"{p}_score") or "0")})
        skills = [s for s in form.getlist(f"{p}_skills") if s]
        if skills:
            choice["skills"] = skills
        feedback = posted_texts(form, f"{p}_feedback", langs, before.get("feedback"))
        if feedback:
            choice["feedback"] = feedback
        sets, when = {}, {}
        for var in variables:
            raw = (form.get(f"{p}_set_{var}") or "").strip()
            if raw:
                value = typed_number(raw)
                if not isinstance(value, int):
                    wrong.append(f"{p}_set_{var}")
                sets[var] = value
            cond = {}
            for how in CONDITIONS:
                raw = (form.get(f"{p}_when_{var}_{how}") or "").strip()
                if raw:
                    value = typed_number(raw)
                    if not isinstance(value, int):
                        wrong.append(f"{p}_when_{var}_{how}")
                    cond[how] = value
            if cond:
                when[var] = cond
        if sets:
            choice["set"] = sets
        if when:
            choice["when"] = when
        choices.append(choice)
    if wrong:
        raise AuthoringError("not-a-number", fields=wrong)
    if choices or not ending:
        node["choices"] = choices
    order = ("speaker", "text", "ending", "debrief", "choices")
    return {**{k: node[k] for k in order if k in node}, **{k: v for k, v in node.items() if k not in order}}


def set_node(data: dict, old_id: str | None, node_id: str, node: dict) -> dict:
    """The scenario with one node written (a new one at the end)."""
    nodes = dict(data.get("nodes") or {})
    if old_id is None and node_id in nodes:
        raise AuthoringError("node-taken")
    nodes[node_id] = node
    out = {**data, "nodes": nodes}
    if not out.get("start"):
        out["start"] = node_id
    return out


def remove_node(data: dict, node_id: str) -> dict:
    nodes = dict(data.get("nodes") or {})
    if node_id not in nodes:
        raise AuthoringError("no-node")
    del nodes[node_id]
    return {**data, "nodes": nodes}


# ---- the course check's problems next to the form's fields ------------------------------------

def place(problems, node_id: str | None, roles: list[str], shown: set[str]) -> dict[str, list]:
    """Problems of the page keyed by the field they concern; '' holds the rest of the page's own.

    On a node's page: the problems of that node. On the settings page: the scenario's own
    fields, graph-wide problems, and each node's problems under 'nodes_<id>' beside it.
    """
    from lms.authoring import fields

    if node_id is not None:
        return fields.place(problems, f"nodes.{node_id}", shown, {"choices": "c"})
    renamed = [_role_row(p, roles) for p in problems]
    return fields.place(renamed, None, shown, {"observer_checklist": "chk"},
                        renames={"id": "sid", "variables": "vars"}, elsewhere={"nodes": "nodes"})


def _role_row(p, roles: list[str]):
    """`roles.<key>...` named by the role's row on the form (`role<k>...`)."""
    from lms.catalog.spec import Problem

    if not p.field.startswith("roles."):
        return p
    key, _, tail = p.field[len("roles."):].partition(".")
    if key not in roles:
        return p
    return Problem(p.file, f"role{roles.index(key)}" + (f".{tail}" if tail else ""), p.message)
