"""The layers of the code (docs/architecture.md), checked on its imports.

Every project app sits on a floor; an import may point to the same floor or
below, never up. Apps on one floor may not import each other in a circle,
and no function imports another app to get round either rule.
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FLOORS = {
    "tenancy": 0,
    "uploads": 0,
    "emails": 0,
    "background": 0,
    "audit": 0,
    "outbox": 0,
    "accounts": 0,
    "organizations": 0,
    "companies": 1,
    "members": 1,
    "notifications": 2,
    "integrations": 2,
    "portal": 3,
    "adminportal": 3,
    "config": 4,
}

#: Imports inside a function that name another app, each with its reason.
#: Empty on purpose: such an import usually hides a loop.
INNER_IMPORTS_ALLOWED: dict[tuple[str, str], str] = {}


def _sources(app: str, root: Path):
    for path in sorted((root / app).rglob("*.py")):
        if "migrations" not in path.relative_to(root).parts:
            yield path


def _imports(path: Path, floors: dict[str, int]):
    """(imported app, line, inside a function?) for each import of a project app."""
    tree = ast.parse(path.read_text(), filename=str(path))

    def walk(node, in_function):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            names = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                names = [child.module]
            for name in names:
                top = name.split(".")[0]
                if top in floors:
                    yield top, child.lineno, in_function
            yield from walk(child, inner)

    yield from walk(tree, False)


def import_graph(floors=FLOORS, root=ROOT):
    edges = defaultdict(list)  # (from app, to app) -> ["path:line", ...]
    inner = []
    for app in floors:
        for path in _sources(app, root):
            where = path.relative_to(root)
            for target, line, in_function in _imports(path, floors):
                if target == app:
                    continue
                edges[app, target].append(f"{where}:{line}")
                if in_function:
                    inner.append((str(where), target, line))
    return edges, inner


def upward(edges, floors=FLOORS):
    return sorted(
        f"{a} (floor {floors[a]}) imports {b} (floor {floors[b]}) at {', '.join(places)}"
        for (a, b), places in edges.items()
        if floors[b] > floors[a]
    )


def cycles(edges):
    graph = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    found = []

    def visit(node, path):
        for nxt in sorted(graph[node]):
            if nxt == path[0]:
                found.append(" -> ".join([*path, nxt]))
            elif nxt not in path and nxt > path[0]:
                visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])
    return found


def test_every_project_app_has_a_floor():
    apps = {
        path.parent.name for path in ROOT.glob("*/apps.py") if not path.parent.name.startswith(".")
    }
    assert apps - set(FLOORS) == set(), "give the new app a floor in FLOORS and the docs"


def test_imports_point_only_downwards():
    edges, _ = import_graph()
    assert upward(edges) == []


def test_no_import_cycle_between_apps():
    edges, _ = import_graph()
    assert cycles(edges) == []


def test_no_function_imports_another_app():
    _, inner = import_graph()
    unexplained = [
        f"{path}:{line} imports {target}"
        for path, target, line in inner
        if (path, target) not in INNER_IMPORTS_ALLOWED
    ]
    assert unexplained == []


# The checks themselves, on a small made-up project: each rule must be able
# to fail.


@pytest.fixture
def fake_project(tmp_path):
    def write(files: dict[str, str]):
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return tmp_path

    return write


FAKE_FLOORS = {"low": 0, "mid": 1, "top": 2}


def test_an_upward_import_is_caught(fake_project):
    root = fake_project({"low/models.py": "from top.views import page\n", "top/views.py": ""})
    edges, _ = import_graph(FAKE_FLOORS, root)
    assert upward(edges, FAKE_FLOORS) == ["low (floor 0) imports top (floor 2) at low/models.py:1"]


def test_a_cycle_on_one_floor_is_caught(fake_project):
    floors = {"a": 1, "b": 1}
    root = fake_project({"a/x.py": "import b.y\n", "b/y.py": "from a import x\n"})
    edges, _ = import_graph(floors, root)
    assert cycles(edges) == ["a -> b -> a"]


def test_an_import_inside_a_function_is_caught(fake_project):
    root = fake_project({"top/views.py": "def page():\n    from mid import models\n"})
    _, inner = import_graph(FAKE_FLOORS, root)
    assert inner == [("top/views.py", "mid", 2)]
