"""Proofs and incidents on a real database: registration with real files, review, the
dossier's compliance, incident proposals and their handling, the échéancier's proof items."""

import hashlib
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from pypdf import PdfWriter

from probatio.agenda import services as agenda
from probatio.audit.models import AuditEntry
from probatio.compliance import rules, selectors, services
from probatio.compliance.models import Incident, Proof
from probatio.core.deadlines import Query, Severity, collect
from probatio.measures import services as measure_services
from probatio.people.models import Person, TimelineEvent
from tests.factories import gate, make_measure, make_person

TODAY = date(2025, 6, 20)


pytestmark = pytest.mark.usefixtures("private_files")  # files into a temporary folder


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2025, 6, 20, 10, 0, tzinfo=UTC), tick=False):
        yield


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(out, format=fmt)
    return out.getvalue()


def upload(content: bytes, name: str = "bulletin.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def dossier(cpip):
    """A sursis probatoire from 10 January 2025 with a monthly work obligation and a care
    obligation."""
    person = make_person(cpip)
    measure = make_measure(cpip, person, today=TODAY)
    work = measure_services.obligation_create(
        gated=gate(cpip, measure.person),
        measure=measure,
        decision=measure.decision,
        obligation_type_code="TRAVAIL_FORMATION",
        data={"start_date": measure.start_date, "status": "active"},
    )
    care = measure_services.obligation_create(
        gated=gate(cpip, measure.person),
        measure=measure,
        decision=measure.decision,
        obligation_type_code="SOINS",
        data={"start_date": measure.start_date, "status": "active"},
    )
    return {"person": person, "measure": measure, "work": work, "care": care}


def register(membership, dossier, *, period=date(2025, 2, 1), received=date(2025, 3, 5), **kw):
    kw.setdefault("document_type", "Bulletin de salaire")
    return services.proof_register(
        membership=membership,
        gated=gate(membership, dossier["person"]),
        obligation_id=kw.pop("obligation", dossier["work"]).pk,
        period_start=period,
        received_on=received,
        **kw,
    )


@pytest.mark.parametrize(
    ("content", "name", "stored_type"),
    [
        (pdf_bytes(), "bulletin.pdf", "application/pdf"),
        (image_bytes("PNG"), "photo.png", "image/png"),
        (image_bytes("JPEG"), "scan.jpeg", "image/jpeg"),
        (pdf_bytes(), "nom-trompeur.png", "application/pdf"),  # the content decides
    ],
)
def test_a_real_file_is_stored_privately_with_its_hash(
    cpip, dossier, private_files, content, name, stored_type
):
    proof = register(cpip, dossier, upload=upload(content, name))
    assert proof.medium == Proof.Medium.FILE and proof.status == Proof.Status.RECEIVED
    stored = (private_files / proof.file.name).read_bytes()
    assert proof.content_type == stored_type and proof.size == len(stored)
    if stored_type == "application/pdf":
        assert stored == content  # a PDF is kept as handed in
    else:
        assert stored.startswith(content[:3])  # an image is re-encoded in its own format
    assert proof.sha256 == hashlib.sha256(stored).hexdigest()
    assert proof.period_end == date(2025, 2, 28)
    assert AuditEntry.objects.filter(object_type="compliance.proof", action="create").exists()
    assert TimelineEvent.objects.filter(kind="proof", person=dossier["person"]).exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "vide.pdf", "vide"),
        (b"MZ\x90\x00 this is not a document", "bulletin.pdf", "n'est pas un PDF"),
        (b"Bulletin de salaire de mars", "bulletin.pdf", "n'est pas un PDF"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image.png", "n'est pas un PDF"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused(
    cpip, dossier, private_files, content, name, message
):
    with pytest.raises(ValidationError) as error:
        register(cpip, dossier, upload=upload(content, name))
    assert message in str(error.value.message_dict["file"])
    assert not Proof.objects.exists()
    assert not any(private_files.rglob("*.*"))  # no file left behind


