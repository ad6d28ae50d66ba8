from datetime import datetime

from probatio.accounts import second_factor


def second_factor_banner(request) -> dict:
    """The grace banner: « Activez la double authentification avant le … »."""
    session = getattr(request, "session", None)
    if session is None or session.get(second_factor.STATE_KEY) != second_factor.GRACE:
        return {}
    due = session.get(second_factor.DUE_KEY)
    return {"second_factor_due": datetime.fromisoformat(due) if due else None}
