"""Views hold no queries and no writes (docs/architecture.md): reads go to the app's selectors,
writes to its services. Read from the source with ``ast``: a view module that reaches a model's
manager (``.objects``) or calls a queryset's or a model's method fails, with file:line.

``.update`` is allowed on a plain dict only: a name the same function (or the module) bound
to a dict literal, a dict comprehension, ``dict(...)`` or a ``dict`` annotation.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Every view module of the project (a new one is added here: ``test_every_view_module_is_listed``).
VIEW_MODULES = [
    "probatio/agenda/views.py",
    "probatio/agenda/summons_views.py",
    "probatio/compliance/views.py",
    "probatio/assessments/views.py",
    "probatio/messaging/views.py",
    "probatio/notes/views.py",
    "probatio/organisation/views.py",
    "probatio/oversight/views.py",
    "probatio/transitions/views.py",
    "probatio/sentences/cap_views.py",
    "probatio/sentences/import_views.py",
    "probatio/reintegration/partner_views.py",
    "probatio/people/views.py",
    "probatio/measures/views.py",
    "probatio/sentences/views.py",
    "probatio/reintegration/views.py",
    "probatio/reintegration/release_views.py",
    "probatio/reintegration/support_views.py",
    "probatio/community_work/views.py",
    "probatio/reports/views.py",
    "probatio/deadlines/views.py",
    "probatio/transfers/views.py",
    "probatio/caseloads/views.py",
    "probatio/caseloads/allocation_views.py",
    "probatio/core/views.py",
    "probatio/accounts/views.py",
    "probatio/accounts/staff_views.py",
    "probatio/accounts/second_factor_views.py",
    "probatio/organisation/site_views.py",
    "probatio/merges/views.py",
    "probatio/figures/views.py",
    "probatio/assessments/intensity_views.py",
    "probatio/programmes/person_views.py",
    "probatio/programmes/views.py",
    "probatio/retention/views.py",
]

# Methods of querysets, managers and model instances that query or write.
ORM_CALLS = {
    "filter",
    "exclude",
    "save",
    "delete",
    "update",
    "create",
    "get_or_create",
    "aggregate",
    "annotate",
    "values_list",
    "select_related",
    "prefetch_related",
}
ORM_ATTRIBUTES = {"objects"}


def _is_dict_value(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Dict | ast.DictComp):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"


def _is_dict_annotation(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Subscript):
        node = node.value
    return isinstance(node, ast.Name) and node.id == "dict"


class _Checker(ast.NodeVisitor):
    def __init__(self, path: str):
        self.path = path
        self.scopes: list[set[str]] = [set()]  # names bound to plain dicts, per function
        self.violations: list[str] = []

    def _report(self, node: ast.AST, what: str) -> None:
        self.violations.append(f"{self.path}:{node.lineno}: {what}")

    def _function(self, node) -> None:
        self.scopes.append(set())
        self.generic_visit(node)
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def _bind(self, target: ast.AST, is_dict: bool) -> None:
        if isinstance(target, ast.Name):
            if is_dict:
                self.scopes[-1].add(target.id)
            else:
                self.scopes[-1].discard(target.id)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._bind(target, _is_dict_value(node.value))
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._bind(node.target, _is_dict_annotation(node.annotation) or _is_dict_value(node.value))
        self.generic_visit(node)

    def _plain_dict(self, node: ast.AST) -> bool:
        if _is_dict_value(node):
            return True
        return isinstance(node, ast.Name) and any(node.id in scope for scope in self.scopes)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in ORM_ATTRIBUTES:
            self._report(node, f".{node.attr} (a model's manager: read through a selector)")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ORM_CALLS
            and not (func.attr == "update" and self._plain_dict(func.value))
        ):
            self._report(node, f".{func.attr}() (move it to the app's selectors or services)")
        self.generic_visit(node)


def violations_in(source: str, path: str) -> list[str]:
    checker = _Checker(path)
    checker.visit(ast.parse(source, filename=path))
    return sorted(checker.violations, key=lambda v: int(v.split(":")[1]))


@pytest.mark.parametrize("path", VIEW_MODULES)
def test_view_module_holds_no_query(path):
    violations = violations_in((ROOT / path).read_text(encoding="utf-8"), path)
    assert violations == [], "\n".join(violations)


def test_the_checker_finds_queries_and_writes():
    source = """
def view(request, person):
    initial = {"a": 1}
    initial.update(b=2)
    counts: dict[str, int] = {}
    counts.update(c=3)
    rows = Person.objects.filter(pk=1)
    person.appointments.exists()
    form.save()
    request.GET.copy().update(d=4)
    queryset.select_related("site").prefetch_related("staff")

def other(initial):
    initial.update(e=5)
"""
    found = violations_in(source, "x/views.py")
    assert found == [
        "x/views.py:7: .filter() (move it to the app's selectors or services)",
        "x/views.py:7: .objects (a model's manager: read through a selector)",
        "x/views.py:9: .save() (move it to the app's selectors or services)",
        "x/views.py:10: .update() (move it to the app's selectors or services)",
        "x/views.py:11: .prefetch_related() (move it to the app's selectors or services)",
        "x/views.py:11: .select_related() (move it to the app's selectors or services)",
        "x/views.py:14: .update() (move it to the app's selectors or services)",
    ]


def test_every_listed_module_exists():
    assert [p for p in VIEW_MODULES if not (ROOT / p).is_file()] == []


def test_every_view_module_is_listed():
    on_disk = {
        path.relative_to(ROOT).as_posix()
        for pattern in ("probatio/*/views.py", "probatio/*/*_views.py")
        for path in ROOT.glob(pattern)
    }
    assert sorted(on_disk - set(VIEW_MODULES)) == []
