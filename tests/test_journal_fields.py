"""Every free-text field of a model is declared in ``audit.fields``: journaled by name only, or
kept with its value. A new free text cannot reach the journal undecided. No database."""

from django.apps import apps
from django.db import models

from probatio.audit import fields


def free_texts():
    for model in apps.get_models():
        if not model.__module__.startswith("probatio."):
            continue
        for field in model._meta.concrete_fields:
            long_char = (
                isinstance(field, models.CharField)
                and not field.choices
                and (field.max_length or 0) >= 200
            )
            if isinstance(field, models.TextField) or long_char:
                yield model._meta.label_lower, field.name


def test_every_free_text_is_declared_once():
    undeclared, twice = [], []
    for label, name in free_texts():
        places = [
            table
            for table in (fields.NAME_ONLY, fields.KEPT, fields.NOT_JOURNALED)
            if name in table.get(label, ())
        ]
        if not places:
            undeclared.append(f"{label}.{name}")
        elif len(places) > 1:
            twice.append(f"{label}.{name}")
    assert undeclared == [], "free texts to declare in probatio/audit/fields.py"
    assert twice == []


def json_fields():
    """JSON fields may hold free text (an assessment's answers): they may be declared."""
    for model in apps.get_models():
        if model.__module__.startswith("probatio."):
            for field in model._meta.concrete_fields:
                if isinstance(field, models.JSONField):
                    yield model._meta.label_lower, field.name


def test_the_declarations_name_real_fields():
    found = set(free_texts()) | set(json_fields())
    for table in (fields.NAME_ONLY, fields.KEPT, fields.NOT_JOURNALED):
        for label, names in table.items():
            for name in names:
                assert (label, name) in found, f"{label}.{name} is not a free text"


def test_a_free_text_declared_name_only_never_reaches_the_journal(db, cpip):
    from datetime import date

    from probatio.audit.models import AuditEntry
    from probatio.audit.services import NOT_KEPT
    from probatio.people import services as people
    from tests.factories import gate, make_person

    person = make_person(cpip)
    secret = "Hébergé chez sa sœur depuis la rupture"
    entry = people.situation_record(
        gated=gate(cpip, person),
        domain="housing",
        status="hosted_family",
        details=secret,
        effective_date=date(2025, 1, 6),
        today=date(2025, 2, 1),
    )
    journaled = AuditEntry.objects.get(object_type="people.situationentry", object_id=entry.pk)
    assert journaled.changes["details"] == [NOT_KEPT, NOT_KEPT]
    assert journaled.changes["status"] == [None, "hosted_family"]  # a code keeps its value
    assert secret not in str(AuditEntry.objects.values_list("changes", "summary", "context"))
