"""Phone numbers are validated and stored in E.164; consent to reminders is recorded and can
be withdrawn by staff or by a STOP reply."""

import pytest
from django.core.exceptions import ValidationError

from probatio.audit.models import AuditEntry
from probatio.core import phones
from probatio.people import services as people
from probatio.people.models import Person, TimelineEvent
from tests.factories import gate, make_person, stop_reply_gate


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("06 12 34 56 78", "+33612345678", "06 12 34 56 78"),
        ("06.12.34.56.78", "+33612345678", "06 12 34 56 78"),
        ("+33 6 12 34 56 78", "+33612345678", "06 12 34 56 78"),
        ("0033612345678", "+33612345678", "06 12 34 56 78"),
        ("0692 62 37 46", "+262692623746", "0692 62 37 46"),  # La Réunion, written nationally
        ("+32 470 12 34 56", "+32470123456", "+32 470 12 34 56"),  # Belgium
        ("01 42 75 80 00", "+33142758000", "01 42 75 80 00"),
    ],
)
def test_numbers_are_normalised_and_shown_nationally(typed, stored, shown):
    assert phones.normalise(typed) == stored
    assert phones.display(stored) == shown


@pytest.mark.parametrize("typed", ["06 12 34", "bonjour", "06 12 34 56 78 90 12", "+33 1"])
def test_unreadable_numbers_are_refused_in_french(typed):
    with pytest.raises(phones.InvalidPhone) as caught:
        phones.normalise(typed)
    assert "numéro" in str(caught.value).lower()


def test_person_create_stores_e164_and_refuses_a_bad_number(cpip):
    person = make_person(cpip, phone="06 12 34 56 78")
    assert Person.objects.get(pk=person.pk).phone == "+33612345678"
    with pytest.raises(ValidationError) as caught:
        make_person(cpip, surname="Sansnumero", phone="06 12")
    assert "phone" in caught.value.message_dict
    assert not Person.objects.filter(surname="Sansnumero").exists()


def test_sms_consent_needs_a_mobile(cpip):
    with pytest.raises(ValidationError) as caught:
        make_person(cpip, phone="", sms_consent=True)
    assert "mobile" in caught.value.message_dict["sms_consent"][0]
    with pytest.raises(ValidationError) as caught:
        make_person(cpip, phone="01 42 75 80 00", sms_consent=True)
    assert "pas un mobile" in caught.value.message_dict["sms_consent"][0]


def test_consent_change_is_dated_and_journaled(cpip):
    person = make_person(cpip, phone="06 12 34 56 78")
    assert person.sms_consent is False
    people.person_update(gated=gate(cpip, person), data={"sms_consent": True})
    person.refresh_from_db()
    assert person.sms_consent and person.consent_updated_at is not None
    entry = AuditEntry.objects.filter(object_id=person.pk, action="update").last()
    assert entry.changes["sms_consent"] == [False, True]


def test_stop_reply_withdraws_consent_without_a_staff_member(cpip):
    person = make_person(cpip, phone="06 12 34 56 78", sms_consent=True)
    people.sms_consent_withdraw(gated=stop_reply_gate(person))
    person.refresh_from_db()
    assert person.sms_consent is False
    entry = AuditEntry.objects.filter(object_id=person.pk, action="update").last()
    assert entry.actor is None and entry.summary == "Réponse STOP au SMS"
    assert TimelineEvent.objects.filter(
        person=person, kind="message", title="Rappels par SMS désactivés"
    ).exists()
