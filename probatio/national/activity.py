"""What a national service does besides following files: its partners and TIG hosts, the
proofs its persons bring, their TIG orders and sessions, the reports sent to the judges, the
incidents recorded and the CAP sessions of its establishments.

Written by the generator with the same ``COPY`` writers, in the service's transaction, in the
demo's proportions: about a quarter of the files followed have a report under way or sent,
most periodic proofs are in on time, a TIG measure has its order, a placement at a host of
the service and the hours done so far, a few files have an incident recorded.

A report is what ``reports.services`` writes: its matter (``answers.matter_of``), its steps
from its creation on, each with its journal entry. About two thirds of those transmitted have
the judge's answer, as ``transitions.services.answer_record`` records it: the report answered
(its step and journal entry), the dated decision of the judge's court (journaled), the answer
(journaled), and for most the CPIP's reading of it (« Réponse du magistrat lue »). Only the
answers whose effect is the decision alone are given (``answers.E_TIMELINE``: acknowledged,
a reminder of the obligations, a warning; on a parole opinion, refused or adjourned with the
date of the new examination), and on a reinforced probation's assessment the obligations set
as they stand (``OBLIGATIONS_SET`` with nothing added or lifted, which changes no row). The
answers that open, extend, suspend or revoke a measure, add a sentence or reductions are
left out: their rows (measures, sentences, custody) are not written here. No timeline line:
the chronology of a generated file is its thirty lines. The answers have their own draws
(``seed:service:j``), so that the rest of the service is the same with or without them.
"""

