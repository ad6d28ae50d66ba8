"""The journal's periodic work, run by ``manage.py run_worker`` through ``core.periodic``: the
monthly partitions of the months ahead created on PostgreSQL each night
(``partitions.run_periodic``, journaled by the platform's system actor when it created
anything), and the anchors exported every hour when a key and a folder are set
(``anchors.export``)."""

from datetime import datetime, timedelta

from probatio.core import periodic


@periodic.register("audit_partitions", every=timedelta(hours=24))
def run(now: datetime) -> dict[str, int]:
    from probatio.audit import partitions

    return partitions.run_periodic(now=now)


@periodic.register("audit_anchors", every=timedelta(hours=1))
def export_anchors(now: datetime) -> dict[str, object]:
    """The chain heads, signed, in a new file of ``AUDIT_ANCHOR_DIR``; nothing (and no error)
    when the key or the folder is not set."""
    from django.conf import settings

    from probatio.audit import anchors

    if anchors.signing_key() is None or not settings.AUDIT_ANCHOR_DIR:
        return {"exported": 0}
    return {"exported": 1, "path": anchors.export(now=now)}
