"""Every service has a chain from its creation: the services created before that rule whose
chain has no entry get its first entry now (the creation of the service, by the system
actor), so that ``verify_audit_chain``, which fails on a service without a chain, passes on an
intact journal. A service whose head names an entry that is gone is left alone: that is for
the verification to report."""

from django.db import migrations
from django.utils import timezone

from probatio.audit.services import GENESIS, chain_start_values, entry_digest


def start_missing_chains(apps, schema_editor):
    Service = apps.get_model("organisation", "Service")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    using = schema_editor.connection.alias
    started = set(
        AuditEntry.objects.using(using)
        .filter(chain__startswith="service:")
        .values_list("chain", flat=True)
        .distinct()
    )
    heads = {head.chain: head for head in AuditChainHead.objects.using(using).all()}
    now = timezone.now()
    for pk, name, code in Service.objects.using(using).values_list("pk", "name", "department_code"):
        chain = f"service:{pk}"
        head = heads.get(chain)
        if chain in started or (head is not None and head.last_entry_id is not None):
            continue
        values = chain_start_values(service_id=pk, name=name, department_code=code, at=now)
        digest = entry_digest(previous_hash=GENESIS, fields={**values, "at": now.isoformat()})
        entry = AuditEntry.objects.using(using).create(
            **values, previous_hash=GENESIS, hash=digest
        )
        AuditChainHead.objects.using(using).update_or_create(
            chain=chain, defaults={"last_hash": digest, "last_entry_id": entry.pk}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_checkpoints_and_purge"),
        ("organisation", "0001_initial"),
    ]

    operations = [migrations.RunPython(start_missing_chains, migrations.RunPython.noop)]
