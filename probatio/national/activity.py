"""What a national service does besides following files: its partners and TIG hosts, the
proofs its persons bring, their TIG orders and sessions, the reports sent to the judges, the
incidents recorded and the CAP sessions of its establishments.

Written by the generator with the same ``COPY`` writers, in the service's transaction, in the
demo's proportions: about a quarter of the files followed have a report under way or sent,
most periodic proofs are in on time, a TIG measure has its order, a placement at a host of
the service and the hours done so far, a few files have an incident recorded.
"""

from datetime import UTC, date, datetime, timedelta

from probatio.community_work import rules as tig_rules
from probatio.community_work.models import (
    Assignment,
    HostOrganisation,
    Placement,
    Supervisor,
    TigOrder,
    WorkSession,
)
from probatio.compliance import rules as compliance_rules
from probatio.compliance.models import Incident, Proof
from probatio.core.text import fold
from probatio.reintegration.models import Partner
from probatio.reports import rules as report_rules
from probatio.reports.models import Report, ReportStep
from probatio.sentences.models import CapSession

MODELS = [
    Partner,
    HostOrganisation,
    Supervisor,
    Placement,
    TigOrder,
    Assignment,
    WorkSession,
    Proof,
    Incident,
    Report,
    ReportStep,
    CapSession,
]

# Partners of every kind, TIG hosts the most numerous (each offers two placements).
PARTNER_KINDS = [
    ("tig_host", "Mairie de", 4),
    ("housing", "Résidence sociale", 2),
    ("emergency_housing", "SIAO", 1),
    ("addiction", "CSAPA", 1),
    ("employment", "Mission locale", 1),
    ("training", "Centre de formation", 1),
    ("social_rights", "Point d'accès au droit", 1),
    ("literacy", "Atelier savoirs de base", 1),
]
PLACEMENT_ACTIVITIES = [
    "Entretien des espaces verts",
    "Aide à la restauration scolaire",
    "Rénovation de locaux",
    "Tri et recyclage",
    "Accueil et manutention en ressourcerie",
]
REPORT_KINDS = [report_rules.SITUATION, report_rules.EVALUATION, report_rules.END_OF_MEASURE]
# A report's stage, with its share among the reports of the files followed.
REPORT_STAGES = [
    (report_rules.DRAFT, 30),
    (report_rules.SUBMITTED, 15),
    (report_rules.APPROVED, 5),
    (report_rules.TRANSMITTED, 50),
]
STEPS_TO = {
    report_rules.SUBMITTED: [report_rules.SUBMIT],
    report_rules.APPROVED: [report_rules.SUBMIT, report_rules.APPROVE],
    report_rules.TRANSMITTED: [report_rules.SUBMIT, report_rules.APPROVE, report_rules.TRANSMIT],
}
REPORT_SHARE = 0.25
INCIDENT_SHARE = 0.04
INCIDENT_KINDS = [
    ("prohibition_breach", "Présence signalée dans un lieu interdit."),
    ("new_offence", "Interpellation pour de nouveaux faits, procédure en cours."),
    ("other", "Absence de démarches de soins malgré les rappels."),
]
PROOF_DOCUMENTS = {
    "TRAVAIL_FORMATION": "Bulletin de salaire",
    "SOINS": "Attestation de suivi",
    "INDEMNISER_VICTIME": "Justificatif de versement",
    "RESIDENCE": "Justificatif de domicile",
}


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)


