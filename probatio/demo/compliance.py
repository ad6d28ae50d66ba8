"""The demo's proofs and incidents.

The first CPIP's caseload (``cpip.demo``) gets a proof history written through the services
(journaled, in the timeline): most proofs accepted on time, some late, some refused, some
received and waiting to be examined, some missing; a few are real files (a PDF and a scan).
The rest of the service gets a plain history of accepted proofs (bulk-written, without journal
lines: older history imported rather than typed), with a few gaps in the last months, so that
the managers' échéancier shows a realistic number of missing proofs.

Then incidents: no-show proposals confirmed or dismissed, a missing proof confirmed, a new
offence reported by the police and a victim's report, with the steps taken.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from probatio.access.roles import Role
from probatio.accounts.models import Membership
from probatio.compliance import selectors, services
from probatio.compliance.models import Incident, Proof
from probatio.people.models import Person
from probatio.people.selectors import person_get_for

DOCUMENTS = {
    "TRAVAIL_FORMATION": [
        "Bulletin de salaire",
        "Attestation de formation",
        "Attestation France Travail",
    ],
    "RESIDENCE": ["Justificatif de domicile (facture)", "Attestation d'hébergement"],
    "SOINS": ["Attestation de présence"],
    "CHARGES_FAMILIALES": ["Relevé de virement de la pension"],
    "INDEMNISER_VICTIME": ["Reçu de versement à la partie civile", "Échéancier du SARVI"],
    "PAYER_TRESOR": ["Quittance du Trésor public"],
    "PRISE_EN_CHARGE": ["Attestation de présence"],
    "RESIDER_HORS_DOMICILE_COUPLE": ["Attestation d'hébergement"],
    "NE_PAS_DETENIR_ARME": ["Récépissé de remise de l'arme"],
}
COURSE_DOCUMENT = "Attestation de stage"
REFUSALS = [
    "Document illisible",
    "Période couverte incorrecte",
    "Document au nom d'une autre personne",
]


@dataclass
class ComplianceReport:
    proofs: int = 0
    incidents: int = 0


def _pdf() -> bytes:
    from weasyprint import HTML

    return HTML(
        string="<h1>Bulletin de salaire</h1><p>Période : voir le justificatif. "
        "Document de démonstration.</p>"
    ).write_pdf()


def _png() -> bytes:
    """A scanned attestation: a page drawn by WeasyPrint, then as an image (PNG)."""
    from weasyprint import HTML

    from probatio.compliance.rasterise import rasterise

    pdf = HTML(
        string="<style>@page { size: 148mm 105mm; margin: 12mm }</style>"
        "<h2>Attestation de présence</h2><p>Je soussigné·e atteste que la personne nommée "
        "ci-dessus a été présente aux dates indiquées.</p><p><em>Scan de démonstration : "
        "document fictif.</em></p>"
    ).write_pdf()
    (image,), _ = rasterise(pdf, max_pages=1, max_side=700)
    return image


class ComplianceBuilder:
    def __init__(self, *, service, staff: dict[Role, list[Membership]], rng: random.Random,
                 today: date):  # fmt: skip
        self.service = service
        self.staff = staff
        self.rng = rng
        self.today = today
        self.report = ComplianceReport()
        self.cpip = staff[Role.CPIP][0]

    def build(self) -> ComplianceReport:
        obligations = list(
            selectors.scheduled_obligations(
                Person.objects.filter(service=self.service).values("pk")
            )
        )
        items = selectors.compliance_of(
            obligations, today=self.today, grace_days=self.service.proof_grace_days
        )
        mine = [
            i for i in items if i.obligation.measure.person.assigned_cpip_id == self.cpip.user_id
        ]
        self._bulk([i for i in items if i not in mine])
        self._through_services(mine)
        self._incidents()
        return self.report

    def _document(self, obligation) -> str:
        code = obligation.obligation_type_id
        if code.startswith("STAGE_"):
            return COURSE_DOCUMENT
        return self.rng.choice(DOCUMENTS.get(code, ["Justificatif"]))

    def _received(self, slot, *, late: bool) -> date:
        if late:
            day = slot.due + timedelta(days=self.rng.randint(3, 25))
        else:
            earliest = min(slot.period_end + timedelta(days=1), slot.due)
            day = earliest + timedelta(days=self.rng.randint(0, max(0, (slot.due - earliest).days)))
        return min(day, self.today)

    def _bulk(self, items) -> None:
        """Accepted proofs for the rest of the service, a few gaps in the last 90 days."""
        rows = []
        recent = self.today - timedelta(days=90)
        for item in items:
            obligation = item.obligation
            person = obligation.measure.person
            author = person.assigned_cpip_id or self.cpip.user_id
            for state in item.states:
                slot = state.slot
                if slot.due >= self.today:
                    continue
                if slot.due >= recent and self.rng.random() < 0.06:
                    continue  # missing: shows in the échéancier
                late = self.rng.random() < 0.08
                rows.append(
                    Proof(
                        person_id=person.pk,
                        obligation=obligation,
                        period_start=slot.period_start,
                        period_end=slot.period_end,
                        document_type=self._document(obligation),
                        received_on=self._received(slot, late=late),
                        medium=Proof.Medium.PAPER,
                        status=Proof.Status.ACCEPTED,
                        registered_by_id=author,
                        reviewed_by_id=author,
                    )
                )
        Proof.objects.bulk_create(rows, batch_size=2000)
        self.report.proofs += len(rows)

    def _through_services(self, items) -> None:
        """The demo CPIP's caseload: every state, through the services."""
        member = self.cpip
        files = [("bulletin.pdf", _pdf()), ("attestation.png", _png())]
        uploads_left = 6
        reviewed = refused = waiting_kept = 0
        for item in items:
            obligation = item.obligation
            gated = person_get_for(member, obligation.measure.person_id)
            ended = [s for s in item.states if s.slot.period_end < self.today]
            latest = ended[-1].slot.key if ended else None
            for state in item.states:
                slot = state.slot
                roll = self.rng.random()
                waiting = slot.key == latest  # the last period ended: may still be examined
                if slot.period_start > self.today - timedelta(days=20) and slot.due > self.today:
                    continue  # the current period: not expected yet
                if roll < 0.07:
                    continue  # missing
                upload = None
                if uploads_left and roll > 0.9:
                    name, content = files[uploads_left % 2]
                    upload = SimpleUploadedFile(name, content)
                    uploads_left -= 1
                late = 0.07 <= roll < 0.15
                proof = services.proof_register(
                    membership=member,
                    gated=gated,
                    obligation_id=obligation.pk,
                    period_start=slot.key,
                    document_type=self._document(obligation),
                    received_on=self._received(slot, late=late),
                    upload=upload,
                    today=self.today,
                )
                self.report.proofs += 1
                # About half of the last periods' proofs wait to be examined, and at least one
                # (whatever the date the demo is loaded on).
                if waiting and (roll > 0.55 or not waiting_kept):
                    waiting_kept += 1
                    continue  # received, to examine
                reviewed += 1
                # About one in twenty is refused, and at least one (small caseloads, any date).
                if 0.15 <= roll < 0.2 or (not refused and reviewed == 4):
                    refused += 1
                    services.proof_review(
                        membership=member, gated=gated, proof=proof, accept=False,
                        reason=self.rng.choice(REFUSALS),
                    )  # fmt: skip
                    continue
                services.proof_review(membership=member, gated=gated, proof=proof, accept=True)

    def _incidents(self) -> None:
        member = self.cpip
        persons = list(
            Person.objects.filter(service=self.service, assigned_cpip=member.user)
            .select_related("service")
            .order_by("pk")
        )
        confirmed_no_show = dismissed = confirmed_proof = 0
        for person in persons:
            gated = person_get_for(member, person.pk)
            compliance = selectors.person_compliance(person, today=self.today, with_proofs=False)
            incidents = list(selectors.incidents_of(person))
            for proposal in selectors.proposals(person, compliance, incidents, today=self.today):
                if proposal.appointment_id and confirmed_no_show < 2:
                    services.incident_record(
                        membership=member,
                        gated=gated,
                        data={
                            "kind": Incident.Kind.MISSED_APPOINTMENT,
                            "occurred_on": proposal.occurred_on,
                            "source": Incident.Source.SPIP,
                            "description": "Deuxième absence non excusée sur la mesure, sans "
                            "nouvelles de la personne malgré un appel.",
                            "steps_taken": [Incident.Step.PHONE_CALL, Incident.Step.SUMMONS],
                            "person_explanation": "",
                            "appointment": proposal.appointment_id,
                        },
                        today=self.today,
                    )
                    confirmed_no_show += 1
                elif proposal.missed_period_start and confirmed_proof < 2:
                    services.incident_record(
                        membership=member,
                        gated=gated,
                        data={
                            "kind": Incident.Kind.MISSING_PROOF,
                            "occurred_on": proposal.occurred_on,
                            "source": Incident.Source.SPIP,
                            "description": "Justificatif non produit malgré le rappel.",
                            "steps_taken": [Incident.Step.REMINDER_LETTER],
                            "person_explanation": "Dit avoir perdu le document, doit en "
                            "demander un duplicata.",
                            "obligation": proposal.obligation_id,
                            "missed_period_start": proposal.missed_period_start,
                        },
                        today=self.today,
                    )
                    confirmed_proof += 1
                elif proposal.missed_period_start and dismissed < 1:
                    services.incident_dismiss(
                        membership=member,
                        gated=gated,
                        reason="Justificatif présenté en entretien, enregistré sur papier",
                        obligation_id=proposal.obligation_id,
                        period_start=proposal.missed_period_start,
                    )
                    dismissed += 1
        reported = [
            (Incident.Kind.NEW_OFFENCE, Incident.Source.POLICE,
             "Placé en garde à vue pour conduite sous l'empire d'un état alcoolique ; "
             "convocation devant le tribunal correctionnel à venir.",
             [Incident.Step.INTERVIEW, Incident.Step.REPORT],
             "Reconnaît les faits, dit traverser une période difficile."),
            (Incident.Kind.VICTIM_REPORT, Incident.Source.VICTIM,
             "La victime signale des messages reçus malgré l'interdiction de contact.",
             [Incident.Step.SUMMONS, Incident.Step.REPORT],
             ""),
        ]  # fmt: skip
        # The victim's report concerns someone under a no-contact order.
        no_contact = [
            p for p in persons
            if p.measures.filter(obligations__obligation_type_id="NE_PAS_CONTACTER").exists()
        ]  # fmt: skip
        targets = [persons[3], (no_contact or persons)[-1]]
        for person, (kind, source, description, steps, explanation) in zip(
            targets, reported, strict=False
        ):
            services.incident_record(
                membership=member,
                gated=person_get_for(member, person.pk),
                data={
                    "kind": kind,
                    "occurred_on": self.today - timedelta(days=self.rng.randint(4, 20)),
                    "source": source,
                    "description": description,
                    "steps_taken": steps,
                    "person_explanation": explanation,
                },
                today=self.today,
            )
        self.report.incidents = Incident.objects.filter(person__service=self.service).count()