def test_a_file_too_large_is_refused(cpip, dossier, settings, private_files):
    settings.PROOF_MAX_BYTES = 2_000
    big = pdf_bytes() + b"%" * 3_000
    with pytest.raises(ValidationError, match="taille maximale"):
        register(cpip, dossier, upload=upload(big))
    assert not Proof.objects.exists() and not any(private_files.rglob("*.*"))


def test_a_proof_seen_on_paper(cpip, dossier):
    proof = register(cpip, dossier)
    assert proof.medium == Proof.Medium.PAPER and not proof.file


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"period": date(2025, 2, 2)}, "period_start"),  # not a slot's key
        ({"period": date(2025, 7, 1)}, "period_start"),  # a future period
        ({"received": date(2025, 6, 21)}, "received_on"),
        ({"document_type": "  "}, "document_type"),
    ],
)
def test_bad_input_saves_nothing(cpip, dossier, kwargs, field):
    with pytest.raises(ValidationError) as error:
        register(cpip, dossier, **kwargs)
    assert field in error.value.message_dict
    assert not Proof.objects.exists()


def test_a_care_proof_takes_no_remark(cpip, dossier):
    with pytest.raises(ValidationError, match="attestation de présence"):
        register(
            cpip,
            dossier,
            obligation=dossier["care"],
            document_type="Attestation de présence",
            comment="Suivi addictologie, traitement de substitution",
        )
    assert not Proof.objects.exists()


def test_an_obligation_of_another_person_is_refused(cpip, dossier):
    other = make_person(cpip)
    with pytest.raises(ValidationError, match="obligation de la personne"):
        services.proof_register(
            membership=cpip,
            gated=gate(cpip, other),
            obligation_id=dossier["work"].pk,
            period_start=date(2025, 2, 1),
            document_type="Bulletin",
            received_on=TODAY,
        )


def test_review_accepts_or_refuses_with_a_reason(cpip, dossier):
    gated = gate(cpip, dossier["person"])
    proof = register(cpip, dossier)
    with pytest.raises(ValidationError, match="motif du refus"):
        services.proof_review(membership=cpip, gated=gated, proof=proof, accept=False)
    proof.refresh_from_db()
    assert proof.status == Proof.Status.RECEIVED
    services.proof_review(
        membership=cpip, gated=gated, proof=proof, accept=False, reason="Illisible"
    )
    proof.refresh_from_db()
    assert proof.status == Proof.Status.REFUSED and proof.refusal_reason == "Illisible"
    assert proof.reviewed_by == cpip.user
    entry = AuditEntry.objects.filter(object_type="compliance.proof", action="update").get()
    assert entry.changes["status"] == ["received", "refused"]


def test_secretariat_registers_but_does_not_review(secretariat, cpip, dossier):
    proof = register(secretariat, dossier)
    with pytest.raises(PermissionDenied):
        services.proof_review(
            membership=secretariat,
            gated=gate(secretariat, dossier["person"]),
            proof=proof,
            accept=True,
        )


def test_the_dossier_summary_over_the_measure(cpip, dossier):
    gated = gate(cpip, dossier["person"])
    on_time = register(cpip, dossier, period=date(2025, 1, 10), received=date(2025, 2, 5))
    late = register(cpip, dossier, period=date(2025, 2, 1), received=date(2025, 3, 20))
    refused = register(cpip, dossier, period=date(2025, 3, 1), received=date(2025, 4, 2))
    waiting = register(cpip, dossier, period=date(2025, 4, 1), received=date(2025, 5, 2))
    for proof in (on_time, late):
        services.proof_review(membership=cpip, gated=gated, proof=proof, accept=True)
    services.proof_review(membership=cpip, gated=gated, proof=refused, accept=False, reason="Flou")
    [work, care] = selectors.person_compliance(dossier["person"], today=TODAY)
    assert work.obligation == dossier["work"]
    assert work.counts == {
        rules.Status.ON_TIME: 1,  # January
        rules.Status.LATE: 1,  # February
        rules.Status.MISSING: 2,  # March (refused) and May (due 10 June)
        rules.Status.TO_REVIEW: 1,  # April
        rules.Status.NOT_DUE: 1,  # June
    }
    assert work.overall == rules.Status.MISSING
    assert work.proofs_by_slot[date(2025, 4, 1)] == [waiting]
    assert care.counts[rules.Status.MISSING] == 5  # nothing received, January to May


