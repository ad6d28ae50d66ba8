from datetime import datetime

from probatio.accounts import second_factor


def second_factor_banner(request) -> dict:
    """The grace banner (« Activez la double authentification avant le … »), and whether the
    session still waits for its second factor (the header then shows no menu nor name)."""
    session = getattr(request, "session", None)
    state = session.get(second_factor.STATE_KEY) if session is not None else None
    if state in (second_factor.CODE, second_factor.SETUP):
        return {"second_factor_pending": True}
    if state != second_factor.GRACE:
        return {}
    due = session.get(second_factor.DUE_KEY)
    return {"second_factor_due": datetime.fromisoformat(due) if due else None}
