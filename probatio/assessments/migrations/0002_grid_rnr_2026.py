from django.db import migrations


def sync(apps, schema_editor):
    from probatio.assessments import grids

    grids.sync(apps)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
