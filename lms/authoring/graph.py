"""A role-play drawn as a graph (SVG made here, no outside library).

Works on the draft's scenario.yaml as it is, even when it does not pass the check yet,
and marks what the author must fix: nodes that cannot be reached from the start, dead
ends (a node that is not an ending and leads nowhere), and the best path when it scores
below the pass score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from markupsafe import Markup, escape

from lms.authoring.fields import as_dict
from lms.catalog.content import ScenarioData
from lms.scenarios import engine

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 170, 46, 90, 26, 16
ENDING_FILL = {"good": "#dcf5dc", "mixed": "#fff3c4", "poor": "#fde2e2"}


def normalize(raw: dict) -> dict:
    """The parts of a scenario the graph needs, tolerant of anything missing or malformed."""
    nodes = {}
    for node_id, node in (raw.get("nodes") or {}).items() if isinstance(raw.get("nodes"), dict) else []:
        node = as_dict(node)
        choices = []
        for c in node.get("choices") or [] if isinstance(node.get("choices"), list) else []:
            if not isinstance(c, dict):
                continue
            score = c.get("score", 0)
            choices.append({
                "id": str(c.get("id", "?")), "next": str(c.get("next")) if c.get("next") is not None else None,
                "score": score if isinstance(score, int) and not isinstance(score, bool) else 0,
                "when": as_dict(c.get("when")),
                "set": {k: v for k, v in (c.get("set") or {}).items() if isinstance(v, int)}
                if isinstance(c.get("set"), dict) else {},
                "skills": c.get("skills") or [], "text": c.get("text"), "feedback": c.get("feedback"),
            })
        item = {"choices": choices, "speaker": node.get("speaker"), "text": node.get("text")}
        if "ending" in node:
            item["ending"] = node.get("ending")
            item["debrief"] = node.get("debrief")
        nodes[str(node_id)] = item
    variables = as_dict(raw.get("variables"))
    pass_score = raw.get("pass_score", 0)
    return {
        "start": str(raw.get("start")), "nodes": nodes,
        "variables": {k: v for k, v in variables.items() if isinstance(v, int)},
        "pass_score": pass_score if isinstance(pass_score, int) else 0,
        "roles": as_dict(raw.get("roles")),
        "title": raw.get("title"), "briefing": raw.get("briefing"),
    }


@dataclass
class Analysis:
    reachable: set[str] = field(default_factory=set)
    dead_ends: set[str] = field(default_factory=set)
    best_path: list[tuple[str, str]] = field(default_factory=list)  # (node, choice id)
    best_score: int | None = None
    below_pass: bool = False


def analyse(raw: dict) -> Analysis:
    # normalize() gives every node and reply the keys the engine reads.
    scenario = cast(ScenarioData, raw)
    nodes = scenario["nodes"]
    result = Analysis()
    stack = [scenario["start"]] if scenario["start"] in nodes else []
    while stack:
        node_id = stack.pop()
        if node_id in result.reachable:
            continue
        result.reachable.add(node_id)
        stack.extend(c["next"] for c in nodes[node_id]["choices"] if c["next"] in nodes)
    for node_id, node in nodes.items():
        if "ending" not in node and (not node["choices"] or any(c["next"] not in nodes for c in node["choices"])):
            result.dead_ends.add(node_id)
    # The engine's own analysis, once the graph is sound enough for it.
    if result.dead_ends:
        return result
    try:
        sound = not engine.graph_problems({**scenario, "pass_score": -10**9})
    except (RuntimeError, KeyError, ValueError, RecursionError):
        sound = False
    if sound:
        try:
            state = engine.start(scenario)
            for choice_id in engine.best_run(scenario):
                result.best_path.append((state.node_id, choice_id))
                state = engine.choose(scenario, state, choice_id)
            result.best_score = state.score
            result.below_pass = state.score < scenario["pass_score"]
        except (RuntimeError, engine.InvalidChoiceError, KeyError, ValueError, RecursionError):
            result.best_path = []
    return result


def _layers(scenario: dict, reachable: set[str]) -> list[list[str]]:
    """Columns by distance from the start; unreachable nodes in a last column of their own."""
    nodes = scenario["nodes"]
    depth: dict[str, int] = {}
    frontier = [scenario["start"]] if scenario["start"] in nodes else []
    level = 0
    while frontier and level <= len(nodes):
        nxt: list[str] = []
        for node_id in frontier:
            if node_id not in depth:
                depth[node_id] = level
                nxt.extend(c["next"] for c in nodes[node_id]["choices"] if c["next"] in nodes)
        frontier, level = nxt, level + 1
    columns: dict[int, list[str]] = {}
    for node_id in nodes:
        if node_id in depth:
            columns.setdefault(depth[node_id], []).append(node_id)
    out = [columns[k] for k in sorted(columns)]
    lost = [n for n in nodes if n not in reachable]
    if lost:
        out.append(lost)
    return out


def draw(scenario: dict, analysis: Analysis, node_url=None, labels: dict | None = None) -> Markup:
    """The SVG of the graph; node_url(node id) makes each node a link (play from here)."""
    labels = labels or {}
    nodes = scenario["nodes"]
    columns = _layers(scenario, analysis.reachable)
    pos: dict[str, tuple[int, int]] = {}
    for ci, column in enumerate(columns):
        for ri, node_id in enumerate(column):
            pos[node_id] = (PAD + ci * (BOX_W + GAP_X), PAD + ri * (BOX_H + GAP_Y))
    width = PAD * 2 + max(1, len(columns)) * (BOX_W + GAP_X) - GAP_X
    height = PAD * 2 + max([len(c) for c in columns] or [1]) * (BOX_H + GAP_Y) - GAP_Y + 20
    best_edges = set(analysis.best_path)
    best_colour = "#c0392b" if analysis.below_pass else "#1f5fbf"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="scenario-graph" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" direction="ltr">',
        f"<title>{escape(labels.get('title', 'Role-play graph'))}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
    ]
    for node_id, node in nodes.items():
        x1, y1 = pos[node_id]
        for choice in node["choices"]:
            if choice["next"] not in pos:
                continue
            x2, y2 = pos[choice["next"]]
            best = (node_id, choice["id"]) in best_edges
            sx, sy, ex, ey = x1 + BOX_W, y1 + BOX_H // 2, x2, y2 + BOX_H // 2
            if x2 <= x1:  # back or same column: go round below
                path = f"M {sx} {sy} C {sx + 60} {sy + 80}, {ex - 60} {ey + 80}, {ex} {ey}"
            else:
                path = f"M {sx} {sy} C {sx + 40} {sy}, {ex - 40} {ey}, {ex} {ey}"
            colour = best_colour if best else "#777"
            parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{4 if best else 1.5}" '
                         f'marker-end="url(#arrow)"><title>{escape(choice["id"])}: {choice["score"]:+d}</title></path>')
            mx, my = (sx + ex) // 2 - 8, (sy + ey) // 2 - 7
            parts.append(f'<text x="{mx}" y="{my}" font-size="11" text-anchor="middle" fill="{colour}">'
                         f'{escape(choice["id"])} ({choice["score"]:+d})</text>')
    for node_id, node in nodes.items():
        x, y = pos[node_id]
        lost = node_id not in analysis.reachable
        dead = node_id in analysis.dead_ends
        fill = ENDING_FILL.get(node.get("ending"), "#ffffff")
        if lost:
            fill = "#e6e6e6"
        stroke = "#c0392b" if dead else ("#888" if lost else "#333")
        kind = []
        if node_id == scenario["start"]:
            kind.append(labels.get("start", "start"))
        if "ending" in node:
            kind.append(f"{labels.get('ending', 'ending')}: {node.get('ending')}")
        if lost:
            kind.append(labels.get("unreachable", "unreachable"))
        if dead:
            kind.append(labels.get("dead_end", "dead end"))
        dash = ' stroke-dasharray="6 4"' if lost else ""
        box = (f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="{14 if "ending" in node else 4}" '
               f'fill="{fill}" stroke="{stroke}" stroke-width="{3 if dead or node_id == scenario["start"] else 1.5}"'
               f'{dash}/>'
               f'<text x="{x + 8}" y="{y + 18}" font-size="13" font-weight="bold" fill="#111">{escape(node_id)}</text>'
               f'<text x="{x + 8}" y="{y + 36}" font-size="11" fill="#333">{escape(", ".join(kind))}</text>')
        classes = " ".join(c for c, on in (("unreachable", lost), ("dead-end", dead)) if on)
        group = f'<g class="node {classes}" data-node="{escape(node_id)}"><title>{escape(node_id)}</title>{box}</g>'
        if node_url and not lost:
            group = f'<a href="{escape(node_url(node_id))}">{group}</a>'
        parts.append(group)
    if analysis.best_score is not None:
        parts.append(f'<text x="{PAD}" y="{height - 6}" font-size="12" fill="{best_colour}">'
                     f'{escape(labels.get("best", "best path"))}: {analysis.best_score} / '
                     f'{scenario["pass_score"]}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped)
