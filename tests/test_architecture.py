"""The import graph of the apps, as docs/architecture.md draws it: apps form a line and an app
imports only those to its left; ``access`` imports no app; ``demo`` sits above everything and
nothing imports it. The line is read from the document itself, so the two cannot drift apart.
Every import counts, at the top of a module or inside a function (an import hidden in a
function is still a dependency). No database."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "probatio"
DOC = ROOT / "docs" / "architecture.md"


def documented_line() -> list[str]:
    """The apps in the order of the document's « Who may import whom » block."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Who may import whom", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.S)[1]
    return [name.strip() for name in block.replace("\n", " ").split("←") if name.strip()]


def apps_on_disk() -> set[str]:
    return {
        path.name for path in PACKAGE.iterdir() if path.is_dir() and (path / "__init__.py").exists()
    }


def imported_apps(path: Path) -> set[str]:
    """The Probatio apps a module imports, wherever the import stands in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "probatio" and len(parts) > 1:
                found.add(parts[1])
    return found


def graph() -> dict[str, set[str]]:
    """App → the other apps its modules import (tests and migrations of the app included)."""
    edges: dict[str, set[str]] = {}
    for app in apps_on_disk():
        imported = set()
        for path in (PACKAGE / app).rglob("*.py"):
            imported |= imported_apps(path)
        edges[app] = (imported & apps_on_disk()) - {app}
    return edges


LINE = documented_line()
GRAPH = graph()


def test_the_document_names_every_app_once():
    assert len(LINE) == len(set(LINE)), LINE
    # Every app is in the line, except the two the document places apart.
    assert set(LINE) | {"access", "demo"} == apps_on_disk()
    assert LINE[0] == "core"


@pytest.mark.parametrize("app", LINE)
def test_an_app_imports_only_those_to_its_left(app):
    allowed = set(LINE[: LINE.index(app)]) | {"access"}
    wrong = sorted(GRAPH[app] - allowed)
    assert wrong == [], (
        f"probatio.{app} imports {wrong}, placed to its right in docs/architecture.md: move "
        "the code down, or pass what it needs as an argument"
    )


def test_access_is_pure():
    assert GRAPH["access"] == set(), GRAPH["access"]


def test_nothing_imports_the_demo():
    importers = sorted(app for app, imported in GRAPH.items() if "demo" in imported)
    assert importers == []
    config = set()
    for path in (ROOT / "config").glob("*.py"):
        config |= imported_apps(path)
    assert "demo" not in config
    assert imported_apps(ROOT / "config" / "settings.py") == set()


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph as a path (first node repeated at the end), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_there_is_no_cycle():
    assert find_cycle(GRAPH) is None, " → ".join(find_cycle(GRAPH))


def test_the_checks_see_a_cycle_and_a_wrong_import(tmp_path):
    """Guard: the helpers above do find what they look for."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    module = tmp_path / "m.py"
    module.write_text(
        "from probatio.reports import rules\n"
        "def f():\n"
        "    import probatio.caseloads.views\n"
        "    from probatio.people.models import Person\n"
        "    from . import sibling\n"
    )
    assert imported_apps(module) == {"reports", "caseloads", "people"}
