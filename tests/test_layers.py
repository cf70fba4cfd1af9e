"""Boundaries the code keeps: views (and CLI commands and queued tasks) own the transaction and
the answer to the request, so logic modules never commit, roll back or abort."""

import ast
from pathlib import Path

LMS = Path(__file__).resolve().parent.parent / "lms"
# Modules that answer a request, a command or a queued task (tasks.py: each task is its own
# unit of work, as a request is): they decide the transaction and the status.
FRONT = {"views.py", "cli.py", "tasks.py", "__init__.py"}
# Request hooks outside views, each named with why it may answer the request itself.
# A line here that no longer matches a call fails the test, so the list cannot go stale.
HOOKS = {
    ("access.py", "enforce"): "the one access hook (before_request) answers 403",
    ("bounds.py", "reject_out_of_range_numbers"): "a before_request hook answers 400/404",
}
# The database driver's own methods, extended: they end the transaction they are asked to end
# and decide nothing (the same check: a line here that no longer matches a call fails).
DRIVER = {
    ("sqlite_writer.py", "commit"): "sqlite3.Connection.commit, which then drops the writer lock",
    ("sqlite_writer.py", "rollback"): "sqlite3.Connection.rollback, which then drops the writer lock",
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
            if (relative, function) in HOOKS | DRIVER:
                used_hooks.add((relative, function))
            else:
                offending.append(f"lms/{relative}:{line} {function}() calls {call}()")
    assert offending == [], "views own the transaction and the answer:\n" + "\n".join(offending)
    assert used_hooks == set(HOOKS) | set(DRIVER), \
        f"listed but no longer ending anything: {(set(HOOKS) | set(DRIVER)) - used_hooks}"


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


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return getattr(test, "id", None) == "TYPE_CHECKING" or getattr(test, "attr", None) == "TYPE_CHECKING"


def import_graph(root: Path = LMS) -> dict[str, set[str]]:
    """Module → the lms modules it imports, at module level or inside functions alike.

    `from lms.x import y` points at lms.x.y when that is a module, else at lms.x. Imports under
    `if TYPE_CHECKING:` do not run and are left out, and so are the imports inside functions
    of lms/__init__.py: that is create_app registering the blueprints, which import the app's
    parts by design."""
    modules = {_module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def visit(node: ast.AST, in_function: bool, name=name, path=path) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and _is_type_checking(child):
                    continue
                inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                if isinstance(child, ast.Import | ast.ImportFrom) and not (inner and name == "lms"):
                    if isinstance(child, ast.Import):
                        targets = [a.name for a in child.names]
                    else:
                        base = child.module or ""
                        if child.level:  # relative import
                            package = name if path.name == "__init__.py" else name.rpartition(".")[0]
                            for _ in range(child.level - 1):
                                package = package.rpartition(".")[0]
                            base = f"{package}.{base}".rstrip(".")
                        targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                                   for a in child.names]
                    graph[name] |= {t for t in targets if t in modules and t != name}
                visit(child, inner)

        visit(tree, False)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def test_no_import_cycles_at_module_level_or_inside_functions():
    assert cycles(import_graph()) == []


def test_the_cycle_check_sees_an_import_hidden_in_a_function(tmp_path):
    package = tmp_path / "lms" / "feature"
    package.mkdir(parents=True)
    (tmp_path / "lms" / "__init__.py").write_text("def create_app():\n    from lms.feature import a\n")
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from lms.feature.b import thing\n")
    (package / "b.py").write_text("def thing():\n    from lms.feature import a\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from lms.feature import a\n")
    graph = import_graph(tmp_path / "lms")
    assert graph["lms"] == set()
    assert graph["lms.feature.c"] == set()
    assert cycles(graph) == [["lms.feature.a", "lms.feature.b"]]
