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
            for table in (fields.NAME_ONLY, fields.KEPT, fields.NOT_JOURNALED, fields.IDENTITIES)
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


def test_the_identities_name_real_fields_declared_nowhere_else():
    """An identity may be any field (a surname, a birth date); it is declared once."""
    for label, names in fields.IDENTITIES.items():
        model = apps.get_model(label)
        for name in names:
            assert model._meta.get_field(name).concrete, f"{label}.{name}"
            for table in (fields.NAME_ONLY, fields.KEPT, fields.NOT_JOURNALED):
                assert name not in table.get(label, ()), f"{label}.{name} declared twice"


def test_the_identities_of_persons_victims_and_relatives_are_named_only():
    person = {"surname", "birth_surname", "first_names", "aliases", "phone", "email"}
    assert person <= fields.name_only("people.person")
    assert {"line1", "line2", "postcode", "city", "hosted_by"} <= fields.name_only("people.address")
    assert {"victim_name", "victim_contact"} <= fields.name_only("measures.obligation")
    assert {"name", "phone"} <= fields.name_only("reintegration.familycontact")
    assert "subject" in fields.name_only("notes.interviewnote")


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


def journal_text() -> str:
    from probatio.audit.models import AuditEntry

    return str(list(AuditEntry.objects.values_list("summary", "changes", "context")))


def test_a_persons_identity_never_reaches_the_journal(db, cpip):
    """Created with an address, corrected, moved: the entries name the fields changed, never
    the names, birth, telephone, e-mail or addresses."""
    from datetime import date

    from probatio.audit.models import AuditEntry
    from probatio.audit.services import NOT_KEPT
    from probatio.people import services as people
    from tests.factories import gate, make_person

    person = make_person(
        cpip,
        surname="Quesnoy",
        first_names="Aurélien",
        birth_surname="Delacourt",
        birth_place="Montbrison",
        phone="0612345678",
        email="aurelien.quesnoy@example.org",
        address={
            "line1": "17 impasse des Glycines",
            "postcode": "42600",
            "city": "Montbrison",
            "hosted_by": "Mme Delacourt",
            "valid_from": date(2020, 1, 1),
        },
    )
    people.person_update(
        gated=gate(cpip, person),
        data={"surname": "Quesnoy-Martel", "phone": "0698765432"},
    )
    people.address_add(
        gated=gate(cpip, person),
        data={
            "line1": "3 rue du Rivage",
            "postcode": "42000",
            "city": "Saint-Étienne",
            "valid_from": date(2024, 1, 1),
        },
    )
    text = journal_text()
    for secret in (
        "Quesnoy",
        "Aurélien",
        "Delacourt",
        "Montbrison",
        "0612345678",
        "0698765432",
        "example.org",
        "Glycines",
        "Rivage",
        "Saint-Étienne",
        "42600",
    ):
        assert secret not in text, secret
    update = AuditEntry.objects.filter(object_type="people.person", action="update").last()
    assert update.changes["surname"] == [NOT_KEPT, NOT_KEPT]
    assert update.changes["phone"] == [NOT_KEPT, NOT_KEPT]


def test_a_restricted_notes_subject_never_reaches_the_journal(db, member, cpip):
    from datetime import date

    from probatio.notes import services as notes
    from tests.factories import gate, make_person

    psychologist = member("psychologist", user__username="psy.journal")
    person = make_person(cpip)
    note = notes.note_create(
        gated=gate(psychologist, person),
        data={
            "interview_date": date(2025, 3, 1),
            "subject": "Idées suicidaires évoquées",
            "body": "Texte réservé.",
            "restricted_to": "psychologist",
        },
    )
    notes.note_update(
        gated=gate(psychologist, person),
        note=note,
        data={
            "interview_date": date(2025, 3, 1),
            "subject": "Idées noires évoquées",
            "body": "Texte réservé, corrigé.",
            "restricted_to": "psychologist",
        },
    )
    text = journal_text()
    assert "Idées" not in text and "réservé" not in text
