"""Reads of the messaging app that pages need (the SMS provider's webhook)."""

from django.db.models import QuerySet

from probatio.people.models import Person


def persons_to_unsubscribe(number: str) -> QuerySet[Person]:
    """The persons who receive SMS at ``number`` (normalised): a STOP reply from it turns their
    SMS reminders off."""
    return Person.objects.filter(phone=number, sms_consent=True)
