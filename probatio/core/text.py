import unicodedata
from decimal import Decimal


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced: what name search compares."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().replace("-", " ").replace("'", " ").split())


def number_fr(value) -> str:
    """A number French style, without useless decimals: 52.50 → "52,5", 1903 → "1 903" (a
    narrow no-break space between thousands)."""
    text = f"{Decimal(str(value)).normalize():f}"
    whole, _, decimals = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups = []
    while len(digits) > 3:
        digits, last = digits[:-3], digits[-3:]
        groups.insert(0, last)
    whole = "\u202f".join([digits, *groups])
    return sign + whole + ("," + decimals if decimals else "")


def agree(n: int, singular: str, plural: str | None = None) -> str:
    """The words agreeing with a number, French rule (singular below 2): never « jour(s) »."""
    return singular if abs(n) < 2 else (plural if plural is not None else singular + "s")


def count(n: int, singular: str, plural: str | None = None) -> str:
    """« 1 jour », « 3 jours », « 2 peines à exécuter jointes » (``plural`` when it is not the
    singular plus « s »)."""
    return f"{n} {agree(n, singular, plural)}"


def lower_first(label: str) -> str:
    """A label inside a sentence: its first letter in lower case, acronyms kept
    (« Rendez-vous au SPIP » → « rendez-vous au SPIP », « CPAM : dossier » unchanged), where
    ``str.lower`` would write « spip » and « cpam »."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and first[:2].isupper():
        return label
    return label[:1].lower() + label[1:]
