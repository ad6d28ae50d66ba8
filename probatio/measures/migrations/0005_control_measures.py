"""The control measures of CP 132-44 belong by law to the measures whose texts apply them
(``catalogue.CONTROL_MEASURE_TYPES``): the measures already recorded get those they lack,
linked to their decision, from their start (ended with the measure when it is closed)."""

from django.db import migrations


def add_control_measures(apps, schema_editor):
    from probatio.measures.catalogue import CONTROL_MEASURE_TYPES, sync

    sync(apps)  # labels of the catalogue (a trip abroad is announced, not authorised)
    Measure = apps.get_model("measures", "Measure")
    Obligation = apps.get_model("measures", "Obligation")
    ObligationType = apps.get_model("measures", "ObligationType")
    controls = list(ObligationType.objects.filter(kind="control"))
    if not controls:
        return
    open_statuses = ("pending", "active", "suspended")
    for measure in Measure.objects.filter(measure_type_id__in=CONTROL_MEASURE_TYPES).iterator():
        present = set(
            Obligation.objects.filter(measure=measure, obligation_type__kind="control").values_list(
                "obligation_type_id", flat=True
            )
        )
        is_open = measure.status in open_statuses
        Obligation.objects.bulk_create(
            [
                Obligation(
                    measure=measure,
                    decision_id=measure.decision_id,
                    obligation_type=control,
                    start_date=measure.start_date,
                    end_date=None if is_open else measure.end_date,
                    status="active" if is_open else "ended",
                    proof_frequency=control.default_proof_frequency,
                )
                for control in controls
                if control.code not in present
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("measures", "0004_decision_court_measure_modality")]
    operations = [migrations.RunPython(add_control_measures, migrations.RunPython.noop)]
