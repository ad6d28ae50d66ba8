"""The referral letter (courrier d'orientation): its content, then the PDF rendered by
WeasyPrint with the shared letterhead.

The letter holds what the partner needs to receive the person and nothing more: the service's
letterhead, the partner (and its first site's address), the person's name and birth date, the
pathway and the purpose of the referral, the staff member to answer to. No offence, no measure,
no victim.
"""

from dataclasses import dataclass
from datetime import date

from probatio.accounts.models import User
from probatio.core import phones, printing
from probatio.people.models import Person
from probatio.reintegration.models import PartnerReferral


@dataclass(frozen=True)
class Letter:
    service_name: str
    service_address: str
    service_phone: str
    partner_name: str
    partner_address: list[str]
    person_name: str
    birth_date: str
    pathway: str
    purpose: str
    referred_on: str
    author: str
    author_title: str
    author_email: str
    letter_date: date


def letter_for(referral: PartnerReferral, *, person: Person, author: User, today: date) -> Letter:
    service = person.service
    partner = referral.partner
    site = partner.sites.first()
    address = [site.name, site.address, f"{site.postcode} {site.city}"] if site else []
    return Letter(
        service_name=service.name,
        service_address=service.address,
        service_phone=phones.display(service.phone) if service.phone else "",
        partner_name=partner.name,
        partner_address=[line for line in address if line],
        person_name=f"{person.first_names} {person.surname.upper()}",
        birth_date=f"{person.birth_date:%d/%m/%Y}" if person.birth_date else "",
        pathway=referral.need.get_pathway_display() if referral.need_id else "",
        purpose=referral.purpose,
        referred_on=f"{referral.referred_on:%d/%m/%Y}",
        author=author.get_full_name(),
        author_title=getattr(author, "title", "") or "",
        author_email=author.email,
        letter_date=today,
    )


def render_pdf(letter: Letter) -> bytes:
    return printing.render_pdf("reintegration/letter.html", {"letter": letter})


sha256 = printing.sha256
