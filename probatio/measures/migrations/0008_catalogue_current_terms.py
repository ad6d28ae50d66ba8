"""The catalogue's explanations for the person use the terms in force since 24 March 2020
(« délai de probation », « probation »), not « mise à l'épreuve » nor « délai d'épreuve »:
every existing database gets the new wording."""

from django.db import migrations


def sync_catalogue(apps, schema_editor):
    from probatio.measures.catalogue import sync

    sync(apps)


class Migration(migrations.Migration):
    dependencies = [("measures", "0007_end_source_release")]

    operations = [migrations.RunPython(sync_catalogue, migrations.RunPython.noop)]
