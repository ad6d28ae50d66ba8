from django.db import migrations


def national_weights(apps, schema_editor):
    from probatio.caseloads.weights import sync

    sync(apps)


class Migration(migrations.Migration):
    dependencies = [("caseloads", "0001_workload")]

    operations = [migrations.RunPython(national_weights, migrations.RunPython.noop)]