def test_the_summary_runs_a_fixed_number_of_queries(cpip, dossier):
    def count():
        with CaptureQueriesContext(connection) as queries:
            selectors.person_compliance(
                Person.objects.select_related("service").get(pk=dossier["person"].pk),
                today=TODAY,
            )
        return len(queries)

    few = count()
    for month in (1, 2, 3, 4, 5):
        register(cpip, dossier, period=date(2025, month, 10 if month == 1 else 1))
    assert count() == few == 4  # person, obligations, proofs, addresses


# --- Incidents. ---


def no_show(cpip, dossier, day: date):
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC).replace(hour=8)
    appointment = agenda.appointment_book(gated=gate(cpip, dossier["person"]), data={"kind": "follow_up", "place_kind": "other", "place_detail": "Antenne",
              "measure": dossier["measure"], "starts_at": start,
              "ends_at": start + timedelta(minutes=30)}, staff=[cpip.user], confirmed=True, now=start - timedelta(days=10))  # fmt: skip
    agenda.appointment_set_status(
        gated=gate(cpip, appointment.person),
        appointment=appointment,
        status="no_show",
        now=start + timedelta(hours=1),
    )
    return appointment


def proposals_of(dossier):
    person = Person.objects.select_related("service").get(pk=dossier["person"].pk)
    return selectors.proposals(
        person,
        selectors.person_compliance(person, today=TODAY, with_proofs=False),
        list(selectors.incidents_of(person)),
        today=TODAY,
    )


def test_no_shows_from_the_threshold_and_missing_proofs_are_proposed(cpip, dossier):
    first = no_show(cpip, dossier, date(2025, 5, 5))
    second = no_show(cpip, dossier, date(2025, 6, 2))
    found = proposals_of(dossier)
    appointments = [p.appointment_id for p in found if p.appointment_id]
    assert appointments == [second.pk]  # the threshold (2) is reached at the second
    assert first.pk not in appointments
    missing = [p for p in found if p.kind == Incident.Kind.MISSING_PROOF]
    assert {p.obligation_id for p in missing} == {dossier["work"].pk, dossier["care"].pk}
    # Only the gaps of the last 90 days are proposed (due from 22 March): March, April, May.
    assert {p.missed_period_start for p in missing} == {
        date(2025, 3, 1),
        date(2025, 4, 1),
        date(2025, 5, 1),
    }


def test_confirming_a_proposal_records_the_incident_and_it_is_not_proposed_again(cpip, dossier):
    no_show(cpip, dossier, date(2025, 5, 5))
    second = no_show(cpip, dossier, date(2025, 6, 2))
    incident = services.incident_record(
        membership=cpip,
        gated=gate(cpip, dossier["person"]),
        data={
            "kind": "missed_appointment",
            "occurred_on": date(2025, 6, 2),
            "source": "spip",
            "description": "Absent sans prévenir.",
            "steps_taken": ["reminder_letter", "summons"],
            "person_explanation": "",
            "appointment": second.pk,
        },
    )
    assert incident.measure == dossier["measure"] and incident.appointment == second
    assert incident.steps_display == ["Courrier de rappel", "Convocation"]
    assert second.pk not in [p.appointment_id for p in proposals_of(dossier)]
    assert TimelineEvent.objects.filter(kind="incident", title__startswith="Manquement").exists()
    with pytest.raises(ValidationError, match="déjà été traité"):
        services.incident_dismiss(
            membership=cpip,
            gated=gate(cpip, dossier["person"]),
            reason="Doublon",
            appointment_id=second.pk,
        )
    assert Incident.objects.count() == 1


