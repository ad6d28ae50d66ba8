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
