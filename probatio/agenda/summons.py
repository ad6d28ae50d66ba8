"""The summons letter (convocation): its content, then the PDF rendered by WeasyPrint.

The letter holds what a summons needs and nothing more (no offence, no victim): the service's
letterhead, the person's name and postal address, the date and the time, the place with its
address and access notes, the staff met, what to bring, the legal reminder of the obligation
to attend, and a plain-French explanation of the measure.
"""

from dataclasses import dataclass
from datetime import date

from probatio.agenda.models import Appointment
from probatio.core import phones, printing
from probatio.messaging.rules import when_text

# The legal reminder, by measure family (codes of the catalogue).
PROBATION = {"SURSIS_PROBATOIRE", "SURSIS_PROBATOIRE_RENFORCE", "AJOURNEMENT_PROBATION"}
RELEASE = {"LC", "LSC", "LSC_PLEIN_DROIT", "SURVEILLANCE_JUDICIAIRE", "SSJ"}
LEGAL_REMINDERS = {
    "probation": (
        "Vous devez répondre aux convocations du juge de l'application des peines et du "
        "service pénitentiaire d'insertion et de probation (article 132-44 du code pénal). "
        "Si vous ne venez pas sans motif valable, le juge peut être informé et prendre des "
        "mesures, qui peuvent aller jusqu'à la révocation du sursis et votre incarcération."
    ),
    "release": (
        "Vous devez répondre aux convocations du juge de l'application des peines et du "
        "service pénitentiaire d'insertion et de probation (articles 132-44 du code pénal et "
        "731 du code de procédure pénale). Une absence sans motif valable peut conduire le "
        "juge à retirer ou révoquer la mesure dont vous bénéficiez."
    ),
    "default": (
        "Vous devez vous présenter à cette convocation du service pénitentiaire d'insertion "
        "et de probation, chargé par l'autorité judiciaire de suivre l'exécution de votre "
        "mesure (article 132-44 du code pénal). Une absence sans motif valable est signalée "
        "au magistrat."
    ),
}


@dataclass
class Letter:
    appointment: Appointment
    service_name: str
    service_address: str
    service_phone: str
    person_name: str
    person_address: list[str]
    when: str
    place: str
    place_address: str
    access_notes: str
    staff: list[str]
    to_bring: str
    legal_reminder: str
    measure_label: str
    measure_explanation: str
    is_first: bool
    letter_date: date
    salutation: str = "Madame, Monsieur,"  # neutral only when the sex is not recorded
    summoned: str = "convoqué·e"
    received: str = "reçu·e"


def _measure(appointment: Appointment):
    if appointment.measure_id:
        return appointment.measure
    open_measures = list(
        appointment.person.measures.filter(status__in=("pending", "active", "suspended"))
        .select_related("measure_type")
        .order_by("-start_date")[:2]
    )
    return open_measures[0] if len(open_measures) == 1 else None


# The letter agrees with the person's recorded sex (``Person.Sex``); inclusive forms only
# when it is not recorded.
AGREEMENT = {
    "F": ("Madame,", "convoquée", "reçue"),
    "M": ("Monsieur,", "convoqué", "reçu"),
}
NEUTRAL = ("Madame, Monsieur,", "convoqué·e", "reçu·e")


def letter_for(appointment: Appointment, *, today: date) -> Letter:
    service = appointment.service
    person = appointment.person
    address = person.addresses.filter(valid_to__isnull=True).first()
    lines = []
    if address:
        lines = [address.line1, address.line2, f"{address.postcode} {address.city}"]
        if address.hosted_by:
            lines.insert(0, f"chez {address.hosted_by}")
    measure = _measure(appointment)
    code = measure.measure_type_id if measure else ""
    family = "probation" if code in PROBATION else "release" if code in RELEASE else "default"
    salutation, summoned, received = AGREEMENT.get(person.sex, NEUTRAL)
    return Letter(
        appointment=appointment,
        service_name=service.name,
        service_address=service.address,
        service_phone=phones.display(service.phone) if service.phone else "",
        person_name=f"{person.first_names} {person.surname}",
        person_address=[line for line in lines if line],
        when=when_text(appointment.starts_at),
        place=appointment.place_label(),
        place_address=appointment.place_address(),
        access_notes=appointment.access_notes(),
        staff=[u.get_full_name() for u in appointment.staff.all()],
        to_bring=appointment.to_bring,
        legal_reminder=LEGAL_REMINDERS[family],
        measure_label=measure.measure_type.label if measure else "",
        measure_explanation=measure.measure_type.description if measure else "",
        is_first=appointment.kind == Appointment.Kind.FIRST,
        letter_date=today,
        salutation=salutation,
        summoned=summoned,
        received=received,
    )


def render_pdf(letter: Letter) -> bytes:
    return printing.render_pdf("agenda/summons_letter.html", {"letter": letter})


sha256 = printing.sha256
