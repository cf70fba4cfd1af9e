"""The role-play engine as pure functions over a parsed scenario (see scenarios/spec.py).

A run is the list of choice ids taken from the start; everything else (current node,
variables, score, skills shown) is replayed from it, so a saved run can never disagree
with the scenario it was played on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from lms.catalog.content import ReplyData, ScenarioData

MAX_STATES = 200_000


def condition_holds(when: dict[str, dict[str, int]], variables: dict) -> bool:
    for name, cond in (when or {}).items():
        value = variables.get(name, 0)
        if "min" in cond and value < cond["min"]:
            return False
        if "max" in cond and value > cond["max"]:
            return False
        if "equals" in cond and value != cond["equals"]:
            return False
    return True


def available_choices(scenario: ScenarioData, node_id: str, variables: dict) -> list[ReplyData]:
    node = scenario["nodes"][node_id]
    return [c for c in node.get("choices", []) if condition_holds(c.get("when", {}), variables)]


@dataclass
class Step:
    node_id: str
    choice: ReplyData


@dataclass
class RunState:
    node_id: str
    variables: dict
    score: int = 0
    steps: list[Step] = field(default_factory=list)
    skills: set[str] = field(default_factory=set)

    def is_finished(self, scenario: ScenarioData) -> bool:
        return "ending" in scenario["nodes"][self.node_id]


class InvalidChoiceError(ValueError):
    """The choice is not offered at this point of the run."""


def start(scenario: ScenarioData) -> RunState:
    return RunState(node_id=scenario["start"], variables=dict(scenario.get("variables", {})))


def choose(scenario: ScenarioData, state: RunState, choice_id: str) -> RunState:
    """Take one choice; return the new state (the old one is left as it was)."""
    if state.is_finished(scenario):
        raise InvalidChoiceError("the run has ended")
    offered = {c["id"]: c for c in available_choices(scenario, state.node_id, state.variables)}
    if choice_id not in offered:
        raise InvalidChoiceError(choice_id)
    choice = offered[choice_id]
    variables = dict(state.variables)
    for name, delta in choice.get("set", {}).items():
        variables[name] = variables.get(name, 0) + delta
    return RunState(
        node_id=choice["next"],
        variables=variables,
        score=state.score + choice.get("score", 0),
        steps=[*state.steps, Step(state.node_id, choice)],
        skills=state.skills | set(choice.get("skills", [])),
    )


def replay(scenario: ScenarioData, choice_ids: list[str]) -> RunState:
    state = start(scenario)
    for choice_id in choice_ids:
        state = choose(scenario, state, choice_id)
    return state


GOOD, WEAK, UNACCEPTABLE = "good", "weak", "unacceptable"


def reply_quality(scenario: ScenarioData, step: Step, variables_before: dict) -> str:
    """How a reply compares with the others offered at its node: the best one (good), some
    points but fewer than the best (weak), or no points where points were to be had."""
    offered = available_choices(scenario, step.node_id, variables_before)
    best = max((c.get("score", 0) for c in offered), default=0)
    score = step.choice.get("score", 0)
    if score >= best:
        return GOOD
    return WEAK if score > 0 else UNACCEPTABLE


def shuffled(choices: list[ReplyData], seed: str) -> list[ReplyData]:
    """The choices in an order fixed by the seed: the best reply is not always first, and a
    reload shows the same order."""
    order = list(choices)
    random.Random(seed).shuffle(order)  # noqa: S311 (an order, not a secret)
    return order


def best_alternative(scenario: ScenarioData, step: Step, variables_before: dict) -> ReplyData | None:
    """The highest-scoring choice that was offered where the officer lost points."""
    offered = available_choices(scenario, step.node_id, variables_before)
    best = max(offered, key=lambda c: c.get("score", 0), default=None)
    if best and best.get("score", 0) > step.choice.get("score", 0):
        return best
    return None


def score_bounds(scenario: ScenarioData) -> tuple[int, int]:
    """The lowest and highest total score over every possible run."""
    memo: dict = {}

    def walk(node_id: str, variables: tuple) -> tuple[int, int]:
        key = (node_id, variables)
        if key in memo:
            return memo[key]
        if len(memo) > MAX_STATES:
            raise RuntimeError("scenario too large to analyse")
        node = scenario["nodes"][node_id]
        if "ending" in node:
            memo[key] = (0, 0)
            return memo[key]
        vars_dict = dict(variables)
        lows, highs = [], []
        for choice in available_choices(scenario, node_id, vars_dict):
            after = dict(vars_dict)
            for name, delta in choice.get("set", {}).items():
                after[name] = after.get(name, 0) + delta
            low, high = walk(choice["next"], tuple(sorted(after.items())))
            lows.append(low + choice.get("score", 0))
            highs.append(high + choice.get("score", 0))
        memo[key] = (min(lows), max(highs))
        return memo[key]

    return walk(scenario["start"], tuple(sorted(scenario.get("variables", {}).items())))


def graph_problems(scenario: ScenarioData) -> list[tuple[str, str]]:
    """Return (message, field) for every broken rule of the scenario graph."""
    nodes = scenario.get("nodes", {})
    problems: list[tuple[str, str]] = []
    start_id = scenario.get("start")
    if not isinstance(start_id, str) or start_id not in nodes:
        return [(f"start node {start_id!r} does not exist", "start")]
    for node_id, node in nodes.items():
        for i, choice in enumerate(node.get("choices", [])):
            if choice.get("next") not in nodes:
                problems.append(
                    (f"next {choice.get('next')!r} does not exist", f"nodes.{node_id}.choices[{i}].next")
                )
        if node.get("choices") and all(c.get("when") for c in node["choices"]):
            problems.append(("every choice is conditional: the run could get stuck", f"nodes.{node_id}"))
    if problems:
        return problems
    # Reachability and cycles, on the graph of all choices.
    seen: set[str] = set()
    stack = [start_id]
    while stack:
        node_id = stack.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        stack.extend(c["next"] for c in nodes[node_id].get("choices", []))
    for node_id in nodes:
        if node_id not in seen:
            problems.append(("node cannot be reached from start", f"nodes.{node_id}"))
    colour: dict[str, int] = {}

    def has_cycle(node_id: str) -> bool:
        colour[node_id] = 1
        for c in nodes[node_id].get("choices", []):
            nxt = c["next"]
            if colour.get(nxt) == 1 or (colour.get(nxt) is None and has_cycle(nxt)):
                return True
        colour[node_id] = 2
        return False

    if has_cycle(start_id):
        problems.append(("a path loops and never reaches an ending", "nodes"))
        return problems
    if not any("ending" in n for n in nodes.values()):
        problems.append(("no node is an ending", "nodes"))
        return problems
    _, best = score_bounds(scenario)
    if best < scenario.get("pass_score", 0):
        problems.append(
            (f"the best path scores {best}, below the pass score {scenario.get('pass_score')}", "pass_score")
        )
    return problems


def best_run(scenario: ScenarioData) -> list[str]:
    """Choice ids of a highest-scoring run (depth-first; scenarios are small DAGs)."""
    memo: dict = {}

    def walk(state: RunState) -> tuple[int, list[str]]:
        key = (state.node_id, tuple(sorted(state.variables.items())))
        if key in memo:
            return memo[key]
        if state.is_finished(scenario):
            return 0, []
        options = []
        for choice in available_choices(scenario, state.node_id, state.variables):
            after = choose(scenario, state, choice["id"])
            score, rest = walk(after)
            options.append((score + choice.get("score", 0), [choice["id"], *rest]))
        memo[key] = max(options, key=lambda item: item[0])
        return memo[key]

    return walk(start(scenario))[1]
