"""The retention rules in force by default, with their legal source (rules.DEFAULT_RULES):
a database gets them once; the administrators change them afterwards in /admin/."""

from django.db import migrations


def seed(apps, schema_editor):
    from probatio.retention.rules import DEFAULT_RULES

    RetentionRule = apps.get_model("retention", "RetentionRule")
    for code, kind, label, months, counts_from, action, source in DEFAULT_RULES:
        RetentionRule.objects.get_or_create(
            code=code,
            defaults={
                "kind": kind,
                "label": label,
                "duration_months": months,
                "counts_from": counts_from,
                "action": action,
                "legal_source": source,
                "active": True,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
