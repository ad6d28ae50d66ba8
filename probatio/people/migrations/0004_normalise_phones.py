"""Phone numbers are stored in E.164 from now on; existing readable numbers are converted."""

from django.db import migrations


def normalise(apps, schema_editor):
    from probatio.core import phones

    Person = apps.get_model("people", "Person")
    for person in Person.objects.exclude(phone="").only("pk", "phone").iterator():
        try:
            value = phones.normalise(person.phone)
        except phones.InvalidPhone:
            continue  # kept as typed; the next edit of the identity asks for a valid number
        if value != person.phone:
            Person.objects.filter(pk=person.pk).update(phone=value)


class Migration(migrations.Migration):
    dependencies = [("people", "0003_reminder_consent")]
    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