def test_dismissing_a_missing_proof_needs_a_reason_and_removes_the_proposal(cpip, dossier):
    gated = gate(cpip, dossier["person"])
    key = date(2025, 5, 1)  # May, due 10 June: missing, and recent enough to be proposed
    assert (dossier["work"].pk, key) in [
        (p.obligation_id, p.missed_period_start) for p in proposals_of(dossier)
    ]
    with pytest.raises(ValidationError, match="pourquoi"):
        services.incident_dismiss(
            membership=cpip, gated=gated, reason=" ", obligation_id=dossier["work"].pk,
            period_start=key,
        )  # fmt: skip
    incident = services.incident_dismiss(
        membership=cpip,
        gated=gated,
        reason="Bulletin remis en main propre, oubli d'enregistrement",
        obligation_id=dossier["work"].pk,
        period_start=key,
    )
    assert incident.status == Incident.Status.DISMISSED
    assert (dossier["work"].pk, key) not in [
        (p.obligation_id, p.missed_period_start) for p in proposals_of(dossier)
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"occurred_on": date(2025, 6, 21)}, "occurred_on"),
        ({"description": ""}, "description"),
        ({"kind": "retard"}, "kind"),
        ({"steps_taken": ["pigeon"]}, "steps_taken"),
    ],
)
def test_bad_incidents_are_refused(cpip, dossier, change, field):
    data = {"kind": "new_offence", "occurred_on": date(2025, 6, 1), "source": "police",
            "description": "Interpellé pour vol.", **change}  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.incident_record(membership=cpip, gated=gate(cpip, dossier["person"]), data=data)
    assert field in error.value.message_dict
    assert not Incident.objects.exists()


def test_a_psychologist_may_not_record_an_incident(psychologist, dossier):
    with pytest.raises(PermissionDenied):
        services.incident_record(
            membership=psychologist,
            gated=gate(psychologist, dossier["person"]),
            data={"kind": "other", "occurred_on": TODAY, "source": "spip", "description": "x"},
        )


# --- The échéancier. ---


def query(service):
    return Query(
        persons=Person.objects.filter(service=service),
        today=TODAY,
        until=TODAY + timedelta(days=30),
        service_id=service.pk,
        service=service,
    )


def test_the_echeancier_lists_missing_proofs_as_alerts_and_coming_ones(cpip, service, dossier):
    gated = gate(cpip, dossier["person"])
    for month in (4, 5):
        proof = register(cpip, dossier, period=date(2025, month, 1), received=date(2025, month, 28))
        services.proof_review(membership=cpip, gated=gated, proof=proof, accept=True)
    items = [i for i in collect(query(service)) if i.kind == "proof"]
    alerts = [i for i in items if i.severity == Severity.ALERT]
    # Missing in the last 90 days (due from 22 March): March's work proof, and care's
    # March, April and May.
    work, care = dossier["work"].obligation_type.label, dossier["care"].obligation_type.label
    assert sorted((i.due, i.detail.split(" — ")[0]) for i in alerts) == sorted(
        [
            (date(2025, 4, 10), work),
            (date(2025, 4, 10), care),
            (date(2025, 5, 10), care),
            (date(2025, 6, 10), care),
        ]
    )
    assert all(i.is_overdue(TODAY) for i in alerts)
    coming = [i for i in items if i.severity == Severity.INFO]
    assert {i.due for i in coming} == {date(2025, 7, 10)}  # June, for both obligations
    assert len(coming) == 2


def test_the_proof_provider_runs_a_fixed_number_of_queries(cpip, service, dossier):
    def count():
        with CaptureQueriesContext(connection) as queries:
            [i for i in collect(query(service)) if i.kind == "proof"]
        return len(queries)

    few = count()
    for _ in range(3):
        person = make_person(cpip)
        measure = make_measure(cpip, person, today=TODAY)
        measure_services.obligation_create(
            gated=gate(cpip, measure.person),
            measure=measure,
            decision=measure.decision,
            obligation_type_code="INDEMNISER_VICTIME",
            data={"start_date": measure.start_date, "status": "active"},
        )
    assert count() == few
