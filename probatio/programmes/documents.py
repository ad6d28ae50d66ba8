"""The completion attestation of a programme (PDF): issued by the SPIP to a person who followed
a programme to its end. It holds what proves the attendance and nothing more: the person, the
programme, the group and its dates, the sessions attended out of those held. No offence, no
reason of the referral, no note."""

from dataclasses import dataclass
from datetime import date

from probatio.core import phones, printing
from probatio.core.text import agree, count
from probatio.people.models import Person
from probatio.programmes.models import Enrolment
from probatio.programmes.summaries import Summary


@dataclass(frozen=True)
class Attestation:
    service_name: str
    service_address: str
    service_phone: str
    person_name: str
    born: str  # "né", "née"
    birth_date: str
    programme: str
    aim: str
    group: str
    first: date | None
    last: date | None
    held: int
    attended: int
    session_minutes: int
    facilitators: list[str]
    dated: date

    @property
    def attendance_text(self) -> str:
        """« 7 séances sur 8 tenues », « 1 séance sur 1 tenue »."""
        return f"{count(self.attended, 'séance')} sur {self.held} {agree(self.held, 'tenue')}"


def attestation_for(
    person: Person, enrolment: Enrolment, summary: Summary, *, today: date
) -> Attestation:
    """``person``: the enrolment's (the gated person). Who prints it is not who signs it: the
    signature block is left blank, to be filled in by hand by whoever signs for the service."""
    service = person.service
    return Attestation(
        service_name=service.name,
        service_address=service.address,
        service_phone=phones.display(service.phone) if service.phone else "",
        person_name=f"{person.first_names} {person.surname.upper()}",
        born=person.born_word.lower(),
        birth_date=f"{person.birth_date:%d/%m/%Y}",
        programme=enrolment.programme.name,
        aim=enrolment.programme.aim,
        group=summary.group,
        first=summary.first_session,
        last=summary.last_session,
        held=summary.sessions_held,
        attended=summary.attended,
        session_minutes=enrolment.programme.session_minutes,
        facilitators=summary.facilitators,
        dated=today,
    )


def render_attestation(attestation: Attestation) -> bytes:
    return printing.render_pdf("programmes/attestation.html", {"a": attestation})
