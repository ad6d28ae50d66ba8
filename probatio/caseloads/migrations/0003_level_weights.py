from django.db import migrations


def level_weights(apps, schema_editor):
    """The national coefficients of the follow-up intensity (``weights.NATIONAL``)."""
    from probatio.caseloads.weights import sync

    sync(apps)


class Migration(migrations.Migration):
    dependencies = [("caseloads", "0002_national_weights")]

    operations = [migrations.RunPython(level_weights, migrations.RunPython.noop)]
