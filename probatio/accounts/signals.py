"""Journal entries for what django-axes decides: a sign-in suspended after too many failures
(on the platform's chain, like the failures themselves: the account is not known to be any
service's at that point, and may not exist)."""

from django.db import transaction

from probatio.audit import services as audit


def journal_lockout(sender, request, username, ip_address, **kwargs):
    with transaction.atomic():
        audit.record(
            actor=None,
            action=audit.Action.LOGIN_FAILED,
            service_id=None,
            object_type="accounts.user",
            summary="Connexion suspendue après trop d'échecs",
            context={"username": (username or "")[:150], "ip": ip_address or ""},
        )
