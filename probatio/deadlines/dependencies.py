"""What the stored due items depend on: a change to one of these models marks the persons it
concerns stale, in the change's own transaction, and asks for their items to be computed
again once it commits (docs/deadlines.md, « Stored items »).

``KIND_MODELS``: for each provider (its code), the models it reads. A provider registered
without an entry here fails a test (``tests/services/test_due_items.py``): its author says what
it reads when they add it. ``PERSON_PATHS``: how to go from a person to a row of the model (a
lookup from ``Person``), or ``EVERYONE`` for a catalogue whose change concerns every person.
``SERVICE_PATHS``: the models whose change also concerns service-level items, and the fields
of the row naming those services. Labels, not imports: the apps to the right of this one are
named, never imported (docs/architecture.md).
"""

EVERYONE = "*"

# The follow-up intensity's three kinds (assessments/deadlines.py) read the same rows.
INTENSITY = (
    "agenda.appointment",
    "assessments.intensitydecision",
    "assessments.assessment",
    "assessments.intensityrule",
    "measures.measure",
    "people.custodyrecord",
    "people.person",
)

KIND_MODELS: dict[str, tuple[str, ...]] = {
    "appointment": ("agenda.appointment", "people.person", "organisation.service"),
    "first_interview": (
        "agenda.appointment",
        "measures.measure",
        "measures.decision",
        "measures.measuretype",
        "people.custodyrecord",
        "people.person",
        "organisation.service",
    ),
    "measure_end": (
        "measures.measure",
        "measures.measuretype",
        "people.person",
        "organisation.service",
    ),
    "victim_details": (
        "measures.obligation",
        "measures.obligationtype",
        "measures.measure",
        "people.person",
    ),
    "proof": (
        "compliance.proof",
        "measures.obligation",
        "measures.obligationtype",
        "measures.measure",
        "people.custodyrecord",
        "people.person",
    ),
    "message": ("messaging.message", "agenda.appointment", "people.person"),
    "report": (
        "reports.report",
        "reports.reportstep",
        "reports.judgeanswer",
        "measures.measure",
        "measures.obligation",
        "people.custodyrecord",
        "people.person",
    ),
    "legal_report": (
        "reports.report",
        "measures.measure",
        "measures.measuretype",
        "measures.decision",
        "people.person",
        "organisation.service",
    ),
    "sentence": (
        "sentences.sentence",
        "sentences.penalsituation",
        "sentences.reduction",
        "sentences.officialdate",
        "people.custodyrecord",
        "people.person",
        "organisation.service",
    ),
    "cap_opinion": (
        "sentences.capsession",
        "sentences.sentence",
        "sentences.officialdate",
        "people.custodyrecord",
        "people.person",
        "organisation.service",
    ),
    "referral": (
        "reintegration.partnerreferral",
        "reintegration.referralstep",
        "people.person",
        "organisation.service",
    ),
    "release_plan": (
        "reintegration.releaseplan",
        "reintegration.releaseplanitem",
        "sentences.sentence",
        "sentences.officialdate",
        "people.custodyrecord",
        "people.person",
        "organisation.service",
    ),
    "arrival_interview": (
        "reintegration.arrivalinterview",
        "people.custodyrecord",
        "people.person",
        "organisation.service",
    ),
    "community_work": (
        "community_work.tigorder",
        "community_work.assignment",
        "community_work.worksession",
        "community_work.placement",
        "people.custodyrecord",
        "people.person",
    ),
    "interview_due": INTENSITY,
    "contacts_below": INTENSITY,
    "assessment_review": INTENSITY,
    "transfer_in": ("transfers.transfer", "transfers.transfersettings"),
}

PERSON_PATHS: dict[str, str] = {
    "people.person": "pk",
    "people.custodyrecord": "custody_records",
    "organisation.service": "service",
    "agenda.appointment": "appointments",
    "measures.decision": "decisions",
    "measures.measure": "measures",
    "measures.obligation": "measures__obligations",
    "measures.measuretype": EVERYONE,
    "measures.obligationtype": EVERYONE,
    "compliance.proof": "proofs",
    "messaging.message": "messages",
    "reports.report": "reports",
    "reports.reportstep": "reports__steps",
    "reports.judgeanswer": "reports__answer",
    "sentences.sentence": "prison_sentences",
    "sentences.penalsituation": "prison_sentences__situation",
    "sentences.reduction": "prison_sentences__situation__reductions",
    "sentences.officialdate": "custody_records__official_dates",
    "sentences.capsession": "custody_records__establishment__cap_sessions",
    "reintegration.partnerreferral": "referrals",
    "reintegration.referralstep": "referrals__steps",
    "reintegration.releaseplan": "release_plans",
    "reintegration.releaseplanitem": "release_plans__items",
    "reintegration.arrivalinterview": "arrival_interviews",
    "community_work.tigorder": "tig_orders",
    "community_work.assignment": "tig_orders__assignments",
    "community_work.worksession": "tig_orders__assignments__sessions",
    "community_work.placement": "tig_orders__assignments__placement",
    "transfers.transfer": "transfers",
    "assessments.assessment": "assessments",
    "assessments.intensitydecision": "intensities",
    # A service's rule concerns every person of the service (as a change of its settings).
    "assessments.intensityrule": "service__intensity_rules",
    "transfers.transfersettings": "",  # service-level only
}

# Service-level items (``services.refresh.SERVICE_LEVEL_KINDS``): the fields naming the
# services concerned, or ``EVERYONE`` (a setting of the platform).
SERVICE_PATHS: dict[str, tuple[str, ...] | str] = {
    "transfers.transfer": ("to_service_id", "from_service_id"),
    "transfers.transfersettings": EVERYONE,
    "organisation.service": ("pk",),
}

# Many-to-many relations read by the providers: (model label, field name).
M2M: tuple[tuple[str, str], ...] = (("agenda.appointment", "staff"),)


def watched() -> set[str]:
    return {label for labels in KIND_MODELS.values() for label in labels}