import random
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
from probatio.core.dates import add_months
from probatio.core.text import fold
from probatio.measures.models import Decision
from probatio.reintegration.models import Partner
from probatio.reports import answers
from probatio.reports import rules as report_rules
from probatio.reports.models import JudgeAnswer, Report, ReportStep
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
    JudgeAnswer,
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
# The reintegration pathways each kind of partner serves (``Partner.pathways``, the
# directory's filter; a need's referral goes to a partner of its pathway, national/needs.py).
KIND_PATHWAYS = {
    "tig_host": [],
    "housing": ["housing"],
    "emergency_housing": ["housing"],
    "addiction": ["health"],
    "employment": ["employment", "finances"],
    "training": ["employment", "education"],
    "social_rights": ["rights", "finances"],
    "literacy": ["education"],
}
PLACEMENT_ACTIVITIES = [
    "Entretien des espaces verts",
    "Aide à la restauration scolaire",
    "Rénovation de locaux",
    "Tri et recyclage",
    "Accueil et manutention en ressourcerie",
]
REPORT_KINDS = [report_rules.SITUATION, report_rules.EVALUATION, report_rules.END_OF_MEASURE]
# A person held: no end-of-measure report on a prison sentence (``rules.NO_END_REPORT``), an
# opinion on parole instead (as many kinds: the same draw).
HELD_REPORT_KINDS = [report_rules.SITUATION, report_rules.EVALUATION, report_rules.OPINION]
HELD_OPINION = answers.PAROLE
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
# The judge's answers: the share of the transmitted reports answered once the answer's delay
# (3 to 30 days) has passed (about two thirds of them in all), and the answers by matter.
ANSWERED_SHARE = 0.75
ANSWER_CODES = {
    answers.FOLLOW_UP: [(answers.ACKNOWLEDGED, 80), (answers.REMINDER, 12), (answers.WARNING, 8)],
    answers.END_OF_MEASURE: [
        (answers.ACKNOWLEDGED, 80),
        (answers.REMINDER, 12),
        (answers.WARNING, 8),
    ],
    answers.REINFORCED_ASSESSMENT: [(answers.OBLIGATIONS_SET, 1)],
    answers.PAROLE: [(answers.REFUSED, 50), (answers.ADJOURNED, 50)],
}
ANSWER_TEXTS = {
    answers.ACKNOWLEDGED: "Pris acte du rapport le {day:%d/%m/%Y}.",
    answers.REMINDER: "Rappel de ses obligations à la personne, convoquée à cette fin.",
    answers.WARNING: "Avertissement : tout nouveau manquement sera porté à la connaissance du "
    "juge.",
    answers.OBLIGATIONS_SET: "Obligations maintenues telles que fixées par la juridiction.",
    answers.REFUSED: "Décision après débat contradictoire.",
    answers.ADJOURNED: "Décision après débat contradictoire : nouvel examen dans trois mois.",
}
ON_PAPER_SHARE = 0.1  # answers received on paper, recorded by the secretariat
SEEN_SHARE = 0.9  # answers of more than a week read by the CPIP
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

    def __init__(self, generator, *, service_id, plan, staff, establishments, court, rng):
        self.g = generator
        self.w = generator.w
        self.today = generator.today
        self.service_id = service_id
        self.staff = staff
        self.rng = rng
        # The judges' answers draw from their own generator (the rest stays the same).
        self.answer_rng = random.Random(f"{generator.seed}:{plan.number}:j")
        self.court_id, court_name = court
        # ``Court.jap_label``: the jurisdiction of a JAP's order.
        self.jap_label = f"Juge de l'application des peines — {court_name}"
        self.managers = staff.get("manager") or staff["cpip"]
        self.clerks = staff.get("secretariat") or self.managers
        self.judges = staff["judge"]
        self.placements: list[tuple[int, int, list]] = []  # (placement, supervisor, schedule)
        self.partners: dict[str, list[tuple[int, str]]] = {}  # kind → [(id, name)]
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
                        pathways=KIND_PATHWAYS[kind],
                        postcode=f"{self.rng.randint(1000, 95999):05d}",
                        phone=f"+331{self.rng.randint(10_000_000, 99_999_999)}",
                        is_active=True,
                        search_text=fold(f"{name} {description}")[:1000],
                        created_by_id=author,
                    )
                    self.partners.setdefault(kind, []).append((partner_id, name))
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
            self._report(person_id, measure_id, code, start, held, cpip, judge)
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

    def _report(self, person_id, measure_id, code, start, held, cpip, judge) -> None:
        """A report to the file's judge (the one who assigned its measure), its steps from its
        creation on, and the judge's answer for most of those transmitted."""
        rng = self.rng
        kind = rng.choice(HELD_REPORT_KINDS if held else REPORT_KINDS)
        stage = rng.choices([s for s, _ in REPORT_STAGES], weights=[w for _, w in REPORT_STAGES])[0]
        # Never before the file opened (its measure's start, a month ago at least).
        created = max(start, self.today - timedelta(days=rng.randint(3, 150)))
        sections = report_rules.blank_sections(kind)
        if stage != report_rules.DRAFT:
            for section in sections:
                section["text"] = "Éléments recueillis en entretien et auprès des partenaires."
        manager = rng.choice(self.managers)
        steps = STEPS_TO.get(stage, [])
        # Each step a day after the previous one: the report's dates are its steps'.
        moments = {step: _at(created + timedelta(days=n)) for n, step in enumerate(steps, 1)}
        approved = moments.get(report_rules.APPROVE)
        transmitted = moments.get(report_rules.TRANSMIT)
        matter = answers.matter_of(kind, opinion_matter=HELD_OPINION, measure_type=code)
        answer = self._answer_draw(matter, transmitted) if transmitted else None
        report_id = self.w[Report].next_id()
        label = report_rules.KIND_LABELS[kind]
        # ``reports.services.report_create``: its step « create » and its journal entry.
        self.w[ReportStep].add(
            report_id=report_id, step="create", status=report_rules.DRAFT, by_id=cpip,
            at=_at(created),
        )  # fmt: skip
        self.g.audit.add(
            user_id=cpip,
            action="create",
            object_type="reports.report",
            object_id=report_id,
            person_id=person_id,
            summary=f"Rapport commencé : {label}",
            at=_at(created),
        )
        last = _at(created)
        for step in steps:
            by = cpip if step == report_rules.SUBMIT else manager
            self._report_step(report_id, person_id, step, by, moments[step])
            last = moments[step]
        if answer is not None:
            last = answer["at"]
        self.w[Report].add(
            id=report_id,
            person_id=person_id,
            measure_id=measure_id,
            kind=kind,
            matter=matter,
            urgency="",
            title=label,
            sections=sections,
            status=report_rules.ANSWERED if answer is not None else stage,
            due_date=created + timedelta(days=rng.randint(20, 60)),
            author_id=cpip,
            judge_id=judge,
            approved_by_id=manager if approved else None,
            approved_at=approved,
            transmitted_at=transmitted,
            created_at=_at(created),
            updated_at=last,
        )
        if answer is not None:
            self._answer(report_id, person_id, matter, label, cpip, judge, answer)

    def _report_step(self, report_id, person_id, step, by, at) -> None:
        """A step of the workflow and its journal entry (``reports.services._advance``)."""
        status = report_rules.STEPS[step][1]
        self.w[ReportStep].add(report_id=report_id, step=step, status=status, by_id=by, at=at)
        self.g.audit.add(
            user_id=by,
            action="update",
            object_type="reports.report",
            object_id=report_id,
            person_id=person_id,
            summary=f"Rapport : {report_rules.STATUS_LABELS[status].lower()}",
            at=at,
        )

    # --- The judge's answer -------------------------------------------------------------------

    def _answer_draw(self, matter: str, transmitted: datetime) -> dict | None:
        """The answer to a report transmitted at ``transmitted``, or None (not answered yet):
        given 3 to 30 days after the transmission, yesterday at the latest."""
        rng = self.answer_rng
        answered = transmitted.date() + timedelta(days=rng.randint(3, 30))
        draw = rng.random()
        table = ANSWER_CODES.get(matter)
        if table is None or answered >= self.today or draw >= ANSWERED_SHARE:
            return None
        code = rng.choices([c for c, _ in table], weights=[w for _, w in table])[0]
        on_paper = rng.random() < ON_PAPER_SHARE
        clerk = rng.choice(self.clerks)
        # Read by the CPIP a few days later (before today), most of those of over a week.
        seen = None
        days_since = (self.today - answered).days
        if days_since >= 2 and rng.random() < (SEEN_SHARE if days_since >= 7 else 0.3):
            seen = _at(answered + timedelta(days=rng.randint(1, min(days_since - 1, 6))), 14)
        return {
            "code": code,
            "date": answered,
            "at": _at(answered, 11),
            "on_paper": on_paper,
            "clerk": clerk,
            "seen": seen,
        }

    def _answer(self, report_id, person_id, matter, title, cpip, judge, answer) -> None:
        """The rows ``transitions.services.answer_record`` writes for an answer whose effect is
        the decision alone: the report's step « answered », the decision of the judge's court
        (a JAP order), the answer; each with its journal entry."""
        code, day, at = answer["code"], answer["date"], answer["at"]
        definition = answers.answer_for(matter, code)
        # By the judge it is addressed to, or by the secretariat from an answer on paper.
        recorder = answer["clerk"] if answer["on_paper"] else judge
        self._report_step(report_id, person_id, report_rules.ANSWER, recorder, at)
        decision_id = self.w[Decision].add(
            person_id=person_id,
            kind=Decision.Kind.JAP_ORDER.value,
            jurisdiction=self.jap_label[:200],
            court_id=self.court_id,
            date=day,
            enforceable_date=day,
            judge_id=judge,
            judge_name=self.g.full_names.get(judge, ""),
            recidivism="none",
            summary=f"{definition.label} — réponse au rapport « {title} »"[:500],
            created_at=at,
        )
        self.g.audit.add(
            user_id=recorder,
            action="create",
            object_type="measures.decision",
            object_id=decision_id,
            person_id=person_id,
            summary="Nouvelle décision",
            at=at,
        )
        seen = answer["seen"]
        answer_id = self.w[JudgeAnswer].add(
            report_id=report_id,
            kind=code,
            date=day,
            text=ANSWER_TEXTS[code].format(day=day),
            next_review_on=add_months(day, 3) if code == answers.ADJOURNED else None,
            decision_id=decision_id,
            on_paper=answer["on_paper"],
            recorded_by_id=recorder,
            created_at=at,
            obligations_changed=False,
            seen_at=seen,
            seen_by_id=cpip if seen else None,
        )
        self.g.audit.add(
            user_id=recorder,
            action="create",
            object_type="reports.judgeanswer",
            object_id=answer_id,
            person_id=person_id,
            summary=f"Réponse du magistrat enregistrée : {definition.label}",
            at=at,
        )
        if seen:
            self.g.audit.add(
                user_id=cpip,
                action="update",
                object_type="reports.judgeanswer",
                object_id=answer_id,
                person_id=person_id,
                summary="Réponse du magistrat lue",
                at=seen,
            )
