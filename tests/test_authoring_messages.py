"""Every problem the course check can report is shown translated in the editor."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lms.authoring.messages import match, translate

LMS = Path(__file__).resolve().parent.parent / "lms"
VALIDATOR = ["catalog/spec.py", "catalog/loader.py", "quizzes/spec.py", "scenarios/spec.py", "scenarios/engine.py"]


def _sample(node: ast.AST) -> str | None:
    """The message an expression builds, with 'x' for every interpolated value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "'x'" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _sample(node.left)
        return None if left is None else left + "x"
    return None


def validator_messages() -> list[tuple[str, str]]:
    found = []
    for rel in VALIDATOR:
        tree = ast.parse((LMS / rel).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            message = None
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "problem" and len(node.args) == 3:
                message = node.args[2]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Problem":
                message = node.args[2] if len(node.args) == 3 else None
            elif isinstance(node, ast.Tuple) and len(node.elts) == 2 and rel.endswith("engine.py"):
                message = node.elts[0]
            if message is not None:
                sample = _sample(message)
                if sample is not None and " " in sample:
                    found.append((rel, sample))
    return found


def test_the_walk_finds_the_validators_messages():
    messages = [m for _rel, m in validator_messages()]
    assert len(messages) >= 60
    assert "missing translation" in messages and "node cannot be reached from start" in messages


@pytest.mark.parametrize("rel,message", validator_messages())
def test_every_validator_message_has_a_translation(rel, message):
    assert match(message) is not None, f"{rel}: add {message!r} to lms/authoring/messages.py"


def test_messages_are_translated_with_their_values(app):
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert translate("missing translation") == "нет перевода"
        assert "'n9'" in translate("next 'n9' does not exist")
        assert translate("something new") == "something new"
