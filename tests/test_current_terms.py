"""Users read the terms of the law in force: no outdated term in what they see.

The law of 23 March 2019 (in force on 24 March 2020) merged the « sursis avec mise à
l'épreuve » (SME) and the « contrainte pénale » into the « sursis probatoire », whose period
is the « délai de probation » (CP 132-42), and renamed the « ajournement avec mise à
l'épreuve » « ajournement avec probation » (CP 132-63). Letters, pages, documents and messages
must not speak of the old regime. Searched: every template (HTML and text), the ODT templates
of documents, and every Python string literal of the application (labels, messages composed in
``messaging/rules.py``, catalogue explanations, demo texts); not docstrings, comments nor
migrations (which keep history).

Not outdated, so not listed:
- « temps d'épreuve »: the part of a sentence served before a conditional release may be
  granted (CPP 729), current law;
- « JAP »: the current abbreviation of the juge de l'application des peines (glossary.md);
  letters spell the title out, but the abbreviation is not an outdated term.
"""

import ast
import re
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "probatio"

OUTDATED = {
    # term: pattern (searched without regard to case, except the abbreviation)
    "mise à l'épreuve": re.compile(r"mise?s? à l['’]épreuve", re.IGNORECASE),
    "met à l'épreuve": re.compile(r"\bmet(tre)? à l['’]épreuve", re.IGNORECASE),
    "délai d'épreuve": re.compile(r"délai d['’]épreuve", re.IGNORECASE),
    "SME": re.compile(r"\bSME\b"),
}

# Where an old term is written on purpose, to explain the history of the law to the reader:
# (path relative to probatio/, term) -> why.
ALLOWED: dict[tuple[str, str], str] = {}


def _python_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def _texts() -> list[tuple[str, str]]:
    found = []
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in f"/{relative}" or relative.startswith("static/vendor/"):
            continue
        if path.suffix in {".html", ".txt"}:
            found.append((relative, path.read_text(encoding="utf-8")))
        elif path.suffix == ".odt":
            with zipfile.ZipFile(path) as odt:
                found.append((relative, odt.read("content.xml").decode("utf-8")))
        elif path.suffix == ".py":
            found.append((relative, "\n".join(_python_strings(path))))
    return found


def outdated_in(texts) -> list[str]:
    hits = []
    for relative, text in texts:
        for term, pattern in OUTDATED.items():
            if pattern.search(text) and (relative, term) not in ALLOWED:
                line = next(ln for ln in text.splitlines() if pattern.search(ln))
                hits.append(f"{relative}: « {term} » in {line.strip()[:120]!r}")
    return hits


def test_no_outdated_term_in_what_users_read():
    texts = _texts()
    assert any(r.endswith("summons_letter.html") for r, _ in texts)
    assert any(r.endswith(".odt") for r, _ in texts)
    assert any(r == "messaging/rules.py" for r, _ in texts)
    assert outdated_in(texts) == []


def test_the_search_finds_each_term():
    """The patterns catch the forms met in the texts (so that an empty result means something)."""
    samples = [
        ("a.html", "pendant toute la durée de la mise à l'épreuve"),
        ("b.py", "Le tribunal vous met à l'épreuve"),
        ("c.py", "prolongation du délai d’épreuve"),
        ("d.html", "ancien SME"),
        ("e.py", "Sursis avec mise à l'épreuve"),
    ]
    assert len(outdated_in(samples)) == len(samples)
    assert outdated_in([("f.py", "temps d'épreuve ; SMEs ; sursis probatoire")]) == []


# « 1 jour(s) »: a number's words agree with it (``core.text.count``, ``|pluralize``).
UNAGREED = re.compile(r"\w\(s\)")
UNAGREED_ALLOWED = {
    "messaging/sweep.py": "a log line for the operators (« %s message(s) »), not shown to users",
}


def test_no_word_left_unagreed_with_its_number():
    hits = [
        f"{relative}: {line.strip()[:120]!r}"
        for relative, text in _texts()
        if relative not in UNAGREED_ALLOWED
        for line in text.splitlines()
        if UNAGREED.search(line)
    ]
    assert hits == []


def test_counts_agree_the_french_way():
    from probatio.core.text import agree, count

    assert count(1, "jour") == "1 jour" and count(0, "jour") == "0 jour"
    assert count(2, "jour") == "2 jours"
    assert count(3, "peine à exécuter jointe", "peines à exécuter jointes").startswith("3 peines")
    assert agree(5, "accordé") == "accordés"


def test_every_allowance_gives_its_reason():
    for (relative, term), reason in ALLOWED.items():
        assert (ROOT / relative).exists() and term in OUTDATED and len(reason) > 20
