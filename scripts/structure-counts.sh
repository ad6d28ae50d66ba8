#!/bin/bash
# The structure figures of the access work, for the tree in DIR (default: here):
#   role comparisons outside access/, ORM calls in view modules, public services that take a
#   raw person-scoped model, and the share of test functions that need no database.
# Usage: scripts/structure-counts.sh [DIR]   (run from the project, after `make install`)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
python="$here/.venv/bin/python"
cd "${1:-$here}"
echo "role comparisons outside access/ (code and templates):"
grep -rnE "(\brole|Role\.[A-Z_]+)\s*(==|!=| in | not in | is )|(==|!=)\s*(Role\.|\"(cpip|manager|secretariat|monitoring|psychologist|social_worker|judge)\"|'(cpip|manager|secretariat|monitoring|psychologist|social_worker|judge)')" probatio --include=*.py --include=*.html | grep -v "^probatio/access/\|^probatio/demo/\|/migrations/" | wc -l
echo "ORM calls in view modules:"
cat $(ls probatio/*/views*.py probatio/*/*_views.py 2>/dev/null | sort -u) | grep -cE '\.objects\b|\.filter\(|\.exclude\(|\.save\(|\.delete\(|\.update\(|\.create\(|\.get_or_create\(|\.aggregate\(|\.annotate\(|\.values_list\(|\.exists\(\)|\.count\(\)|select_related|prefetch_related|get_object_or_404'
echo "public services taking a raw person-scoped model (no gated person):"
"$python" - <<'PY'
import ast, pathlib
RAW = {"person", "measure", "obligation", "decision", "order", "assignment", "referral", "need", "item", "sentence", "custody", "appointment", "note"}
n, names = 0, []
for path in sorted(pathlib.Path("probatio").glob("*/*.py")):
    if path.parent.name in ("access", "demo", "core", "audit") or "views" in path.name or path.name in ("models.py", "selectors.py", "admin.py", "forms.py", "urls.py", "rules.py", "tests.py"):
        continue
    src = path.read_text()
    if "@transaction.atomic" not in src:
        continue
    for node in ast.parse(src).body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            decorated = any("atomic" in ast.unparse(d) for d in node.decorator_list)
            args = {a.arg for a in node.args.args + node.args.kwonlyargs}
            if decorated and args & RAW and "gated" not in args and "gated_report" not in args:
                n += 1; names.append(f"{path}:{node.name}")
print(n)
for name in names: print("   ", name)
PY
echo "test functions without a database:"
PYTHONPATH="$PWD:$here/scripts" "$python" -m pytest --collect-only -q -p db_share 2>/dev/null | grep DBSHARE
