from django.db import migrations

# Every file has its state from its creation (``deadlines.signals``): the files created before
# get one, stale, so that the next read (or the night) computes their items.
MISSING_STATES = """
INSERT INTO deadlines_dueitemsstate (service_id, person_id, computed_on, stale)
SELECT p.service_id, p.id, CURRENT_DATE, TRUE FROM people_person p
WHERE NOT EXISTS (SELECT 1 FROM deadlines_dueitemsstate s WHERE s.person_id = p.id)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0002_state_behind_indexes"),
        ("people", "0015_person_is_followed"),
    ]

    operations = [migrations.RunSQL(MISSING_STATES, migrations.RunSQL.noop)]
