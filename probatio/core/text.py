import unicodedata


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced: what name search compares."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().replace("-", " ").replace("'", " ").split())
