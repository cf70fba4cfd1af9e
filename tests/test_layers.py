"""Boundaries the code keeps: views (and CLI commands) own the transaction and the answer to
the request, so logic modules never commit, roll back or abort."""

import ast
from pathlib import Path

LMS = Path(__file__).resolve().parent.parent / "lms"
# Modules that answer a request or a command: they decide the transaction and the status.
FRONT = {"views.py", "cli.py", "__init__.py"}
# Request hooks outside views, each named with why it may answer the request itself.
# A line here that no longer matches a call fails the test, so the list cannot go stale.
HOOKS = {
    ("access.py", "enforce"): "the one access hook (before_request) answers 403",
    ("bounds.py", "reject_out_of_range_numbers"): "a before_request hook answers 400/404",
}
ENDING = {"commit", "rollback", "abort"}


def _ending_calls(path: Path) -> list[tuple[str, int, str]]:
    """(function, line, call) for each commit/rollback/abort call in the file."""
    found = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name if function == "<module>" else function)
                continue
            if isinstance(child, ast.Call):
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if name in ENDING:
                    found.append((function, child.lineno, name))
            visit(child, function)

    visit(ast.parse(path.read_text(encoding="utf-8")), "<module>")
    return found


def logic_modules() -> list[Path]:
    return sorted(p for p in LMS.rglob("*.py") if p.name not in FRONT)


def test_logic_modules_never_commit_roll_back_or_abort():
    offending = []
    used_hooks = set()
    for path in logic_modules():
        relative = path.relative_to(LMS).as_posix()
        for function, line, call in _ending_calls(path):
            if (relative, function) in HOOKS:
                used_hooks.add((relative, function))
            else:
                offending.append(f"lms/{relative}:{line} {function}() calls {call}()")
    assert offending == [], "views own the transaction and the answer:\n" + "\n".join(offending)
    assert used_hooks == set(HOOKS), f"hooks listed but no longer calling abort: {set(HOOKS) - used_hooks}"


def test_the_scan_finds_commit_rollback_and_abort(tmp_path):
    """The scan above would see each kind of call, nested or not (so it can fail)."""
    module = tmp_path / "logic.py"
    module.write_text(
        "from flask import abort\n"
        "def a():\n    db.session.commit()\n"
        "def b():\n    if x:\n        session.rollback()\n"
        "def c():\n    def inner():\n        abort(404)\n"
        "def d():\n    db.session.flush()\n"
    )
    assert [(f, c) for f, _line, c in _ending_calls(module)] == [
        ("a", "commit"), ("b", "rollback"), ("c", "abort")]