class ServiceActivity:
    """One service's activity; ``person`` is called for each file after its measure."""

    def __init__(self, generator, *, service_id, plan, staff, establishments, rng):
        self.g = generator
        self.w = generator.w
        self.today = generator.today
        self.service_id = service_id
        self.staff = staff
        self.rng = rng
        self.managers = staff.get("manager") or staff["cpip"]
        self.judges = staff["judge"]
        self.placements: list[tuple[int, int, list]] = []  # (placement, supervisor, schedule)
        self._partners(plan, staff["cpip"][0])
        self._cap_sessions(establishments)

    # --- The service ------------------------------------------------------------------------

    def _partners(self, plan, author: int) -> None:
        rounds = max(2, plan.active // 400)
        names = self.g.names
        for round_ in range(rounds):
            for kind, prefix, count in PARTNER_KINDS:
                for index in range(count):
                    city = self.rng.choice(names.cities)
                    name = (
                        f"{prefix} {city}" if kind == "tig_host" else f"{prefix} {round_}-{index}"
                    )
                    description = f"Partenaire du SPIP ({kind}), {city}."
                    partner_id = self.w[Partner].add(
                        service_id=self.service_id,
                        name=name,
                        kind=kind,
                        description=description,
                        pathways=[],
                        postcode=f"{self.rng.randint(1000, 95999):05d}",
                        phone=f"+331{self.rng.randint(10_000_000, 99_999_999)}",
                        is_active=True,
                        search_text=fold(f"{name} {description}")[:1000],
                        created_by_id=author,
                    )
                    if kind == "tig_host":
                        self._host(partner_id, city)

    def _host(self, partner_id: int, city: str) -> None:
        approved = self.today - timedelta(days=self.rng.randint(200, 2000))
        host_id = self.w[HostOrganisation].add(
            partner_id=partner_id,
            legal_form="public_body",
            approval_court="Tribunal judiciaire",
            approval_date=approved,
            approval_end_date=None,
        )
        supervisor_id = self.w[Supervisor].add(
            host_id=host_id,
            name=f"{self.rng.choice(self.g.names.female)} {self.rng.choice(self.g.names.surnames)}",
            function="Responsable des services techniques",
            phone=f"+331{self.rng.randint(10_000_000, 99_999_999)}",
            email="",
            is_active=True,
        )
        for index in range(2):
            day = self.rng.randint(0, 4)
            schedule = [{"day": day, "start": "08:30", "end": "12:30"}]
            placement_id = self.w[Placement].add(
                host_id=host_id,
                code=f"N{self.service_id}-{host_id % 100000}-{index}",
                activity=self.rng.choice(PLACEMENT_ACTIVITIES),
                address=f"{self.rng.randint(1, 80)} {self.rng.choice(self.g.names.streets)}",
                postcode=f"{self.rng.randint(1000, 95999):05d}",
                city=city,
                schedule=schedule,
                capacity=2,
                supervisor_id=supervisor_id,
                is_active=True,
            )
            self.placements.append((placement_id, supervisor_id, schedule))

    def _cap_sessions(self, establishments: list[int]) -> None:
        """A CAP a month in each establishment: six held, two to come."""
        chair = self.judges[0]
        first = self.today.replace(day=1)
        for establishment_id in establishments:
            for months in range(-6, 2):
                month = first.month - 1 + months
                day = date(first.year + month // 12, month % 12 + 1, 12)
                self.w[CapSession].add(
                    establishment_id=establishment_id,
                    date=day,
                    judge_id=chair,
                    created_by_id=self.managers[0],
                )

    # --- One file ---------------------------------------------------------------------------

    def person(
        self,
        *,
        person_id: int,
        measure_id: int,
        code: str,
        start: date,
        hours: int | None,
        active: bool,
        held: bool,
        obligations: list[tuple[int, str]],
        cpip: int,
        judge: int,
    ) -> None:
        if not active:
            return  # a closed file keeps its measure and history; its paperwork is archived
        rng = self.rng
        for obligation_id, obligation_code in obligations:
            self._proofs(person_id, obligation_id, obligation_code, start, cpip)
        if code == "TIG" and hours and self.placements:
            self._tig(person_id, measure_id, start, hours, cpip)
        if rng.random() < REPORT_SHARE:
            self._report(person_id, measure_id, cpip, judge)
        if not held and rng.random() < INCIDENT_SHARE:
            kind, description = rng.choice(INCIDENT_KINDS)
            occurred = max(start, self.today - timedelta(days=rng.randint(5, 120)))
            self.w[Incident].add(
                person_id=person_id,
                measure_id=measure_id,
                obligation_id=None,
                kind=kind,
                occurred_on=occurred,
                source="spip" if kind == "other" else "police",
                description=description,
                steps_taken=[],
                status="recorded",
                recorded_by_id=cpip,
                created_at=_at(occurred + timedelta(days=1)),
                updated_at=_at(occurred + timedelta(days=1)),
            )

    def _proofs(self, person_id, obligation_id, obligation_code, start, cpip) -> None:
        """The quarterly proofs due so far: most accepted on time, a few refused, some missing;
        the one of the last quarter possibly still to review."""
        document = PROOF_DOCUMENTS.get(obligation_code)
        if document is None:
            return  # a prohibition: nothing to bring
        slots = compliance_rules.schedule(
            compliance_rules.QUARTERLY, start=start, end=None, today=self.today
        )
        for slot in slots:
            if slot.due > self.today + timedelta(days=30):
                continue
            draw = self.rng.random()
            if draw < 0.12:
                continue  # missing
            received = min(self.today, slot.period_end + timedelta(days=self.rng.randint(1, 12)))
            status = "accepted"
            if draw < 0.16:
                status = "refused"
            elif received >= self.today - timedelta(days=10):
                status = "received"
            self.w[Proof].add(
                person_id=person_id,
                obligation_id=obligation_id,
                period_start=slot.key,
                period_end=slot.period_end,
                document_type=document,
                received_on=received,
                medium="paper",
                status=status,
                refusal_reason="Document illisible" if status == "refused" else "",
                reviewed_by_id=None if status == "received" else cpip,
                reviewed_at=None if status == "received" else _at(received, 15),
                registered_by_id=cpip,
                created_at=_at(received),
            )

    def _tig(self, person_id, measure_id, start, hours, cpip) -> None:
        rng = self.rng
        order_id = self.w[TigOrder].add(
            person_id=person_id,
            measure_id=measure_id,
            obligation_id=None,
            hours_ordered=hours,
            period_months=tig_rules.MAX_PERIOD_MONTHS,
            counted_from=start,
            extra_suspension_days=0,
            available_days=[0, 1, 2, 3, 4],
            postcode=f"{rng.randint(1000, 95999):05d}",
            created_by_id=cpip,
            created_at=_at(start),
        )
        placed = start + timedelta(days=rng.randint(20, 60))
        if placed >= self.today or rng.random() < 0.15:
            return  # still to place (the échéancier's alert after two months)
        placement_id, supervisor_id, schedule = rng.choice(self.placements)
        assignment_id = self.w[Assignment].add(
            order_id=order_id,
            placement_id=placement_id,
            supervisor_id=supervisor_id,
            start_date=placed,
            end_date=None,
            schedule=schedule,
            status=tig_rules.ACTIVE,
            created_by_id=cpip,
            created_at=_at(placed),
        )
        done = 0
        day = placed
        while day < self.today and done + 4 <= hours:
            absent = rng.random() < 0.06
            self.w[WorkSession].add(
                assignment_id=assignment_id,
                on=day,
                kind="absence_unexcused" if absent else tig_rules.WORK,
                hours=0 if absent else 4,
                signed_by_id=None if absent else supervisor_id,
                recorded_by_id=cpip,
                created_at=_at(day, 17),
            )
            done += 0 if absent else 4
            day += timedelta(days=7)

    def _report(self, person_id, measure_id, cpip, judge) -> None:
        """A report to the file's judge (the one who assigned its measure)."""
        rng = self.rng
        kind = rng.choice(REPORT_KINDS)
        stage = rng.choices([s for s, _ in REPORT_STAGES], weights=[w for _, w in REPORT_STAGES])[0]
        created = self.today - timedelta(days=rng.randint(3, 150))
        sections = report_rules.blank_sections(kind)
        if stage != report_rules.DRAFT:
            for section in sections:
                section["text"] = "Éléments recueillis en entretien et auprès des partenaires."
        manager = rng.choice(self.managers)
        steps = STEPS_TO.get(stage, [])
        approved = report_rules.APPROVE in steps
        transmitted = report_rules.TRANSMIT in steps
        report_id = self.w[Report].add(
            person_id=person_id,
            measure_id=measure_id,
            kind=kind,
            matter="",
            urgency="",
            title=report_rules.KIND_LABELS[kind],
            sections=sections,
            status=stage,
            due_date=created + timedelta(days=rng.randint(20, 60)),
            author_id=cpip,
            judge_id=judge,
            approved_by_id=manager if approved else None,
            approved_at=_at(created + timedelta(days=3)) if approved else None,
            transmitted_at=_at(created + timedelta(days=4)) if transmitted else None,
            created_at=_at(created),
            updated_at=_at(created + timedelta(days=len(steps))),
        )
        for offset, step in enumerate(steps, start=1):
            self.w[ReportStep].add(
                report_id=report_id,
                step=step,
                status=report_rules.STEPS[step][1],
                by_id=cpip if step == report_rules.SUBMIT else manager,
                at=_at(created + timedelta(days=offset)),
            )
