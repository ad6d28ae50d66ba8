from django.db import migrations


def load(apps, schema_editor):
    from probatio.measures.catalogue import sync

    sync(apps)


class Migration(migrations.Migration):
    dependencies = [("measures", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
